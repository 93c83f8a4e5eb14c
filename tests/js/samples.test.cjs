'use strict';
// Every published version compiles, and the sample events it carries get the verdicts they must,
// in every input form and through scanNdjson.

const { describe, test } = require('node:test');
const { api, assert, RULE_ID, VERSIONS, withoutHit } = require('./helpers.cjs');

const { compileRule, versions } = require('external-ip-lookup-rule');

test('versions() and the versions that compile are the same four', () => {
  assert.deepEqual(
    versions().map((v) => v.version),
    VERSIONS,
  );
});

for (const version of VERSIONS) {
  describe(`version ${version}`, () => {
    const rule = compileRule({ version });
    const samples = rule.samples();

    test('compiles with its own metadata', () => {
      assert.equal(rule.info.version, version);
      assert.equal(rule.info.rule_id, RULE_ID);
      assert.ok(rule.query.startsWith('network where'), rule.query.slice(0, 40));
      assert.ok(rule.fields.includes('dns.question.name'));
    });

    test('carries both true-positive and true-negative samples', () => {
      assert.ok(samples.length >= 10, `${samples.length} samples`);
      for (const s of samples) {
        assert.ok(s.expect === 'match' || s.expect === 'no_match', s.expect);
        assert.equal(typeof s.why, 'string');
        assert.ok(s.why.length > 0);
        assert.ok(s.event !== null && typeof s.event === 'object' && !Array.isArray(s.event));
      }
      assert.ok(samples.some((s) => s.expect === 'match'));
      assert.ok(samples.some((s) => s.expect === 'no_match'));
    });

    test('every sample gets its expected verdict, on both paths', () => {
      for (const s of samples) {
        const want = s.expect === 'match';
        const v = rule.evaluate(s.event);
        assert.equal(v.matched, want, `${s.why}: ${v.summary}`);
        assert.equal(rule.matches(s.event), want, `matches(): ${s.why}`);
        assert.equal(v.rule.version, version);
        assert.equal(v.rule.id, RULE_ID);
        if (want) {
          assert.deepEqual(
            v.missing_fields.filter((f) => !['user.id', 'process.executable'].includes(f) && !f.startsWith('process.code_signature')),
            [],
            s.why,
          );
          assert.doesNotMatch(v.summary, /^no alert/, s.why);
        } else {
          assert.match(v.summary, /^no alert: /, s.why);
        }
      }
    });

    test('samples as JSON text, bytes and hits get the same verdicts', () => {
      const enc = new TextEncoder();
      for (const [i, s] of samples.entries()) {
        const expected = rule.evaluate(s.event);
        const json = JSON.stringify(s.event);
        assert.deepEqual(rule.evaluate(json), expected, s.why);
        assert.deepEqual(rule.evaluate(enc.encode(json)), expected, s.why);
        const hit = { _index: `logs-endpoint.events.network-${version}`, _id: `sample-${i}`, _source: s.event };
        const hv = rule.evaluate(hit);
        assert.equal(hv._id, `sample-${i}`);
        assert.equal(hv._index, `logs-endpoint.events.network-${version}`);
        assert.deepEqual(withoutHit(hv), expected);
        assert.equal(rule.matches(JSON.stringify(hit)), expected.matched);
      }
    });

    test('scanNdjson of the samples matches exactly the expected lines', () => {
      const text = samples.map((s) => JSON.stringify(s.event)).join('\n');
      const r = rule.scanNdjson(Buffer.from(text));
      const want = samples.flatMap((s, i) => (s.expect === 'match' ? [i + 1] : []));
      assert.deepEqual(r.matched, want);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.counts, {
        lines: samples.length,
        matched: want.length,
        unmatched: samples.length - want.length,
        rejected: 0,
        blank: 0,
      });
    });
  });
}

test('samples() returns fresh copies: editing one changes nothing', () => {
  const rule = compileRule();
  const s = rule.samples();
  s[0].event.dns = null;
  s.length = 0;
  const again = rule.samples();
  assert.ok(again.length > 0);
  assert.equal(rule.evaluate(again[0].event).matched, again[0].expect === 'match');
});

test('version samples cross versions as the versions differ', () => {
  // Version 104 added `host.os.type == "windows"`: a version 102 match without host.os.type is
  // not a 104 match.
  const v102 = compileRule({ version: '102' });
  const v104 = compileRule({ version: '104' });
  const tp = v102.samples().find((s) => s.expect === 'match').event;
  const noOs = structuredClone(tp);
  delete noOs.host;
  assert.equal(v102.matches(noOs), true);
  assert.equal(v104.matches(noOs), false);
  assert.equal(v104.evaluate(noOs).reasons.children.find((c) => c.field === 'host.os.type').kind, 'field_absent');
  assert.equal(api.matches(noOs), true, 'the default rule is 102');
});

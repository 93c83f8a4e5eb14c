// The JS API contract from an ES module: named and default imports, one instance shared with
// CommonJS, every version and its samples, input forms, and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';

import api, { evaluate, matches, compileRule, versions, scanNdjson, Rule } from 'external-ip-lookup-rule';

const require = createRequire(import.meta.url);
const RULE_ID = '1d72d014-e2ab-4707-b056-9b96abe7b511';

const tp = () =>
  structuredClone(
    compileRule()
      .samples()
      .find((s) => s.expect === 'match').event,
  );

test('named exports are the contract functions, and the default export is the whole API', () => {
  for (const [name, fn] of Object.entries({ evaluate, matches, compileRule, versions, scanNdjson })) {
    assert.equal(typeof fn, 'function', name);
    assert.equal(api[name], fn, `default.${name} is the named export`);
  }
  assert.equal(typeof Rule, 'function');
});

test('ESM and CommonJS share one instance', () => {
  const cjs = require('external-ip-lookup-rule');
  assert.equal(cjs, api);
  assert.equal(cjs.evaluate, evaluate);
  assert.ok(cjs.compileRule() instanceof Rule, 'a rule from the CommonJS entry is an ESM Rule');
});

test('import resolves to the ESM entry', () => {
  assert.match(import.meta.resolve('external-ip-lookup-rule'), /\/js\/node\.mjs$/);
});

test('versions()', () => {
  const list = versions();
  assert.deepEqual(
    list.map((v) => v.version),
    ['4', '102', '104', '108'],
  );
  assert.deepEqual(
    list.filter((v) => v.default).map((v) => v.version),
    ['102'],
  );
  for (const v of list) assert.match(v.stack, /^\d+\.\d+$/);
});

test('every version compiles and gets its samples right', () => {
  for (const { version } of versions()) {
    const rule = compileRule({ version });
    assert.ok(rule instanceof Rule);
    assert.equal(rule.info.version, version);
    for (const s of rule.samples()) {
      assert.equal(rule.evaluate(s.event).matched, s.expect === 'match', `${version}: ${s.why}`);
      assert.equal(rule.matches(s.event), s.expect === 'match', `${version}: ${s.why}`);
    }
  }
});

test('evaluate(): a verdict for the default rule, in every input form', () => {
  const e = tp();
  const v = evaluate(e);
  assert.equal(v.matched, true);
  assert.deepEqual(v.rule, { id: RULE_ID, name: 'External IP Lookup from Non-Browser Process', version: '102' });
  const json = JSON.stringify(e);
  assert.deepEqual(evaluate(json), v);
  assert.deepEqual(evaluate(new TextEncoder().encode(json)), v);
  const hv = evaluate({ _index: 'idx', _id: 'id1', _source: e });
  assert.equal(hv._index, 'idx');
  assert.equal(hv._id, 'id1');
  assert.equal(hv.matched, true);
  assert.equal(matches(e), true);
  assert.equal(matches({ 'event.category': 'network' }), false);
});

test('rule properties', () => {
  const rule = compileRule({ version: '102' });
  assert.equal(rule.info.rule_id, RULE_ID);
  assert.equal(rule.info.severity, 'low');
  assert.equal(rule.info.risk_score, 21);
  assert.equal(rule.fields.length, 7);
  assert.deepEqual(
    rule.warnings.map((w) => w.kind),
    ['duplicate_entry', 'subsumed_entry'],
  );
  assert.equal(rule.query, rule.info.query);
});

test('errors: codes and positions, and the module keeps answering', () => {
  assert.throws(
    () => compileRule({ query: 'network where (' }),
    (e) => e instanceof Error && e.code === 'syntax' && e.line === 1 && e.column >= 15,
  );
  assert.throws(() => compileRule({ version: '5' }), { code: 'unknown_version' });
  assert.throws(() => compileRule({ nope: true }), TypeError);
  assert.throws(() => evaluate(7), TypeError);
  assert.throws(() => evaluate(null), TypeError);
  assert.throws(() => evaluate('{]'), { code: 'event' });
  assert.equal(matches(tp()), true);
});

test('scanNdjson from ESM, on a Buffer and a string', () => {
  const text = `${JSON.stringify(tp())}\n\n[1]\n{}\n`;
  const r = scanNdjson(Buffer.from(text));
  assert.deepEqual(r, scanNdjson(text));
  assert.deepEqual(r.counts, { lines: 3, matched: 1, unmatched: 1, rejected: 1, blank: 1 });
  const file = new URL('../../samples/events.ndjson', import.meta.url);
  if (existsSync(file)) assert.ok(scanNdjson(readFileSync(file)).counts.matched > 0);
});

'use strict';
// The semantics corpus (tests/corpus/semantics.json, the format is described in tests/semantics.rs)
// through the JS API: every case's verdict, or its error code, for the event as a JS object and as
// JSON text, on every version it names, so the Rust engine and the JS API give one verdict. Reason
// checks stay with tests/semantics.rs, which runs the same cases natively.

const { describe, test } = require('node:test');
const fs = require('node:fs');
const path = require('node:path');
const { assert } = require('./helpers.cjs');

const { compileRule, versions } = require('external-ip-lookup-rule');

const corpus = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'corpus', 'semantics.json'), 'utf8'));
const ALL = versions().map((v) => v.version);

function expand(v) {
  if (Array.isArray(v)) return v.map(expand);
  if (v && typeof v === 'object') {
    if ('$repeat' in v) return `${v.prefix ?? ''}${v.$repeat.repeat(v.times)}${v.suffix ?? ''}`;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expand(x)]));
  }
  return v;
}

function buildEvent(c) {
  const event = structuredClone(c.event ?? corpus.base);
  for (const p of c.remove ?? []) {
    const keys = p.split('.');
    let node = event;
    for (const k of keys.slice(0, -1)) node = node[k];
    delete node[keys[keys.length - 1]];
  }
  for (const [p, value] of Object.entries(c.set ?? {})) {
    const keys = p.split('.');
    let node = event;
    for (const k of keys.slice(0, -1)) {
      if (node[k] === null || typeof node[k] !== 'object' || Array.isArray(node[k])) node[k] = {};
      node = node[k];
    }
    node[keys[keys.length - 1]] = value;
  }
  return expand(event);
}

function caseVersions(c) {
  if (c.versions === 'all') return ALL;
  return c.versions ?? ['102'];
}

/**
 * Verdicts cross from wasm packed (src/wasm/mod.rs `pack_verdict`, js/api.cjs `unpackVerdict`),
 * with what every verdict of a rule shares sent once: the object `evaluate` gives must be the
 * verdict as the engine serializes it, key for key and in order, whether the event is an object
 * or JSON text.
 */
function assertUnpacked(rule, event, what) {
  const text = JSON.stringify(event);
  const native = rule._call('verdictJsonForTests', Buffer.from(text));
  assert.equal(JSON.stringify(rule.evaluate(text)), native, `${what}: evaluate(JSON text) unpacked`);
  assert.equal(JSON.stringify(rule.evaluate(event)), native, `${what}: evaluate(object) unpacked`);
}

describe('the semantics corpus through the JS API', () => {
  for (const c of corpus.cases) {
    test(c.name, () => {
      const event = buildEvent(c);
      for (const version of caseVersions(c)) {
        const options = { version };
        if (c.query !== undefined) options.query = c.query;
        if (c.mapping !== undefined) options.mapping = c.mapping;
        if (c.error !== undefined) {
          assert.throws(
            () => compileRule(options),
            (e) => e.code === c.error,
            `v${version}: a ${c.error} error`,
          );
          continue;
        }
        const rule = compileRule(options);
        const want = typeof c.matched === 'boolean' ? c.matched : c.matched[version];
        assert.equal(rule.matches(event), want, `v${version}: matches(object)`);
        assert.equal(rule.evaluate(event).matched, want, `v${version}: evaluate(object)`);
        assert.equal(rule.evaluate(JSON.stringify(event)).matched, want, `v${version}: evaluate(JSON text)`);
        assertUnpacked(rule, event, `v${version}`);
        if (c.warning !== undefined) {
          assert.ok(
            rule.warnings.some((w) => w.kind === c.warning),
            `v${version}: a ${c.warning} warning`,
          );
        }
      }
    });
  }
});

describe('packed verdicts beyond the corpus: hits, exceptions, Sysmon input, every version', () => {
  const base = buildEvent({});
  const hit = { _index: 'logs-endpoint.events.network-default', _id: 'a1', _source: base };
  const excluded = { ...base, user: { ...base.user, name: 'svc-backup' } };
  const exceptions = [
    { name: 'backup user', entries: [{ field: 'user.name', type: 'match', operator: 'included', value: 'svc-backup' }] },
    { name: 'never', entries: [{ field: 'process.name', type: 'match_any', operator: 'included', value: ['x.exe', 'y.exe'] }] },
  ];
  const sysmon = {
    EventID: 22,
    Channel: 'Microsoft-Windows-Sysmon/Operational',
    Computer: 'WS-042',
    QueryName: 'api.ipify.org',
    Image: 'C:\\Users\\alice\\AppData\\Local\\Temp\\x.exe',
    User: 'CORP\\alice',
  };
  for (const version of ALL) {
    test(`v${version}`, () => {
      const plain = compileRule({ version });
      for (const event of [base, hit, excluded, {}, { event: { category: 'network' } }]) assertUnpacked(plain, event, 'default rule');
      const tuned = compileRule({ version, exceptions });
      for (const event of [base, hit, excluded]) assertUnpacked(tuned, event, 'with exceptions');
      const auto = compileRule({ version, input: 'auto' });
      for (const event of [base, sysmon]) assertUnpacked(auto, event, 'input auto');
    });
  }
});

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

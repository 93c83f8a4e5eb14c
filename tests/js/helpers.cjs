'use strict';
// Shared by the Node tests: the package under test (by its name, so `exports` routing is what is
// tested), a matching event to vary, and small helpers. Not a test file itself.

const assert = require('node:assert/strict');
const api = require('external-ip-lookup-rule');

const RULE_ID = '1d72d014-e2ab-4707-b056-9b96abe7b511';
const VERSIONS = ['4', '102', '104', '108'];

/** A fresh copy of the first sample that version 102 must match (a Temp binary looks up api.ipify.org). */
function matchingEvent() {
  const sample = api
    .compileRule({})
    .samples()
    .find((s) => s.expect === 'match');
  return structuredClone(sample.event);
}

/** Sets (or, with `undefined`, deletes) a nested field on a copy of `event`. */
function withField(event, path, value) {
  const copy = structuredClone(event);
  const keys = path.split('.');
  let node = copy;
  for (const k of keys.slice(0, -1)) {
    if (node[k] === null || typeof node[k] !== 'object') node[k] = {};
    node = node[k];
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** `{a:{b:1}}` -> `{"a.b":1}` (objects only; arrays stay values). */
function flatten(obj, prefix = '', out = {}) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v, key, out);
    else out[key] = v;
  }
  return out;
}

/** Asserts `fn` throws what `expected` describes, then that the module still answers. */
function throwsThenRecovers(fn, expected, message) {
  assert.throws(fn, expected, message);
  const event = matchingEvent();
  assert.equal(api.matches(event), true, 'matches() answers after an error');
  assert.equal(api.evaluate(event).matched, true, 'evaluate() answers after an error');
  assert.equal(api.compileRule({ version: '104' }).matches(event), true, 'compileRule() answers after an error');
  assert.equal(api.scanNdjson(`${JSON.stringify(event)}\n`).counts.matched, 1, 'scanNdjson() answers after an error');
}

/** The verdict without the hit fields, for comparing input forms. */
function withoutHit(verdict) {
  const rest = { ...verdict };
  delete rest._index;
  delete rest._id;
  return rest;
}

/** A small deterministic PRNG (mulberry32, floats in [0, 1)), so a failure names a reproducible seed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

module.exports = { api, assert, RULE_ID, VERSIONS, matchingEvent, withField, flatten, throwsThenRecovers, withoutHit, prng };

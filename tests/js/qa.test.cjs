'use strict';
// Elasticsearch's EQL QA suite through the JS API, as tests/qa.rs runs it in Rust: the vendored
// single-event queries of test_queries.toml over the endgame-140 data with the suite's mapping
// (plus Elasticsearch's dynamic mapping for the fields it lacks), each matching exactly the
// suite's event ids, as JS objects and as JSON text. Also the numbers-as-text promise: an object
// and JSON.stringify of it get one verdict.

const { describe, test } = require('node:test');
const fs = require('node:fs');
const path = require('node:path');
const { assert } = require('./helpers.cjs');

const { compileRule } = require('external-ip-lookup-rule');

const dir = path.join(__dirname, '..', 'data', 'qa');
const events = JSON.parse(fs.readFileSync(path.join(dir, 'test_data.json'), 'utf8'));
const { queries } = JSON.parse(fs.readFileSync(path.join(dir, 'queries.json'), 'utf8'));

/** Elasticsearch's dynamic mapping of the fields `props` lacks (strings: text + keyword). */
function dynamic(props, doc) {
  for (const [k, v] of Object.entries(doc)) {
    if (k in props) {
      if (props[k].properties && v && typeof v === 'object' && !Array.isArray(v)) dynamic(props[k].properties, v);
      continue;
    }
    const first = Array.isArray(v) ? v.find((x) => x !== null) : v;
    if (first === null || first === undefined) {
      if (Array.isArray(v)) props[k] = { properties: {} };
      continue;
    }
    if (typeof first === 'string') props[k] = { type: 'text', fields: { keyword: { type: 'keyword' } } };
    else if (typeof first === 'number') props[k] = { type: Number.isInteger(first) ? 'long' : 'float' };
    else if (typeof first === 'boolean') props[k] = { type: 'boolean' };
    else {
      props[k] = { properties: {} };
      if (!Array.isArray(v)) dynamic(props[k].properties, v);
    }
  }
}

const mapping = JSON.parse(fs.readFileSync(path.join(dir, 'mapping-default.json'), 'utf8'));
for (const e of events) dynamic(mapping.properties, e);

describe("Elasticsearch's EQL QA queries", () => {
  for (const q of queries) {
    test(q.name, () => {
      const rule = compileRule({ query: q.query, mapping });
      const expected = [...q.expected_event_ids].sort((a, b) => a - b);
      const ids = (pred) => events.filter(pred).map((e) => e.serial_event_id);
      assert.deepEqual(ids((e) => rule.matches(e)), expected, 'matches(object)');
      assert.deepEqual(ids((e) => rule.evaluate(e).matched), expected, 'evaluate(object)');
      assert.deepEqual(ids((e) => rule.evaluate(JSON.stringify(e)).matched), expected, 'evaluate(JSON text)');
    });
  }

  test('the mapping as JSON text works alike, and a field it lacks is "Unknown column"', () => {
    const rule = compileRule({ query: 'process where serial_event_id < 4', mapping: JSON.stringify(mapping) });
    assert.deepEqual(events.filter((e) => rule.matches(e)).map((e) => e.serial_event_id), [1, 2, 3]);
    assert.throws(() => compileRule({ query: 'process where serial_event_idd < 4', mapping }), (e) => {
      assert.equal(e.code, 'verification');
      assert.match(e.message, /did you mean `serial_event_id`/);
      return true;
    });
  });
});

describe('numbers as text: an object and its JSON text get one verdict', () => {
  const numbers = [1e21, 1.5e21, 1e-7, 1e-6, 0.1 + 0.2, 131509374647239400, 2 ** 53 + 2, -0, 100, 6312.5, 5e-324];
  for (const x of numbers) {
    test(`${x}`, () => {
      const text = JSON.stringify(x);
      const rule = compileRule({ query: `any where a == ${JSON.stringify(text)}` });
      assert.equal(rule.matches({ a: x }), true, `object: ${text}`);
      assert.equal(rule.matches(JSON.stringify({ a: x })), true, `JSON text: ${text}`);
      assert.equal(rule.evaluate({ a: x }).reasons.values[0], text);
    });
  }
});

describe('unknown_field warnings name the closest ECS field', () => {
  test('a misspelt field', () => {
    const rule = compileRule({ query: 'network where dns.question.nmae : "*ipify.org"' });
    const w = rule.warnings.find((x) => x.kind === 'unknown_field');
    assert.equal(w.suggestion, 'dns.question.name');
    assert.deepEqual([w.line, w.column], [1, 15]);
  });
});

'use strict';
// Elasticsearch's EQL QA suite through the JS API, as tests/qa.rs runs it in Rust: the vendored
// single-event queries of test_queries.toml over the endgame-140 data with the suite's mapping
// (plus Elasticsearch's dynamic mapping for the fields it lacks), each matching exactly the
// suite's event ids, as JS objects and as JSON text. Then every query of test_extra.toml
// (extra_queries.json) over the suite's `extra` index (extra.data, extra.mapping): the queries
// the engine refuses as `unsupported` are counted by reason and printed; every other one must
// match the suite's ids. Also the numbers-as-text promise: an object and JSON.stringify of it get
// one verdict.

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
    const objects = (Array.isArray(v) ? v : [v]).filter((x) => x !== null && typeof x === 'object' && !Array.isArray(x));
    if (k in props) {
      if (props[k].properties) for (const d of objects) dynamic(props[k].properties, d);
      continue;
    }
    // An array is mapped by its first non-null value; null, [] and [null] add no field.
    const first = Array.isArray(v) ? v.find((x) => x !== null) : v;
    if (first === null || first === undefined) continue;
    if (typeof first === 'string') props[k] = { type: 'text', fields: { keyword: { type: 'keyword' } } };
    else if (typeof first === 'number') props[k] = { type: Number.isInteger(first) ? 'long' : 'float' };
    else if (typeof first === 'boolean') props[k] = { type: 'boolean' };
    else {
      props[k] = { properties: {} };
      for (const d of objects) dynamic(props[k].properties, d);
    }
  }
}

/** The ids of the events `rule` matches, as objects and as JSON text, are the suite's. */
function assertIds(rule, evs, idOf, expectedIds) {
  const expected = [...expectedIds].sort((a, b) => a - b);
  const ids = (pred) => evs.filter(pred).map(idOf);
  assert.deepEqual(
    ids((e) => rule.matches(e)),
    expected,
    'matches(object)',
  );
  assert.deepEqual(
    ids((e) => rule.evaluate(e).matched),
    expected,
    'evaluate(object)',
  );
  assert.deepEqual(
    ids((e) => rule.evaluate(JSON.stringify(e)).matched),
    expected,
    'evaluate(JSON text)',
  );
}

const mapping = JSON.parse(fs.readFileSync(path.join(dir, 'mapping-default.json'), 'utf8'));
for (const e of events) dynamic(mapping.properties, e);

describe("Elasticsearch's EQL QA queries", () => {
  for (const q of queries) {
    test(q.name, () => {
      const rule = compileRule({ query: q.query, mapping });
      assertIds(rule, events, (e) => e.serial_event_id, q.expected_event_ids);
    });
  }

  test('the mapping as JSON text works alike, and a field it lacks is "Unknown column"', () => {
    const rule = compileRule({ query: 'process where serial_event_id < 4', mapping: JSON.stringify(mapping) });
    assert.deepEqual(
      events.filter((e) => rule.matches(e)).map((e) => e.serial_event_id),
      [1, 2, 3],
    );
    assert.throws(
      () => compileRule({ query: 'process where serial_event_idd < 4', mapping }),
      (e) => {
        assert.equal(e.code, 'verification');
        assert.match(e.message, /did you mean `serial_event_id`/);
        return true;
      },
    );
  });
});

describe("Elasticsearch's EQL QA extra queries (test_extra.toml)", () => {
  const extraEvents = JSON.parse(fs.readFileSync(path.join(dir, 'extra.data'), 'utf8'));
  const extra = JSON.parse(fs.readFileSync(path.join(dir, 'extra_queries.json'), 'utf8')).queries;
  const mappingText = fs.readFileSync(path.join(dir, 'extra.mapping'), 'utf8');
  // DataLoader replaces the placeholder with keyword or wildcard at random; both are run.
  for (const keywordType of ['keyword', 'wildcard']) {
    const extraMapping = JSON.parse(mappingText.replace('[runtime_random_keyword_type]', keywordType));
    for (const e of extraEvents) dynamic(extraMapping.properties, e);
    const skipped = new Map();
    let ran = 0;
    describe(`event_type mapped as ${keywordType}`, () => {
      for (const q of extra) {
        let rule;
        try {
          rule = compileRule({ query: q.query, mapping: extraMapping });
        } catch (e) {
          if (e.code !== 'unsupported') throw e;
          const reason = e.message.split('\n')[0].replace(/ at line \d+ column \d+$/, '');
          skipped.set(reason, [...(skipped.get(reason) ?? []), q.name]);
          continue;
        }
        ran += 1;
        test(q.name, () => {
          // The suite's id is the `sequence` field, its tiebreaker (EqlExtraSpecTestCase).
          assertIds(rule, extraEvents, (e) => e.sequence, q.expected_event_ids);
        });
      }
      test('every query ran or was skipped as unsupported, with its reason', () => {
        const count = [...skipped.values()].reduce((n, names) => n + names.length, 0);
        console.log(`test_extra.toml (event_type ${keywordType}): ${ran} ran, ${count} skipped as unsupported`);
        for (const [reason, names] of skipped) console.log(`  ${names.length} skipped: ${reason} (${names.join(', ')})`);
        assert.equal(ran + count, extra.length);
        assert.ok(ran >= 6, 'the six single-event queries run');
      });
    });
  }
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

'use strict';
// Same event, same verdict (issue 19): `matches` agrees with `evaluate` where the JS pre-filter
// compares strings (lone surrogates read as U+FFFD by the engine), and a byte order mark is
// accepted alike by `evaluate`, `matches` and `scanNdjson`.

const assert = require('node:assert/strict');
const { test } = require('node:test');

const api = require('external-ip-lookup-rule');
const { matchingEvent } = require('./helpers.cjs');

test('a query term or pattern with U+FFFD and an event with a lone surrogate', () => {
  const rules = [
    api.compileRule({ query: 'network where a == "x\uFFFD"' }),
    api.compileRule({ query: 'network where a in ("\uFFFDy", "z")' }),
    api.compileRule({ query: 'network where a : "*\uFFFD"' }),
    api.compileRule({ query: 'network where a like "x\uFFFD?"' }),
    api.compileRule({ addDomains: ['*\uFFFD.example'] }),
  ];
  const values = ['x\uD800', 'x\uDC00', '\uDBFFy', 'x\uD800\uD800', 'x\uFFFD', 'x\uD83D\uDE00', 'x'];
  for (const rule of rules) {
    for (const v of values) {
      for (const event of [
        { event: { category: 'network' }, a: v },
        { event: { category: ['network'] }, a: [v] },
        { ...matchingEvent(), dns: { question: { name: `a${v}.example` } } },
      ]) {
        const m = rule.matches(event);
        assert.equal(m, rule.evaluate(event).matched, `${rule.query} on ${JSON.stringify(event)}`);
      }
    }
  }
  assert.equal(rules[0].matches({ event: { category: 'network' }, a: 'x\uD800' }), true);
  assert.equal(rules[4].matches({ ...matchingEvent(), dns: { question: { name: 'a\uDC00.example' } } }), true);
});

test('a byte order mark before JSON text: one behaviour everywhere', () => {
  const text = JSON.stringify(matchingEvent());
  for (const input of [`\uFEFF${text}`, Buffer.from(`\uFEFF${text}`)]) {
    assert.equal(api.evaluate(input).matched, true);
    assert.equal(api.matches(input), true);
    assert.deepEqual(api.fieldValues(input, 'dns.question.name'), api.fieldValues(text, 'dns.question.name'));
    assert.deepEqual(api.scanNdjson(input).matched, [1]);
  }
  // One mark, not two; a mark alone is no event.
  assert.throws(() => api.evaluate(`\uFEFF\uFEFF${text}`), { code: 'event' });
  assert.throws(() => api.evaluate('\uFEFF'), { code: 'event' });
  assert.equal(api.scanNdjson(`\uFEFF\uFEFF${text}\n`).counts.rejected, 1);
});

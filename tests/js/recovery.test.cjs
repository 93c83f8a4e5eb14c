'use strict';
// If the module traps all the same (out of memory, a bug), the API makes a new instance and every
// rule compiles again from its options on its next use: the trapping call throws an error with
// code `internal`, and nothing else notices. (The browser entry's recovery: browser-entry.test.mjs.)

const assert = require('node:assert/strict');
const { test } = require('node:test');

const api = require('external-ip-lookup-rule');
const { matchingEvent } = require('./helpers.cjs');

test('after a trap, the module is new and the rules made before still answer', () => {
  const tuned = api.compileRule({
    addDomains: ['*ident.me'],
    exceptions: [{ name: 'x', entries: [{ field: 'user.name', operator: 'included', type: 'match', value: 'svc' }] }],
  });
  const ident = matchingEvent();
  ident.dns.question.name = 'v4.ident.me';
  const before = tuned.evaluate(ident);
  assert.equal(before.matched, true);
  assert.equal(api.matches(matchingEvent()), true);
  for (let i = 0; i < 50; i++) {
    assert.throws(
      () => tuned._call('trapForTests'),
      (e) => e.code === 'internal' && e.cause instanceof WebAssembly.RuntimeError,
    );
  }
  assert.deepEqual(tuned.evaluate(ident), before);
  assert.equal(tuned.matches({ ...ident, user: { name: 'svc' } }), false, 'the exceptions were compiled again too');
  assert.equal(api.matches(matchingEvent()), true, 'the default rule too');
  assert.equal(api.scanNdjson(`${JSON.stringify(ident)}\n`).counts.unmatched, 1);
  assert.equal(api.compileRule({}).matches(matchingEvent()), true);
});

test("an exception a getter throws is the caller's, even a RuntimeError: no new instance", () => {
  const rule = api.compileRule({});
  const thrown = new WebAssembly.RuntimeError('from a getter');
  const event = {
    ...matchingEvent(),
    get network() {
      throw thrown;
    },
  };
  const generation = rule._generation;
  assert.throws(
    () => rule.evaluate(event),
    (e) => e === thrown,
  );
  assert.equal(rule._generation, generation);
  assert.equal(rule.matches(matchingEvent()), true);
});

'use strict';
// The JS-object fuzzer (fuzz-objects.cjs) for a few seconds, from a new seed each run (printed on
// a failure, to replay with `node tests/js/fuzz-objects.cjs --seed N`). scripts/test.sh runs it
// longer. FUZZ_SECONDS and FUZZ_SEED set the budget and the seed.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { fuzz } = require('./fuzz-objects.cjs');

test('generated hostile JS objects: no trap, matches agrees with evaluate, the module keeps answering', () => {
  const seconds = Number(process.env.FUZZ_SECONDS ?? 5);
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1e9);
  const r = fuzz({ seconds, seed });
  assert.ok(r.iterations > 0);
  assert.ok(r.compared > 0);
});

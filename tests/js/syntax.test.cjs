'use strict';
// The WebAssembly scan's syntax check, held to JSON.parse on broken events. scanNdjson skips most
// lines after a syntax check alone (src/json_check), which must reject exactly the lines that are
// not JSON objects: a line it wrongly passes would be counted "not matched" instead of rejected,
// and one it wrongly rejects would be lost. The Rust property tests check the same code natively;
// this one checks what the .wasm was built from (SIMD128, wasm-opt) on real events cut and
// spliced at random, near every 16- and 64-byte boundary.
//
// Where JSON.parse and serde_json (the engine's reference) differ, the generator stays out:
// no `e`/`E` (serde_json rejects numbers out of f64 range, JSON.parse makes Infinity), no
// nesting near serde_json's depth limit, no line breaks (they split lines), no byte-order mark.

const { test } = require('node:test');
const { assert, matchingEvent, prng } = require('./helpers.cjs');

const { scanNdjson } = require('external-ip-lookup-rule');

const ALPHABET = [...'{}[]":,  \t\\/0123456789.-abnrtfuxz$', '\r', '\u0001', '\u001f', '\u007f', 'é', '€', '😀'];

/** Whether `line` is what the scan must accept: a JSON object. */
function isObject(line) {
  try {
    const v = JSON.parse(line);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}

function mutate(base, rand) {
  const chars = [...base];
  const edits = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < edits; k++) {
    // Half the edits land within two characters of a 16-byte boundary.
    let at = Math.floor(rand() * (chars.length + 1));
    if (rand() < 0.5) at = Math.min(chars.length, Math.max(0, (at & ~15) + Math.floor(rand() * 5) - 2));
    const kind = rand();
    if (kind < 0.4) chars.splice(at, 0, ALPHABET[Math.floor(rand() * ALPHABET.length)]);
    else if (kind < 0.7) chars.splice(at, 1);
    else if (kind < 0.9) chars.splice(at, 1, ALPHABET[Math.floor(rand() * ALPHABET.length)]);
    // A run of backslashes, whose parity decides what the next quote means.
    else chars.splice(at, 0, '\\'.repeat(1 + Math.floor(rand() * 66)));
  }
  return chars.join('');
}

function bases() {
  const event = matchingEvent();
  const long = { ...event, message: 'x'.repeat(61) + '\\"' + 'y'.repeat(200), path: 'C:\\\\Users\\\\a\\\\'.repeat(20) };
  const nested = { a: [[[{ b: [1, -2.5, true, false, null, 'é€😀', {}] }]]], c: { d: { e: { f: '' } } } };
  return [event, long, nested].map((e) => JSON.stringify(e));
}

test('the scan rejects exactly the lines JSON.parse does not read as objects', () => {
  const rand = prng(20261128);
  const texts = bases();
  let rejected = 0;
  for (let round = 0; round < 40; round++) {
    const lines = [];
    for (let i = 0; i < 100; i++) lines.push(mutate(texts[i % texts.length], rand));
    const r = scanNdjson(`${lines.join('\n')}\n`);
    const got = new Set(r.errors.map((e) => e.line));
    lines.forEach((line, i) => {
      const expected = !isObject(line);
      assert.equal(
        got.has(i + 1),
        expected,
        `round ${round}, line ${i + 1}: ${expected ? 'should be rejected' : 'should be read'}: ${JSON.stringify(line)}`,
      );
    });
    assert.equal(r.counts.lines, lines.length);
    rejected += got.size;
  }
  // The generator must produce both kinds for the test to mean anything.
  assert.ok(rejected > 400 && rejected < 3600, `rejected ${rejected} of 4000`);
});

test('strings of every length up to two blocks, with an escape at every place, are read', () => {
  const lines = [];
  for (let n = 0; n <= 130; n++) {
    for (const at of [0, Math.floor(n / 2), n]) {
      const s = `${'a'.repeat(at)}\\"${'b'.repeat(n - at)}`;
      lines.push(`{"k":"${s}","n":[${'1,'.repeat(n % 7)}2]}`);
      lines.push(`{"k":"${s}","n":[${'1,'.repeat(n % 7)}2]`); // unclosed: rejected
    }
  }
  const r = scanNdjson(lines.join('\n'));
  const got = new Set(r.errors.map((e) => e.line));
  lines.forEach((line, i) => assert.equal(got.has(i + 1), !isObject(line), line));
});

'use strict';
// scanNdjson: Buffer and string input, counts that add up, blank lines, CRLF, a byte-order mark,
// invalid UTF-8, lines that are not objects, escaped terms, and the bundled samples.

const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');
const { assert, matchingEvent, withField } = require('./helpers.cjs');

const { scanNdjson, compileRule, matches } = require('external-ip-lookup-rule');

const HIT = JSON.stringify(matchingEvent());
const MISS = JSON.stringify(withField(matchingEvent(), 'dns.question.name', 'www.example.com'));

function addsUp(r) {
  const c = r.counts;
  assert.equal(c.lines, c.matched + c.unmatched + c.rejected, JSON.stringify(c));
  assert.equal(c.matched, r.matched.length);
  assert.equal(c.matched, r.offsets.length);
  assert.equal(c.rejected, r.errors.length);
  for (const list of [r.matched, r.errors.map((e) => e.line)]) {
    assert.deepEqual(
      [...list].sort((a, b) => a - b),
      list,
      'line numbers ascend',
    );
  }
}

test('a result has matched lines, their offsets, errors and counts', () => {
  const r = scanNdjson(`${MISS}\n${HIT}\n`);
  assert.deepEqual(Object.keys(r).sort(), ['counts', 'errors', 'matched', 'offsets']);
  const at = Buffer.byteLength(`${MISS}\n`);
  assert.deepEqual(r, { matched: [2], offsets: [at], errors: [], counts: { lines: 2, matched: 1, unmatched: 1, rejected: 0, blank: 0 } });
});

test('offsets are UTF-8 byte offsets and slice out the matched lines', () => {
  const text = `{"note":"é😀"}\n${HIT}\n\n${MISS}\n${HIT}`;
  const buf = Buffer.from(text);
  const r = scanNdjson(text);
  assert.deepEqual(r.matched, [2, 5]);
  for (const at of r.offsets) {
    const end = buf.indexOf(0x0a, at);
    assert.equal(buf.toString('utf8', at, end < 0 ? buf.length : end), HIT);
  }
});

test('Buffer, Uint8Array, ArrayBuffer and string give the same result', () => {
  const text = `${HIT}\n${MISS}\nnot json\n\n${HIT}`;
  const expected = scanNdjson(text);
  const buf = Buffer.from(text);
  assert.deepEqual(scanNdjson(buf), expected);
  assert.deepEqual(scanNdjson(new Uint8Array(buf)), expected);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  assert.deepEqual(scanNdjson(ab), expected);
  assert.deepEqual(compileRule().scanNdjson(buf), expected);
  assert.deepEqual(expected.matched, [1, 5]);
  addsUp(expected);
});

test('a Buffer that is a slice of a larger pool is read within its bounds', () => {
  const big = Buffer.from(`${MISS}\n${HIT}\n${MISS}\n`);
  const start = Buffer.byteLength(`${MISS}\n`);
  const slice = big.subarray(start, start + Buffer.byteLength(`${HIT}\n`));
  assert.deepEqual(scanNdjson(slice).matched, [1]);
  assert.equal(scanNdjson(slice).counts.lines, 1);
});

test('blank lines are counted apart, and a final line break starts no line', () => {
  const r = scanNdjson(`\n${HIT}\n\n   \n\t\n${MISS}\n\n`);
  assert.deepEqual(r.matched, [2]);
  assert.deepEqual(r.counts, { lines: 2, matched: 1, unmatched: 1, rejected: 0, blank: 5 });
  addsUp(r);
  assert.deepEqual(scanNdjson('').counts, { lines: 0, matched: 0, unmatched: 0, rejected: 0, blank: 0 });
  assert.deepEqual(scanNdjson('\n').counts, { lines: 0, matched: 0, unmatched: 0, rejected: 0, blank: 1 });
  assert.deepEqual(scanNdjson(HIT).counts, { lines: 1, matched: 1, unmatched: 0, rejected: 0, blank: 0 }, 'no final break');
});

test('CRLF line ends are lines like LF ones', () => {
  const lf = scanNdjson(`${HIT}\n${MISS}\n\n${HIT}\n`);
  const crlfText = `${HIT}\r\n${MISS}\r\n\r\n${HIT}\r\n`;
  const crlf = scanNdjson(crlfText);
  assert.deepEqual({ ...crlf, offsets: undefined }, { ...lf, offsets: undefined });
  assert.deepEqual(crlf.matched, [1, 4]);
  // The offsets count the carriage returns.
  assert.deepEqual(crlf.offsets, [0, crlfText.lastIndexOf(HIT)]);
});

test('a UTF-8 byte-order mark before the first line is skipped', () => {
  const r = scanNdjson(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${HIT}\n`)]));
  assert.deepEqual(r.matched, [1]);
  assert.equal(r.counts.rejected, 0);
});

test('an invalid UTF-8 line is rejected with its line number; the others are read', () => {
  const bad = Buffer.from(HIT.replace('update.exe"', 'update.exe\u0000"'));
  bad[bad.indexOf(0)] = 0xff; // a byte that is never UTF-8, inside a string value
  const r = scanNdjson(Buffer.concat([Buffer.from(`${HIT}\n`), bad, Buffer.from(`\n${HIT}\n`)]));
  assert.deepEqual(r.matched, [1, 3]);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].line, 2);
  assert.match(r.errors[0].message, /UTF-8/);
  addsUp(r);
});

test('a line that is a JSON array, or another non-object, is rejected', () => {
  const lines = [`[${HIT}]`, '"text"', '42', 'null', 'true', `${HIT}`, '{"a":1}'];
  const r = scanNdjson(lines.join('\n'));
  assert.deepEqual(r.matched, [6]);
  assert.deepEqual(
    r.errors.map((e) => e.line),
    [1, 2, 3, 4, 5],
  );
  assert.match(r.errors[0].message, /not an array/);
  assert.match(r.errors[1].message, /not a string/);
  assert.match(r.errors[2].message, /not a number/);
  assert.match(r.errors[3].message, /not null/);
  assert.deepEqual(r.counts, { lines: 7, matched: 1, unmatched: 1, rejected: 5, blank: 0 });
});

test('invalid JSON lines are rejected whether or not they hold the rule terms', () => {
  const truncated = HIT.slice(0, -1); // has network, dns, lookup_requested: parsed, then rejected
  const plain = '{"event": {"category": ["process"]'; // lacks the terms: validated, rejected
  const trailing = `${MISS} x`;
  const r = scanNdjson([truncated, plain, trailing, HIT].join('\n'));
  assert.deepEqual(r.matched, [4]);
  assert.deepEqual(
    r.errors.map((e) => e.line),
    [1, 2, 3],
  );
  for (const e of r.errors) assert.match(e.message, /^invalid JSON/);
  addsUp(r);
});

test('terms written with \\u escapes are still found', () => {
  const escaped = HIT.replace('lookup_requested', 'lookup\\u005frequested').replace('"dns"', '"\\u0064ns"');
  assert.equal(matches(escaped), true);
  assert.deepEqual(scanNdjson(`${escaped}\n`).matched, [1]);
});

test('an Elasticsearch hit per line is evaluated on _source', () => {
  const hitLine = JSON.stringify({ _index: 'i', _id: 'x', _source: JSON.parse(HIT) });
  assert.deepEqual(scanNdjson(`${hitLine}\n`).matched, [1]);
});

test('scanNdjson agrees with matches() line by line', () => {
  const events = [];
  const base = matchingEvent();
  const variants = [
    ['dns.question.name', 'API.IPIFY.ORG'],
    ['dns.question.name', 'api.ipify.org.'],
    ['user.id', 'S-1-5-19'],
    ['user.id', undefined],
    ['process.executable', 'C:\\Program Files\\x.exe'],
    ['process.executable', undefined],
    ['event.category', 'network'],
    ['event.category', ['process']],
    ['network.protocol', 'DNS'],
    ['process.name', null],
  ];
  for (const [p, v] of variants) events.push(withField(base, p, v));
  const r = scanNdjson(events.map((e) => JSON.stringify(e)).join('\n'));
  const want = events.flatMap((e, i) => (matches(e) ? [i + 1] : []));
  assert.deepEqual(r.matched, want);
  assert.ok(want.length >= 3 && want.length < events.length);
});

test('a large scan counts every line', () => {
  const n = 20000;
  const lines = [];
  for (let i = 0; i < n; i++) lines.push(i % 100 === 0 ? HIT : MISS);
  const r = scanNdjson(Buffer.from(lines.join('\n')));
  assert.equal(r.counts.lines, n);
  assert.equal(r.counts.matched, n / 100);
  assert.equal(r.matched[1], 101);
  addsUp(r);
});

test('the bundled samples (samples/events.ndjson) scan with counts that add up and at least one match', (t) => {
  const file = path.join(__dirname, '..', '..', 'samples', 'events.ndjson');
  if (!fs.existsSync(file)) {
    t.skip('samples/events.ndjson does not exist yet');
    return;
  }
  const bytes = fs.readFileSync(file);
  const r = scanNdjson(bytes);
  addsUp(r);
  assert.ok(r.counts.lines > 0);
  assert.ok(r.counts.matched >= 1, JSON.stringify(r.counts));
  assert.ok(r.counts.unmatched >= 1, 'the file also shows what the rule leaves alone');
  // Each matched line is a match on its own too.
  const lines = bytes.toString('utf8').split('\n');
  for (const no of r.matched) assert.equal(matches(lines[no - 1]), true, `line ${no}`);
  assert.deepEqual(scanNdjson(bytes.toString('utf8')), r, 'string and Buffer agree');
});

// The input framers (js/framing.cjs) in process: whatever the chunking, the lines they produce
// are the input's events, each with the line it starts on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import framing from '../../js/framing.cjs';

const { FormatDetector, JsonFramer, createFramer, detectFormat, locate } = framing;

function frame(format, text, chunk, options) {
  const fr = createFramer(format, options);
  const bytes = Buffer.from(text);
  const out = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(...fr.push(bytes.subarray(i, i + chunk)));
  out.push(...fr.end());
  const lines = [];
  for (const o of out) {
    if (o.type !== 'batch') {
      lines.push(o);
      continue;
    }
    const parts = o.bytes.toString('utf8').split('\n');
    if (parts[parts.length - 1] === '') parts.pop();
    parts.forEach((p, k) => lines.push({ text: p, line: o.lineMap ? o.lineMap[k] : o.firstLine + k }));
  }
  return lines;
}

const tricky = [
  { a: 'quote " and backslash \\ and \\" both', b: ['[', ']', '{', '}'], c: { d: '\\\\server\\share\\"x"' } },
  { path: 'C:\\Program Files\\x.exe', cmd: '"C:\\Program Files\\x.exe" --flag="{]"' },
  { empty: '', nested: [[[{}]]], n: -1.5e3, t: true, f: false, z: null },
  { unicode: 'é ✓ \u2028 𝄞', esc: '\u0001\n\t' },
];

describe('framing', () => {
  it('splits a pretty-printed JSON array, whatever the chunk size', () => {
    const text = JSON.stringify(tricky, null, 2);
    const expected = tricky.map((e) => JSON.stringify(e));
    for (const chunk of [1, 2, 3, 7, 64, 1 << 20]) {
      const lines = frame('array', text, chunk);
      assert.deepEqual(
        lines.map((l) => JSON.stringify(JSON.parse(l.text))),
        expected,
        `chunk ${chunk}`,
      );
      const starts = text
        .split('\n')
        .map((l, i) => (l === '  {' ? i + 1 : 0))
        .filter(Boolean);
      assert.deepEqual(
        lines.map((l) => l.line),
        starts,
      );
    }
  });

  it('takes hits.hits of search responses, one after another', () => {
    const resp = (ids) => ({
      took: 1,
      hits: { total: { value: ids.length }, hits: ids.map((id) => ({ _id: id, _source: tricky[0] })) },
      aggregations: { hits: { hits: [9] } },
    });
    const text = `${JSON.stringify(resp(['a', 'b']), null, 1)}\n${JSON.stringify(resp(['c']))}\n`;
    for (const chunk of [1, 5, 4096]) {
      const lines = frame('es', text, chunk);
      assert.deepEqual(
        lines.map((l) => JSON.parse(l.text)._id),
        ['a', 'b', 'c'],
        `chunk ${chunk}`,
      );
    }
  });

  it('cuts NDJSON at line boundaries and numbers lines across batches', () => {
    const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(i % 17) }));
    const text = `${lines.join('\n')}\n`;
    for (const chunk of [1, 13, 1000]) {
      const got = frame('ndjson', text, chunk, { batchBytes: 97 });
      assert.deepEqual(
        got.map((l) => l.text),
        lines,
      );
      assert.deepEqual(
        got.map((l) => l.line),
        lines.map((_, i) => i + 1),
      );
    }
  });

  it('keeps an element with a raw line break in a string invalid', () => {
    const lines = frame('json', '{"a": "x\ny"}\n{"b": 1}\n', 3);
    assert.equal(lines.length, 2);
    assert.throws(() => JSON.parse(lines[0].text));
    assert.deepEqual(JSON.parse(lines[1].text), { b: 1 });
    assert.equal(lines[1].line, 3);
  });

  it('detects formats', () => {
    assert.equal(detectFormat(Buffer.from('{"a":1}\n{"b":2}\n')), 'ndjson');
    assert.equal(detectFormat(Buffer.from('  [\n{"a":1}]')), 'array');
    assert.equal(detectFormat(Buffer.from('{\n "took": 3, "hits": {"hits": []}}')), 'es');
    assert.equal(detectFormat(Buffer.from('{"hits":{"total":1,"hits":[]}}')), 'es');
    assert.equal(detectFormat(Buffer.from('{\n  "a": 1\n}\n')), 'json');
    assert.equal(detectFormat(Buffer.from('{"x":{"hits":{"hits":[]}}}\n')), 'ndjson');
    assert.equal(detectFormat(Buffer.from('not json')), 'ndjson');
    assert.equal(detectFormat(Buffer.from('\uFEFF[1]')), 'array');
    assert.equal(detectFormat(Buffer.from('{"a":'), false), null);
  });

  it('detects formats without losing later lines (issue 19)', () => {
    const ev = '{"event":{"action":"lookup_requested"}}';
    // A complete value on the first line, then a line break: NDJSON, whatever its keys.
    assert.equal(detectFormat(Buffer.from(`{"took":5,"a":1}\n${ev}\n`)), 'ndjson');
    assert.equal(detectFormat(Buffer.from(`[1]\n${ev}\n`)), 'ndjson');
    // ... except a search response saved on one line, and arrays of events one after another.
    assert.equal(detectFormat(Buffer.from('{"took":1,"hits":{"hits":[]}}\n')), 'es');
    assert.equal(detectFormat(Buffer.from('{"hits":{"events":[]}}')), 'es');
    assert.equal(detectFormat(Buffer.from(`[${ev},${ev}]\n`)), 'array');
    assert.equal(detectFormat(Buffer.from(`[${ev}]\n[${ev}]\n`)), 'array');
    // A first line cut short, then a complete object: NDJSON with a broken first line.
    assert.equal(detectFormat(Buffer.from(`{"a":[\n${ev}\n${ev}\n`)), 'ndjson');
    assert.equal(detectFormat(Buffer.from(`{"a":[\n\n${ev}\n`)), 'ndjson');
    // Pretty-printed: the next line is no complete object.
    assert.equal(detectFormat(Buffer.from('{"a": [\n  1,\n  2\n]}\n')), 'json');
    assert.equal(detectFormat(Buffer.from('{"took": 1,\n "hits": {"hits": [\n]}}\n')), 'es');
    assert.equal(detectFormat(Buffer.from('{\n  "is_partial": false,\n  "hits": {"events": []}\n}\n')), 'es');
  });

  it('looks at each byte of the head once, whatever the chunking', () => {
    const text = `{"pad":"${'x'.repeat(70 << 10)}","hits":{"hits":[]}}\n{"b":2}\n`;
    const bytes = Buffer.from(text);
    const d = new FormatDetector();
    let result = null;
    let pushed = 0;
    for (let i = 0; i < bytes.length && !result; i++) {
      result = d.push(bytes.subarray(i, i + 1));
      pushed++;
    }
    // The head limit (64 KiB) decides: one long line is NDJSON.
    assert.equal(result, 'ndjson');
    assert.equal(d.seen, pushed);
    assert.equal(pushed, 64 << 10);
    // The same bytes at once decide the same; with the whole line in view, it is a search response.
    assert.equal(new FormatDetector().push(bytes), 'ndjson');
    assert.equal(new FormatDetector({ limit: Infinity }).push(bytes), 'es');
  });

  it('counts nesting instead of stacking it, and rejects an element deeper than the JSON reader takes', () => {
    const fr = new JsonFramer('array');
    const out = [];
    out.push(...fr.push(Buffer.from('[\n')));
    const chunk = Buffer.alloc(1 << 20, '[');
    for (let i = 0; i < 20; i++) out.push(...fr.push(chunk));
    assert.equal(fr.depth, 1 + 20 * (1 << 20));
    assert.ok(fr.frames.length <= 3, `${fr.frames.length} frames`);
    assert.equal(fr.elem.parts.length, 0, 'the bytes of a too deep element are not kept');
    out.push(...fr.end());
    assert.deepEqual(
      out.map((o) => o.type),
      ['reject', 'error'],
    );
    assert.equal(out[0].line, 2);
    const closed = frame('array', `[\n${'['.repeat(128)}${']'.repeat(128)},\n${'['.repeat(127)}${']'.repeat(127)}\n]`, 1000);
    assert.equal(closed[0].type, 'reject');
    assert.match(closed[0].message, /nested more than 127 levels deep/);
    assert.equal(closed[1].text, `${'['.repeat(127)}${']'.repeat(127)}`);
  });

  it('keeps at most 257 bytes of a key', () => {
    const fr = new JsonFramer('es');
    const out = [];
    out.push(...fr.push(Buffer.from('{"')));
    const chunk = Buffer.alloc(1 << 20, 'k');
    for (let i = 0; i < 10; i++) {
      out.push(...fr.push(chunk));
      assert.ok(fr.key.parts.reduce((n, p) => n + p.length, 0) <= 257);
    }
    out.push(...fr.push(Buffer.from('": 1, "hits": {"hits": [{"a": 1}]}}')));
    out.push(...fr.end());
    assert.equal(out.length, 1);
    assert.equal(out[0].bytes.toString(), '{"a": 1}\n');
  });

  it('reads hits.events of an EQL response', () => {
    const text = JSON.stringify({ is_partial: false, hits: { total: { value: 2 }, events: [{ _id: 'a' }, { _id: 'b' }] } }, null, 2);
    assert.deepEqual(
      frame('es', text, 7).map((l) => JSON.parse(l.text)._id),
      ['a', 'b'],
    );
  });

  it('maps a column of a framed element back to the input', () => {
    const fr = createFramer('array');
    const [batch] = [...fr.push(Buffer.from('[\n  {"a": 1},  {\n    "b": tru\n  }\n]\n')), ...fr.end()];
    assert.deepEqual(batch.lineMap, [2, 2]);
    // The first element starts at line 2, column 3; the second at column 14 and spans lines.
    assert.deepEqual(locate(batch, 1, 1), { line: 2, column: 3 });
    assert.deepEqual(locate(batch, 2, 1), { line: 2, column: 14 });
    const second = batch.bytes.toString().split('\n')[1];
    const at = second.indexOf('tru') + 1;
    assert.deepEqual(locate(batch, 2, at), { line: 3, column: 10 });
    assert.deepEqual(locate({ firstLine: 10 }, 3, 7), { line: 12, column: 7 });
  });
});

// The input framers (js/framing.cjs) in process: whatever the chunking, the lines they produce
// are the input's events, each with the line it starts on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import framing from '../../js/framing.cjs';

const { createFramer, detectFormat } = framing;

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
      const starts = text.split('\n').map((l, i) => (l === '  {' ? i + 1 : 0)).filter(Boolean);
      assert.deepEqual(lines.map((l) => l.line), starts);
    }
  });

  it('takes hits.hits of search responses, one after another', () => {
    const resp = (ids) => ({ took: 1, hits: { total: { value: ids.length }, hits: ids.map((id) => ({ _id: id, _source: tricky[0] })) }, aggregations: { hits: { hits: [9] } } });
    const text = `${JSON.stringify(resp(['a', 'b']), null, 1)}\n${JSON.stringify(resp(['c']))}\n`;
    for (const chunk of [1, 5, 4096]) {
      const lines = frame('es', text, chunk);
      assert.deepEqual(lines.map((l) => JSON.parse(l.text)._id), ['a', 'b', 'c'], `chunk ${chunk}`);
    }
  });

  it('cuts NDJSON at line boundaries and numbers lines across batches', () => {
    const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(i % 17) }));
    const text = `${lines.join('\n')}\n`;
    for (const chunk of [1, 13, 1000]) {
      const got = frame('ndjson', text, chunk, { batchBytes: 97 });
      assert.deepEqual(got.map((l) => l.text), lines);
      assert.deepEqual(got.map((l) => l.line), lines.map((_, i) => i + 1));
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
});

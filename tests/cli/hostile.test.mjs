// Hostile input through the CLI: no event may crash it, lose the events after it, or make its
// memory grow with the input (issue 19).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';

import { NOW, bin, matchingLine, records, run, summaryCounts, tempDir } from './helpers.mjs';

const tmp = tempDir();
const put = (name, data) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, data);
  return file;
};

/** Runs the CLI, counting the lines and bytes of its output without keeping them. */
function runCounting(args, nodeArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (d) => {
      bytes += d.length;
      for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++;
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, lines, bytes, stderr }));
  });
}

describe('an event with a timestamp no Date holds', () => {
  // As the issue has it, in the JSON text: 99999999999999999 (read as 1e17, past a Date's 8.64e15).
  const far = matchingLine()
    .replace('"@timestamp":"2024-03-01T09:00:01.000Z"', '"@timestamp":99999999999999999')
    .replace('"ingested":"2024-03-01T09:00:03Z"', '"ingested":99999999999999999');
  assert.notEqual(far, matchingLine());
  const text = `${far}\n${matchingLine()}\n`;

  it('is an alert without kibana.alert.original_time, and says why (alerts, compact, bulk)', async () => {
    const r = await run(['scan', '--now', NOW], { input: text });
    assert.equal(r.status, 0, r.stderr);
    const [a, b] = records(r.stdout);
    assert.equal(a['kibana.alert.original_time'], undefined);
    assert.match(a.external_ip_lookup_rule.warnings[0], /^@timestamp 100000000000000000 is not a date in range/);
    assert.equal(b['kibana.alert.original_time'], '2024-03-01T09:00:01.000Z');
    for (const f of ['compact', 'bulk']) {
      const o = await run(['scan', '-f', f], { input: text });
      assert.equal(o.status, 0, `${f}: ${o.stderr}`);
      assert.equal(o.stdout.trim().split('\n').length, f === 'bulk' ? 4 : 2);
    }
  });

  it('--replay places it in no execution, with the reason, and goes on', async () => {
    const r = await run(['scan', '--replay'], { input: text });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(records(r.stdout).length, 1);
    assert.match(
      r.stderr,
      /1 matching events have no usable timestamp and are in no execution:\n +<stdin>:1: event\.ingested is out of the range of dates/,
    );
  });
});

describe('output far larger than its input', () => {
  // 120 KB of `{}` lines: 40,000 verdicts of ~6 KB, some 250 MB, written piece by piece under
  // a 64 MB heap (a batch used to be joined into one string: "Invalid string length").
  const file = put('empty-objects.ndjson', '{}\n'.repeat(40000));
  for (const workers of [1, 2]) {
    it(`--format verdicts writes incrementally (--workers ${workers})`, async () => {
      const r = await runCounting(['scan', '-f', 'verdicts', '-j', String(workers), file], ['--max-old-space-size=64']);
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.lines, 40000);
      assert.ok(r.bytes > 40000 * 1000, `${r.bytes} bytes`);
      assert.deepEqual(summaryCounts(r.stderr), { read: 40000, matched: 0, unmatched: 40000, rejected: 0 });
    });
  }
});

describe('deep nesting and long keys', () => {
  it('a 100 MB gzip bomb of `[` is rejected, not read into memory', async () => {
    const bomb = zlib.gzipSync(Buffer.concat([Buffer.from('[\n'), Buffer.alloc(100 << 20, '[')]));
    assert.ok(bomb.length < 120 << 10);
    const file = put('bomb.json.gz', bomb);
    const r = await run(['scan', file], { nodeArgs: ['--max-old-space-size=64'] });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.signal, null);
    assert.match(r.stderr, /bomb\.json\.gz:2:1: unexpected end of input inside this element/);
    assert.match(r.stderr, /the JSON array is not closed/);
    // Closed, the element is too deep for the engine's JSON reader.
    const deep = put('deep.json', `[\n${'['.repeat(200)}${']'.repeat(200)},\n${matchingLine()}\n]\n`);
    const d = await run(['scan', deep]);
    assert.equal(d.status, 0, d.stderr);
    assert.deepEqual(summaryCounts(d.stderr), { read: 2, matched: 1, unmatched: 0, rejected: 1 });
    assert.match(d.stderr, /deep\.json:2:1: element is nested more than 127 levels deep/);
  });

  it('a search response with a 50 MB key is read', async () => {
    const head = `{\n  "took": 1,\n  "${'k'.repeat(50 << 20)}": 1,\n  "hits": {\n    "hits": [\n`;
    const file = put(
      'long-key.json.gz',
      zlib.gzipSync(`${head}${JSON.stringify({ _index: 'i', _id: 'x', _source: JSON.parse(matchingLine()) })}\n]}}\n`),
    );
    const r = await run(['scan', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(records(r.stdout)[0]['kibana.alert.ancestors'][0].id, 'x');
  });
});

describe('format detection never loses later lines', () => {
  const lines = Array.from({ length: 1000 }, (_, i) => matchingLine().replace('"ev-1"', `"ev-${i}"`));
  for (const [what, first, read, rejected] of [
    ['a first event with a top-level `took` key', JSON.stringify({ took: 5, ...JSON.parse(lines[0]) }), 1001, 0],
    ['a first line `[1]`', '[1]', 1001, 1],
    ['a first line `{"a":[` cut short', '{"a":[', 1001, 1],
  ]) {
    it(what, async () => {
      const r = await run(['scan', '-f', 'summary'], { input: `${first}\n${lines.join('\n')}\n` });
      assert.deepEqual(summaryCounts(r.stderr), { read, matched: read - rejected, unmatched: 0, rejected });
    });
  }
});

describe('__proto__ keys', () => {
  it('are kept in alerts, as Kibana keeps them (JSON.parse and object spread make them own keys)', async () => {
    const line = matchingLine()
      .replace('{"@timestamp"', '{"__proto__":{"polluted":1},"@timestamp"')
      .replace('"event":{', '"event":{"__proto__":"x",');
    const r = await run(['scan'], { input: `${line}\n` });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /"__proto__":\{"polluted":1\}/);
    const a = records(r.stdout)[0];
    assert.deepEqual(Object.getOwnPropertyDescriptor(a, '__proto__').value, { polluted: 1 });
    assert.equal(a['event.__proto__'], 'x');
    assert.equal(a['kibana.alert.original_event.__proto__'], 'x');
    assert.equal({}.polluted, undefined);
  });
});

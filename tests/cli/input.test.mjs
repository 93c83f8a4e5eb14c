// The CLI end to end on every input format, gzip, standard input and malformed input.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';

import { NOW, fixture, records, run, summaryCounts, tempDir } from './helpers.mjs';

const tmp = tempDir();
const MATCHED_IDS = ['ev-1', 'ev-3', 'ev-5'];

function alertIds(stdout) {
  return records(stdout).map((a) => a['event.id']);
}

describe('input formats', () => {
  for (const [name, file] of [
    ['NDJSON', 'events.ndjson'],
    ['a JSON array', 'events.json'],
    ['an Elasticsearch search response', 'search-response.json'],
    ['pretty-printed JSON values', 'pretty.json'],
  ]) {
    it(`reads ${name} (${file})`, async () => {
      const r = await run(['scan', '--now', NOW, fixture(file)]);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(alertIds(r.stdout), MATCHED_IDS);
      assert.deepEqual(summaryCounts(r.stderr), { read: 5, matched: 3, unmatched: 2, rejected: 0 });
    });
  }

  it('keeps _index and _id of search-response hits', async () => {
    const r = await run(['scan', fixture('search-response.json')]);
    const alerts = records(r.stdout);
    assert.deepEqual(
      alerts.map((a) => a['kibana.alert.ancestors'][0].id),
      ['doc-1', 'doc-3', 'doc-5'],
    );
    for (const a of alerts) {
      assert.equal(a['kibana.alert.ancestors'][0].index, '.ds-logs-endpoint.events.network-default-2024.03.01-000001');
      assert.equal(a.external_ip_lookup_rule.source.id_derived, false);
    }
  });

  it('reports lines of a pretty-printed file as the line where each event starts', async () => {
    const r = await run(['scan', '-f', 'verdicts', fixture('events.json')]);
    const lines = records(r.stdout).map((v) => v.line);
    const text = fs.readFileSync(fixture('events.json'), 'utf8').split('\n');
    const starts = text.map((l, i) => (l === '  {' ? i + 1 : 0)).filter(Boolean);
    assert.deepEqual(lines, starts);
  });

  it('--input-format overrides the detection', async () => {
    // Read as NDJSON, a pretty-printed array is lines that are not events: no event at all is
    // an input error (exit 2), not "no alert".
    const r = await run(['scan', '--input-format', 'ndjson', fixture('events.json')]);
    assert.equal(r.status, 2);
    const c = summaryCounts(r.stderr);
    assert.equal(c.matched, 0);
    assert.equal(c.rejected, c.read);
    assert.ok(c.read > 5);
    assert.match(r.stderr, /error: .*events\.json: no JSON event in it: all \d+ lines were rejected/);
    // Forced to `array`, an NDJSON file is an input error.
    const r2 = await run(['scan', '--input-format', 'array', fixture('events.ndjson')]);
    assert.equal(r2.status, 2);
    assert.match(r2.stderr, /events\.ndjson:1: expected a JSON array/);
  });
});

describe('gzip', () => {
  for (const file of ['events.ndjson', 'events.json', 'search-response.json']) {
    it(`reads ${file}.gz`, async () => {
      const gz = path.join(tmp, `${file}.gz`);
      fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(fixture(file))));
      const r = await run(['scan', gz]);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(alertIds(r.stdout), MATCHED_IDS);
      assert.deepEqual(summaryCounts(r.stderr), { read: 5, matched: 3, unmatched: 2, rejected: 0 });
    });
  }

  it('reads gzip whatever the file is called, and concatenated gzip members', async () => {
    const text = fs.readFileSync(fixture('events.ndjson'));
    const both = Buffer.concat([zlib.gzipSync(text), zlib.gzipSync(text)]);
    const file = path.join(tmp, 'twice.log');
    fs.writeFileSync(file, both);
    const r = await run(['scan', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(summaryCounts(r.stderr).matched, 6);
  });

  it('reports a corrupt gzip file as an input error (exit 2)', async () => {
    const gz = zlib.gzipSync(fs.readFileSync(fixture('events.ndjson')));
    const file = path.join(tmp, 'corrupt.ndjson.gz');
    fs.writeFileSync(file, gz.subarray(0, Math.floor(gz.length / 2)));
    const r = await run(['scan', file]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /corrupt\.ndjson\.gz: gzip: /);
  });
});

describe('standard input', () => {
  it('reads a pipe when no file is given', async () => {
    const r = await run(['scan'], { input: fs.readFileSync(fixture('events.ndjson')) });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(alertIds(r.stdout), MATCHED_IDS);
    assert.match(r.stderr, /from standard input/);
  });

  it('reads standard input for `-`, between files', async () => {
    const r = await run(['scan', fixture('no-match.ndjson'), '-', fixture('events.ndjson')], {
      input: fs.readFileSync(fixture('search-response.json')),
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(alertIds(r.stdout), [...MATCHED_IDS, ...MATCHED_IDS]);
    assert.deepEqual(summaryCounts(r.stderr), { read: 12, matched: 6, unmatched: 6, rejected: 0 });
  });

  it('reads gzip from standard input', async () => {
    const r = await run(['scan', '-'], { input: zlib.gzipSync(fs.readFileSync(fixture('events.json'))) });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(alertIds(r.stdout), MATCHED_IDS);
  });

  it('names standard input <stdin> in rejections', async () => {
    const r = await run(['scan'], { input: '{"a":1}\nnope\n' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^<stdin>:2:2: invalid JSON: expected ident$/m);
  });
});

describe('malformed input', () => {
  it('reports each rejected line as file:line:column: reason, counts it and goes on', async () => {
    const file = fixture('malformed.ndjson');
    const r = await run(['scan', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(alertIds(r.stdout), ['ev-1', 'ev-3', 'ev-5']);
    assert.deepEqual(summaryCounts(r.stderr), { read: 8, matched: 3, unmatched: 1, rejected: 4 });
    const rejected = r.stderr.split('\n').filter((l) => l.startsWith(`${file}:`));
    assert.deepEqual(
      rejected.map((l) => Number(l.slice(file.length + 1).split(':')[0])),
      [2, 4, 6, 8],
    );
    // The column is serde_json's (bytes from the line's start), without its "at line 1 column N".
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    assert.match(
      r.stderr,
      new RegExp(`^${escape(file)}:2:${Buffer.byteLength(lines[1])}: invalid JSON: EOF while parsing an object$`, 'm'),
    );
    assert.match(r.stderr, new RegExp(`^${escape(file)}:4:1: an event must be a JSON object, not an array$`, 'm'));
    assert.match(r.stderr, new RegExp(`^${escape(file)}:6:\\d+: invalid JSON`, 'm'));
    assert.match(r.stderr, new RegExp(`^${escape(file)}:8:1: an event must be a JSON object, not a string$`, 'm'));
    assert.match(r.stderr, /1 blank lines? skipped/);
  });

  it('reports the line where a broken array element starts', async () => {
    const file = fixture('malformed-array.json');
    const r = await run(['scan', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(summaryCounts(r.stderr), { read: 3, matched: 2, unmatched: 0, rejected: 1 });
    // Line 3 is `{"event": {"action": tru}},`: the error is at the `}` after `tru`, column 25.
    assert.match(r.stderr, new RegExp(`^${escape(file)}:3:25: invalid JSON: expected ident$`, 'm'));
  });

  it('maps a column inside a pretty-printed element back to its line', async () => {
    const file = path.join(tmp, 'pretty-broken.json');
    fs.writeFileSync(file, '[\n  {\n    "a": 1,\n    "b": tru\n  }\n]\n');
    const r = await run(['scan', file]);
    assert.match(r.stderr, new RegExp(`^${escape(file)}:4:13: invalid JSON: expected ident$`, 'm'));
  });

  it('counts the cut-off element of a truncated array and fails with exit 2', async () => {
    const file = fixture('truncated.json');
    const r = await run(['scan', file]);
    assert.equal(r.status, 2);
    assert.equal(records(r.stdout).length, 1);
    assert.deepEqual(summaryCounts(r.stderr), { read: 2, matched: 1, unmatched: 0, rejected: 1 });
    assert.match(r.stderr, new RegExp(`^${escape(file)}:3:1: unexpected end of input`, 'm'));
    assert.match(r.stderr, /the JSON array is not closed/);
  });

  it('lists only --max-errors rejections, and says how many more', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `bad ${i}`).join('\n');
    const r = await run(['scan', '--max-errors', '3'], { input: lines });
    assert.equal(summaryCounts(r.stderr).rejected, 30);
    assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('<stdin>:')).length, 3);
    assert.match(r.stderr, /and 27 more rejected/);
  });

  it('rejects a line longer than the engine limit without holding it', async () => {
    const ev = fs.readFileSync(fixture('events.ndjson'), 'utf8').split('\n')[0];
    const long = `{"pad":"${'x'.repeat(17 << 20)}"}`;
    const file = path.join(tmp, 'long.ndjson');
    fs.writeFileSync(file, `${ev}\n${long}\n${ev}\n`);
    const r = await run(['scan', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(summaryCounts(r.stderr), { read: 3, matched: 2, unmatched: 0, rejected: 1 });
    assert.match(r.stderr, /long\.ndjson:2:1: line is \d+ bytes, over the limit max_line_bytes = 16777216/);
  });

  it('--strict stops at the first rejected line with exit 2', async () => {
    const file = fixture('malformed.ndjson');
    const r = await run(['scan', '--strict', file]);
    assert.equal(r.status, 2);
    assert.deepEqual(alertIds(r.stdout), ['ev-1']);
    assert.deepEqual(summaryCounts(r.stderr), { read: 2, matched: 1, unmatched: 0, rejected: 1 });
    assert.match(r.stderr, new RegExp(`^${escape(file)}:2:\\d+: invalid JSON`, 'm'));
    assert.match(r.stderr, /--strict/);
  });

  it('--strict with workers stops at the same place', async () => {
    const file = fixture('malformed.ndjson');
    const r = await run(['scan', '--strict', '--workers', '2', '--batch-size', '1', '--now', NOW, file]);
    const single = await run(['scan', '--strict', '--now', NOW, file]);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, single.stdout);
    assert.deepEqual(summaryCounts(r.stderr), summaryCounts(single.stderr));
  });

  it('accounts for every line: read = matched + not matched + rejected', async () => {
    const parts = [];
    const ev = fs.readFileSync(fixture('events.ndjson'), 'utf8').split('\n').filter(Boolean);
    for (let i = 0; i < 500; i++) parts.push(i % 7 === 3 ? `{broken ${i}` : ev[i % ev.length], i % 11 === 0 ? '' : null);
    const text = parts.filter((p) => p !== null).join('\n');
    const r = await run(['scan', '--batch-size', '4k', '--workers', '2'], { input: text });
    const c = summaryCounts(r.stderr);
    assert.equal(c.read, c.matched + c.unmatched + c.rejected);
    assert.equal(c.read, 500);
    assert.equal(c.rejected, parts.filter((p) => p && p.startsWith('{broken')).length);
  });
});

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

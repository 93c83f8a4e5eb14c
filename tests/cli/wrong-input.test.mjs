// Input that is not events is loud: compressed formats this tool does not read, binary data,
// CSV, EVTX, UTF-16 are input errors (exit 2) naming what they are and what to do; directories
// are read recursively and quoted globs expanded; corrupt gzip is read to its last byte, then
// reported.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';

import { fixture, matchingLine, records, run, summaryCounts, tempDir } from './helpers.mjs';

const tmp = tempDir();
const put = (name, data) => {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  return file;
};
const events = fs.readFileSync(fixture('events.ndjson'));

describe('input that is not events', () => {
  for (const [what, name, bytes, message] of [
    [
      'xz',
      'e.ndjson.xz',
      Buffer.from('fd377a585a000004e6d6b446', 'hex'),
      /xz-compressed data: xz -dc .*e\.ndjson\.xz \| external-ip-lookup-rule scan -/,
    ],
    [
      'bzip2',
      'e.ndjson.bz2',
      Buffer.concat([Buffer.from('BZh9'), Buffer.from('314159265359', 'hex'), Buffer.alloc(20, 7)]),
      /bzip2-compressed data, which this tool does not decompress: bzip2 -dc/,
    ],
    ['zip', 'e.zip', Buffer.concat([Buffer.from('504b0304', 'hex'), Buffer.alloc(40, 1)]), /zip archive: unzip -p/],
    [
      'EVTX',
      'Sysmon.evtx',
      Buffer.concat([Buffer.from('ElfFile\0', 'latin1'), Buffer.alloc(120, 0)]),
      /Windows event log \(EVTX\).*--input sysmon/,
    ],
    [
      'binary data',
      'e.bin',
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
      /binary data \(a NUL byte at byte 8\), not JSON text/,
    ],
    [
      'UTF-16',
      'e.utf16.json',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(matchingLine(), 'utf16le')]),
      /UTF-16 text.*iconv -f UTF-16 -t UTF-8/,
    ],
  ]) {
    it(`${what}: exit 2, naming it`, async () => {
      const file = put(name, bytes);
      const r = await run(['scan', file]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
      // Also from standard input.
      const s = await run(['scan', '-'], { input: bytes });
      assert.equal(s.status, 2, s.stderr);
      assert.match(s.stderr, new RegExp(message.source.replace(/\.\*e\\\.ndjson\\\.xz/, '...')));
    });
  }

  it('zstd: decompressed where Node.js has zstd, else an error naming the format', async () => {
    if (typeof zlib.zstdCompressSync === 'function') {
      const file = put('e.ndjson.zst', zlib.zstdCompressSync(events));
      const r = await run(['scan', file]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(records(r.stdout).length, 3);
    } else {
      // A zstd frame: the magic number, then a frame header.
      const file = put('e.ndjson.zst', Buffer.from('28b52ffd2400190000', 'hex'));
      const r = await run(['scan', file]);
      assert.equal(r.status, 2);
      assert.match(
        r.stderr,
        new RegExp(
          `zstd-compressed data, and this Node.js \\(${process.version.replace(/\./g, '\\.')}\\) cannot decompress zstd .*zstd -dc`,
        ),
      );
    }
  });

  it("CSV (this tool's own CSV output fed back): exit 2, naming it", async () => {
    const csv = await run(['scan', '-f', 'csv', fixture('events.ndjson')]);
    const file = put('events.csv', csv.stdout);
    const r = await run(['scan', file]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /events\.csv: CSV \(a header of 12 columns: "file,line,status,@timestamp,/);
  });

  it('text lines none of which is an event: exit 2, not "no alert"', async () => {
    const file = put('syslog.txt', 'Jan  1 00:00:01 host app[1]: started\nJan  1 00:00:02 host app[1]: stopped\n');
    const r = await run(['scan', file]);
    assert.equal(r.status, 2);
    assert.deepEqual(summaryCounts(r.stderr), { read: 2, matched: 0, unmatched: 0, rejected: 2 });
    assert.match(r.stderr, /error: .*syslog\.txt: no JSON event in it: all 2 lines were rejected/);
    // One event among them is enough to be events (with rejected lines).
    const mixed = put('mixed.txt', `not json\n${matchingLine()}\n`);
    assert.equal((await run(['scan', mixed])).status, 0);
  });
});

describe('directories and globs', () => {
  const dir = path.join(tmp, 'logs');
  put('logs/a/one.ndjson', events);
  put('logs/b/two.ndjson.gz', zlib.gzipSync(events));
  put('logs/b/c/three.json', fs.readFileSync(fixture('events.json')));
  put('logs/.hidden/skip.ndjson', events);
  put('logs/README.md', '# Notes, not events\n\nSome text.\n');

  it('reads a directory recursively, in name order, hidden entries skipped', async () => {
    const r = await run(['scan', '-f', 'verdicts', dir]);
    assert.equal(r.status, 0, r.stderr);
    const files = [
      ...new Set(
        records(r.stdout)
          .filter((v) => !v.rejected)
          .map((v) => v.file),
      ),
    ];
    assert.deepEqual(files, [path.join(dir, 'a/one.ndjson'), path.join(dir, 'b/c/three.json'), path.join(dir, 'b/two.ndjson.gz')]);
    // A text file found in a directory is noted and passed over, not an error.
    assert.match(r.stderr, /note: .*README\.md: no JSON event in it/);
    assert.doesNotMatch(r.stderr, /EISDIR|error:/);
    assert.equal(summaryCounts(r.stderr).matched, 9);
  });

  it('expands a quoted glob, ** included', async () => {
    const r = await run(['scan', '-f', 'verdicts', path.join(dir, '**', '*.ndjson*')]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      [...new Set(records(r.stdout).map((v) => v.file))],
      [path.join(dir, 'a/one.ndjson'), path.join(dir, 'b/two.ndjson.gz')],
    );
    const one = await run(['scan', '-f', 'verdicts', path.join(dir, 'b', 'c', 'th?ee.[jx]son')]);
    assert.deepEqual([...new Set(records(one.stdout).map((v) => v.file))], [path.join(dir, 'b/c/three.json')]);
    const none = await run(['scan', path.join(dir, '*.nothing')]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /\*\.nothing: no file matches/);
  });
});

describe('corrupt gzip: everything decoded is read, then the corruption is an error', () => {
  // 3,800 events of ~1.3 KB, as in the issue.
  const line = matchingLine();
  const many = Array.from({ length: 3800 }, (_, i) => line.replace('"ev-1"', `"ev-${i}"`))
    .join('\n')
    .concat('\n');
  const gz = zlib.gzipSync(many);

  for (const [what, bytes, message] of [
    [
      'a bad CRC',
      (() => {
        const b = Buffer.from(gz);
        b[b.length - 6] ^= 0xff;
        return b;
      })(),
      /gzip: member 1 fails its check \(CRC mismatch\)/,
    ],
    ['trailing garbage', Buffer.concat([gz, Buffer.from('garbage after the data')]), /gzip: trailing garbage after the compressed data/],
  ]) {
    it(what, async () => {
      const file = put(`corrupt-${what.replace(/ /g, '-')}.ndjson.gz`, bytes);
      const r = await run(['scan', '-f', 'summary', file]);
      assert.equal(r.status, 2);
      assert.deepEqual(summaryCounts(r.stderr), { read: 3800, matched: 3800, unmatched: 0, rejected: 0 });
      assert.match(r.stderr, message);
    });
  }

  it('zero padding after the data is no error (as gzip)', async () => {
    const file = put('padded.ndjson.gz', Buffer.concat([gz, Buffer.alloc(4096)]));
    const r = await run(['scan', '-f', 'summary', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(summaryCounts(r.stderr).read, 3800);
  });
});

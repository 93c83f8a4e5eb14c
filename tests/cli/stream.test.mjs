// The streaming API: createScanner(options) is a Transform (bytes or objects in; alerts or
// verdicts out) that honours backpressure and works in stream.pipeline.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';

import api, { compileRule, createScanner } from '../../js/node.mjs';
import { NOW, fixture, fixtureEvents, tempDir } from './helpers.mjs';

const tmp = tempDir();

async function collect(readable) {
  const out = [];
  for await (const x of readable) out.push(x);
  return out;
}

describe('createScanner', () => {
  it('is exported by the CommonJS and ES module entries', async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    assert.equal(typeof require('../../js/node.cjs').createScanner, 'function');
    assert.equal(api.createScanner, createScanner);
  });

  it('reads a gzip file and writes alerts (the documented example)', async () => {
    const gz = path.join(tmp, 'events.ndjson.gz');
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(fixture('events.ndjson'))));
    const out = path.join(tmp, 'alerts.ndjson');
    const scanner = createScanner({ format: 'alerts', now: NOW });
    await pipeline(fs.createReadStream(gz), zlib.createGunzip(), scanner, fs.createWriteStream(out));
    const alerts = fs
      .readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      alerts.map((a) => a['event.id']),
      ['ev-1', 'ev-3', 'ev-5'],
    );
    assert.equal(alerts[0]['@timestamp'], NOW);
    assert.equal(alerts[0]['kibana.alert.rule.rule_type_id'], 'siem.eqlRule');
    assert.deepEqual(scanner.counts, { lines: 5, matched: 3, unmatched: 2, rejected: 0, blank: 1 });
  });

  it('writes the same alerts as the CLI', async () => {
    const text = await collect(
      fs.createReadStream(fixture('search-response.json')).pipe(createScanner({ now: NOW, source: fixture('search-response.json') })),
    );
    const { run } = await import('./helpers.mjs');
    const cli = await run(['scan', '--now', NOW, fixture('search-response.json')]);
    assert.equal(text.join(''), cli.stdout);
  });

  it('reads objects with objectMode', async () => {
    const alerts = await collect(fs.createReadStream(fixture('events.json')).pipe(createScanner({ objectMode: true, now: NOW })));
    assert.deepEqual(
      alerts.map((a) => a['event.id']),
      ['ev-1', 'ev-3', 'ev-5'],
    );
    assert.equal(
      alerts[1]['kibana.alert.reason'],
      'network event with process curl.exe, by svc_sql on SRV-DB1 created low alert External IP Lookup from Non-Browser Process.',
    );
  });

  it('detects the input format of bytes, even split into one-byte chunks', async () => {
    for (const file of ['events.json', 'search-response.json', 'pretty.json', 'events.ndjson']) {
      const bytes = fs.readFileSync(fixture(file));
      const chunks = Array.from(bytes, (b) => Buffer.from([b]));
      const scanner = createScanner({ format: 'verdicts', objectMode: true });
      const out = await collect(Readable.from(chunks).pipe(scanner));
      assert.equal(out.length, 5, file);
      assert.deepEqual(out.filter((v) => v.matched).length, 3, file);
    }
  });

  it('takes event objects and Elasticsearch hits', async () => {
    const events = fixtureEvents();
    const scanner = createScanner({ format: 'verdicts', objectMode: true, rule: compileRule({ version: '104' }) });
    const out = await collect(Readable.from([...events, { _index: 'i', _id: 'x', _source: events[0] }]).pipe(scanner));
    assert.equal(out.length, 6);
    assert.deepEqual(
      out.map((v) => v.matched),
      [true, false, true, false, true, true],
    );
    assert.equal(out[5]._id, 'x');
    assert.equal(out[0].rule.version, '104');
    const alerts = await collect(Readable.from(events).pipe(createScanner({ now: NOW, objectMode: true })));
    assert.deepEqual(
      alerts.map((a) => a['event.id']),
      ['ev-1', 'ev-3', 'ev-5'],
    );
    assert.equal(events[0].event.kind, 'event', "the caller's objects are not changed");
  });

  it('counts and reports rejected lines, and fails at the first with strict', async () => {
    const scanner = createScanner({ format: 'verdicts', objectMode: true });
    const rejected = [];
    scanner.on('rejected', (r) => rejected.push(r));
    const out = await collect(Readable.from([fs.readFileSync(fixture('malformed.ndjson'))]).pipe(scanner));
    assert.equal(out.length, 8);
    assert.deepEqual(
      rejected.map((r) => r.line),
      [2, 4, 6, 8],
    );
    assert.deepEqual(scanner.counts, { lines: 8, matched: 3, unmatched: 1, rejected: 4, blank: 1 });
    assert.deepEqual(
      scanner.rejections.map((r) => r.line),
      [2, 4, 6, 8],
    );

    const strict = createScanner({ strict: true, source: 'm.ndjson' });
    await assert.rejects(
      pipeline(Readable.from([fs.readFileSync(fixture('malformed.ndjson'))]), strict, new PassThrough({ objectMode: true }).resume()),
      /m\.ndjson:2:\d+: invalid JSON/,
    );
  });

  it('honours backpressure: a slow reader holds the writer back', async () => {
    const [hitEvent] = fixtureEvents();
    const scanner = createScanner({ now: NOW, highWaterMark: 8, objectMode: true });
    let written = 0;
    let maxBuffered = 0;
    const source = new Readable({
      objectMode: true,
      read() {
        if (written >= 400) return this.push(null);
        written++;
        this.push({ ...hitEvent, event: { ...hitEvent.event, sequence: written } });
      },
    });
    let got = 0;
    const sink = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(alert, _enc, cb) {
        got++;
        maxBuffered = Math.max(maxBuffered, scanner.readableLength);
        // While the sink is slow, the source must not run far ahead.
        assert.ok(written - got <= 8 + 16 + 16 + 2, `written ${written}, received ${got}`);
        setImmediate(cb);
      },
    });
    await pipeline(source, scanner, sink);
    assert.equal(got, 400);
    assert.ok(maxBuffered <= 16, `readable buffer ${maxBuffered}`);
  });

  it('rejects bad options', () => {
    assert.throws(() => createScanner({ format: 'csv' }), /format must be "alerts" or "verdicts"/);
    assert.throws(() => createScanner({ inputFormat: 'xml' }), /inputFormat/);
    assert.throws(() => createScanner({ bogus: 1 }), /unknown option `bogus`/);
  });
});

describe('createScanner, live and robust (issues 15 and 19)', () => {
  const line = (id) => fs.readFileSync(fixture('events.ndjson'), 'utf8').split('\n')[0].replace('"ev-1"', `"${id}"`);

  it('emits an alert for a line as soon as it is written, before end()', async () => {
    const scanner = createScanner({ objectMode: true });
    const got = new Promise((resolve) => scanner.once('data', resolve));
    scanner.write(`${line('now-1')}\n`);
    const alert = await got;
    assert.equal(alert['event.id'], 'now-1');
    assert.equal(scanner.writableEnded, false);
    scanner.end();
    await collect(scanner);
  });

  it('judges what a failing source sent before passing its error on', async () => {
    const noMatch = fs.readFileSync(fixture('no-match.ndjson'), 'utf8').trim().split('\n');
    const source = new PassThrough();
    const scanner = createScanner({ objectMode: true });
    const alerts = [];
    const sink = new Writable({
      objectMode: true,
      write(a, _enc, cb) {
        alerts.push(a);
        cb();
      },
    });
    const done = pipeline(source, scanner, sink);
    // 8 lines, 5 of them alerts, the last one cut off by the failure.
    const lines = [line('s-1'), noMatch[0], line('s-2'), line('s-3'), noMatch[0], line('s-4'), line('s-5'), noMatch[0]];
    for (const l of lines.slice(0, 7)) source.write(`${l}\n`);
    source.write(lines[7].slice(0, 40));
    await new Promise((resolve) => setImmediate(resolve));
    source.destroy(new Error('connection reset'));
    await assert.rejects(done, /connection reset/);
    assert.deepEqual(
      alerts.map((a) => a['event.id']),
      ['s-1', 's-2', 's-3', 's-4', 's-5'],
    );
    assert.deepEqual(scanner.counts, { lines: 8, matched: 5, unmatched: 2, rejected: 1, blank: 0 });
    assert.equal(scanner.rejections[0].line, 8);
  });

  it('rejects a matched object that cannot be serialised, with the reason, and goes on', async () => {
    const ev = () => JSON.parse(line('x'));
    const cyclic = ev();
    cyclic.self = cyclic;
    const big = ev();
    big.bytes = 10n;
    const getter = ev();
    Object.defineProperty(getter, 'boom', {
      enumerable: true,
      get: () => {
        throw new Error('no way');
      },
    });
    const fine = JSON.parse(line('after'));
    for (const objectMode of [true, false]) {
      const scanner = createScanner({ objectMode, now: NOW });
      const rejected = [];
      scanner.on('rejected', (r) => rejected.push(r));
      const out = await collect(Readable.from([cyclic, big, getter, fine]).pipe(scanner));
      const alerts = objectMode
        ? out
        : out
            .join('')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l));
      assert.deepEqual(
        alerts.map((a) => a['event.id']),
        ['after'],
      );
      assert.deepEqual(
        rejected.map((r) => r.line),
        [1, 2, 3],
      );
      assert.match(rejected[0].message, /^the event cannot be serialised as JSON: .*circular/i);
      assert.match(rejected[1].message, /BigInt/);
      assert.match(rejected[2].message, /no way/);
      assert.deepEqual(scanner.counts, { lines: 4, matched: 1, unmatched: 0, rejected: 3, blank: 0 });
    }
  });

  it('an event with a timestamp no Date holds is an alert, not a crash', async () => {
    const ev = JSON.parse(line('far'));
    ev['@timestamp'] = 1e17; // 99999999999999999 as JSON.parse reads it
    for (const input of [[ev], [Buffer.from(`${JSON.stringify(ev)}\n`)]]) {
      const [a] = await collect(Readable.from(input).pipe(createScanner({ objectMode: true })));
      assert.equal(a['event.id'], 'far');
      assert.equal(a['kibana.alert.original_time'], undefined);
    }
  });

  it('keeps __proto__ keys in alerts', async () => {
    const text = line('p').replace('{"@timestamp"', '{"__proto__":{"polluted":1},"@timestamp"');
    for (const input of [[Buffer.from(`${text}\n`)], [JSON.parse(text)]]) {
      const [a] = await collect(Readable.from(input).pipe(createScanner({ objectMode: true })));
      assert.deepEqual(Object.getOwnPropertyDescriptor(a, '__proto__')?.value, { polluted: 1 });
    }
  });

  it('writes verdicts of a chunk far larger than itself piece by piece, as the reader reads', async () => {
    // 64 KB of `{}` lines: 21,845 verdicts, some 130 MB of text, from one write.
    const scanner = createScanner({ format: 'verdicts' });
    let maxBuffered = 0;
    let bytes = 0;
    let lines = 0;
    const sink = new Writable({
      highWaterMark: 1 << 16,
      write(chunk, _enc, cb) {
        maxBuffered = Math.max(maxBuffered, scanner.readableLength);
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
        setImmediate(cb);
      },
    });
    await pipeline(Readable.from([Buffer.from('{}\n'.repeat(21845))]), scanner, sink);
    assert.equal(lines, 21845);
    assert.ok(bytes > 21845 * 1000);
    // At most a piece (256 KB) beyond the reader's high-water mark is ever held.
    assert.ok(maxBuffered <= (64 << 10) + (512 << 10), `readable buffer ${maxBuffered}`);
  });

  it('detects the format of a 60 KB first line written byte by byte without re-reading it', async () => {
    const big = JSON.parse(line('long'));
    big.pad = 'x'.repeat(60 << 10);
    const bytes = Buffer.from(`${JSON.stringify(big)}\n${line('next')}\n`);
    // Buffer.concat is how a head gets re-read: count the bytes it copies.
    const concat = Buffer.concat;
    let copied = 0;
    Buffer.concat = function counting(list, length) {
      const b = concat.call(Buffer, list, length);
      copied += b.length;
      return b;
    };
    let alerts;
    try {
      const chunks = Array.from(bytes, (b) => Buffer.from([b]));
      alerts = await collect(Readable.from(chunks).pipe(createScanner({ objectMode: true })));
    } finally {
      Buffer.concat = concat;
    }
    assert.deepEqual(
      alerts.map((a) => a['event.id']),
      ['long', 'next'],
    );
    // Linear: a few copies of the input at most (it was once copied again on every byte: 3.7 GB).
    assert.ok(copied <= 4 * bytes.length, `copied ${copied} bytes for ${bytes.length}`);
  });

  it('reads an EQL search response (hits.events)', async () => {
    const ev = JSON.parse(line('eql'));
    const resp = {
      is_partial: false,
      is_running: false,
      took: 3,
      timed_out: false,
      hits: { total: { value: 1, relation: 'eq' }, events: [{ _index: 'i', _id: 'e1', _source: ev }] },
    };
    for (const text of [JSON.stringify(resp, null, 2), JSON.stringify(resp)]) {
      const [a] = await collect(Readable.from([Buffer.from(text)]).pipe(createScanner({ objectMode: true })));
      assert.equal(a['kibana.alert.ancestors'][0].id, 'e1');
    }
  });
});

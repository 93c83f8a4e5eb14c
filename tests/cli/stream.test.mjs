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
    const alerts = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(alerts.map((a) => a.event.id), ['ev-1', 'ev-3', 'ev-5']);
    assert.equal(alerts[0]['@timestamp'], NOW);
    assert.equal(alerts[0]['kibana.alert.rule.rule_type_id'], 'siem.eqlRule');
    assert.deepEqual(scanner.counts, { lines: 5, matched: 3, unmatched: 2, rejected: 0, blank: 1 });
  });

  it('writes the same alerts as the CLI', async () => {
    const text = await collect(fs.createReadStream(fixture('search-response.json')).pipe(createScanner({ now: NOW, source: fixture('search-response.json') })));
    const { run } = await import('./helpers.mjs');
    const cli = await run(['scan', '--now', NOW, fixture('search-response.json')]);
    assert.equal(text.join(''), cli.stdout);
  });

  it('reads objects with objectMode', async () => {
    const alerts = await collect(fs.createReadStream(fixture('events.json')).pipe(createScanner({ objectMode: true, now: NOW })));
    assert.deepEqual(alerts.map((a) => a.event.id), ['ev-1', 'ev-3', 'ev-5']);
    assert.equal(alerts[1]['kibana.alert.reason'], 'network event with process curl.exe, by svc_sql on SRV-DB1 created low alert External IP Lookup from Non-Browser Process.');
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
    assert.deepEqual(out.map((v) => v.matched), [true, false, true, false, true, true]);
    assert.equal(out[5]._id, 'x');
    assert.equal(out[0].rule.version, '104');
    const alerts = await collect(Readable.from(events).pipe(createScanner({ now: NOW, objectMode: true })));
    assert.deepEqual(alerts.map((a) => a.event.id), ['ev-1', 'ev-3', 'ev-5']);
    assert.equal(events[0].event.kind, 'event', 'the caller\'s objects are not changed');
  });

  it('counts and reports rejected lines, and fails at the first with strict', async () => {
    const scanner = createScanner({ format: 'verdicts', objectMode: true });
    const rejected = [];
    scanner.on('rejected', (r) => rejected.push(r));
    const out = await collect(Readable.from([fs.readFileSync(fixture('malformed.ndjson'))]).pipe(scanner));
    assert.equal(out.length, 8);
    assert.deepEqual(rejected.map((r) => r.line), [2, 4, 6, 8]);
    assert.deepEqual(scanner.counts, { lines: 8, matched: 3, unmatched: 1, rejected: 4, blank: 1 });
    assert.deepEqual(scanner.rejections.map((r) => r.line), [2, 4, 6, 8]);

    const strict = createScanner({ strict: true, source: 'm.ndjson' });
    await assert.rejects(
      pipeline(Readable.from([fs.readFileSync(fixture('malformed.ndjson'))]), strict, new PassThrough({ objectMode: true }).resume()),
      /m\.ndjson:2: invalid JSON/,
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

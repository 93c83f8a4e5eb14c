'use strict';
// The streaming API (Node.js): createScanner(options) returns a Transform stream. Write it bytes
// (NDJSON, a JSON array, an Elasticsearch search or EQL response, pretty-printed JSON values) or
// event objects (events or hits); read alert documents (default) or verdicts, as NDJSON text, or
// as objects with `objectMode: true`. It honours backpressure and works in stream.pipeline.
// Reading a gzip file and writing alerts:
//
//   const fs = require('node:fs');
//   const zlib = require('node:zlib');
//   const { pipeline } = require('node:stream/promises');
//   const { createScanner } = require('external-ip-lookup-rule');
//
//   const scanner = createScanner({ format: 'alerts' });
//   await pipeline(
//     fs.createReadStream('events.ndjson.gz'),
//     zlib.createGunzip(),
//     scanner,
//     fs.createWriteStream('alerts.ndjson'),
//   );
//   console.log(scanner.counts); // { lines, matched, unmatched, rejected, blank }
//
// With objects:
//
//   for await (const alert of fs.createReadStream('events.ndjson').pipe(createScanner({ objectMode: true }))) {
//     console.log(alert['kibana.alert.reason']);
//   }
//
// Live: the complete lines of each chunk written are judged before the write completes, so an
// alert comes out as soon as its line is in (`tail -f`), never held until `end()`. A source that
// fails (the stream is destroyed with an error, as stream.pipeline does) still has what it sent
// judged and counted before the error is passed on; a line it cut off is rejected.
//
// Nothing is dropped silently: `scanner.counts` holds { lines, matched, unmatched, rejected,
// blank }, with lines = matched + unmatched + rejected; each rejected line emits a 'rejected'
// event ({ source, line, column, message }) and the first ones are kept in `scanner.rejections`.
// A matched event object that cannot be serialised (a cycle, a BigInt, a throwing getter) is
// rejected with the reason, and the stream goes on.

const { Transform } = require('node:stream');
const { Engine } = require('./engine.cjs');
const { FormatDetector, createFramer, FORMATS } = require('./framing.cjs');
const { alertJson, buildAlert, makeAlertContext } = require('./alert.cjs');

const OWN_OPTIONS = new Set([
  'rule',
  'format',
  'objectMode',
  'inputFormat',
  'source',
  'now',
  'strict',
  'batchBytes',
  'ruleUuid',
  'spaceId',
  'index',
  'maxRejections',
  'highWaterMark',
]);

/**
 * Creates a scanner.
 * @param {object} [options]
 * @param {object} [options.rule] a rule from compileRule; otherwise one is compiled from the
 *   rule options given here (version, query, and the tuning options compileRule knows)
 * @param {'alerts'|'verdicts'} [options.format] what is read from the stream (default alerts)
 * @param {boolean} [options.objectMode] read objects instead of NDJSON text (default false)
 * @param {'auto'|'ndjson'|'array'|'es'|'json'} [options.inputFormat] format of byte input
 * @param {string} [options.source] the name given to the input in records (default "<stream>")
 * @param {string} [options.now] the alerts' @timestamp (default: the time of each batch)
 * @param {boolean} [options.strict] fail the stream at the first rejected line
 * @param {string} [options.ruleUuid] kibana.alert.rule.uuid (default: the rule_id)
 * @param {string} [options.spaceId] the Kibana space (default "default")
 * @param {string} [options.index] `_index` for events read without their hit
 * @param {number} [options.batchBytes] bytes judged per call into the engine, at most (default 4 MiB)
 */
function createScanner(options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('createScanner(options) takes an object');
  const ruleOptions = {};
  for (const [k, v] of Object.entries(options)) if (!OWN_OPTIONS.has(k)) ruleOptions[k] = v;
  const output = options.format ?? 'alerts';
  if (output !== 'alerts' && output !== 'verdicts') {
    throw new TypeError(`createScanner: format must be "alerts" or "verdicts", not ${JSON.stringify(output)}`);
  }
  const objectMode = Boolean(options.objectMode);
  const inputFormat = options.inputFormat ?? 'auto';
  if (inputFormat !== 'auto' && !FORMATS.includes(inputFormat)) {
    throw new TypeError(`createScanner: inputFormat must be auto or one of ${FORMATS.join(', ')}`);
  }
  // Required here, not at load: js/node.cjs requires this module.
  const rule = options.rule ?? require('./node.cjs').compileRule(ruleOptions);
  const source = options.source ?? '<stream>';
  const customized =
    ruleOptions.query !== undefined || ruleOptions.addDomains !== undefined || ruleOptions.addExcludedExecutables !== undefined;
  const alertOptions = { ruleUuid: options.ruleUuid, spaceId: options.spaceId, index: options.index, customized };
  const engine = new Engine(rule, {
    output,
    serialize: !objectMode,
    strict: Boolean(options.strict),
    alert: alertOptions,
    now: options.now,
  });
  const ctx = makeAlertContext(rule.info, { ...alertOptions, fields: rule.fields });
  const maxRejections = options.maxRejections ?? 100;
  const framerOptions = { batchBytes: options.batchBytes };

  let detector = inputFormat === 'auto' ? new FormatDetector() : null;
  let head = [];
  let framer = detector ? null : createFramer(inputFormat, framerOptions);
  let objectLine = 0;
  let waiting = null; // resolves when the reader wants more, after a push said to stop
  let ended = false;

  const scanner = new Transform({
    writableObjectMode: true,
    readableObjectMode: objectMode,
    writableHighWaterMark: options.highWaterMark ?? 16,
    readableHighWaterMark: options.highWaterMark ?? (objectMode ? 16 : 64 << 10),
    transform(chunk, _encoding, callback) {
      let work;
      try {
        if (typeof chunk === 'string') chunk = Buffer.from(chunk, 'utf8');
        if (chunk instanceof Uint8Array) {
          const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          work = onBytes(buf);
        } else {
          work = onObject(chunk);
        }
      } catch (err) {
        callback(err);
        return;
      }
      run(work, callback);
    },
    flush(callback) {
      let items;
      try {
        items = finish();
      } catch (err) {
        callback(err);
        return;
      }
      run(items, callback);
    },
    destroy(err, callback) {
      if (waiting) waiting();
      // A source that failed: judge and count what it sent (the output can no longer go out).
      if (err && !ended) {
        try {
          for (const item of finish()) {
            const it = judgeItem(item);
            while (!it.next().done);
          }
        } catch {
          // the source's error is the one to report
        }
      }
      callback(err);
    },
  });
  scanner.counts = { lines: 0, matched: 0, unmatched: 0, rejected: 0, blank: 0 };
  scanner.rejections = [];
  scanner.rule = rule;

  // Backpressure inside one write: when a push says the reader is full, wait until it reads.
  const transformRead = scanner._read;
  scanner._read = function read(size) {
    const w = waiting;
    waiting = null;
    if (w) w();
    return transformRead.call(this, size);
  };

  function emit(piece) {
    if (objectMode && Array.isArray(piece)) {
      let more = true;
      for (const x of piece) more = scanner.push(x);
      return more;
    }
    return scanner.push(piece);
  }

  // Runs a list of framer items (or output pieces), then calls back.
  async function pump(items) {
    for (const item of items) {
      for (const piece of judgeItem(item)) {
        if (scanner.destroyed) return;
        if (!emit(piece)) await new Promise((resolve) => (waiting = resolve));
      }
    }
  }

  function run(items, callback) {
    pump(items).then(() => callback(), callback);
  }

  function reject(line, column, message) {
    const r = { source, line, column, message };
    if (scanner.rejections.length < maxRejections) scanner.rejections.push(r);
    scanner.emit('rejected', r);
    if (options.strict) throw Object.assign(new Error(`${source}:${line}:${column}: ${message}`), { code: 'rejected_line', line, column });
  }

  function rejectedRecord(line, column, message) {
    const rec = { file: source, line, column, rejected: true, error: message };
    return objectMode ? [rec] : `${JSON.stringify(rec)}\n`;
  }

  // The framer items of a chunk of bytes: every complete line or element in it.
  function onBytes(buf) {
    if (framer) return [...framer.push(buf), ...framer.flush()];
    head.push(buf);
    const format = detector.push(buf);
    return format ? startFramer(format) : [];
  }

  function startFramer(format) {
    framer = createFramer(format, framerOptions);
    const all = head.length === 1 ? head[0] : Buffer.concat(head);
    head = null;
    detector = null;
    return [...framer.push(all), ...framer.flush()];
  }

  function finish() {
    ended = true;
    const items = detector ? startFramer(detector.end()) : [];
    return [...items, ...framer.end()];
  }

  // Judges one framer item (or an object's output), yielding its output pieces.
  function* judgeItem(item) {
    if (item.type === 'pieces') {
      yield* item.pieces;
      return;
    }
    if (item.type === 'error') {
      throw Object.assign(new Error(`${source}:${item.line}: ${item.message}`), { code: 'invalid_input', line: item.line });
    }
    if (item.type === 'reject') {
      scanner.counts.lines++;
      scanner.counts.rejected++;
      const column = item.column ?? 1;
      if (output === 'verdicts') yield rejectedRecord(item.line, column, item.message);
      reject(item.line, column, item.message);
      return;
    }
    if (options.now === undefined) engine.now = new Date().toISOString();
    const it = engine.judge({ ...item, file: source });
    let r;
    while (!(r = it.next()).done) yield r.value;
    const res = r.value;
    for (const k of Object.keys(scanner.counts)) scanner.counts[k] += res.counts[k];
    for (const e of res.errors) reject(e.line, e.column, e.message);
  }

  // An event object: judged at once; yields one 'pieces' item with its output, if any.
  function onObject(doc) {
    const line = ++objectLine;
    const pieces = [];
    const rejectObject = (message) => {
      scanner.counts.lines++;
      scanner.counts.rejected++;
      if (output === 'verdicts') pieces.push(rejectedRecord(line, 1, message));
      reject(line, 1, message);
    };
    let verdict;
    try {
      verdict = rule.evaluate(doc);
    } catch (err) {
      rejectObject(String(err && err.message));
      return [{ type: 'pieces', pieces }];
    }
    if (output === 'verdicts') {
      scanner.counts.lines++;
      if (verdict.matched) scanner.counts.matched++;
      else scanner.counts.unmatched++;
      const rec = { file: source, line, ...verdict };
      pieces.push(objectMode ? [rec] : `${JSON.stringify(rec)}\n`);
      return [{ type: 'pieces', pieces }];
    }
    if (verdict.matched) {
      // The alert is a JSON document: an event that JSON cannot write cannot be one.
      let copy;
      try {
        copy = JSON.parse(JSON.stringify(doc));
      } catch (err) {
        rejectObject(`the event cannot be serialised as JSON: ${err && err.message}`);
        return [{ type: 'pieces', pieces }];
      }
      const o = { verdict, file: source, line, now: options.now ?? new Date().toISOString() };
      pieces.push(objectMode ? [buildAlert(ctx, copy, o)] : `${alertJson(ctx, copy, o)}\n`);
      scanner.counts.matched++;
    } else {
      scanner.counts.unmatched++;
    }
    scanner.counts.lines++;
    return [{ type: 'pieces', pieces }];
  }

  return scanner;
}

module.exports = { createScanner };

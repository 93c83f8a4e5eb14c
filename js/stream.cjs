'use strict';
// The streaming API (Node.js): createScanner(options) returns a Transform stream. Write it bytes
// (NDJSON, a JSON array, an Elasticsearch search response, pretty-printed JSON values) or event
// objects (events or hits); read alert documents (default) or verdicts, as NDJSON text, or as
// objects with `objectMode: true`. It honours backpressure and works in stream.pipeline. Reading
// a gzip file and writing alerts:
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
// Nothing is dropped silently: `scanner.counts` holds { lines, matched, unmatched, rejected,
// blank }, with lines = matched + unmatched + rejected; each rejected line emits a 'rejected'
// event ({ source, line, message }) and the first ones are kept in `scanner.rejections`.

const { Transform } = require('node:stream');
const { Engine } = require('./engine.cjs');
const { createFramer, detectFormat, FORMATS } = require('./framing.cjs');
const { alertJson, buildAlert, makeAlertContext } = require('./alert.cjs');

const HEAD_BYTES = 64 << 10;
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
 * @param {number} [options.batchBytes] bytes judged per call into the engine (default 4 MiB)
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
  const customized = ruleOptions.query !== undefined || ruleOptions.addDomains !== undefined || ruleOptions.addExcludedExecutables !== undefined;
  const alertOptions = { ruleUuid: options.ruleUuid, spaceId: options.spaceId, index: options.index, customized };
  const engine = new Engine(rule, {
    output,
    serialize: !objectMode,
    strict: Boolean(options.strict),
    alert: alertOptions,
    now: options.now,
  });
  const ctx = makeAlertContext(rule.info, alertOptions);
  const emit = (record) => scanner.push(objectMode ? record : `${JSON.stringify(record)}\n`);
  const maxRejections = options.maxRejections ?? 100;

  let framer = null;
  let head = [];
  let headLen = 0;
  let objectLine = 0;

  const scanner = new Transform({
    writableObjectMode: true,
    readableObjectMode: objectMode,
    writableHighWaterMark: options.highWaterMark ?? 16,
    readableHighWaterMark: options.highWaterMark ?? (objectMode ? 16 : 64 << 10),
    transform(chunk, _encoding, callback) {
      try {
        if (typeof chunk === 'string') chunk = Buffer.from(chunk, 'utf8');
        if (chunk instanceof Uint8Array) {
          const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          onBytes(buf);
        } else {
          onObject(chunk);
        }
        callback();
      } catch (err) {
        callback(err);
      }
    },
    flush(callback) {
      try {
        if (!framer && head) startFramer(true);
        if (framer) for (const item of framer.end()) onItem(item);
        callback();
      } catch (err) {
        callback(err);
      }
    },
  });
  scanner.counts = { lines: 0, matched: 0, unmatched: 0, rejected: 0, blank: 0 };
  scanner.rejections = [];
  scanner.rule = rule;

  function reject(line, message) {
    const r = { source, line, message };
    if (scanner.rejections.length < maxRejections) scanner.rejections.push(r);
    scanner.emit('rejected', r);
    if (options.strict) throw Object.assign(new Error(`${source}:${line}: ${message}`), { code: 'rejected_line', line });
  }

  function onBytes(buf) {
    if (framer) {
      for (const item of framer.push(buf)) onItem(item);
      return;
    }
    head.push(buf);
    headLen += buf.length;
    startFramer(headLen >= HEAD_BYTES);
  }

  function startFramer(final) {
    const all = head.length === 1 ? head[0] : Buffer.concat(head, headLen);
    const format = inputFormat === 'auto' ? detectFormat(all, final) : inputFormat;
    if (format === null) {
      head = [all];
      return;
    }
    head = null;
    framer = createFramer(format, { batchBytes: options.batchBytes });
    for (const item of framer.push(all)) onItem(item);
  }

  function onItem(item) {
    if (item.type === 'error') {
      throw Object.assign(new Error(`${source}:${item.line}: ${item.message}`), { code: 'invalid_input', line: item.line });
    }
    if (item.type === 'reject') {
      scanner.counts.lines++;
      scanner.counts.rejected++;
      if (output === 'verdicts') emit({ file: source, line: item.line, rejected: true, error: item.message });
      reject(item.line, item.message);
      return;
    }
    if (options.now === undefined) engine.now = new Date().toISOString();
    const res = engine.processBatch({ ...item, file: source });
    for (const k of Object.keys(scanner.counts)) scanner.counts[k] += res.counts[k];
    if (objectMode) for (const it of res.items) scanner.push(it);
    else if (res.text) scanner.push(res.text);
    for (const e of res.errors) reject(e.line, e.message);
  }

  function onObject(doc) {
    const line = ++objectLine;
    let verdict;
    try {
      verdict = rule.evaluate(doc);
    } catch (err) {
      scanner.counts.lines++;
      scanner.counts.rejected++;
      if (output === 'verdicts') emit({ file: source, line, rejected: true, error: String(err.message) });
      reject(line, String(err.message));
      return;
    }
    scanner.counts.lines++;
    if (verdict.matched) scanner.counts.matched++;
    else scanner.counts.unmatched++;
    if (output === 'verdicts') {
      emit({ file: source, line, ...verdict });
    } else if (verdict.matched) {
      const o = { verdict, file: source, line, now: options.now ?? new Date().toISOString() };
      scanner.push(objectMode ? buildAlert(ctx, structuredClone(doc), o) : `${alertJson(ctx, doc, o)}\n`);
    }
  }

  return scanner;
}

module.exports = { createScanner };

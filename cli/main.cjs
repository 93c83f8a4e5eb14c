'use strict';
// `external-ip-lookup-rule scan`: reads inputs as streams, judges them in batches (on this thread
// or in worker threads), writes alerts, verdicts, CSV or a summary, and accounts for every event.

const fs = require('node:fs');
const { Readable } = require('node:stream');
const zlib = require('node:zlib');

const { compileRule } = require('../js/node.cjs');
const { HELP, UsageError, parseArgs } = require('./args.cjs');
const { alertJson, ecsSource, makeAlertContext, splitHit } = require('../js/alert.cjs');
const { Engine } = require('../js/engine.cjs');
const { createFramer, detectFormat } = require('../js/framing.cjs');
const { addToStats, csvHeader, fmtInt, mergeStats, newStats, replayTable, summaryTable } = require('../js/format.cjs');
const { replay } = require('./replay.cjs');
const { BufferPool } = require('./buffers.cjs');

const NAME = 'external-ip-lookup-rule';
const HEAD_BYTES = 64 << 10;

class InputError extends Error {}

/** Resolves when `stream` drains (or closes, or fails: the 'error' handler reports that). */
function drained(stream) {
  return new Promise((resolve) => {
    const done = () => {
      stream.removeListener('drain', done);
      stream.removeListener('close', done);
      stream.removeListener('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

/**
 * Chunks of a file, read into two reused buffers: the consumer copies each before asking for the
 * next. The next chunk is read while the consumer works on this one, so judging a batch and
 * waiting for the disk overlap (the main thread sat idle for a fifth of a scan otherwise).
 */
async function* fileChunks(file, counter, chunkSize = 256 << 10) {
  const fh = await fs.promises.open(file, 'r');
  const bufs = [Buffer.allocUnsafeSlow(chunkSize), Buffer.allocUnsafeSlow(chunkSize)];
  let which = 0;
  let reading = fh.read(bufs[which], 0, chunkSize, null);
  try {
    for (;;) {
      const { bytesRead } = await reading;
      reading = null;
      if (bytesRead === 0) return;
      counter.bytes += bytesRead;
      const chunk = bufs[which].subarray(0, bytesRead);
      which ^= 1;
      // The other buffer is free: the consumer copied its chunk before asking for this one.
      reading = fh.read(bufs[which], 0, chunkSize, null);
      yield chunk;
    }
  } finally {
    // A read still in flight when the consumer stops early must end before the file closes.
    if (reading) await reading.catch(() => {});
    await fh.close();
  }
}

/** Chunks of a stream (standard input), counting bytes as they are read. */
async function* streamChunks(stream, counter) {
  for await (const chunk of stream) {
    counter.bytes += chunk.length;
    yield chunk;
  }
}

/**
 * Decoded chunks: gunzipped when the data starts with gzip's magic bytes. A chunk is only valid
 * until the next one is asked for.
 */
async function* decoded(chunks) {
  const it = chunks[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < 2) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    head = Buffer.concat([head, r.value]); // a copy: the reader reuses its buffer
  }
  if (head.length === 0) return;
  if (head[0] === 0x1f && head[1] === 0x8b) {
    async function* copies() {
      yield head;
      if (done) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield Buffer.from(r.value); // zlib holds on to its input for a while
      }
    }
    const gunzip = zlib.createGunzip();
    const src = Readable.from(copies());
    src.on('error', (e) => gunzip.destroy(e));
    src.pipe(gunzip);
    try {
      for await (const chunk of gunzip) yield chunk;
    } catch (err) {
      if (err.code && err.code.startsWith('Z_')) throw new InputError(`gzip: ${err.message}`);
      throw err;
    } finally {
      src.destroy(); // stops the reader (and closes the file) when the consumer stops early
    }
  } else {
    yield head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
}

function humanBytes(n) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

class Progress {
  constructor(stderr, mode, totalBytes) {
    this.stderr = stderr;
    this.forced = mode === true;
    this.enabled = mode === true || (mode === undefined && Boolean(stderr.isTTY));
    this.totalBytes = totalBytes;
    this.start = Date.now();
    this.shown = false;
    this.timer = null;
    this.state = { bytes: 0, events: 0, alerts: 0 };
  }

  begin(stateFn) {
    if (!this.enabled) return;
    this.stateFn = stateFn;
    this.timer = setInterval(() => this.draw(), this.forced ? 100 : 250);
    this.timer.unref();
  }

  draw() {
    const elapsed = (Date.now() - this.start) / 1000;
    if (!this.forced && elapsed < 1) return;
    const { bytes, events, alerts } = this.stateFn();
    const rate = elapsed > 0 ? Math.round(events / elapsed) : 0;
    let bar = '';
    if (this.totalBytes > 0) {
      const frac = Math.min(1, bytes / this.totalBytes);
      const width = 24;
      const full = Math.round(frac * width);
      bar = `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(Math.floor(frac * 100)).padStart(3)}%  ${humanBytes(bytes)}/${humanBytes(this.totalBytes)}`;
    } else {
      bar = `${humanBytes(bytes)}`;
    }
    const columns = this.stderr.columns || 100;
    const text = `${bar}  ${fmtInt(rate)} events/s  ${fmtInt(alerts)} alerts`.slice(0, columns - 1);
    this.stderr.write(`\r\x1b[K${text}`);
    this.shown = true;
  }

  end() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.shown) this.stderr.write('\r\x1b[K');
  }
}

/**
 * Runs the CLI. `io`: { stdin, stdout, stderr }. Resolves with the exit status.
 */
async function main(argv, io = {}) {
  const stdin = io.stdin ?? process.stdin;
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const err = (msg) => stderr.write(`${NAME}: ${msg}\n`);

  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`${e.message}`);
    stderr.write(`Try \`${NAME} --help\`.\n`);
    return 2;
  }
  if (opts.help) {
    stdout.write(HELP);
    return 0;
  }

  // The rule.
  const ruleOptions = {};
  if (opts.version !== undefined) ruleOptions.version = opts.version;
  try {
    if (opts.queryFile !== undefined) ruleOptions.query = fs.readFileSync(opts.queryFile, 'utf8');
    if (opts.exceptions !== undefined) {
      const text = fs.readFileSync(opts.exceptions, 'utf8');
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      ruleOptions.exceptions = Array.isArray(parsed) ? parsed : text;
    }
  } catch (e) {
    err(`cannot read ${e.path ?? 'file'}: ${e.message}`);
    return 2;
  }
  if (opts.addDomains.length) ruleOptions.addDomains = opts.addDomains;
  if (opts.excludeExecutables.length) ruleOptions.addExcludedExecutables = opts.excludeExecutables;
  if (opts.input !== undefined) ruleOptions.input = opts.input;
  let rule;
  try {
    rule = compileRule(ruleOptions);
  } catch (e) {
    const where = e.line !== undefined ? ` (line ${e.line}, column ${e.column})` : '';
    const unknown = /unknown option `(\w+)`/.exec(e.message);
    if (unknown) {
      const flag = {
        exceptions: '--exceptions',
        addDomains: '--add-domain',
        addExcludedExecutables: '--exclude-executable',
        input: '--input',
      }[unknown[1]];
      err(`${flag ?? unknown[1]} is not supported by this build of the rule engine (${e.message})`);
    } else {
      err(`cannot compile the rule${where}: ${e.message}`);
    }
    return 2;
  }
  const info = rule.info;
  const customized = ruleOptions.query !== undefined || ruleOptions.addDomains !== undefined || ruleOptions.addExcludedExecutables !== undefined;
  const alertOptions = { ruleUuid: opts.ruleUuid, spaceId: opts.space, index: opts.index, customized };
  const now = opts.now ?? new Date().toISOString();
  const output = opts.replay ? 'replay' : opts.format;
  const engineOptions = {
    output,
    strict: Boolean(opts.strict),
    stats: opts.format === 'summary',
    alert: alertOptions,
    now,
    inputMode: ruleOptions.input ?? 'ecs',
  };
  const engine = new Engine(rule, { ...engineOptions, serialize: true });

  // The inputs.
  const sources = opts.files.length ? opts.files : ['-'];
  if (opts.files.length === 0 && stdin.isTTY) {
    err('no input: give FILEs, or pipe events to standard input (see --help)');
    return 2;
  }
  let totalBytes = 0;
  for (const f of sources) {
    if (f === '-') {
      totalBytes = -Infinity;
      continue;
    }
    try {
      const st = fs.statSync(f);
      if (st.isFile()) totalBytes += st.size;
    } catch {
      // reported when the file is opened
    }
  }

  // State.
  const counts = { lines: 0, matched: 0, unmatched: 0, rejected: 0, blank: 0 };
  const rejections = [];
  let rejectionCount = 0;
  const inputErrors = [];
  const stats = newStats();
  const records = [];
  let seq = 0;
  let stopped = false;
  let broken = false; // stdout closed (EPIPE)
  let outputs = 0; // alerts, or matches for verdicts/csv
  const counter = { bytes: 0 };
  const started = Date.now();

  let outputError = null;
  const onStdoutError = (e) => {
    broken = true;
    if (e.code !== 'EPIPE') outputError = e;
  };
  stdout.on('error', onStdoutError);

  async function write(text) {
    if (!text || broken) return;
    if (!stdout.write(text)) await drained(stdout);
  }

  async function handle(res) {
    if (stopped) return;
    for (const k of Object.keys(counts)) counts[k] += res.counts[k] ?? 0;
    for (const e of res.errors) {
      rejectionCount++;
      if (rejections.length < opts.maxErrors) rejections.push(e);
    }
    if (res.stats) mergeStats(stats, res.stats);
    if (res.records) for (const r of res.records) records.push({ ...r, seq: seq++ });
    outputs += res.counts.matched ?? 0;
    await write(res.text);
    if (res.stopped) stopped = true;
  }

  const progress = new Progress(stderr, opts.progress, totalBytes > 0 ? totalBytes : 0);
  progress.begin(() => ({ bytes: counter.bytes, events: counts.lines, alerts: output === 'replay' ? counts.matched : outputs }));

  let pool = null;
  const maxInFlight = opts.workers > 1 ? opts.workers * 2 : 0;
  // Batch buffers: the batch size, plus room for a read chunk (256 KiB from a file, 64 KiB from a
  // pipe) and a partial line.
  const buffers = new BufferPool(opts.batchSize + (320 << 10), maxInFlight + 2);
  if (opts.workers > 1) {
    const { WorkerPool } = require('./pool.cjs');
    pool = new WorkerPool(opts.workers, { ruleOptions, engineOptions }, (ab) => buffers.give(ab));
  }
  const pending = [];

  function rejectResult(file, line, message) {
    const res = {
      counts: { lines: 1, matched: 0, unmatched: 0, rejected: 1, blank: 0 },
      errors: [{ file, line, message }],
      stopped: Boolean(opts.strict),
      text: '',
    };
    if (output === 'verdicts' || output === 'csv') res.text = engine._rejectedItem(file, line, message);
    return res;
  }

  async function submit(item, file) {
    if (item.type === 'error') {
      inputErrors.push(`${file}:${item.line}: ${item.message}`);
      return;
    }
    let p;
    if (item.type === 'reject') {
      p = Promise.resolve(rejectResult(file, item.line, item.message));
    } else if (pool) {
      p = pool.run({ ...item, file });
    } else {
      const res = engine.processBatch({ ...item, file });
      buffers.give(item.bytes.buffer);
      await handle(res);
      return;
    }
    pending.push(p);
    while (pending.length > maxInFlight && !stopped) await handle(await pending.shift());
  }

  async function drain() {
    while (pending.length && !stopped) await handle(await pending.shift());
  }

  if (output === 'csv') await write(csvHeader());

  let stdinUsed = false;
  try {
    for (const f of sources) {
      if (stopped || broken) break;
      const name = f === '-' ? '<stdin>' : f;
      let chunks;
      if (f === '-') {
        if (stdinUsed) continue;
        stdinUsed = true;
        chunks = streamChunks(stdin, counter);
      } else {
        chunks = fileChunks(f, counter);
      }
      let framer = null;
      let head = [];
      let headLen = 0;
      const startFramer = async () => {
        const all = Buffer.concat(head, headLen);
        head = null;
        const format = opts.inputFormat === 'auto' ? detectFormat(all) : opts.inputFormat;
        framer = createFramer(format, { batchBytes: opts.batchSize, pool: buffers });
        for (const item of framer.push(all)) await submit(item, name);
      };
      try {
        for await (const chunk of decoded(chunks)) {
          if (stopped || broken) break;
          if (!framer) {
            head.push(Buffer.from(chunk));
            headLen += chunk.length;
            if (headLen >= HEAD_BYTES) await startFramer();
            continue;
          }
          for (const item of framer.push(chunk)) {
            await submit(item, name);
            if (stopped) break;
          }
        }
        if (!framer && head) await startFramer();
        if (!stopped && !broken) for (const item of framer.end()) await submit(item, name);
      } catch (e) {
        if (e instanceof InputError && !stopped && !broken) {
          // What was decoded before the error is still read, so nothing is lost: its complete
          // events are judged and a line cut off by the error is rejected with its reason.
          try {
            if (!framer && head) await startFramer();
            if (framer) for (const item of framer.end()) await submit(item, name);
          } catch (inner) {
            if (!(inner instanceof InputError)) throw inner;
          }
        }
        if (e instanceof InputError || (e.code && e.syscall)) {
          inputErrors.push(`${name}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
        } else {
          throw e;
        }
      }
    }
    await drain();
  } finally {
    progress.end();
    if (pool) await pool.close();
  }

  // Replay: executions, alerts.
  let replayResult = null;
  if (output === 'replay' && !broken) {
    try {
      replayResult = replay(records, info);
    } catch (e) {
      err(e.message);
      return 2;
    }
    const ctx = makeAlertContext(info, alertOptions);
    const replayStats = newStats();
    for (const { record, execution } of replayResult.alerts) {
      const doc = JSON.parse(record.text);
      const verdict = rule.evaluate(record.text);
      addToStats(replayStats, ecsSource(splitHit(doc).source, verdict));
      if (opts.format === 'alerts') {
        const alert = alertJson(ctx, doc, {
          text: record.text,
          verdict,
          file: record.file,
          line: record.line,
          now: execution.started_at,
          execution,
        });
        await write(`${alert}\n`);
      }
    }
    mergeStats(stats, replayStats);
    outputs = replayResult.alerts.length;
  }

  if (opts.format === 'summary' && !broken) {
    const replaySummary = replayResult && { ...replayResult, alerts: replayResult.alerts.length };
    await write(summaryTable({ info, counts, stats, replay: replaySummary }));
  }

  // The final summary, on stderr.
  const secs = (Date.now() - started) / 1000;
  const files = sources.length === 1 ? (sources[0] === '-' ? 'standard input' : '1 file') : `${sources.length} inputs`;
  let line = `${fmtInt(counts.lines)} events read from ${files} (${humanBytes(counter.bytes)} in ${secs.toFixed(2)} s`;
  if (secs > 0 && counts.lines > 0) line += `, ${fmtInt(Math.round(counts.lines / secs))} events/s`;
  line += `): ${fmtInt(counts.matched)} matched, ${fmtInt(counts.unmatched)} not matched, ${fmtInt(counts.rejected)} rejected`;
  if (counts.blank) line += `; ${fmtInt(counts.blank)} blank ${counts.blank === 1 ? 'line' : 'lines'} skipped`;
  err(line);
  if (replayResult) {
    const cut = replayResult.executions.reduce((a, e) => a + e.cut, 0);
    err(
      `replay: ${fmtInt(replayResult.alerts.length)} alerts from ${fmtInt(replayResult.executions.length)} executions; ${fmtInt(cut)} events cut by max_signals (${replayResult.maxSignals})`,
    );
    for (const l of replayTable(replayResult)) stderr.write(`${l}\n`);
    for (const e of replayResult.executions) {
      if (e.max_signals_reached) {
        err(
          `replay: execution at ${e.started_at}: ${fmtInt(e.in_window)} matching events in its window, ${fmtInt(e.in_window - e.cut)} returned, ${fmtInt(e.cut)} cut: ${e.warning}`,
        );
      }
    }
  }
  if (rejectionCount > 0) {
    for (const r of rejections) stderr.write(`${r.file}:${r.line}: ${r.message}\n`);
    if (rejectionCount > rejections.length) err(`... and ${fmtInt(rejectionCount - rejections.length)} more rejected`);
  }
  if (stopped) err('stopped at the first rejected line (--strict)');
  for (const m of inputErrors) err(`error: ${m}`);
  if (outputError) err(`error: cannot write the output: ${outputError.message}`);
  else if (broken) err('standard output was closed; stopped');

  stdout.removeListener('error', onStdoutError);
  if (inputErrors.length || stopped || outputError) return 2;
  return outputs > 0 ? 1 : 0;
}

module.exports = { main };

'use strict';
// `external-ip-lookup-rule scan`: reads inputs as streams, judges them in batches (on this thread
// or in worker threads), writes alerts, verdicts, CSV or a summary, and accounts for every event.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { compileRule } = require('../js/node.cjs');
const { HELP, UsageError, parseArgs } = require('./args.cjs');
const { alertJson, compactLine, ecsSource, makeAlertContext, splitHit } = require('../js/alert.cjs');
const { Engine } = require('../js/engine.cjs');
const { FormatDetector, createFramer } = require('../js/framing.cjs');
const { addToStats, csvHeader, fmtInt, mergeStats, newStats, replayTable, summaryTable } = require('../js/format.cjs');
const { Replay } = require('./replay.cjs');
const { BufferPool } = require('./buffers.cjs');
const { InputError, decode, notJsonText, notRead } = require('./decode.cjs');
const { expandInputs } = require('./inputs.cjs');

const NAME = 'external-ip-lookup-rule';
const IDLE_MS = 100; // a pipe quiet for this long has what it sent judged and written
const FOLLOW_POLL_MS = 200;
const ROTATED = Symbol('rotated');

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

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      if (signal) signal.removeEventListener('abort', done);
      resolve();
    }
    if (signal) signal.addEventListener('abort', done, { once: true });
  });

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
 * Chunks of a file as it grows, as `tail -F`: at its end, waits and looks again; a file
 * replaced by another (rotation: a new inode) is read to its end, then the new one from its
 * start; a file truncated in place is read again from its start. Each such restart yields
 * ROTATED. Ends when `signal` aborts (after reading what is there).
 */
async function* followChunks(file, counter, signal, chunkSize = 256 << 10) {
  const buf = Buffer.allocUnsafeSlow(chunkSize);
  let fh = await fs.promises.open(file, 'r');
  let st = await fh.stat();
  let pos = 0;
  const readToEnd = async function* () {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, chunkSize, pos);
      if (bytesRead === 0) return;
      pos += bytesRead;
      counter.bytes += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  };
  try {
    for (;;) {
      yield* readToEnd();
      if (signal.aborted) return;
      await sleep(FOLLOW_POLL_MS, signal);
      let now = null;
      try {
        now = await fs.promises.stat(file);
      } catch {
        now = null; // removed, and not (yet) replaced: keep reading the old one
      }
      if (now && (now.ino !== st.ino || now.dev !== st.dev)) {
        yield* readToEnd(); // what was written just before the rotation
        await fh.close();
        fh = null;
        try {
          fh = await fs.promises.open(file, 'r');
        } catch {
          fh = null;
        }
        while (!fh && !signal.aborted) {
          await sleep(FOLLOW_POLL_MS, signal);
          try {
            fh = await fs.promises.open(file, 'r');
          } catch {
            fh = null;
          }
        }
        if (!fh) return;
        st = await fh.stat();
        pos = 0;
        yield ROTATED;
      } else if (now && now.size < pos) {
        pos = 0;
        yield ROTATED;
      }
    }
  } finally {
    if (fh) await fh.close();
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
 * The matched events of a replay: their text goes to a temporary file, read back for the few that
 * become alerts; the replay keeps, per execution, only the events it would return.
 */
class RecordStore {
  constructor(replay) {
    this.replay = replay;
    this.fd = null;
    this.file = null;
    this.size = 0;
  }

  add(r, seq) {
    if (this.fd === null) {
      this.file = path.join(os.tmpdir(), `${NAME}-replay-${process.pid}-${Date.now()}.ndjson`);
      this.fd = fs.openSync(this.file, 'w+', 0o600);
    }
    const bytes = Buffer.from(r.text, 'utf8');
    fs.writeSync(this.fd, bytes, 0, bytes.length, this.size);
    this.replay.add({
      file: r.file,
      line: r.line,
      primaryPresent: r.primaryPresent,
      primary: r.primary,
      secondary: r.secondary,
      seq,
      off: this.size,
      len: bytes.length,
    });
    this.size += bytes.length;
  }

  text(rec) {
    const buf = Buffer.allocUnsafe(rec.len);
    fs.readSync(this.fd, buf, 0, rec.len, rec.off);
    return buf.toString('utf8');
  }

  close() {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      fs.rmSync(this.file, { force: true });
      this.fd = null;
    }
  }
}

/** References to the exception lists a Kibana export holds (for kibana.alert.rule.exceptions_list). */
function exceptionListRefs(text) {
  const refs = [];
  for (const line of text.split('\n')) {
    let o;
    try {
      o = JSON.parse(line);
    } catch {
      continue;
    }
    if (o && typeof o === 'object' && typeof o.list_id === 'string' && o.item_id === undefined && !Array.isArray(o.entries) && o.type) {
      refs.push({ id: o.id ?? o.list_id, list_id: o.list_id, namespace_type: o.namespace_type ?? 'single', type: o.type });
    }
  }
  return refs;
}

/**
 * Runs the CLI. `io`: { stdin, stdout, stderr, env }. Resolves with the exit status: 0 alerts
 * found, 1 none, 2 an error (as grep).
 */
async function main(argv, io = {}) {
  const stdin = io.stdin ?? process.stdin;
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
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
  if (opts.version) {
    stdout.write(`${NAME} ${require('../package.json').version}\n`);
    return 0;
  }
  for (const n of opts.notes) err(`note: ${n}`);

  // The rule.
  const ruleOptions = {};
  let exceptionsList;
  if (opts.ruleVersion !== undefined) ruleOptions.version = opts.ruleVersion;
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
      exceptionsList = exceptionListRefs(text);
    }
    if (opts.mapping !== undefined) ruleOptions.mapping = fs.readFileSync(opts.mapping, 'utf8');
  } catch (e) {
    err(`cannot read ${e.path ?? 'file'}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
    return 2;
  }
  if (opts.addDomains.length) ruleOptions.addDomains = opts.addDomains;
  if (opts.excludeExecutables.length) ruleOptions.addExcludedExecutables = opts.excludeExecutables;
  if (opts.input !== undefined) ruleOptions.input = opts.input;
  let rule;
  try {
    rule = compileRule(ruleOptions);
  } catch (e) {
    const unknown = /unknown option `(\w+)`/.exec(e.message);
    if (unknown) {
      const flag = {
        exceptions: '--exceptions',
        mapping: '--mapping',
        addDomains: '--add-domain',
        addExcludedExecutables: '--exclude-executable',
        input: '--input',
      }[unknown[1]];
      err(`${flag ?? unknown[1]} is not supported by this build of the rule engine (${e.message})`);
    } else if (e.line !== undefined && opts.queryFile !== undefined && e.code === 'syntax') {
      // file:line:column: message, then the excerpt with its caret.
      const [first, ...rest] = String(e.message).split('\n');
      stderr.write(`${opts.queryFile}:${e.line}:${e.column}: ${first.replace(/ at line \d+ column \d+$/, '')}\n`);
      if (rest.length) stderr.write(`${rest.join('\n')}\n`);
    } else {
      const where = e.line !== undefined ? ` (line ${e.line}, column ${e.column})` : '';
      err(`cannot compile the rule${where}: ${e.message}`);
    }
    return 2;
  }
  const info = rule.info;
  const customized =
    ruleOptions.query !== undefined || ruleOptions.addDomains !== undefined || ruleOptions.addExcludedExecutables !== undefined;
  const alertOptions = {
    ruleUuid: opts.ruleUuid,
    spaceId: opts.space,
    index: opts.index,
    alertsIndex: opts.alertsIndex,
    customized,
    exceptionsList,
  };

  // The output.
  let out = stdout;
  if (opts.output !== undefined) {
    try {
      out = fs.createWriteStream(null, { fd: fs.openSync(opts.output, 'w') });
    } catch (e) {
      err(`cannot write ${opts.output}: ${e.code === 'ENOENT' ? 'no such directory' : e.message}`);
      return 2;
    }
  }
  const atTerminal = opts.output === undefined && Boolean(stdout.isTTY);
  const format = opts.format ?? (atTerminal ? 'compact' : 'alerts');
  const color = opts.color === 'always' || (opts.color === 'auto' && atTerminal && !env.NO_COLOR);
  const now = opts.now ?? new Date().toISOString();
  const output = opts.quiet && !opts.replay ? 'none' : opts.replay ? 'replay' : format;
  const engineOptions = {
    output,
    strict: Boolean(opts.strict),
    stats: format === 'summary',
    alert: alertOptions,
    now,
    color,
    inputMode: ruleOptions.input ?? 'ecs',
  };
  const engine = new Engine(rule, { ...engineOptions, serialize: true });

  // The inputs.
  let sources;
  const inputErrors = [];
  const notes = [];
  if (opts.follow !== undefined) {
    sources = [{ path: opts.follow, explicit: true }];
  } else {
    const { inputs, errors } = expandInputs(opts.files);
    sources = opts.files.length ? inputs : [{ path: '-', explicit: true }];
    inputErrors.push(...errors);
  }
  if (opts.files.length === 0 && opts.follow === undefined && stdin.isTTY) {
    err('no input: give FILEs, or pipe events to standard input (see --help)');
    return 2;
  }
  let totalBytes = 0;
  for (const s of sources) {
    if (s.path === '-' || opts.follow !== undefined) {
      totalBytes = -Infinity;
      continue;
    }
    try {
      const st = fs.statSync(s.path);
      if (st.isFile()) totalBytes += st.size;
    } catch {
      // reported when the file is opened
    }
  }

  // State.
  const counts = { lines: 0, matched: 0, unmatched: 0, rejected: 0, blank: 0 };
  const perSource = sources.map(() => ({ lines: 0, matched: 0, unmatched: 0 }));
  const rejections = [];
  let rejectionCount = 0;
  const stats = newStats();
  let store = null;
  if (output === 'replay') {
    try {
      store = new RecordStore(new Replay(info));
    } catch (e) {
      err(e.message);
      return 2;
    }
  }
  let seq = 0;
  let stopped = false; // --strict stopped, or -q found an alert
  let strictStop = false;
  let broken = false; // the output closed (EPIPE)
  let outputs = 0; // alerts, or matches for verdicts/csv
  const counter = { bytes: 0 };
  const started = Date.now();

  let outputError = null;
  const onOutError = (e) => {
    broken = true;
    if (e.code !== 'EPIPE') outputError = e;
  };
  out.on('error', onOutError);

  async function write(text) {
    if (!text || broken || opts.quiet) return;
    if (!out.write(text)) await drained(out);
  }

  // One batch's result, its output written piece by piece.
  async function handle(job) {
    let res;
    if (job.parts) {
      for await (const piece of job.parts()) if (!stopped) await write(piece);
      res = await job.result;
    } else {
      const it = job.iterator;
      let r;
      while (!(r = it.next()).done) if (!stopped) await write(r.value);
      res = r.value;
    }
    if (stopped) return;
    for (const k of Object.keys(counts)) counts[k] += res.counts[k] ?? 0;
    const ps = perSource[job.source];
    ps.lines += res.counts.lines;
    ps.matched += res.counts.matched;
    ps.unmatched += res.counts.unmatched;
    for (const e of res.errors) {
      rejectionCount++;
      if (rejections.length < opts.maxErrors) rejections.push(e);
    }
    if (res.stats) mergeStats(stats, res.stats);
    if (res.records) for (const r of res.records) store.add(r, seq++);
    outputs += res.counts.matched ?? 0;
    if (res.stopped) {
      stopped = true;
      strictStop = true;
    }
    if (opts.quiet && !opts.replay && outputs > 0) stopped = true;
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

  function rejectResult(item, file) {
    const error = { file, line: item.line, column: item.column ?? 1, message: item.message };
    const res = {
      counts: { lines: 1, matched: 0, unmatched: 0, rejected: 1, blank: 0 },
      errors: [error],
      stopped: Boolean(opts.strict),
    };
    const text = output === 'verdicts' || output === 'csv' ? engine._rejectedItem(error) : '';
    return {
      iterator: (function* () {
        if (text) yield text;
        return res;
      })(),
    };
  }

  async function submit(item, file, source) {
    if (item.type === 'error') {
      inputErrors.push(`${file}:${item.line}: ${item.message}`);
      return;
    }
    let job;
    if (item.type === 'reject') {
      job = rejectResult(item, file);
    } else if (pool) {
      job = pool.run({ ...item, file });
    } else {
      // On this thread: judged (and written) now; the batch's buffer is free after.
      await handle({ iterator: engine.judge({ ...item, file }), source });
      buffers.give(item.bytes.buffer);
      return;
    }
    job.source = source;
    pending.push(job);
    while (pending.length > maxInFlight && !stopped) await handle(pending.shift());
  }

  async function drain() {
    while (pending.length && !stopped) await handle(pending.shift());
  }

  if (output === 'csv') await write(csvHeader());

  // Follow: until interrupted.
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  if (opts.follow !== undefined) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  let stdinUsed = false;
  try {
    for (let si = 0; si < sources.length; si++) {
      if (stopped || broken) break;
      const src = sources[si];
      const name = src.path === '-' ? '<stdin>' : src.path;
      const follow = opts.follow !== undefined;
      let chunks;
      let live = follow;
      if (src.path === '-') {
        if (stdinUsed) continue;
        stdinUsed = true;
        chunks = streamChunks(stdin, counter);
        live = true;
      } else if (follow) {
        chunks = followChunks(src.path, counter, abort.signal);
      } else {
        chunks = fileChunks(src.path, counter);
        try {
          live = !fs.statSync(src.path).isFile(); // a FIFO, a device: data comes when it comes
        } catch {
          live = false;
        }
      }
      let framer = null;
      let detector = null;
      let head = [];
      const restart = () => {
        framer = null;
        detector = opts.inputFormat === 'auto' ? new FormatDetector() : null;
        head = [];
      };
      restart();
      let skipped = false;
      const startFramer = async (fmt) => {
        const all = Buffer.concat(head);
        head = null;
        detector = null;
        const why = notJsonText(all, fmt, name);
        if (why) {
          if (!src.explicit) {
            notes.push(`${name}: skipped: ${why}`);
            skipped = true;
            return;
          }
          throw new InputError(why);
        }
        framer = createFramer(fmt, { batchBytes: opts.batchSize, pool: buffers });
        for (const item of framer.push(all)) await submit(item, name, si);
      };
      const onChunk = async (chunk) => {
        if (framer) {
          for (const item of framer.push(chunk)) {
            await submit(item, name, si);
            if (stopped) break;
          }
          return;
        }
        head.push(Buffer.from(chunk));
        const fmt = detector ? detector.push(chunk) : opts.inputFormat;
        if (fmt) await startFramer(fmt);
      };
      const endFramer = async () => {
        if (!framer && head && head.length) await startFramer(detector ? detector.end() : opts.inputFormat);
        if (framer && !stopped && !broken) for (const item of framer.end()) await submit(item, name, si);
      };
      // A live input gone quiet: what is complete goes out now, not when a batch fills.
      const onIdle = async () => {
        if (!framer && head && head.some((b) => b.includes(0x0a))) await startFramer(detector ? detector.end() : opts.inputFormat);
        if (framer) for (const item of framer.flush()) await submit(item, name, si);
        await drain();
      };
      const it = (follow ? chunks : decode(chunks, name))[Symbol.asyncIterator]();
      try {
        let next = it.next();
        let first = true;
        for (;;) {
          let r;
          if (live && (framer?.buffered || (head && head.length) || pending.length)) {
            let timer;
            const idle = new Promise((resolve) => (timer = setTimeout(() => resolve(null), IDLE_MS)));
            r = await Promise.race([next, idle]);
            clearTimeout(timer);
            if (r === null) {
              await onIdle();
              if (stopped || broken) break;
              continue;
            }
          } else {
            r = await next;
          }
          if (r.done) break;
          if (r.value === ROTATED) {
            await endFramer();
            restart();
          } else {
            if (first && follow) {
              const why =
                notRead(r.value, name) ?? (r.value[0] === 0x1f && r.value[1] === 0x8b ? 'gzip-compressed data cannot be followed' : null);
              if (why) throw new InputError(why);
            }
            first = false;
            await onChunk(r.value);
          }
          if (stopped || broken || skipped) break;
          next = it.next();
        }
        if (!stopped && !broken && !skipped) await endFramer();
      } catch (e) {
        if (e instanceof InputError && !stopped && !broken && !skipped) {
          // What was decoded before the error is still read, so nothing is lost: its complete
          // events are judged and a line cut off by the error is rejected with its reason.
          try {
            if (head || framer) await endFramer();
          } catch (inner) {
            if (!(inner instanceof InputError)) throw inner;
          }
        }
        if (e instanceof InputError || (e.code && e.syscall)) {
          const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
          inputErrors.push(`${name}: ${why}`);
        } else {
          throw e;
        }
      } finally {
        if (it.return) await it.return().catch(() => {});
      }
    }
    await drain();
  } finally {
    progress.end();
    if (pool) await pool.close();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }

  // Inputs that held no event at all: an error for those named, a note for those found.
  if (!(opts.quiet && outputs > 0) && !strictStop) {
    sources.forEach((s, i) => {
      const ps = perSource[i];
      if (ps.lines > 0 && ps.matched + ps.unmatched === 0) {
        const name = s.path === '-' ? '<stdin>' : s.path;
        const why = `no JSON event in it: all ${fmtInt(ps.lines)} ${ps.lines === 1 ? 'line was' : 'lines were'} rejected`;
        if (s.explicit) inputErrors.push(`${name}: ${why}`);
        else notes.push(`${name}: ${why}`);
      }
    });
  }

  // Replay: executions, alerts.
  let replayResult = null;
  if (output === 'replay' && !broken) {
    replayResult = store.replay.finish();
    const ctx = makeAlertContext(info, { ...alertOptions, fields: rule.fields });
    const replayStats = newStats();
    try {
      for (const { record, execution } of replayResult.alerts) {
        const text = store.text(record);
        const doc = JSON.parse(text);
        const verdict = rule.evaluate(text);
        addToStats(replayStats, ecsSource(splitHit(doc).source, verdict));
        const o = { text, verdict, file: record.file, line: record.line, now: execution.started_at, execution };
        if (format === 'alerts') await write(`${alertJson(ctx, doc, o)}\n`);
        else if (format === 'compact') await write(`${compactLine(ctx, doc, o, color)}\n`);
      }
    } finally {
      store.close();
    }
    mergeStats(stats, replayStats);
    outputs = replayResult.alerts.length;
  }

  if (store) store.close();

  if (format === 'summary' && !broken) {
    const replaySummary = replayResult && { ...replayResult, alerts: replayResult.alerts.length };
    await write(summaryTable({ info, counts, stats, replay: replaySummary }));
  }
  if (out !== stdout) await new Promise((resolve) => out.end(resolve));

  // The final summary, on stderr.
  if (!opts.quiet) {
    const secs = (Date.now() - started) / 1000;
    const files = sources.length === 1 ? (sources[0].path === '-' ? 'standard input' : '1 file') : `${fmtInt(sources.length)} inputs`;
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
      for (const r of rejections) stderr.write(`${r.file}:${r.line}:${r.column}: ${r.message}\n`);
      if (rejectionCount > rejections.length) err(`... and ${fmtInt(rejectionCount - rejections.length)} more rejected`);
    }
    for (const n of notes) err(`note: ${n}`);
  }
  if (strictStop) err('stopped at the first rejected line (--strict)');
  for (const m of inputErrors) err(`error: ${m}`);
  if (outputError) err(`error: cannot write the output: ${outputError.message}`);
  else if (broken) err('the output was closed; stopped');

  out.removeListener('error', onOutError);
  // As grep: 0 when something was found, 1 when nothing was, 2 on an error (with -q, an alert
  // found wins over errors).
  if (opts.quiet && outputs > 0) return 0;
  if (inputErrors.length || strictStop || outputError) return 2;
  return outputs > 0 ? 0 : 1;
}

module.exports = { main };

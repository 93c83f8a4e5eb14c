'use strict';
// One batch of NDJSON lines through the rule: `rule.scanNdjson` judges every line (matched, not
// matched, rejected, blank) in one call; only the lines the output needs are decoded again:
// the matched ones for alerts, every line for verdicts and CSV. Runs the same on the main thread,
// in a worker thread and in the streaming API.
//
// The output of a batch is produced piece by piece (`judge` is a generator), never joined into
// one string: one batch of 1 MB can expand to gigabytes of verdicts (a `{}` line is 3 bytes, its
// verdict some 6 KB), so the caller writes each piece, waiting for the output to drain, before
// the next one is built.

const { alertJson, bulkJson, buildAlert, compactLine, ecsSource, makeAlertContext, splitHit } = require('./alert.cjs');
const { addToStats, csvRow, newStats } = require('./format.cjs');
const { fieldValues, hasValue, parseDate } = require('./fields.cjs');
const { locate, splitPosition } = require('./framing.cjs');

const OUTPUTS = ['alerts', 'compact', 'bulk', 'verdicts', 'csv', 'summary', 'replay', 'none'];
const PART_BYTES = 256 << 10; // text joined per output piece
const PART_ITEMS = 64; // objects per output piece

// Rust's u8::is_ascii_whitespace, as the engine's blank-line test.
function isBlank(buf, start, end) {
  if (end > start && buf[end - 1] === 0x0d) end--;
  if (end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) return false;
  }
  return true;
}

function lineText(buf, start, end) {
  let s = buf.toString('utf8', start, end);
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  return s;
}

/** The timestamps a replay needs, per the rule's timestamp_override (with @timestamp as fallback). */
function replayTimes(source, primaryField) {
  const primaryPresent = primaryField ? hasValue(source, primaryField) : false;
  const primary = primaryPresent ? parseDate(fieldValues(source, primaryField)[0]) : NaN;
  const secondary = parseDate(fieldValues(source, '@timestamp')[0]);
  return { primaryPresent, primary, secondary };
}

/** Collects output items into pieces of about PART_BYTES (text) or PART_ITEMS (objects). */
class Parts {
  constructor(serialize) {
    this.serialize = serialize;
    this.items = [];
    this.bytes = 0;
  }

  add(item) {
    this.items.push(item);
    this.bytes += this.serialize ? item.length : 0;
  }

  get full() {
    return this.serialize ? this.bytes >= PART_BYTES : this.items.length >= PART_ITEMS;
  }

  take() {
    const items = this.items;
    this.items = [];
    this.bytes = 0;
    return this.serialize ? items.join('') : items;
  }
}

class Engine {
  /**
   * @param rule a compiled rule (compileRule)
   * @param options { output, serialize (return text instead of objects), strict, stats,
   *   alert: { ruleUuid, spaceId, index, customized, exceptionsList, alertsIndex }, now (ISO
   *   time of the alerts), color (compact lines), inputMode (the rule's `input`: with `sysmon`
   *   or `auto`, matched records are evaluated for their ECS mapping even where the output
   *   needs no verdict) }
   */
  constructor(rule, options = {}) {
    this.rule = rule;
    this.output = options.output ?? 'alerts';
    if (!OUTPUTS.includes(this.output)) throw new TypeError(`unknown output ${this.output}`);
    this.serialize = Boolean(options.serialize);
    this.strict = Boolean(options.strict);
    this.stats = Boolean(options.stats) || this.output === 'summary';
    this.now = options.now ?? new Date().toISOString();
    this.color = Boolean(options.color);
    this.alertContext = makeAlertContext(rule.info, { fields: rule.fields, ...(options.alert ?? {}) });
    this.primaryField = rule.info.timestamp_override ?? null;
    this.mapsInput = options.inputMode !== undefined && options.inputMode !== 'ecs';
  }

  /**
   * Judges a batch, all at once: the result with its whole output (`text` or `items`). For
   * small batches and tests; `judge` gives the output piece by piece.
   */
  processBatch(batch) {
    const it = this.judge(batch);
    const pieces = [];
    let r;
    while (!(r = it.next()).done) pieces.push(r.value);
    const result = r.value;
    if (this.serialize) result.text = pieces.join('');
    else result.items = pieces.flat();
    return result;
  }

  /**
   * Judges a batch { bytes (Buffer), firstLine | lineMap (+ posMap), file }: a generator that
   * yields the output in pieces (text, or arrays of objects) and returns the result
   * { counts, errors: [{ file, line, column, message }], stats?, records?, stopped }. The
   * counts are final once the generator is done (a line the scan accepted but the output could
   * not use is moved to `rejected` on the way).
   */
  *judge(batch) {
    const bytes = Buffer.isBuffer(batch.bytes)
      ? batch.bytes
      : Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
    const file = batch.file;
    const where = (i, column) => locate(batch, i, column);
    const scan = this.rule.scanNdjson(bytes);
    let counts = { ...scan.counts };
    let errs = scan.errors;
    let matched = scan.matched;
    let offsets = scan.offsets;
    let stopAt = Infinity;
    let stopped = false;
    if (this.strict && errs.length > 0) {
      stopAt = errs[0].line;
      stopped = true;
      errs = [errs[0]];
      matched = matched.filter((l) => l < stopAt);
      offsets = offsets.slice(0, matched.length); // both ascend
      // Counts of the lines up to and including the first rejected one.
      let end = 0;
      for (let i = 1; i <= stopAt; i++) {
        const nl = bytes.indexOf(0x0a, end);
        end = nl < 0 ? bytes.length : nl + 1;
      }
      counts = { ...this.rule.scanNdjson(bytes.subarray(0, end)).counts };
    }
    const result = {
      counts,
      errors: errs.map((e) => this._error(file, where, e.line, e.message)),
      stopped,
    };
    const stats = this.stats ? newStats() : null;
    const records = this.output === 'replay' ? [] : null;
    if (stats) result.stats = stats;
    if (records) result.records = records;
    const rejectedAt = new Map(result.errors.map((e, k) => [errs[k].line, e]));
    const parts = new Parts(this.serialize);

    if (this.output === 'verdicts' || this.output === 'csv') {
      const matchedSet = new Set(matched);
      let start = 0;
      const last = Number.isFinite(stopAt) ? stopAt : Infinity;
      for (let i = 1; i <= last && start <= bytes.length; i++) {
        const nl = bytes.indexOf(0x0a, start);
        const s = start;
        const e = nl < 0 ? bytes.length : nl;
        start = e + 1;
        if (s >= bytes.length && i > 1) break; // past the final line break
        const rejected = rejectedAt.get(i);
        if (rejected !== undefined) {
          parts.add(this._rejectedItem(rejected));
        } else if (!isBlank(bytes, s, e)) {
          const text = lineText(bytes, s, e);
          let verdict;
          let item;
          try {
            verdict = this.rule.evaluate(text);
            if (verdict.matched && stats) addToStats(stats, ecsSource(splitHit(JSON.parse(text)).source, verdict));
            item = this._verdictItem(where(i), file, text, verdict);
          } catch (err) {
            const error = this._demote(result, matchedSet.has(i), file, where, i, err);
            item = this._rejectedItem(error);
          }
          parts.add(item);
        }
        if (parts.full) yield parts.take();
      }
    } else if (this.output !== 'none') {
      // Only the matched lines, found by the offsets the scan reports.
      const ctx = this.alertContext;
      for (let k = 0; k < matched.length; k++) {
        const s = offsets[k];
        const nl = bytes.indexOf(0x0a, s);
        const e = nl < 0 ? bytes.length : nl;
        const { line } = where(matched[k]);
        const text = lineText(bytes, s, e);
        let doc;
        let verdict;
        let item;
        try {
          doc = JSON.parse(text);
          if (this.output !== 'summary' && this.output !== 'replay') verdict = this.rule.evaluate(text);
          else if (this.mapsInput) verdict = this.rule.evaluate(text);
          const source = ecsSource(splitHit(doc).source, verdict);
          if (stats) addToStats(stats, source);
          const o = { text, verdict, file, line, now: this.now };
          if (this.output === 'alerts') {
            item = this.serialize ? `${alertJson(ctx, doc, o)}\n` : buildAlert(ctx, doc, o);
          } else if (this.output === 'bulk') {
            item = bulkJson(ctx, doc, o);
          } else if (this.output === 'compact') {
            item = `${compactLine(ctx, doc, o, this.color)}\n`;
          } else if (records) {
            records.push({ file, line, text, ...replayTimes(source, this.primaryField) });
          }
        } catch (err) {
          this._demote(result, true, file, where, matched[k], err);
          continue;
        }
        if (item !== undefined) parts.add(item);
        if (parts.full) yield parts.take();
      }
    }
    if (parts.items.length) yield parts.take();
    return result;
  }

  _error(file, where, i, rawMessage) {
    const { message, column } = splitPosition(String(rawMessage));
    const pos = where(i, column);
    return { file, line: pos.line, column: pos.column, message };
  }

  // A line the scan accepted but a second look could not use: counted as rejected, not lost.
  _demote(result, wasMatched, file, where, i, err) {
    if (wasMatched) result.counts.matched--;
    else result.counts.unmatched--;
    result.counts.rejected++;
    const error = this._error(file, where, i, err && err.message);
    result.errors.push(error);
    return error;
  }

  /** The output record of a rejected line: { file, line, column, message }. */
  _rejectedItem({ file, line, column, message }) {
    if (this.output === 'csv') {
      const row = { file, line, status: 'rejected', source: null, error: message };
      return this.serialize ? csvRow(row) : row;
    }
    const rec = { file, line, column, rejected: true, error: message };
    return this.serialize ? `${JSON.stringify(rec)}\n` : rec;
  }

  _verdictItem({ line }, file, text, verdict) {
    if (this.output === 'csv') {
      let source = null;
      try {
        source = ecsSource(splitHit(JSON.parse(text)).source, verdict);
      } catch {
        source = null;
      }
      const row = {
        file,
        line,
        status: verdict.matched ? 'matched' : 'not_matched',
        source,
        summary: verdict.summary,
      };
      return this.serialize ? csvRow(row) : row;
    }
    const rec = { file, line, ...verdict };
    return this.serialize ? `${JSON.stringify(rec)}\n` : rec;
  }
}

module.exports = { Engine, OUTPUTS, PART_BYTES, isBlank, replayTimes };

'use strict';
// One batch of NDJSON lines through the rule: `rule.scanNdjson` judges every line (matched, not
// matched, rejected, blank) in one call; only the lines the output needs are decoded again:
// the matched ones for alerts, every line for verdicts and CSV. Runs the same on the main thread,
// in a worker thread and in the streaming API.

const { alertJson, buildAlert, ecsSource, makeAlertContext, splitHit } = require('./alert.cjs');
const { addToStats, csvRow, newStats } = require('./format.cjs');
const { fieldValues, hasValue, parseDate } = require('./fields.cjs');

const OUTPUTS = ['alerts', 'verdicts', 'csv', 'summary', 'replay', 'none'];

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

class Engine {
  /**
   * @param rule a compiled rule (compileRule)
   * @param options { output, serialize (return text instead of objects), strict, stats,
   *   alert: { ruleUuid, spaceId, index, customized }, now (ISO time of the alerts),
   *   inputMode (the rule's `input`: with `sysmon` or `auto`, matched records are evaluated
   *   for their ECS mapping even where the output needs no verdict) }
   */
  constructor(rule, options = {}) {
    this.rule = rule;
    this.output = options.output ?? 'alerts';
    if (!OUTPUTS.includes(this.output)) throw new TypeError(`unknown output ${this.output}`);
    this.serialize = Boolean(options.serialize);
    this.strict = Boolean(options.strict);
    this.stats = Boolean(options.stats) || this.output === 'summary';
    this.now = options.now ?? new Date().toISOString();
    this.alertContext = makeAlertContext(rule.info, options.alert ?? {});
    this.primaryField = rule.info.timestamp_override ?? null;
    this.mapsInput = options.inputMode !== undefined && options.inputMode !== 'ecs';
  }

  /**
   * @param batch { bytes (Buffer), firstLine | lineMap, file }
   * @returns { counts, errors: [{ file, line, message }], items | text, stats?, records?, stopped }
   */
  processBatch(batch) {
    const bytes = Buffer.isBuffer(batch.bytes)
      ? batch.bytes
      : Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
    const file = batch.file;
    const lineNo = batch.lineMap ? (i) => batch.lineMap[i - 1] : (i) => batch.firstLine + i - 1;
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
      errors: errs.map((e) => ({ file, line: lineNo(e.line), message: e.message })),
      stopped,
    };
    const items = [];
    const stats = this.stats ? newStats() : null;
    const records = this.output === 'replay' ? [] : null;
    const rejectedAt = new Map(errs.map((e) => [e.line, e.message]));

    const everyLine = this.output === 'verdicts' || this.output === 'csv';
    const matchedSet = everyLine ? new Set(matched) : null;
    let start = 0;
    let idx = 1;
    const walkTo = (target, visit) => {
      // Visits lines idx..target (1-based) with their byte ranges.
      while (idx <= target && start <= bytes.length) {
        const nl = bytes.indexOf(0x0a, start);
        const end = nl < 0 ? bytes.length : nl;
        if (visit) visit(idx, start, end);
        start = end + 1;
        idx++;
      }
    };

    if (everyLine) {
      const last = Number.isFinite(stopAt) ? stopAt : Infinity;
      walkTo(last, (i, s, e) => {
        if (i > last) return;
        if (s >= bytes.length && i > 1) return; // past the final line break
        const line = lineNo(i);
        const message = rejectedAt.get(i);
        if (message !== undefined) {
          items.push(this._rejectedItem(file, line, message));
          return;
        }
        if (isBlank(bytes, s, e)) return;
        const text = lineText(bytes, s, e);
        let verdict;
        try {
          verdict = this.rule.evaluate(text);
        } catch (err) {
          this._demote(result, matchedSet.has(i), file, line, err);
          items.push(this._rejectedItem(file, line, String(err.message)));
          return;
        }
        if (verdict.matched && stats) addToStats(stats, ecsSource(splitHit(JSON.parse(text)).source, verdict));
        items.push(this._verdictItem(file, line, text, verdict));
      });
    } else if (this.output !== 'none') {
      // Only the matched lines, found by the offsets the scan reports.
      for (let k = 0; k < matched.length; k++) {
        const s = offsets[k];
        const nl = bytes.indexOf(0x0a, s);
        const e = nl < 0 ? bytes.length : nl;
        const line = lineNo(matched[k]);
        const text = lineText(bytes, s, e);
        let doc;
        let verdict;
        try {
          doc = JSON.parse(text);
          if (this.output === 'alerts' || this.mapsInput) verdict = this.rule.evaluate(text);
        } catch (err) {
          this._demote(result, true, file, line, err);
          continue;
        }
        const source = ecsSource(splitHit(doc).source, verdict);
        if (stats) addToStats(stats, source);
        if (this.output === 'alerts') {
          const o = { text, verdict, file, line, now: this.now };
          items.push(this.serialize ? `${alertJson(this.alertContext, doc, o)}\n` : buildAlert(this.alertContext, doc, o));
        } else if (records) {
          records.push({ file, line, text, ...replayTimes(source, this.primaryField) });
        }
      }
    }
    if (this.serialize) result.text = items.join('');
    else result.items = items;
    if (stats) result.stats = stats;
    if (records) result.records = records;
    return result;
  }

  // A line the scan accepted but a second look could not use: counted as rejected, not lost.
  _demote(result, wasMatched, file, line, err) {
    if (wasMatched) result.counts.matched--;
    else result.counts.unmatched--;
    result.counts.rejected++;
    result.errors.push({ file, line, message: String(err && err.message) });
  }

  _rejectedItem(file, line, message) {
    if (this.output === 'csv') {
      const row = { file, line, status: 'rejected', source: null, error: message };
      return this.serialize ? csvRow(row) : row;
    }
    const rec = { file, line, rejected: true, error: message };
    return this.serialize ? `${JSON.stringify(rec)}\n` : rec;
  }

  _verdictItem(file, line, text, verdict) {
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

module.exports = { Engine, OUTPUTS, isBlank, replayTimes };

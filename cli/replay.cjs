'use strict';
// Replaying Elastic's scheduling of the rule over a set of matching events.
//
// How Kibana runs the rule (elastic/kibana, x-pack/plugins/security_solution/server/lib/
// detection_engine/rule_types/):
// - Every `interval` (5m) an execution searches [now - 9m, now] (`from: now-9m`, `to: now`), so
//   consecutive executions overlap by 4 minutes.
// - The time range is on the timestamp override, event.ingested, with @timestamp for events that
//   lack it (utils/build_events_query.ts buildTimeRangeFilter: `gte from, lte to` on the primary
//   field, or the secondary field where the primary does not exist).
// - The EQL search asks for `size: max_signals` (100) events (eql/build_eql_search_request.ts);
//   EQL returns them in ascending order of its timestamp field, @timestamp. The rest are not
//   seen; when the total reaches max_signals the execution warns: "This rule reached the maximum
//   alert limit for the rule execution. Some alerts were not created." (eql/eql.ts,
//   utils/utils.ts getMaxSignalsWarning).
// - An alert's id is a hash of the event's index, id and version and of the rule
//   (factories/wrap_hits_factory.ts), so an event that two overlapping executions both return
//   gives one alert: the second write is a duplicate and is dropped.
//
// Assumptions, because a file is not a cluster: executions fall on multiples of the interval
// since the Unix epoch (00:00, 00:05, ... UTC); every event is searchable from its event.ingested
// on; an event without a usable @timestamp is not returned by the EQL search (its timestamp
// field), and is reported as placed in no execution; ties in @timestamp keep input order.

const MAX_SIGNALS_WARNING = 'This rule reached the maximum alert limit for the rule execution. Some alerts were not created.';

const MAX_TIME = 8.64e15;

const UNITS = { s: 1000, m: 60000, h: 3600000, d: 86400000 };

function parseDuration(text, what) {
  const m = /^(\d+)([smhd])$/.exec(String(text).trim());
  if (!m) throw new Error(`cannot replay: the rule's ${what} "${text}" is not a duration like 5m`);
  return Number(m[1]) * UNITS[m[2]];
}

/** Lookback of `from: now-9m` in ms. */
function parseFrom(from) {
  const m = /^now-(.+)$/.exec(String(from).trim());
  if (!m) throw new Error(`cannot replay: the rule's from "${from}" is not like now-9m`);
  return parseDuration(m[1], 'from');
}

const byTime = (a, b) => a.secondary - b.secondary || a.seq - b.seq;

/**
 * A replay, fed the matching events one by one (`add`, in input order), then `finish()`ed.
 * Memory does not grow with the events: each execution that sees one keeps its count and the
 * max_signals events it would return (the earliest by @timestamp), nothing more.
 */
class Replay {
  /**
   * @param info rule.info
   */
  constructor(info, { phaseMs = 0, examples = 10 } = {}) {
    this.info = info;
    this.phaseMs = phaseMs;
    this.examples = examples;
    this.intervalMs = parseDuration(info.interval, 'interval');
    this.lookbackMs = parseFrom(info.from);
    this.maxSignals = info.max_signals;
    this.primaryName = info.timestamp_override ?? '@timestamp';
    this.byExecution = new Map(); // k -> { count, top: records, the earliest kept }
    this.unplacedExamples = [];
    this.unplaced = 0;
    this.placed = 0;
  }

  _place(r, why) {
    this.unplaced++;
    if (this.unplacedExamples.length < this.examples) this.unplacedExamples.push(`${r.file}:${r.line}: ${why}`);
  }

  /** A matching event: { file, line, primaryPresent, primary, secondary, seq (input order), ... }. */
  add(r) {
    const { primaryName, lookbackMs, intervalMs, phaseMs } = this;
    let t;
    if (r.primaryPresent) {
      if (Number.isNaN(r.primary)) return this._place(r, `${primaryName} is not a date`);
      t = r.primary;
    } else {
      if (Number.isNaN(r.secondary)) return this._place(r, `no ${primaryName} and no @timestamp`);
      t = r.secondary;
    }
    if (Number.isNaN(r.secondary)) return this._place(r, 'no @timestamp, the field the EQL search orders events by');
    // A Date holds 8.64e15 ms either side of the epoch; Elasticsearch would not have indexed
    // such an event's date either.
    if (Math.abs(t) > MAX_TIME - lookbackMs)
      return this._place(r, `${r.primaryPresent ? primaryName : '@timestamp'} is out of the range of dates`);
    if (Math.abs(r.secondary) > MAX_TIME) return this._place(r, '@timestamp is out of the range of dates');
    this.placed++;
    const first = Math.ceil((t - phaseMs) / intervalMs);
    const last = Math.floor((t + lookbackMs - phaseMs) / intervalMs);
    for (let k = first; k <= last; k++) {
      let e = this.byExecution.get(k);
      if (!e) this.byExecution.set(k, (e = { count: 0, top: [] }));
      e.count++;
      e.top.push(r);
      if (e.top.length >= 2 * this.maxSignals) e.top = e.top.sort(byTime).slice(0, this.maxSignals);
    }
    return undefined;
  }

  /**
   * @returns { executions, alerts: [{ record, execution }], unplaced, unplacedExamples,
   *   neverAlerted, interval, from, maxSignals }
   */
  finish() {
    const { intervalMs, lookbackMs, phaseMs, maxSignals } = this;
    const alerted = new Set();
    const executions = [];
    const alerts = [];
    for (const k of [...this.byExecution.keys()].sort((a, b) => a - b)) {
      const { count, top } = this.byExecution.get(k);
      const startedMs = k * intervalMs + phaseMs;
      const execution = {
        started_at: new Date(startedMs).toISOString(),
        from: new Date(startedMs - lookbackMs).toISOString(),
        to: new Date(startedMs).toISOString(),
      };
      const returned = top.sort(byTime).slice(0, maxSignals);
      let created = 0;
      let duplicates = 0;
      for (const r of returned) {
        if (alerted.has(r.seq)) {
          duplicates++;
          continue;
        }
        alerted.add(r.seq);
        alerts.push({ record: r, execution });
        created++;
      }
      const row = {
        ...execution,
        in_window: count,
        alerts: created,
        duplicates,
        cut: count - returned.length,
        truncated: count > returned.length,
        max_signals_reached: count >= maxSignals,
      };
      if (row.max_signals_reached) row.warning = MAX_SIGNALS_WARNING;
      executions.push(row);
    }
    return {
      executions,
      alerts,
      unplaced: this.unplaced,
      unplacedExamples: this.unplacedExamples,
      neverAlerted: this.placed - alerted.size,
      interval: this.info.interval,
      from: this.info.from,
      maxSignals,
    };
  }
}

/** The replay of a list of matching events (see Replay). */
function replay(records, info, options) {
  const r = new Replay(info, options);
  for (const rec of records) r.add(rec);
  return r.finish();
}

module.exports = { MAX_SIGNALS_WARNING, Replay, parseDuration, parseFrom, replay };

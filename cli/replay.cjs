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

const MAX_SIGNALS_WARNING =
  'This rule reached the maximum alert limit for the rule execution. Some alerts were not created.';

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

/**
 * @param records [{ file, line, text, primaryPresent, primary, secondary, seq }] for the matching
 *   events, `seq` being the input order
 * @param info rule.info
 * @returns { executions, alerts: [{ record, execution }], unplaced, unplacedExamples, neverAlerted,
 *   interval, from, maxSignals }
 */
function replay(records, info, { phaseMs = 0, examples = 10 } = {}) {
  const intervalMs = parseDuration(info.interval, 'interval');
  const lookbackMs = parseFrom(info.from);
  const maxSignals = info.max_signals;
  const primaryName = info.timestamp_override ?? '@timestamp';
  const byExecution = new Map(); // k -> records
  const unplacedExamples = [];
  let unplaced = 0;
  const place = (r, why) => {
    unplaced++;
    if (unplacedExamples.length < examples) unplacedExamples.push(`${r.file}:${r.line}: ${why}`);
  };
  for (const r of records) {
    let t;
    if (r.primaryPresent) {
      if (Number.isNaN(r.primary)) {
        place(r, `${primaryName} is not a date`);
        continue;
      }
      t = r.primary;
    } else {
      if (Number.isNaN(r.secondary)) {
        place(r, `no ${primaryName} and no @timestamp`);
        continue;
      }
      t = r.secondary;
    }
    if (Number.isNaN(r.secondary)) {
      place(r, 'no @timestamp, the field the EQL search orders events by');
      continue;
    }
    // A Date holds 8.64e15 ms either side of the epoch; Elasticsearch would not have indexed
    // such an event's date either.
    if (Math.abs(t) > MAX_TIME - lookbackMs || Math.abs(r.secondary) > MAX_TIME) {
      place(r, `${Math.abs(t) > MAX_TIME - lookbackMs ? (r.primaryPresent ? primaryName : '@timestamp') : '@timestamp'} is out of the range of dates`);
      continue;
    }
    const first = Math.ceil((t - phaseMs) / intervalMs);
    const last = Math.floor((t + lookbackMs - phaseMs) / intervalMs);
    for (let k = first; k <= last; k++) {
      let list = byExecution.get(k);
      if (!list) byExecution.set(k, (list = []));
      list.push(r);
    }
  }
  const alerted = new Set();
  const executions = [];
  const alerts = [];
  for (const k of [...byExecution.keys()].sort((a, b) => a - b)) {
    const list = byExecution.get(k);
    list.sort((a, b) => a.secondary - b.secondary || a.seq - b.seq);
    const startedMs = k * intervalMs + phaseMs;
    const execution = {
      started_at: new Date(startedMs).toISOString(),
      from: new Date(startedMs - lookbackMs).toISOString(),
      to: new Date(startedMs).toISOString(),
    };
    const returned = list.slice(0, maxSignals);
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
      in_window: list.length,
      alerts: created,
      duplicates,
      cut: list.length - returned.length,
      truncated: list.length > returned.length,
      max_signals_reached: list.length >= maxSignals,
    };
    if (row.max_signals_reached) row.warning = MAX_SIGNALS_WARNING;
    executions.push(row);
  }
  const placed = records.length - unplaced;
  return {
    executions,
    alerts,
    unplaced,
    unplacedExamples,
    neverAlerted: placed - alerted.size,
    interval: info.interval,
    from: info.from,
    maxSignals,
  };
}

module.exports = { MAX_SIGNALS_WARNING, parseDuration, parseFrom, replay };

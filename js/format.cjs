'use strict';
// Output formatters: NDJSON records, CSV rows, and the summary table for people.

const { fieldValues } = require('./fields.cjs');

const CSV_COLUMNS = [
  'file',
  'line',
  'status',
  '@timestamp',
  'event.ingested',
  'host.name',
  'user.name',
  'process.name',
  'process.executable',
  'dns.question.name',
  'summary',
  'error',
];

function csvCell(value) {
  if (value === undefined || value === null) return '';
  let s = String(value);
  // Event text is attacker-controlled: a cell that a spreadsheet would run as a formula is
  // prefixed with an apostrophe (OWASP's advice for CSV injection).
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  if (/[",\r\n]/.test(s)) s = `"${s.replace(/"/g, '""')}"`;
  return s;
}

function csvHeader() {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

function joinValues(doc, path) {
  if (!doc) return '';
  return fieldValues(doc, path)
    .filter((v) => typeof v !== 'object')
    .join(' ');
}

/** One CSV row: { file, line, status, source (the event, or null), summary, error }. */
function csvRow(r) {
  const src = r.source;
  const cells = [
    r.file,
    r.line,
    r.status,
    joinValues(src, '@timestamp'),
    joinValues(src, 'event.ingested'),
    joinValues(src, 'host.name'),
    joinValues(src, 'user.name'),
    joinValues(src, 'process.name'),
    joinValues(src, 'process.executable'),
    joinValues(src, 'dns.question.name'),
    r.summary ?? '',
    r.error ?? '',
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

// ---- Summary statistics: counts of alerts by host, user, process and domain.

const STAT_FIELDS = [
  ['host', 'host.name'],
  ['user', 'user.name'],
  ['process', 'process.name'],
  ['domain', 'dns.question.name'],
];

// Distinct values counted one by one, per field; the others are counted together, so that the
// memory of a summary stays bounded whatever the input (10,000 values of ~40 bytes: ~1 MB a field).
const MAX_DISTINCT = 10000;

function newStats() {
  return { host: new Map(), user: new Map(), process: new Map(), domain: new Map(), other: { host: 0, user: 0, process: 0, domain: 0 } };
}

function count(stats, key, name, n) {
  const m = stats[key];
  const had = m.get(name);
  if (had !== undefined) m.set(name, had + n);
  else if (m.size < MAX_DISTINCT) m.set(name, n);
  else stats.other[key] += n;
}

function addToStats(stats, source) {
  for (const [key, path] of STAT_FIELDS) {
    const v = fieldValues(source, path).filter((x) => typeof x !== 'object');
    count(stats, key, v.length ? v.map(String).join(', ') : '(none)', 1);
  }
}

function mergeStats(into, from) {
  if (!from) return into;
  for (const [key] of STAT_FIELDS) {
    for (const [name, n] of from[key]) count(into, key, name, n);
    into.other[key] += from.other[key];
  }
  return into;
}

function pad(s, n) {
  s = String(s);
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function padStart(s, n) {
  s = String(s);
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

function fmtInt(n) {
  return Number(n).toLocaleString('en-US');
}

/** The summary table for people. */
function summaryTable({ info, counts, stats, top = 15, replay }) {
  const lines = [];
  lines.push(`${info.name} (rule ${info.rule_id}, version ${info.version}, severity ${info.severity})`);
  lines.push('');
  lines.push(`events read   ${padStart(fmtInt(counts.lines), 12)}`);
  lines.push(`matched       ${padStart(fmtInt(counts.matched), 12)}`);
  lines.push(`not matched   ${padStart(fmtInt(counts.unmatched), 12)}`);
  lines.push(`rejected      ${padStart(fmtInt(counts.rejected), 12)}`);
  if (replay) {
    lines.push(`alerts        ${padStart(fmtInt(replay.alerts), 12)}  (replay of ${fmtInt(replay.executions.length)} executions)`);
  }
  for (const [key, path] of STAT_FIELDS) {
    const entries = [...stats[key]].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    lines.push('');
    lines.push(`Alerts by ${key} (${path})`);
    if (entries.length === 0 && stats.other[key] === 0) {
      lines.push('  (no alerts)');
      continue;
    }
    const width = Math.max(5, ...entries.slice(0, top).map(([, n]) => fmtInt(n).length));
    lines.push(`  ${padStart('COUNT', width)}  ${key.toUpperCase()}`);
    for (const [name, n] of entries.slice(0, top)) lines.push(`  ${padStart(fmtInt(n), width)}  ${name}`);
    if (entries.length > top) {
      const rest = entries.slice(top).reduce((a, [, n]) => a + n, 0);
      lines.push(`  ${padStart(fmtInt(rest), width)}  (${fmtInt(entries.length - top)} more)`);
    }
    if (stats.other[key] > 0) {
      lines.push(
        `  ${padStart(fmtInt(stats.other[key]), width)}  (values beyond the first ${fmtInt(MAX_DISTINCT)} distinct ones, counted together)`,
      );
    }
  }
  if (replay) {
    lines.push('');
    lines.push(...replayTable(replay));
  }
  return `${lines.join('\n')}\n`;
}

/** Per-execution lines of a replay. */
function replayTable(replay) {
  const lines = [];
  lines.push(`Executions (every ${replay.interval}, each looking back to ${replay.from}, at most ${replay.maxSignals} alerts)`);
  if (replay.executions.length === 0) {
    lines.push('  (no execution saw a matching event)');
  } else {
    lines.push(
      `  ${pad('EXECUTION', 24)}  ${padStart('IN WINDOW', 9)}  ${padStart('ALERTS', 6)}  ${padStart('DUPLICATE', 9)}  ${padStart('CUT', 6)}`,
    );
    for (const e of replay.executions) {
      const mark = e.max_signals_reached ? '  max_signals reached' : '';
      lines.push(
        `  ${pad(e.started_at, 24)}  ${padStart(e.in_window, 9)}  ${padStart(e.alerts, 6)}  ${padStart(e.duplicates, 9)}  ${padStart(e.cut, 6)}${mark}`,
      );
    }
  }
  if (replay.neverAlerted > 0) {
    lines.push(`  ${fmtInt(replay.neverAlerted)} matching events got no alert: every execution that saw them was full`);
  }
  if (replay.unplaced > 0) {
    lines.push(`  ${fmtInt(replay.unplaced)} matching events have no usable timestamp and are in no execution:`);
    for (const u of replay.unplacedExamples) lines.push(`    ${u}`);
  }
  return lines;
}

module.exports = {
  CSV_COLUMNS,
  MAX_DISTINCT,
  addToStats,
  csvCell,
  csvHeader,
  csvRow,
  fmtInt,
  mergeStats,
  newStats,
  replayTable,
  summaryTable,
};

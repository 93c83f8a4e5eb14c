'use strict';
// Reading ECS fields from an event the way Elasticsearch's `fields` API returns them: every leaf
// value under a dotted path, whether the event nests objects (`{"process":{"name":...}}`), uses
// dotted keys (`{"process.name":...}`) or mixes both, with arrays flattened and nulls dropped.

/** Every non-null leaf value at `path` (a dotted field name) in `doc`, as an array. */
function fieldValues(doc, path) {
  const out = [];
  collect(doc, path.split('.'), 0, out, 0);
  return out;
}

function collect(node, parts, i, out, depth) {
  if (depth > 64 || node === null || node === undefined) return;
  if (Array.isArray(node)) {
    for (const item of node) collect(item, parts, i, out, depth + 1);
    return;
  }
  if (i === parts.length) {
    if (typeof node !== 'object') out.push(node);
    return;
  }
  if (typeof node !== 'object') return;
  // Try every split of the remaining path into one key (possibly dotted) and the rest.
  let key = '';
  for (let j = i; j < parts.length; j++) {
    key = j === i ? parts[j] : `${key}.${parts[j]}`;
    if (Object.prototype.hasOwnProperty.call(node, key)) collect(node[key], parts, j + 1, out, depth + 1);
  }
}

/** The first leaf value at `path`, or undefined. */
function firstValue(doc, path) {
  const v = fieldValues(doc, path);
  return v.length ? v[0] : undefined;
}

/** Whether `path` has at least one value (Elasticsearch's `exists`). */
function hasValue(doc, path) {
  return fieldValues(doc, path).length > 0;
}

// Elasticsearch's default date format for ECS timestamps: strict_date_optional_time||epoch_millis.
// A date-time without an offset is UTC (never the local time zone, unlike Date.parse).
const ISO = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Milliseconds since the epoch for an ECS date value, or NaN. */
function parseDate(value) {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : NaN;
  if (typeof value !== 'string') return NaN;
  const s = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(s) && s.length > 8) return Math.trunc(Number(s)); // epoch_millis
  const m = ISO.exec(s);
  if (!m) return NaN;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', sec = '00', frac = '', zone] = m;
  const ms = Number((frac + '000').slice(0, 3));
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), ms);
  if (Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 60) return NaN;
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const off = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    t -= sign * off * 60000;
  }
  return t;
}

module.exports = { fieldValues, firstValue, hasValue, parseDate };

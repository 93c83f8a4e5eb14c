'use strict';
// Reading a field of an event in JS the way the engine reads it (src/input/event.rs), for the
// Node library and the wrapper's pre-filter: nested objects and dotted keys alike
// (`{"process":{"name":...}}`, `{"process.name":...}` or both), own properties only, arrays
// flattened at any depth, `null` and `undefined` no value, an object where a value is expected no
// value, nesting followed up to `max_event_depth`. Hostile shapes are bounded as in the engine:
// an array whose `length` is not an array length, or longer than a JSON line of
// `max_line_bytes` can hold, is not read (the engine rejects the event). Where the engine needs
// the exact keyword text of a value, the `fieldValues` export of the module gives it.

// Limits::default() of the engine (src/limits.rs): `max_event_depth`, `max_line_bytes / 2`.
// tests/js/fields.test.cjs holds them to the module's `defaultLimits()`.
const MAX_EVENT_DEPTH = 128;
const MAX_ELEMENTS = (16 << 20) / 2;

/** What the visitor is given where a part of the event was not read (too deep, a bad array). */
const UNREAD = Symbol('unread');

const prepared = new Map();

/** A dotted path prepared once: `keys[i][j]` is the key made of segments i..j. */
function fieldPath(path) {
  let p = prepared.get(path);
  if (p === undefined) {
    const segs = path.split('.');
    const keys = segs.map((_, i) => segs.map((__, j) => (j >= i ? segs.slice(i, j + 1).join('.') : '')));
    p = { n: segs.length, keys };
    if (prepared.size > 1000) prepared.clear();
    prepared.set(path, p);
  }
  return p;
}

/**
 * Calls `visit(value)` on each value at `path` (a dotted name or a `fieldPath`) in `doc`: strings,
 * finite numbers and booleans as they are, and `UNREAD` where a part was not read. Stops as soon as
 * `visit` returns true, and returns whether it did.
 */
function visitField(doc, path, visit, maxDepth = MAX_EVENT_DEPTH, maxElements = MAX_ELEMENTS) {
  const p = typeof path === 'string' ? fieldPath(path) : path;
  return follow(doc, p, 0, 0, visit, maxDepth, maxElements);
}

function follow(node, p, seg, depth, visit, maxDepth, maxElements) {
  if (depth > maxDepth) return visit(UNREAD) === true;
  if (node === null || node === undefined) return false;
  const t = typeof node;
  if (t === 'object' && Array.isArray(node)) {
    const n = node.length;
    // Only a number is used as a length: no `valueOf` or `Symbol.toPrimitive` runs.
    if (!(Number.isInteger(n) && n >= 0 && n <= maxElements)) return visit(UNREAD) === true;
    for (let i = 0; i < n; i++) {
      if (follow(node[i], p, seg, depth + 1, visit, maxDepth, maxElements)) return true;
    }
    return false;
  }
  if (seg === p.n) {
    // A value: a string, a finite number, a boolean. An object here is no value; so are NaN, the
    // infinities (JSON writes null), functions, symbols and bigints, as in the engine.
    const value = t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(node));
    return value && visit(node) === true;
  }
  if (t !== 'object') return false;
  const row = p.keys[seg];
  for (let end = seg; end < p.n; end++) {
    const key = row[end];
    if (Object.hasOwn(node, key) && follow(node[key], p, end + 1, depth + 1, visit, maxDepth, maxElements)) {
      return true;
    }
  }
  return false;
}

/** Every value at `path` (a dotted field name) in `doc`, as an array (what was not read left out). */
function fieldValues(doc, path) {
  const out = [];
  visitField(doc, path, (v) => {
    if (v !== UNREAD) out.push(v);
    return false;
  });
  return out;
}

/** The first value at `path`, or undefined. */
function firstValue(doc, path) {
  let first;
  visitField(doc, path, (v) => {
    if (v === UNREAD) return false;
    first = v;
    return true;
  });
  return first;
}

/** Whether `path` has at least one value (Elasticsearch's `exists`). */
function hasValue(doc, path) {
  return firstValue(doc, path) !== undefined;
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

module.exports = { fieldValues, firstValue, hasValue, parseDate, visitField, fieldPath, UNREAD, MAX_EVENT_DEPTH, MAX_ELEMENTS };

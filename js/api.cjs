'use strict';
// The JS API over the wasm bindings, shared by the Node (CommonJS and ESM) and browser entries.
// It checks argument types, caches what never changes, and runs one cheap necessary condition
// before `matches` crosses into wasm (see `RequiredTerms`); every verdict is the Rust engine's.
// `bindings` is the wasm-bindgen module (its `Rule` class, `versions` and `packs`).

const OPTION_KEYS = new Set([
  'version',
  'query',
  'limits',
  'exceptions',
  'addDomains',
  'removeDomains',
  'addExcludedExecutables',
  'removeExcludedExecutables',
  'packs',
  'input',
]);
const LIST_KEYS = ['addDomains', 'removeDomains', 'addExcludedExecutables', 'removeExcludedExecutables', 'packs'];

/** A TypeError with the same `code` as the ones thrown inside wasm. */
function typeError(message) {
  const e = new TypeError(message);
  e.code = 'invalid_argument';
  return e;
}

/** Freezes an object graph so cached metadata cannot be changed by a caller. */
function deepFreeze(value) {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

// Beyond this nesting the check answers "maybe" and leaves the event to the engine.
const MAX_CHECK_DEPTH = 32;

/**
 * The exact terms a matching event must hold (`rule.requiredTerms()` from the engine: for the
 * published rule, `event.category` "network", `network.protocol` "dns", `event.action`
 * "lookup_requested"). Most events of a real stream are not DNS lookups; ruling them out in JS
 * saves the crossing into wasm, which costs more than the whole check.
 *
 * The check only ever says "cannot match" when the engine would find none of the terms: it reads
 * fields as the engine does (nested objects and dotted keys alike, own properties, arrays as any
 * element) and answers "maybe" for anything it does not compare exactly (numbers, booleans, deep
 * nesting). A test holds `matches` to `evaluate(...).matched` on generated events.
 */
class RequiredTerms {
  constructor(list) {
    // Longer terms are rarer in real data (`lookup_requested` against `network`): the check that
    // rules most events out runs first, as the native pre-filter orders them.
    const shortest = (terms) => Math.min(...terms.map((t) => t.length));
    const ordered = [...list].sort((a, b) => shortest(b.terms) - shortest(a.terms));
    this.checks = ordered.map(({ field, terms }) => {
      const segs = field.split('.');
      // keys[i][j] is the key made of segments i..j-1, as the engine tries them.
      const keys = segs.map((_, i) => segs.map((__, j) => (j >= i ? segs.slice(i, j + 1).join('.') : '')));
      return { n: segs.length, keys, terms: new Set(terms) };
    });
  }

  /** False when `event` (a plain object) certainly lacks one of the terms. */
  mayMatch(event) {
    if (this.checks.length === 0) return true;
    // The first check reads the event before asking whether it is a hit: reading an object
    // costs a cache miss, and asking for `_source` first would pay it twice per event.
    const onEvent = has(event, this.checks[0], 0, 0);
    const source = hitSource(event);
    if (source !== undefined) return this.all(source, 0);
    return onEvent && this.all(event, 1);
  }

  /** Whether `source` holds the terms of every check from `from` on. */
  all(source, from) {
    for (let i = from; i < this.checks.length; i++) {
      if (!has(source, this.checks[i], 0, 0)) return false;
    }
    return true;
  }
}

/** The `_source` object of an Elasticsearch hit, or undefined. */
function hitSource(event) {
  if (!Object.hasOwn(event, '_source')) return undefined;
  const s = event._source;
  return s !== null && typeof s === 'object' && !Array.isArray(s) ? s : undefined;
}

function has(node, c, seg, depth) {
  if (depth > MAX_CHECK_DEPTH) return true;
  if (node === null || node === undefined) return false;
  if (Array.isArray(node)) {
    for (const el of node) if (has(el, c, seg, depth + 1)) return true;
    return false;
  }
  const t = typeof node;
  if (seg === c.n) {
    if (t === 'string') return c.terms.has(node);
    // Numbers and booleans become text in the engine; leave them to it.
    return t === 'number' || t === 'boolean' || t === 'bigint';
  }
  if (t !== 'object') return false;
  const row = c.keys[seg];
  for (let end = seg; end < c.n; end++) {
    const key = row[end];
    if (Object.hasOwn(node, key) && has(node[key], c, end + 1, depth + 1)) return true;
  }
  return false;
}

function isPlainEvent(e) {
  return e !== null && typeof e === 'object' && !Array.isArray(e) && !ArrayBuffer.isView(e) && !(e instanceof ArrayBuffer);
}

function makeApi(bindings) {
  const encoder = new TextEncoder();

  function toBytes(input, what) {
    if (input instanceof Uint8Array) return input;
    if (typeof input === 'string') return encoder.encode(input);
    if (input instanceof ArrayBuffer) return new Uint8Array(input);
    throw typeError(`${what} must be a Uint8Array (or a string) of NDJSON, not ${describe(input)}`);
  }

  function describe(value) {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'an array';
    return typeof value;
  }

  /** A compiled rule. */
  class Rule {
    constructor(inner) {
      this._inner = inner;
      this._info = undefined;
      this._fields = undefined;
      this._warnings = undefined;
      this._required = new RequiredTerms(inner.requiredTerms());
    }

    /** Verdict with reasons for one event (object, Elasticsearch hit, JSON string or bytes). */
    evaluate(event) {
      return this._inner.evaluate(event);
    }

    /** Whether the rule matches one event: the fast path. */
    matches(event) {
      if (isPlainEvent(event) && !this._required.mayMatch(event)) return false;
      return this._inner.matches(event);
    }

    /** Scans NDJSON bytes: { matched: [line], errors: [{ line, message }], counts }. */
    scanNdjson(bytes) {
      return this._inner.scanNdjson(toBytes(bytes, 'scanNdjson(bytes)'));
    }

    /** The rule's metadata (id, name, version, severity, risk_score, threat, note, ...). */
    get info() {
      if (this._info === undefined) this._info = deepFreeze(this._inner.info());
      // A copy: callers may change it without changing the rule.
      return structuredClone(this._info);
    }

    /** The field paths the rule reads. */
    get fields() {
      if (this._fields === undefined) this._fields = deepFreeze(this._inner.fields());
      return this._fields;
    }

    /** Compile-time warnings: [{ kind, message, line, column }]. */
    get warnings() {
      if (this._warnings === undefined) this._warnings = deepFreeze(this._inner.warnings());
      return this._warnings;
    }

    /** The effective EQL text. */
    get query() {
      if (this._info === undefined) this._info = deepFreeze(this._inner.info());
      return this._info.query;
    }

    /** The version's sample events with the verdicts they must get. */
    samples() {
      return this._inner.samples();
    }

    /** The exception items in force. */
    get exceptions() {
      return this._inner.exceptions();
    }

    /**
     * The narrowest exception item that suppresses every false positive and keeps every true
     * positive firing: { item, explanation, suppressed, not_alerting, still_firing, not_firing }.
     */
    suggestException(falsePositives, truePositives = []) {
      return this._inner.suggestException(falsePositives, truePositives);
    }
  }

  /** Compiles a rule: `{ version?: "4" | "102" | "104" | "108", query?: string, limits? }`. */
  function compileRule(options) {
    if (options === undefined || options === null) options = {};
    if (typeof options !== 'object' || Array.isArray(options)) {
      throw typeError(`compileRule(options) takes an object, not ${describe(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) {
        throw typeError(`compileRule: unknown option \`${key}\`; known: ${[...OPTION_KEYS].join(', ')}`);
      }
    }
    if (options.version !== undefined && typeof options.version !== 'string') {
      throw typeError(`compileRule: \`version\` must be a string such as "102", not ${describe(options.version)}`);
    }
    if (options.query !== undefined && typeof options.query !== 'string') {
      throw typeError(`compileRule: \`query\` must be a string of EQL, not ${describe(options.query)}`);
    }
    for (const key of LIST_KEYS) {
      const list = options[key];
      if (list !== undefined && !(Array.isArray(list) && list.every((p) => typeof p === 'string'))) {
        throw typeError(`compileRule: \`${key}\` must be an array of strings, not ${describe(list)}`);
      }
    }
    return new Rule(new bindings.Rule(options));
  }

  let defaultRule;
  function getDefault() {
    if (defaultRule === undefined) defaultRule = compileRule({});
    return defaultRule;
  }

  let versionList;
  let packList;
  return {
    Rule,
    compileRule,
    suggestException: (falsePositives, truePositives, options) =>
      compileRule(options).suggestException(falsePositives, truePositives),
    packs: () => {
      if (packList === undefined) packList = bindings.packs();
      return packList.map((p) => ({ ...p, patterns: [...p.patterns] }));
    },
    evaluate: (event) => getDefault().evaluate(event),
    matches: (event) => getDefault().matches(event),
    scanNdjson: (bytes) => getDefault().scanNdjson(bytes),
    versions: () => {
      if (versionList === undefined) versionList = bindings.versions();
      return versionList.map((v) => ({ ...v }));
    },
  };
}

module.exports = { makeApi };

'use strict';
// The JS API over the wasm bindings, shared by the Node (CommonJS and ESM) and browser entries.
// It only checks argument types and caches what never changes; every decision is the Rust
// engine's. `bindings` is the wasm-bindgen module (its `Rule` class and `versions`).

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

function makeApi(bindings) {
  const encoder = new TextEncoder();

  function toBytes(input, what) {
    if (input instanceof Uint8Array) return input;
    if (typeof input === 'string') return encoder.encode(input);
    if (input instanceof ArrayBuffer) return new Uint8Array(input);
    throw new TypeError(`${what} must be a Uint8Array (or a string) of NDJSON, not ${describe(input)}`);
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
    }

    /** Verdict with reasons for one event (object, Elasticsearch hit, JSON string or bytes). */
    evaluate(event) {
      return this._inner.evaluate(event);
    }

    /** Whether the rule matches one event: the fast path. */
    matches(event) {
      return this._inner.matches(event);
    }

    /** Scans NDJSON bytes: { matched: [line], errors: [{ line, message }], counts }. */
    scanNdjson(bytes) {
      return this._inner.scanNdjson(toBytes(bytes, 'scanNdjson(bytes)'));
    }

    /** The rule's metadata (id, name, version, severity, risk_score, threat, note, ...). */
    get info() {
      if (this._info === undefined) this._info = this._inner.info();
      return this._info;
    }

    /** The field paths the rule reads. */
    get fields() {
      if (this._fields === undefined) this._fields = this._inner.fields();
      return this._fields;
    }

    /** Compile-time warnings: [{ kind, message, line, column }]. */
    get warnings() {
      if (this._warnings === undefined) this._warnings = this._inner.warnings();
      return this._warnings;
    }

    /** The effective EQL text. */
    get query() {
      return this.info.query;
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
      throw new TypeError(`compileRule(options) takes an object, not ${describe(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) {
        throw new TypeError(`compileRule: unknown option \`${key}\`; known: ${[...OPTION_KEYS].join(', ')}`);
      }
    }
    if (options.version !== undefined && typeof options.version !== 'string') {
      throw new TypeError(`compileRule: \`version\` must be a string such as "102", not ${describe(options.version)}`);
    }
    if (options.query !== undefined && typeof options.query !== 'string') {
      throw new TypeError(`compileRule: \`query\` must be a string of EQL, not ${describe(options.query)}`);
    }
    for (const key of LIST_KEYS) {
      const list = options[key];
      if (list !== undefined && !(Array.isArray(list) && list.every((p) => typeof p === 'string'))) {
        throw new TypeError(`compileRule: \`${key}\` must be an array of strings, not ${describe(list)}`);
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

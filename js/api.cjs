'use strict';
// The JS API over the wasm bindings (src/wasm/mod.rs), shared by the Node (CommonJS and ESM) and
// browser entries. It checks arguments before they cross (types, sizes, detached buffers), caches
// what never changes, runs a cheap necessary condition before `matches` crosses into wasm (see
// `Prefilter`), and keeps the module alive: if it traps all the same, a new instance is made and
// each rule is compiled again from its options on its next use. Every verdict is the engine's.
//
// `makeApi(bindings, renew)`: `bindings` is the wasm-bindgen module, `renew()` gives the bindings
// of a new instance of it.

const { fieldPath, visitField, UNREAD, MAX_ELEMENTS } = require('./fields.cjs');

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
  'mapping',
]);
const LIST_KEYS = ['addDomains', 'removeDomains', 'addExcludedExecutables', 'removeExcludedExecutables', 'packs'];

// At most this many bytes cross into the module in one call. Its memory cannot grow past 4 GiB and
// the input is copied into it: a larger input would fail that copy and trap the module.
const MAX_CROSSING_BYTES = 1 << 30;

/** A TypeError with the same `code` as the ones thrown inside wasm. */
function typeError(message) {
  const e = new TypeError(message);
  e.code = 'invalid_argument';
  return e;
}

function limitError(message) {
  const e = new Error(message);
  e.code = 'limit';
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

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const tag = typedArrayTag(value);
  if (tag !== undefined) return `a ${tag}`;
  return typeof value;
}

// ---------------------------------------------------------------------------------------------
// Bytes: only genuine, attached Uint8Arrays and ArrayBuffers cross, read through the intrinsic
// getters (an own `length` or `buffer` property on the object cannot lie to the copy).
// ---------------------------------------------------------------------------------------------

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const getter = (proto, key) => Object.getOwnPropertyDescriptor(proto, key).get;
const taTag = getter(TypedArrayPrototype, Symbol.toStringTag);
const taBuffer = getter(TypedArrayPrototype, 'buffer');
const taOffset = getter(TypedArrayPrototype, 'byteOffset');
const taLength = getter(TypedArrayPrototype, 'byteLength');
const abLength = getter(ArrayBuffer.prototype, 'byteLength');

/** `Uint8Array`, `Float64Array`, ... for a genuine typed array, else undefined. */
function typedArrayTag(value) {
  return value !== null && typeof value === 'object' ? taTag.call(value) : undefined;
}

function isArrayBuffer(value) {
  try {
    abLength.call(value);
    return true;
  } catch {
    return false;
  }
}

function detached(buffer) {
  if (abLength.call(buffer) !== 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/** A clean Uint8Array view of `value` (a string, a Uint8Array or an ArrayBuffer), or undefined. */
function bytesOf(value, encoder, what) {
  let bytes;
  if (typeof value === 'string') {
    if (value.length * 3 > MAX_CROSSING_BYTES && encoder.encode(value).length > MAX_CROSSING_BYTES) {
      throw tooBig(what);
    }
    return encoder.encode(value);
  }
  if (value === null || typeof value !== 'object') return undefined;
  const tag = typedArrayTag(value);
  if (tag === 'Uint8Array') {
    const buffer = taBuffer.call(value);
    if (detached(buffer)) throw typeError(`${what}: the Uint8Array's buffer is detached`);
    bytes = new Uint8Array(buffer, taOffset.call(value), taLength.call(value));
  } else if (tag !== undefined || ArrayBuffer.isView(value)) {
    throw typeError(`${what} takes a Uint8Array (or a Buffer) of UTF-8, not a ${tag ?? 'DataView'}`);
  } else if (isArrayBuffer(value)) {
    if (detached(value)) throw typeError(`${what}: the ArrayBuffer is detached`);
    bytes = new Uint8Array(value);
  } else {
    return undefined;
  }
  if (bytes.length > MAX_CROSSING_BYTES) throw tooBig(what);
  return bytes;
}

function tooBig(what) {
  return limitError(
    `${what}: more than ${MAX_CROSSING_BYTES} bytes at once, the most the WebAssembly module takes in one call; ` +
      'split the input at line breaks (createScanner does)',
  );
}

/** What an event argument is: 'object' (read in place) or bytes of JSON text. */
function eventInput(event, encoder) {
  if (typeof event === 'string') return bytesOf(event, encoder, 'the event');
  if (event === null || typeof event !== 'object') {
    throw typeError(`an event must be an object, a JSON string or a Uint8Array of JSON, not ${describe(event)}`);
  }
  // Plain objects, the common case, first.
  if (Object.getPrototypeOf(event) === Object.prototype) return 'object';
  if (Array.isArray(event)) {
    throw typeError('an event must be an object, a JSON string or a Uint8Array of JSON, not an array');
  }
  const bytes = bytesOf(event, encoder, 'the event');
  if (bytes !== undefined) return bytes;
  // An object made from a typed array's prototype is not one: it would be read as an empty event.
  if (event instanceof Uint8Array || event instanceof ArrayBuffer) {
    throw typeError('the event claims to be a Uint8Array or an ArrayBuffer but is not one');
  }
  return 'object';
}

/**
 * A list argument read once into a plain array, each element through `each(element, index)`: its
 * length checked, its elements read in JS (a trap's exception is the caller's), and an element
 * `each` refuses stops the reading (a sparse list of length 2^32-1 costs one element).
 */
function readList(list, what, each) {
  if (!Array.isArray(list)) throw typeError(`${what} must be an array, not ${describe(list)}`);
  const n = list.length;
  if (!(Number.isInteger(n) && n >= 0 && n <= 0xffffffff)) {
    throw typeError(`${what}: its length is not an array length`);
  }
  const out = [];
  for (let i = 0; i < n; i++) out.push(each(list[i], i));
  return out;
}

/**
 * `JSON.stringify` for values from the caller: an array is read through its checked length into
 * a plain copy (a Proxy whose `length` says 1e10, or a sparse array of length 2^32-1, would keep
 * JSON.stringify busy for minutes), and at most `MAX_ELEMENTS` of them.
 */
function toJson(value) {
  return JSON.stringify(value, (_, v) => {
    if (!Array.isArray(v)) return v;
    const n = v.length;
    if (!(Number.isInteger(n) && n >= 0 && n <= MAX_ELEMENTS)) {
      throw typeError(`an array of length ${typeof n === 'number' ? n : typeof n}, not an integer from 0 to ${MAX_ELEMENTS}`);
    }
    const copy = new Array(n);
    for (let i = 0; i < n; i++) copy[i] = v[i];
    return copy;
  });
}

/** Each event of a list as JSON text (hits and JSON strings as they are). */
function jsonTexts(list, what) {
  if (list === undefined || list === null) return [];
  let total = 0;
  return readList(list, what, (e, i) => {
    let text = e;
    if (typeof e !== 'string') {
      if (e === null || typeof e !== 'object' || Array.isArray(e)) {
        throw typeError(`${what}[${i}] must be an event object or JSON text, not ${describe(e)}`);
      }
      try {
        text = toJson(e);
      } catch (err) {
        throw typeError(`${what}[${i}] is not a JSON-like event: ${err && err.message}`);
      }
    }
    total += text.length * 3;
    if (total > MAX_CROSSING_BYTES) throw tooBig(what);
    return text;
  });
}

// ---------------------------------------------------------------------------------------------
// The pre-filter of `matches(obj)`
// ---------------------------------------------------------------------------------------------

const isWellFormed = String.prototype.isWellFormed
  ? (s) => s.isWellFormed()
  : (s) => !/[\uD800-\uDFFF]/.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''));
const wellFormed = (s) => (isWellFormed(s) ? s : s.replace(/[\uD800-\uDFFF]/g, (c, i, all) => (pairAt(all, i) ? c : '\uFFFD')));
function pairAt(s, i) {
  const c = s.charCodeAt(i);
  if (c <= 0xdbff) return i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
  return i > 0 && (s.charCodeAt(i - 1) & 0xfc00) === 0xd800;
}

// Reorder the checks after this many events, by how many events each ruled out.
const REORDER_EVERY = 4096;

/**
 * What a matching event must hold, from the engine (`prefilter`): for the published rule, the
 * exact terms `event.category` "network", `network.protocol` "dns", `event.action`
 * "lookup_requested", and a `dns.question.name` matching one of the domain patterns. Most events
 * of a real stream are ruled out by one of them; doing so in JS saves the crossing into wasm,
 * which costs more than all the checks.
 *
 * Each check only says "cannot match" when the engine would find no value passing that clause:
 * it reads fields as the engine does (`fields.cjs`), a term is compared exactly, a pattern by a
 * necessary condition (its longest literal run, found case-insensitively when the pattern is),
 * and anything not compared exactly (numbers, booleans, what was not read) is "maybe". The checks
 * run in the order that ruled out the most events so far, re-measured as the stream goes. A test
 * holds `matches` to `evaluate(...).matched` on generated events.
 */
class Prefilter {
  constructor(list, maxDepth) {
    this.maxDepth = maxDepth;
    this.checks = [];
    for (const c of list) {
      const test = makeTest(c);
      if (test === null) continue;
      const path = fieldPath(c.field);
      this.checks.push({ path, test, fast: fastCheck(path, test, maxDepth), ruledOut: 0 });
    }
    this.seen = 0;
  }

  /** False when `event` (a plain object) certainly cannot match. */
  mayMatch(event) {
    const checks = this.checks;
    if (checks.length === 0) return true;
    const source = hitSource(event);
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i];
      let may = c.fast === undefined ? undefined : c.fast(source);
      if (may === undefined) may = visitField(source, c.path, c.test, this.maxDepth);
      if (!may) {
        c.ruledOut++;
        if (++this.seen >= REORDER_EVERY) this.reorder();
        return false;
      }
    }
    return true;
  }

  reorder() {
    this.checks.sort((a, b) => b.ruledOut - a.ruledOut);
    // Halved, so that the order follows a stream whose mix changes.
    for (const c of this.checks) c.ruledOut >>= 1;
    this.seen = 0;
  }
}

/**
 * The common shape of an event, decided with a few property reads and no recursion: the field's
 * path as nested objects (`{"event":{"action":...}}`), its value a string, null or absent, or an
 * array of strings and nulls. Returns whether a value may pass `test`, or undefined for anything
 * else (a dotted key such as `"event.action"` on the way, an array on the way, a number, a
 * boolean, an object where the value is expected, a bad array), which `visitField` then decides.
 * Each check has its own closure and its keys are fixed, so V8's property caches see one key per
 * read, and reading one field costs what `event.event.action` costs in plain JS.
 * Each key is read as the engine reads it, `Object.hasOwn` then the value (so a Proxy trap or a
 * getter that throws throws here too, as it would in the engine). Paths of one to three segments
 * (every field of the published rules); others take visitField.
 */
function fastCheck(p, test, maxDepth) {
  // The values of an array sit one level below its key: the deepest read is at depth n + 1.
  if (p.n > 3 || maxDepth < p.n + 1) return undefined;
  const leaf = (v) => {
    if (typeof v === 'string') return test(v);
    if (v === undefined || v === null) return false;
    if (!Array.isArray(v)) return undefined;
    const len = v.length;
    if (!(Number.isInteger(len) && len >= 0 && len <= MAX_ELEMENTS)) return undefined;
    for (let i = 0; i < len; i++) {
      const e = v[i];
      if (typeof e === 'string') {
        if (test(e)) return true;
      } else if (e !== undefined && e !== null) {
        return undefined;
      }
    }
    return false;
  };
  // An intermediate node: undefined for "ask visitField", null for "no value below", else the object.
  const step = (o) => {
    if (o === undefined || o === null) return null;
    if (typeof o !== 'object') return null;
    return Array.isArray(o) ? undefined : o;
  };
  // The own property `k` of `o`, or undefined.
  const own = (o, k) => (Object.hasOwn(o, k) ? o[k] : undefined);
  const none = (v) => v === undefined || v === null;
  const [k0, k01, k012] = p.keys[0];
  if (p.n === 1) return (src) => leaf(own(src, k0));
  if (p.n === 2) {
    const k1 = p.keys[1][1];
    return (src) => {
      if (!none(own(src, k01))) return undefined;
      const o = step(own(src, k0));
      return o === null ? false : o === undefined ? undefined : leaf(own(o, k1));
    };
  }
  const [, k1, k12] = p.keys[1];
  const k2 = p.keys[2][2];
  return (src) => {
    if (!none(own(src, k012)) || !none(own(src, k01))) return undefined;
    const o = step(own(src, k0));
    if (o === null) return false;
    if (o === undefined || !none(own(o, k12))) return undefined;
    const o1 = step(own(o, k1));
    return o1 === null ? false : o1 === undefined ? undefined : leaf(own(o1, k2));
  };
}

/** The visitor of one check: true for a value that may pass (or one not read), or null for none. */
function makeTest({ terms, patterns, caseInsensitive }) {
  // Numbers and booleans become text in the engine; a term or pattern might be that text.
  const scalars = (terms ?? patterns).some((t) => /^[-+.0-9]|^(true|false|\*|\?)/.test(t));
  if (terms) {
    const set = new Set(terms);
    // A lone surrogate reads as U+FFFD in the engine.
    const replaced = terms.some((t) => t.includes('\uFFFD'));
    return (v) => v === UNREAD || (typeof v === 'string' ? set.has(v) || (replaced && set.has(wellFormed(v))) : scalars);
  }
  const runs = patterns.map(longestLiteral);
  if (runs.some((r) => r === '')) return null;
  const escaped = runs.map((r) => r.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&'));
  const re = new RegExp(escaped.join('|'), caseInsensitive ? 'i' : '');
  const replaced = runs.some((r) => r.includes('\uFFFD'));
  return (v) => v === UNREAD || (typeof v === 'string' ? re.test(replaced ? wellFormed(v) : v) : scalars);
}

/** The longest run of a wildcard pattern without `*` or `?` (a backslash is a literal). */
function longestLiteral(pattern) {
  let best = '';
  for (const run of pattern.split(/[*?]/)) if (run.length > best.length) best = run;
  return best;
}

/**
 * The verdict object from its packed text (src/wasm/mod.rs, `pack_verdict`), with what every
 * verdict of the rule shares from `shape` (`verdictShape`, made ready by `verdictShape()` below):
 * the same object, key for key and in the same order, as the verdict's JSON would give.
 */
function unpackVerdict(text, shape) {
  let at = 0;
  const num = () => {
    let n = 0;
    let scale = 1;
    let c = text.charCodeAt(at++);
    while (c >= 0x40) {
      n += (c - 0x40) * scale;
      scale *= 0x40;
      c = text.charCodeAt(at++);
    }
    return n + c * scale;
  };
  const str = () => {
    const n = num();
    return text.slice(at, (at += n));
  };
  const list = () => {
    const n = num();
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = str();
    return out;
  };
  const { nodes, kinds, rule } = shape;
  let next = 0;
  const reason = () => {
    const t = nodes[next++];
    const code = num();
    const r = { clause: t.clause, start: t.start, end: t.end, op: t.op, held: (code & 1) === 1, kind: kinds[code >> 1] };
    if (t.field !== null) r.field = t.field;
    const values = list();
    if (values.length > 0) r.values = values;
    const matched = list();
    if (matched.length > 0) r.matched = matched;
    const note = num();
    if (note > 0) r.note = text.slice(at, (at += note - 1));
    if (t.children > 0) {
      const children = new Array(t.children);
      for (let i = 0; i < t.children; i++) children[i] = reason();
      r.children = children;
    }
    return r;
  };
  const flags = num();
  const summary = str();
  const reasons = reason();
  const v = {
    matched: (flags & 1) !== 0,
    rule: { id: rule.id, name: rule.name, version: rule.version },
    summary,
    reasons,
    missing_fields: list(),
    query_matched: (flags & 2) !== 0,
  };
  if (flags & 4) v.suppressed_by = str();
  if (flags & 8) v.exceptions = JSON.parse(str());
  if (flags & 16) v.input = JSON.parse(str());
  if (flags & 32) v._index = str();
  if (flags & 64) v._id = str();
  return v;
}

/** `verdictShape`'s answer (src/wasm/mod.rs) as `unpackVerdict` reads it. */
function readShape({ rule, kinds, nodes }) {
  return {
    rule,
    kinds,
    nodes: nodes.map(([start, end, clause, op, field, children]) => ({ start, end, clause, op, field, children })),
  };
}

/** The `_source` object of an Elasticsearch hit, else the event itself. */
function hitSource(event) {
  if (!Object.hasOwn(event, '_source')) return event;
  const s = event._source;
  return s !== null && typeof s === 'object' && !Array.isArray(s) ? s : event;
}

// ---------------------------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------------------------

/** Whether `e` is a trap of the module, not an exception an event's getter threw through it. */
function isTrap(e) {
  if (!(e instanceof WebAssembly.RuntimeError)) return false;
  const frames = String(e.stack)
    .split('\n')
    .filter((l) => /^\s*at |@/.test(l));
  return frames.length === 0 || /wasm:\/\/|wasm-function/.test(frames[0]);
}

function makeApi(bindings, renew) {
  const encoder = new TextEncoder();
  const engine = { b: bindings, generation: 0 };

  // After a trap: a new instance; each rule compiles again on its next use.
  function recover(e) {
    if (!isTrap(e)) return e;
    engine.b = renew();
    engine.generation++;
    const err = new Error(`the engine failed on this input (${e.message}) and was restarted; other calls are unaffected`);
    err.code = 'internal';
    err.cause = e;
    return err;
  }

  const registry =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry(({ handle, generation }) => {
          // A handle of an earlier instance means nothing in this one.
          if (generation !== engine.generation) return;
          try {
            engine.b.free(handle);
          } catch (e) {
            recover(e);
          }
        })
      : { register() {}, unregister() {} };

  /** A compiled rule. `new Rule(options)` is `compileRule(options)`. */
  class Rule {
    constructor(options) {
      // The options as JSON text, checked and copied once: what a new instance compiles again.
      this._options = optionsText(options);
      this._mapsInput = options !== null && typeof options === 'object' && (options.input === 'sysmon' || options.input === 'auto');
      this._generation = -1;
      this._handle();
      this._info = undefined;
      this._fields = undefined;
      this._warnings = undefined;
      this._prefilter = undefined;
      this._shape = undefined;
    }

    /** The rule's handle in the current instance, compiled there if need be. */
    _handle() {
      if (this._generation === engine.generation) return this._h;
      let h;
      try {
        h = engine.b.compile(this._options);
      } catch (e) {
        throw recover(e);
      }
      if (this._token) registry.unregister(this._token);
      this._token = { handle: h, generation: engine.generation };
      registry.register(this, this._token, this._token);
      this._h = h;
      this._generation = engine.generation;
      return h;
    }

    _call(name, arg) {
      const h = this._handle();
      try {
        return engine.b[name](h, arg);
      } catch (e) {
        throw recover(e);
      }
    }

    /** What an event crosses as: an object read in place, or bytes of JSON text. */
    _input(event) {
      const input = eventInput(event, encoder);
      if (input !== 'object' || !this._mapsInput) return input;
      // The Sysmon adapter reads whole records, as JSON values.
      let text;
      try {
        text = toJson(event);
      } catch (e) {
        throw e && e.code ? e : typeError(`the event is not JSON-like: ${e && e.message}`);
      }
      return bytesOf(text, encoder, 'the event');
    }

    /** Verdict with reasons for one event (object, Elasticsearch hit, JSON string or bytes). */
    evaluate(event) {
      const input = this._input(event);
      const packed = this._call(input === 'object' ? 'evaluateObject' : 'evaluateJson', input === 'object' ? event : input);
      // What every verdict of the rule shares (the query's clause texts, ...) crosses once.
      if (this._shape === undefined) this._shape = readShape(this._call('verdictShape'));
      return unpackVerdict(packed, this._shape);
    }

    /** Whether the rule matches one event: the fast path. */
    matches(event) {
      const input = this._input(event);
      if (input === 'object') {
        if (this._prefilter === undefined) {
          this._prefilter = new Prefilter(this._call('prefilter'), this.limits.maxEventDepth);
        }
        if (!this._prefilter.mayMatch(event)) return false;
        return this._call('matchesObject', event);
      }
      return this._call('matchesJson', input);
    }

    /** Scans NDJSON bytes: { matched: [line], offsets, errors: [{ line, message }], counts }. */
    scanNdjson(bytes) {
      const b = bytesOf(bytes, encoder, 'scanNdjson(bytes)');
      if (b === undefined) {
        throw typeError(`scanNdjson(bytes) takes a Uint8Array (or a string) of NDJSON, not ${describe(bytes)}`);
      }
      return this._call('scanNdjson', b);
    }

    /** The rule's metadata (id, name, version, severity, risk_score, threat, note, ...). */
    get info() {
      if (this._info === undefined) this._info = deepFreeze(this._call('info'));
      // A copy: callers may change it without changing the rule.
      return structuredClone(this._info);
    }

    /** The field paths the rule reads. */
    get fields() {
      if (this._fields === undefined) this._fields = deepFreeze(this._call('fields'));
      return this._fields;
    }

    /** Compile-time warnings: [{ kind, message, line, column }]. */
    get warnings() {
      if (this._warnings === undefined) this._warnings = deepFreeze(this._call('warnings'));
      return this._warnings;
    }

    /** The limits in force (camelCase keys, as `compileRule` takes them). */
    get limits() {
      if (this._limits === undefined) this._limits = deepFreeze(this._call('limits'));
      return this._limits;
    }

    /** The effective EQL text. */
    get query() {
      if (this._info === undefined) this._info = deepFreeze(this._call('info'));
      return this._info.query;
    }

    /** The version's sample events with the verdicts they must get. */
    samples() {
      return this._call('samples');
    }

    /** The exception items in force. */
    get exceptions() {
      return this._call('exceptions');
    }

    /**
     * The narrowest exception item that suppresses every false positive and keeps every true
     * positive firing: { item, explanation, suppressed, not_alerting, still_firing, not_firing }.
     */
    suggestException(falsePositives, truePositives = []) {
      const fps = jsonTexts(falsePositives, 'falsePositives');
      const tps = jsonTexts(truePositives, 'truePositives');
      const h = this._handle();
      try {
        return engine.b.suggestException(h, fps, tps);
      } catch (e) {
        throw recover(e);
      }
    }
  }

  /** Checks the options' types and makes their JSON text (a copy: later changes do not count). */
  function optionsText(options) {
    if (options === undefined || options === null) options = {};
    if (typeof options !== 'object' || Array.isArray(options)) {
      throw typeError(`compileRule(options) takes an object, not ${describe(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) {
        throw typeError(`compileRule: unknown option \`${key}\`; known: ${[...OPTION_KEYS].join(', ')}`);
      }
    }
    const copy = {};
    for (const key of OPTION_KEYS) {
      const v = options[key];
      if (v !== undefined) copy[key] = v;
    }
    if (copy.version !== undefined && typeof copy.version !== 'string') {
      throw typeError(`compileRule: \`version\` must be a string such as "102", not ${describe(copy.version)}`);
    }
    if (copy.query !== undefined && typeof copy.query !== 'string') {
      throw typeError(`compileRule: \`query\` must be a string of EQL, not ${describe(copy.query)}`);
    }
    for (const key of LIST_KEYS) {
      const list = copy[key];
      if (list === undefined) continue;
      const what = `compileRule: \`${key}\``;
      let total = 0;
      copy[key] = readList(list, what, (p, i) => {
        if (typeof p !== 'string') throw typeError(`${what} must be an array of strings; [${i}] is ${describe(p)}`);
        total += p.length * 3;
        if (total > MAX_CROSSING_BYTES) throw tooBig(what);
        return p;
      });
    }
    if (copy.query !== undefined) {
      const max = Math.min(copy.limits?.maxQueryBytes ?? defaults().maxQueryBytes, MAX_CROSSING_BYTES);
      // A UTF-16 string takes at least one UTF-8 byte per code unit.
      if (copy.query.length > max) {
        throw limitError(`query is at least ${copy.query.length} bytes, over the limit max_query_bytes = ${max}`);
      }
    }
    let text;
    try {
      text = toJson(copy);
    } catch (e) {
      throw typeError(`invalid rule options: ${e && e.message}`);
    }
    if (text.length * 3 > MAX_CROSSING_BYTES) throw tooBig('compileRule(options)');
    return text;
  }

  function plain(name, ...args) {
    try {
      return engine.b[name](...args);
    } catch (e) {
      throw recover(e);
    }
  }

  let defaultLimits;
  function defaults() {
    if (defaultLimits === undefined) defaultLimits = deepFreeze(plain('defaultLimits'));
    return defaultLimits;
  }

  function compileRule(options) {
    return new Rule(options);
  }

  let defaultRule;
  function getDefault() {
    if (defaultRule === undefined) defaultRule = new Rule({});
    return defaultRule;
  }

  function text(value, what) {
    if (typeof value !== 'string') throw typeError(`${what} takes a string, not ${describe(value)}`);
    if (value.length * 3 > MAX_CROSSING_BYTES) throw tooBig(what);
    return value;
  }

  let versionList;
  let packList;
  let tokenKinds;
  let fieldNames;
  return {
    Rule,
    compileRule,
    suggestException: (falsePositives, truePositives, options) => compileRule(options).suggestException(falsePositives, truePositives),
    packs: () => {
      if (packList === undefined) packList = plain('packs');
      return packList.map((p) => ({ ...p, patterns: [...p.patterns] }));
    },
    evaluate: (event) => getDefault().evaluate(event),
    matches: (event) => getDefault().matches(event),
    scanNdjson: (bytes) => getDefault().scanNdjson(bytes),
    versions: () => {
      if (versionList === undefined) versionList = plain('versions');
      return versionList.map((v) => ({ ...v }));
    },
    /** The fields of the default (ECS) mapping, in order (for completing field names). */
    knownFields: () => {
      if (fieldNames === undefined) fieldNames = Object.freeze(plain('knownFields').split('\n'));
      return [...fieldNames];
    },
    /**
     * The values of a field in an event (object, hit, JSON string or bytes) as the engine reads
     * them: the keyword text of each value, in document order.
     */
    fieldValues: (event, path) => {
      const input = eventInput(event, encoder);
      text(path, 'fieldValues(event, path)');
      return plain(input === 'object' ? 'fieldValues' : 'fieldValuesJson', input === 'object' ? event : input, path);
    },
    /**
     * The tokens and comments of a query text for highlighting, in order: [{ kind, from, to }] in
     * UTF-16 code units; `kind` is one of `keyword`, `atom`, `category`, `field`, `string`,
     * `number`, `operator`, `punctuation`, `comment`, `unsupported`, `invalid` (what the lexer
     * refuses; lexing resumes after it, so text being typed is highlighted as far as it goes).
     */
    queryTokens: (query) => {
      const flat = plain('queryTokens', text(query, 'queryTokens(query)'));
      if (tokenKinds === undefined) tokenKinds = plain('tokenKinds').split(' ');
      const out = new Array(flat.length / 3);
      for (let i = 0; i < out.length; i++) {
        out[i] = { kind: tokenKinds[flat[3 * i]], from: flat[3 * i + 1], to: flat[3 * i + 2] };
      }
      return out;
    },
    /**
     * The lists the tuning edits in a query text, as the edits find them: `{ domains, executables }`,
     * each `{ from, to, entries: [{ from, to, value }] }` (UTF-16 code units; `value` with escapes
     * resolved) or `null`. Throws the query's syntax error.
     */
    tunableLists: (query) => {
      const [domains, executables] = plain('tunableLists', text(query, 'tunableLists(query)')).map((list) => {
        if (list === null) return null;
        const [from, to, flat] = list;
        const entries = [];
        for (let i = 0; i < flat.length; i += 3) entries.push({ from: flat[i], to: flat[i + 1], value: flat[i + 2] });
        return { from, to, entries };
      });
      return { domains, executables };
    },
  };
}

module.exports = { makeApi };

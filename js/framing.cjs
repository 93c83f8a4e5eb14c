'use strict';
// Turning a byte stream into batches of NDJSON lines for `rule.scanNdjson`, whatever the input's
// format: NDJSON as is (cut at line boundaries), or the elements of a JSON array, of an
// Elasticsearch search response's `hits.hits` (or an EQL response's `hits.events`), or a stream
// of JSON values, each written as one line. Every batch says where each of its lines came from,
// so that a rejection is reported as `file:line:column`. Memory stays bounded whatever the
// input: a batch is about `batchBytes`; a line (or element) longer than `maxLineBytes` is
// rejected without being held; nesting is counted, never stacked, and an element nested deeper
// than the engine's JSON reader accepts is rejected; keys are read only up to 256 bytes.

const DEFAULT_BATCH_BYTES = 4 << 20;
const DEFAULT_MAX_LINE_BYTES = 16 << 20; // the engine's limit max_line_bytes
// serde_json's recursion limit, which the engine's reader keeps: 128 nested levels are refused.
const MAX_NESTING = 127;
const HEAD_LIMIT = 64 << 10; // bytes the format detection looks at, at most
const MAX_KEY_BYTES = 256;
const NL = 0x0a;

const FORMATS = ['ndjson', 'array', 'es', 'json'];

function countNewlines(buf, end = buf.length) {
  let n = 0;
  let i = buf.indexOf(NL);
  while (i !== -1 && i < end) {
    n++;
    i = buf.indexOf(NL, i + 1);
  }
  return n;
}

function overLimit(bytes, max) {
  return `line is ${bytes} bytes, over the limit max_line_bytes = ${max}`;
}

/** NDJSON: batches cut at line boundaries; line numbers run on from one batch to the next. */
class NdjsonFramer {
  /**
   * @param options { batchBytes, maxLineBytes, pool (a BufferPool for batch buffers) }
   * Input chunks are copied at once, so the caller may reuse them.
   */
  constructor({ batchBytes = DEFAULT_BATCH_BYTES, maxLineBytes = DEFAULT_MAX_LINE_BYTES, pool = null } = {}) {
    this.batchBytes = batchBytes;
    this.maxLineBytes = maxLineBytes;
    this.pool = pool;
    this.buf = null; // the batch being filled (owns its memory)
    this.len = 0;
    this.nextLine = 1;
    this.skipping = null; // { line, bytes } while discarding an over-long line
  }

  _alloc(size) {
    return this.pool ? this.pool.take(size) : Buffer.allocUnsafeSlow(Math.max(size, this.batchBytes * 2));
  }

  /** Whether bytes are held that a flush or the end would hand on. */
  get buffered() {
    return this.len > 0;
  }

  push(buf) {
    const out = [];
    if (this.skipping) {
      const idx = buf.indexOf(NL);
      if (idx < 0) {
        this.skipping.bytes += buf.length;
        return out;
      }
      let bytes = this.skipping.bytes + idx;
      if (idx > 0 && buf[idx - 1] === 0x0d) bytes--;
      out.push({ type: 'reject', line: this.skipping.line, message: overLimit(bytes, this.maxLineBytes) });
      this.nextLine = this.skipping.line + 1;
      this.skipping = null;
      buf = buf.subarray(idx + 1);
      if (buf.length === 0) return out;
    }
    const need = this.len + buf.length;
    if (!this.buf || need > this.buf.length) {
      const bigger = this._alloc(need);
      if (this.buf) {
        this.buf.copy(bigger, 0, 0, this.len);
        if (this.pool) this.pool.give(this.buf.buffer);
      }
      this.buf = bigger;
    }
    buf.copy(this.buf, this.len);
    this.len = need;
    if (this.len >= this.batchBytes) this._cut(false, out);
    return out;
  }

  /** The complete lines held, as a batch, however few (a partial last line stays). */
  flush() {
    const out = [];
    if (this.len > 0 && !this.skipping) this._cut(false, out);
    return out;
  }

  end() {
    const out = [];
    if (this.skipping) {
      out.push({ type: 'reject', line: this.skipping.line, message: overLimit(this.skipping.bytes, this.maxLineBytes) });
      this.skipping = null;
    } else if (this.len > 0) {
      this._cut(true, out);
    }
    if (this.buf && this.pool) this.pool.give(this.buf.buffer);
    this.buf = null;
    return out;
  }

  _cut(final, out) {
    const all = this.buf;
    const len = this.len;
    const last = final ? len - 1 : all.lastIndexOf(NL, len - 1);
    if (last < 0) {
      if (len > this.maxLineBytes) {
        this.skipping = { line: this.nextLine, bytes: len };
        this.len = 0;
      }
      return;
    }
    const bytes = all.subarray(0, last + 1);
    const lines = countNewlines(bytes);
    // The rest (a partial line) moves to a fresh buffer: this one goes with the batch.
    const rest = len - (last + 1);
    this.buf = final ? null : this._alloc(Math.max(rest, 1));
    if (rest > 0) all.copy(this.buf, 0, last + 1, len);
    this.len = rest;
    out.push({ type: 'batch', bytes, firstLine: this.nextLine, owned: true });
    this.nextLine += lines;
    if (rest > this.maxLineBytes) {
      this.skipping = { line: this.nextLine, bytes: rest };
      this.len = 0;
    }
  }
}

// Byte classes.
const WS = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) WS[c] = 1;
// Bytes that end a run inside a string, and inside an element outside strings.
const STRING_STOP = new Uint8Array(256);
for (const c of [0x22, 0x5c, 0x0a]) STRING_STOP[c] = 1;
const ELEMENT_STOP = new Uint8Array(256);
for (const c of [0x22, 0x0a, 0x7b, 0x7d, 0x5b, 0x5d]) ELEMENT_STOP[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d, 0x2c, 0x5d, 0x7d]) DELIM[c] = 1; // ws , ] }

// Containers whose keys matter: the root, `hits`, and `hits.hits` / `hits.events`.
const KEEP_FRAMES = 3;

/**
 * Appends buf[from, to) to a capture { parts, len, from }, keeping at most `max` bytes (a longer
 * key is no key that matters; a longer line is no line to check); `len` counts them all.
 */
function keepPart(c, buf, from, to, max) {
  if (c.len < max) c.parts.push(Buffer.from(buf.subarray(from, Math.min(to, from + max - c.len))));
  c.len += to - from;
  c.from = 0;
}

/** Reads a JSON key from its bytes (quotes included), or null. */
function parseKey(parts, len) {
  if (len > MAX_KEY_BYTES) return null;
  try {
    return JSON.parse(Buffer.concat(parts, len).toString('utf8'));
  } catch {
    return null;
  }
}

/**
 * JSON: the elements of a top-level array (`array`), of `hits.hits` or `hits.events` in
 * Elasticsearch search and EQL responses (`es`), or each top-level value (`json`). Several roots
 * may follow one another (e.g. one search response per scroll page). Each element becomes one
 * line: line breaks outside strings become spaces; a raw line break inside a string (invalid
 * JSON) becomes U+0001, which keeps the element invalid so that the engine rejects it.
 */
class JsonFramer {
  constructor(
    mode,
    { batchBytes = DEFAULT_BATCH_BYTES, maxLineBytes = DEFAULT_MAX_LINE_BYTES, maxNesting = MAX_NESTING, pool = null } = {},
  ) {
    if (!['array', 'es', 'json'].includes(mode)) throw new TypeError(`unknown JSON mode ${mode}`);
    this.mode = mode;
    this.pool = pool;
    this.batchBytes = batchBytes;
    this.maxLineBytes = maxLineBytes;
    this.maxNesting = maxNesting;
    this.line = 1;
    this.offset = 0; // bytes of input before the current chunk
    this.lineStart = 0; // input offset where the current line starts
    this.depth = 0; // open containers
    this.frames = []; // the outermost KEEP_FRAMES of them: { arr, key, expectKey, lastKey }
    this.inString = false;
    this.escape = false;
    this.started = false; // past a leading BOM
    this.dead = false;
    this.rootFoundTarget = false;
    // The element being read.
    this.elem = null; // { line, col, base, kind, parts, len, patches, capStart, tooLong, tooDeep }
    // A key being read (only at the depths that matter for `es`).
    this.key = null; // { start, parts, len }
    // The batch being filled.
    this.batchParts = [];
    this.batchLen = 0;
    this.lineMap = [];
    this.posMap = [];
  }

  get buffered() {
    return this.lineMap.length > 0;
  }

  push(buf) {
    const out = [];
    if (this.dead) return out;
    let i = 0;
    if (!this.started) {
      if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3;
      this.started = true;
    }
    this._scan(buf, i, out);
    if (this.elem && !this.dead) this._keep(buf, this.elem.capStart, buf.length);
    if (this.key) keepPart(this.key, buf, this.key.from, buf.length, MAX_KEY_BYTES + 1);
    if (this.elem) this.elem.capStart = 0;
    this.offset += buf.length;
    return out;
  }

  /** The complete elements held, as a batch. */
  flush() {
    const out = [];
    this._flush(out);
    return out;
  }

  end() {
    const out = [];
    if (this.dead) {
      this._flush(out);
      return out;
    }
    if (this.elem && this.elem.kind === 'scalar' && !this.inString) {
      this._endElement(null, 0, out);
    }
    if (this.elem) {
      this._flush(out);
      out.push({ type: 'reject', line: this.elem.line, column: this.elem.col, message: 'unexpected end of input inside this element' });
      this.elem = null;
    }
    this._flush(out);
    if (this.depth > 0) {
      out.push({ type: 'error', line: this.line, message: `unexpected end of input: ${this._what()} is not closed` });
    }
    return out;
  }

  _what() {
    return this.mode === 'es' ? 'the search response' : this.mode === 'array' ? 'the JSON array' : 'a JSON value';
  }

  _atTarget() {
    const f = this.frames;
    switch (this.mode) {
      case 'json':
        return this.depth === 0;
      case 'array':
        return this.depth === 1 && f[0].arr;
      default:
        return (
          this.depth === 3 && !f[0].arr && !f[1].arr && f[1].key === 'hits' && f[2].arr && (f[2].key === 'hits' || f[2].key === 'events')
        );
    }
  }

  _fail(out, message) {
    this._flush(out);
    out.push({ type: 'error', line: this.line, message });
    this.dead = true;
    this.elem = null;
  }

  _startElement(kind, i) {
    this.elem = {
      line: this.line,
      col: this.offset + i - this.lineStart + 1,
      base: this.depth,
      kind,
      parts: [],
      len: 0,
      patches: [],
      capStart: i,
      tooLong: false,
      tooDeep: false,
    };
  }

  // Appends buf[from, to) to the element being read.
  _keep(buf, from, to, e = this.elem) {
    if (to <= from) return;
    if (!e.tooLong && !e.tooDeep) {
      if (e.len + (to - from) > this.maxLineBytes) {
        e.tooLong = true;
        e.parts = [];
        e.patches = [];
      } else {
        e.parts.push(Buffer.from(buf.subarray(from, to)));
      }
    }
    e.len += to - from;
  }

  // Ends the element at buf[end) (exclusive).
  _endElement(buf, end, out) {
    const e = this.elem;
    this.elem = null;
    if (buf) this._keep(buf, e.capStart, end, e);
    if (e.tooLong || e.tooDeep) {
      this._flush(out);
      const message = e.tooLong
        ? `element is ${e.len} bytes, over the limit max_line_bytes = ${this.maxLineBytes}`
        : `element is nested more than ${this.maxNesting} levels deep (the JSON reader's recursion limit)`;
      out.push({ type: 'reject', line: e.line, column: e.col, message });
      return;
    }
    const bytes = e.parts.length === 1 ? e.parts[0] : Buffer.concat(e.parts, e.len);
    for (const [pos, inStr] of e.patches) bytes[pos] = inStr ? 0x01 : 0x20;
    this.batchParts.push(bytes);
    this.batchLen += bytes.length + 1;
    this.lineMap.push(e.line);
    this.posMap.push(e.patches.length || e.col !== 1 ? { col: e.col, nl: e.patches.map((p) => p[0]) } : null);
    if (this.batchLen >= this.batchBytes) this._flush(out);
  }

  _flush(out) {
    if (this.lineMap.length === 0) return;
    const bytes = (this.pool ? this.pool.take(this.batchLen) : Buffer.allocUnsafeSlow(this.batchLen)).subarray(0, this.batchLen);
    let pos = 0;
    for (const p of this.batchParts) {
      bytes.set(p, pos);
      pos += p.length;
      bytes[pos++] = NL;
    }
    out.push({ type: 'batch', bytes, lineMap: this.lineMap, posMap: this.posMap, owned: true });
    this.batchParts = [];
    this.batchLen = 0;
    this.lineMap = [];
    this.posMap = [];
  }

  _top() {
    return this.depth > 0 && this.depth <= KEEP_FRAMES ? this.frames[this.depth - 1] : null;
  }

  _scan(buf, start, out) {
    const n = buf.length;
    for (let i = start; i < n; i++) {
      // Fast paths: inside a string, only `"`, `\` and line breaks matter; inside an element (past
      // its first byte), only brackets, quotes and line breaks do.
      if (this.inString && !this.escape) {
        while (i < n && !STRING_STOP[buf[i]]) i++;
        if (i >= n) break;
      } else if (!this.inString && this.elem !== null && this.elem.kind === 'container' && this.depth > this.elem.base) {
        while (i < n && !ELEMENT_STOP[buf[i]]) i++;
        if (i >= n) break;
      }
      const b = buf[i];
      if (b === NL) {
        const e = this.elem;
        if (e && !e.tooLong && !e.tooDeep) e.patches.push([e.len + (i - e.capStart), this.inString]);
        this.line++;
        this.lineStart = this.offset + i + 1;
      }
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (b === 0x5c) this.escape = true;
        else if (b === 0x22) {
          this.inString = false;
          if (this.key) this._endKey(buf, i);
          const e = this.elem;
          if (e && e.kind === 'string' && this.depth === e.base) this._endElement(buf, i + 1, out);
        }
        continue;
      }
      const e = this.elem;
      if (e && e.kind === 'scalar') {
        if (!DELIM[b]) continue;
        this._endElement(buf, i, out);
      }
      if (WS[b]) continue;
      const top = this._top();
      switch (b) {
        case 0x7b: // {
        case 0x5b: {
          // [
          const arr = b === 0x5b;
          if (!this.elem) {
            if (this._atTarget()) {
              this._startElement('container', i);
            } else if (this.depth === 0) {
              if (this.mode === 'array' && !arr) return this._fail(out, 'expected a JSON array (`[`), found `{`');
              if (this.mode === 'es' && arr) return this._fail(out, 'expected a search response object (`{`), found `[`');
              this.rootFoundTarget = false;
            }
          }
          this.depth++;
          if (this.depth <= KEEP_FRAMES) {
            const key = top && !top.arr ? top.lastKey : null;
            this.frames[this.depth - 1] = { arr, key, expectKey: !arr, lastKey: null };
          }
          const el = this.elem;
          if (el && !el.tooDeep && this.depth - el.base > this.maxNesting) {
            el.tooDeep = true;
            el.parts = [];
            el.patches = [];
          }
          if (this.mode === 'es' && !this.elem && this._atTarget()) this.rootFoundTarget = true;
          break;
        }
        case 0x7d: // }
        case 0x5d: {
          // ]
          if (this.depth === 0) return this._fail(out, `unexpected \`${String.fromCharCode(b)}\``);
          this.depth--;
          const el = this.elem;
          if (el && el.kind === 'container' && this.depth === el.base) this._endElement(buf, i + 1, out);
          else if (!el && this.depth === 0 && this.mode === 'es' && !this.rootFoundTarget) {
            return this._fail(out, 'the search response has no hits.hits (or hits.events) array');
          }
          break;
        }
        case 0x22: // "
          this.inString = true;
          if (!this.elem) {
            if (this._atTarget()) this._startElement('string', i);
            else if (top && !top.arr && top.expectKey && this.depth <= 2) this.key = { from: i, parts: [], len: 0 };
            else if (this.depth === 0 && this.mode !== 'json') return this._fail(out, 'unexpected text outside the JSON');
          }
          break;
        case 0x3a: // :
          if (top && !top.arr) top.expectKey = false;
          break;
        case 0x2c: // ,
          if (top && !top.arr) top.expectKey = true;
          break;
        default:
          if (!this.elem) {
            if (this._atTarget()) this._startElement('scalar', i);
            else if (this.depth === 0) return this._fail(out, `unexpected \`${String.fromCharCode(b)}\` outside the JSON`);
          }
      }
    }
  }

  _endKey(buf, i) {
    keepPart(this.key, buf, this.key.from, i + 1, MAX_KEY_BYTES + 1);
    const k = this.key;
    this.key = null;
    const top = this._top();
    if (top) top.lastKey = parseKey(k.parts, k.len);
  }
}

// Top-level keys only Elasticsearch responses have (search, EQL, async search).
const RESPONSE_KEYS = new Set(['took', 'timed_out', '_shards', 'is_partial', 'is_running', 'terminated_early']);

/** Whether a line, alone, is a complete JSON object. */
function isObjectLine(parts, len) {
  let s = Buffer.concat(parts, len).toString('utf8').trim();
  if (s.charCodeAt(0) !== 0x7b || s.charCodeAt(s.length - 1) !== 0x7d) return false;
  try {
    s = JSON.parse(s);
  } catch {
    return false;
  }
  return s !== null && typeof s === 'object' && !Array.isArray(s);
}

/**
 * Guesses an input's format from its first bytes, incrementally: `push` each chunk as it comes
 * (each byte is looked at once), until it returns the format; `end()` decides with what was seen.
 *
 * - A first value that ends on the first line, followed by a line break or more text: NDJSON,
 *   whatever its keys (an event may have a `took` key), except an object that holds
 *   `hits.hits` or `hits.events` (a search response saved on one line) and an array followed
 *   by nothing but more arrays (a JSON array of events on one line).
 * - A value over several lines: a pretty-printed search response when its top-level keys say so
 *   (took, timed_out, _shards, ..., or hits.hits), else pretty-printed JSON values; except when
 *   the first line is cut short and the next non-blank line is a complete JSON object by itself:
 *   NDJSON whose first line is broken (so the broken line is rejected, not the 1,000 after it).
 * - Anything else: NDJSON (its lines are judged one by one).
 */
class FormatDetector {
  constructor({ limit = HEAD_LIMIT } = {}) {
    this.limit = limit;
    this.seen = 0;
    this.bom = 0; // bytes of a leading BOM matched so far
    this.phase = 'lead'; // lead -> value -> after
    this.first = 0;
    this.depth = 0;
    this.frames = []; // { obj, expectKey } for depths 1 and 2
    this.inString = false;
    this.escape = false;
    this.key = null; // { parts, len }
    this.depth1Key = null;
    this.inHits = false;
    this.responseKeys = false;
    this.hitsTarget = false;
    this.line = 1;
    this.line1Content = false; // text after the opening bracket on line 1
    this.next = null; // { parts, len } the line after line 1 being captured, for the NDJSON check
    this.checked = false; // the check done: the value is pretty-printed
    this.result = null;
  }

  /** Looks at `buf`; returns the format once known, else null. */
  push(buf) {
    if (this.result) return this.result;
    // Never past the limit, so that the decision is the same however the input is cut.
    const n = Math.min(buf.length, this.limit - this.seen);
    for (let i = 0; i < n && !this.result; i++) this._byte(buf, i);
    if (this.next && !this.result) keepPart(this.next, buf, this.next.from, n, this.limit);
    if (this.key && !this.result) keepPart(this.key, buf, this.key.from, n, MAX_KEY_BYTES + 1);
    this.seen += n;
    if (!this.result && this.seen >= this.limit) this.result = this._decide();
    return this.result;
  }

  /** The format, with what was seen (at the end of the input, or when waiting is pointless). */
  end() {
    if (!this.result) this.result = this._decide();
    return this.result;
  }

  _decide() {
    if (this.phase === 'lead') return 'ndjson';
    if (this.phase === 'after') return 'array';
    if (this.line === 1) return 'ndjson'; // one long line
    if (this.first === 0x5b) return 'array';
    return this.responseKeys || this.hitsTarget ? 'es' : 'json';
  }

  // The line after line 1 is complete (up to buf[i), exclusive).
  _nextLineDone(buf, i) {
    const c = this.next;
    keepPart(c, buf, c.from, i, this.limit);
    this.next = null;
    const text = Buffer.concat(c.parts);
    if (text.toString('utf8').trim() === '') {
      this.next = { parts: [], len: 0, from: i + 1 }; // a blank line: look at the next one
      return;
    }
    if (c.len <= this.limit && isObjectLine(c.parts, c.len)) {
      this.result = 'ndjson';
      return;
    }
    this._pretty();
  }

  // The first value spans lines and is not a broken NDJSON line.
  _pretty() {
    this.checked = true;
    if (this.first === 0x5b) this.result = 'array';
    else if (this.responseKeys || this.hitsTarget) this.result = 'es';
  }

  _byte(buf, i) {
    const b = buf[i];
    if (this.phase === 'lead') {
      if (this.seen + i === this.bom && b === [0xef, 0xbb, 0xbf][this.bom]) {
        this.bom++;
        return;
      }
      if (WS[b]) return;
      if (b !== 0x7b && b !== 0x5b) {
        this.result = 'ndjson';
        return;
      }
      this.phase = 'value';
      this.first = b;
      this.depth = 1;
      this.frames.push({ obj: b === 0x7b, expectKey: b === 0x7b });
      return;
    }
    if (this.phase === 'after') {
      if (WS[b]) return;
      this.result = b === 0x5b ? 'array' : 'ndjson';
      return;
    }
    if (b === NL) {
      if (this.next) {
        this._nextLineDone(buf, i);
        if (this.result) return;
      }
      this.line++;
      if (this.line === 2) {
        if (this.first === 0x5b || !this.line1Content) this._pretty();
        else this.next = { parts: [], len: 0, from: i + 1 };
        if (this.result) return;
      }
    } else if (this.line === 1 && !WS[b]) {
      this.line1Content = true;
    }
    if (this.inString) {
      if (this.escape) this.escape = false;
      else if (b === 0x5c) this.escape = true;
      else if (b === 0x22) {
        this.inString = false;
        if (this.key) this._endKey(buf, i);
      }
      return;
    }
    const top = this.depth <= 2 ? this.frames[this.depth - 1] : null;
    switch (b) {
      case 0x7b:
      case 0x5b:
        if (this.depth === 1) this.inHits = b === 0x7b && this.depth1Key === 'hits';
        this.depth++;
        if (this.depth <= 2) this.frames[this.depth - 1] = { obj: b === 0x7b, expectKey: b === 0x7b };
        break;
      case 0x7d:
      case 0x5d:
        this.depth--;
        if (this.depth === 0) this._valueEnd();
        break;
      case 0x22:
        this.inString = true;
        if (top && top.obj && top.expectKey) this.key = { parts: [], len: 0, from: i };
        break;
      case 0x3a:
        if (top && top.obj) top.expectKey = false;
        break;
      case 0x2c:
        if (top && top.obj) top.expectKey = true;
        break;
      default:
    }
  }

  _endKey(buf, i) {
    keepPart(this.key, buf, this.key.from, i + 1, MAX_KEY_BYTES + 1);
    const k = this.key;
    this.key = null;
    const key = parseKey(k.parts, k.len);
    if (this.depth === 1) {
      this.depth1Key = key;
      if (RESPONSE_KEYS.has(key)) {
        this.responseKeys = true;
        if (this.checked) this.result = 'es';
      }
    } else if (this.depth === 2 && this.inHits && (key === 'hits' || key === 'events')) {
      this.hitsTarget = true;
      if (this.checked) this.result = 'es';
    }
  }

  _valueEnd() {
    this.next = null;
    if (this.line === 1) {
      if (this.first === 0x7b) this.result = this.hitsTarget ? 'es' : 'ndjson';
      else this.phase = 'after';
      return;
    }
    this.result = this.first === 0x5b ? 'array' : this.responseKeys || this.hitsTarget ? 'es' : 'json';
  }
}

/** The format of a whole head (a Buffer), as FormatDetector decides it. */
function detectFormat(head, final = true) {
  const d = new FormatDetector({ limit: Infinity });
  const r = d.push(head);
  if (r || !final) return r;
  return d.end();
}

/**
 * Where line `i` (1-based) of a batch came from: { line, column } in the input, given the byte
 * `column` (1-based) an error names within that line (1 when it names none).
 */
function locate(batch, i, column = 1) {
  if (!batch.lineMap) return { line: batch.firstLine + i - 1, column };
  const line = batch.lineMap[i - 1];
  const pos = batch.posMap ? batch.posMap[i - 1] : null;
  if (!pos) return { line, column };
  const off = column - 1;
  const nl = pos.nl;
  let k = 0;
  while (k < nl.length && nl[k] < off) k++;
  if (k === 0) return { line, column: pos.col + off };
  return { line: line + k, column: off - nl[k - 1] };
}

/** Splits serde_json's "... at line L column C" off a message: { message, column }. */
function splitPosition(message) {
  const m = / at line \d+ column (\d+)$/.exec(message);
  if (!m) return { message, column: 1 };
  return { message: message.slice(0, m.index), column: Number(m[1]) };
}

/** A framer for `format`. */
function createFramer(format, options) {
  if (format === 'ndjson') return new NdjsonFramer(options);
  return new JsonFramer(format, options);
}

module.exports = {
  DEFAULT_BATCH_BYTES,
  DEFAULT_MAX_LINE_BYTES,
  FORMATS,
  FormatDetector,
  HEAD_LIMIT,
  JsonFramer,
  MAX_NESTING,
  NdjsonFramer,
  countNewlines,
  createFramer,
  detectFormat,
  locate,
  splitPosition,
};

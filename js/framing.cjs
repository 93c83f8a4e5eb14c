'use strict';
// Turning a byte stream into batches of NDJSON lines for `rule.scanNdjson`, whatever the input's
// format: NDJSON as is (cut at line boundaries), or the elements of a JSON array, of an
// Elasticsearch search response's `hits.hits`, or a stream of JSON values, each written as one
// line. Every batch says which input line each of its lines came from, so that a rejection is
// reported as `file:line`. Memory stays bounded: a batch is about `batchBytes`, and a line (or
// element) longer than `maxLineBytes` is rejected without being held.

const DEFAULT_BATCH_BYTES = 4 << 20;
const DEFAULT_MAX_LINE_BYTES = 16 << 20; // the engine's limit max_line_bytes
const NL = 0x0a;

const FORMATS = ['ndjson', 'array', 'es', 'json'];

/** A buffer that owns its memory (never a slice of Node's shared pool), so it can be transferred. */
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

/**
 * JSON: the elements of a top-level array (`array`), of `hits.hits` in Elasticsearch search
 * responses (`es`), or each top-level value (`json`). Several roots may follow one another
 * (e.g. one search response per scroll page). Each element becomes one line: line breaks outside
 * strings become spaces; a raw line break inside a string (invalid JSON) becomes U+0001, which
 * keeps the element invalid so that the engine rejects it.
 */
class JsonFramer {
  constructor(mode, { batchBytes = DEFAULT_BATCH_BYTES, maxLineBytes = DEFAULT_MAX_LINE_BYTES, pool = null } = {}) {
    if (!['array', 'es', 'json'].includes(mode)) throw new TypeError(`unknown JSON mode ${mode}`);
    this.mode = mode;
    this.pool = pool;
    this.batchBytes = batchBytes;
    this.maxLineBytes = maxLineBytes;
    this.line = 1;
    this.stack = []; // frames { arr: bool, key: string|null, expectKey: bool, lastKey: string|null }
    this.inString = false;
    this.escape = false;
    this.started = false; // past a leading BOM
    this.dead = false;
    this.rootFoundTarget = false;
    // The element being read.
    this.elem = null; // { line, base, kind: 'container'|'string'|'scalar', parts, len, patches, tooLong }
    // A key being read (only at the depths that matter for `es`).
    this.key = null; // { parts }
    // The batch being filled.
    this.batchParts = [];
    this.batchLen = 0;
    this.lineMap = [];
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
    if (this.key) this.key.parts.push(Buffer.from(buf.subarray(this.key.start)));
    if (this.key) this.key.start = 0;
    if (this.elem) this.elem.capStart = 0;
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
      out.push({ type: 'reject', line: this.elem.line, message: 'unexpected end of input inside this element' });
      this.elem = null;
    }
    this._flush(out);
    if (this.stack.length > 0) {
      out.push({ type: 'error', line: this.line, message: `unexpected end of input: ${this._what()} is not closed` });
    }
    return out;
  }

  _what() {
    return this.mode === 'es' ? 'the search response' : this.mode === 'array' ? 'the JSON array' : 'a JSON value';
  }

  _atTarget() {
    const s = this.stack;
    switch (this.mode) {
      case 'json':
        return s.length === 0;
      case 'array':
        return s.length === 1 && s[0].arr;
      default:
        return (
          s.length === 3 && !s[0].arr && !s[1].arr && s[1].key === 'hits' && s[2].arr && s[2].key === 'hits'
        );
    }
  }

  _fail(out, message) {
    this._flush(out);
    out.push({ type: 'error', line: this.line, message });
    this.dead = true;
    this.elem = null;
  }

  _startElement(kind, buf, i) {
    this.elem = { line: this.line, base: this.stack.length, kind, parts: [], len: 0, patches: [], capStart: i, tooLong: false };
  }

  // Appends buf[from, to) to the element being read.
  _keep(buf, from, to, e = this.elem) {
    if (to <= from) return;
    if (!e.tooLong) {
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
    if (e.tooLong) {
      this._flush(out);
      out.push({ type: 'reject', line: e.line, message: `element is ${e.len} bytes, over the limit max_line_bytes = ${this.maxLineBytes}` });
      return;
    }
    const bytes = e.parts.length === 1 ? e.parts[0] : Buffer.concat(e.parts, e.len);
    for (const [pos, inStr] of e.patches) bytes[pos] = inStr ? 0x01 : 0x20;
    this.batchParts.push(bytes);
    this.batchLen += bytes.length + 1;
    this.lineMap.push(e.line);
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
    out.push({ type: 'batch', bytes, lineMap: this.lineMap, owned: true });
    this.batchParts = [];
    this.batchLen = 0;
    this.lineMap = [];
  }

  _scan(buf, start, out) {
    const n = buf.length;
    const stack = this.stack;
    for (let i = start; i < n; i++) {
      // Fast paths: inside a string, only `"`, `\` and line breaks matter; inside an element (past
      // its first byte), only brackets, quotes and line breaks do.
      if (this.inString && !this.escape) {
        while (i < n && !STRING_STOP[buf[i]]) i++;
        if (i >= n) break;
      } else if (!this.inString && this.elem !== null && this.elem.kind === 'container' && stack.length > this.elem.base) {
        while (i < n && !ELEMENT_STOP[buf[i]]) i++;
        if (i >= n) break;
      }
      const b = buf[i];
      if (b === NL) {
        const e = this.elem;
        if (e && !e.tooLong) e.patches.push([e.len + (i - e.capStart), this.inString]);
        this.line++;
      }
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (b === 0x5c) this.escape = true;
        else if (b === 0x22) {
          this.inString = false;
          if (this.key) this._endKey(buf, i);
          const e = this.elem;
          if (e && e.kind === 'string' && stack.length === e.base) this._endElement(buf, i + 1, out);
        }
        continue;
      }
      const e = this.elem;
      if (e && e.kind === 'scalar') {
        if (!DELIM[b]) continue;
        this._endElement(buf, i, out);
      }
      if (WS[b]) continue;
      const top = stack.length ? stack[stack.length - 1] : null;
      switch (b) {
        case 0x7b: // {
        case 0x5b: {
          // [
          const arr = b === 0x5b;
          if (!this.elem) {
            if (this._atTarget()) {
              this._startElement('container', buf, i);
            } else if (stack.length === 0) {
              if (this.mode === 'array' && !arr) return this._fail(out, 'expected a JSON array (`[`), found `{`');
              if (this.mode === 'es' && arr) return this._fail(out, 'expected a search response object (`{`), found `[`');
              this.rootFoundTarget = false;
            }
          }
          const key = top && !top.arr ? top.lastKey : null;
          stack.push({ arr, key, expectKey: !arr, lastKey: null });
          if (this.mode === 'es' && !this.elem && this._atTarget()) this.rootFoundTarget = true;
          break;
        }
        case 0x7d: // }
        case 0x5d: {
          // ]
          if (stack.length === 0) return this._fail(out, `unexpected \`${String.fromCharCode(b)}\``);
          stack.pop();
          const el = this.elem;
          if (el && el.kind === 'container' && stack.length === el.base) this._endElement(buf, i + 1, out);
          else if (!el && stack.length === 0 && this.mode === 'es' && !this.rootFoundTarget) {
            return this._fail(out, 'the search response has no hits.hits array');
          }
          break;
        }
        case 0x22: // "
          this.inString = true;
          if (!this.elem) {
            if (this._atTarget()) this._startElement('string', buf, i);
            else if (top && !top.arr && top.expectKey && stack.length <= 2) this.key = { start: i, parts: [] };
            else if (stack.length === 0 && this.mode !== 'json') return this._fail(out, 'unexpected text outside the JSON');
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
            if (this._atTarget()) this._startElement('scalar', buf, i);
            else if (stack.length === 0) return this._fail(out, `unexpected \`${String.fromCharCode(b)}\` outside the JSON`);
          }
      }
    }
  }

  _endKey(buf, i) {
    const k = this.key;
    this.key = null;
    k.parts.push(buf.subarray(k.start, i + 1));
    const text = Buffer.concat(k.parts);
    if (text.length > 256) return;
    const top = this.stack[this.stack.length - 1];
    try {
      top.lastKey = JSON.parse(text.toString('utf8'));
    } catch {
      top.lastKey = null;
    }
  }
}

/**
 * Guesses the format from the first bytes of an input: `[` starts a JSON array; `{` starts a
 * search response when its top-level keys say so (took, timed_out, _shards, or hits.hits), else
 * NDJSON when the first value ends on the first line, else a stream of (pretty-printed) JSON
 * values; anything else is NDJSON (and its lines are judged one by one). With `final` false,
 * returns null while the head is too short to tell.
 */
function detectFormat(head, final = true) {
  let i = 0;
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && WS[head[i]]) i++;
  if (i >= head.length) return final ? 'ndjson' : null;
  if (head[i] === 0x5b) return 'array';
  if (head[i] !== 0x7b) return 'ndjson';
  // Walk the first value: containers, strings, and the keys at depths 1 and 2.
  const frames = []; // { obj, expectKey }
  let inString = false;
  let escape = false;
  let keyStart = -1;
  let depth1Key = null;
  let inHitsObject = false;
  let sawNewline = false;
  for (let j = i; j < head.length; j++) {
    const b = head[j];
    if (b === NL) sawNewline = true;
    if (inString) {
      if (escape) escape = false;
      else if (b === 0x5c) escape = true;
      else if (b === 0x22) {
        inString = false;
        if (keyStart >= 0) {
          let key = null;
          try {
            key = JSON.parse(head.subarray(keyStart, j + 1).toString('utf8'));
          } catch {
            key = null;
          }
          keyStart = -1;
          if (frames.length === 1) {
            if (key === 'took' || key === 'timed_out' || key === '_shards') return 'es';
            depth1Key = key;
          } else if (frames.length === 2 && inHitsObject && key === 'hits') {
            return 'es';
          }
        }
      }
      continue;
    }
    const top = frames[frames.length - 1];
    switch (b) {
      case 0x7b:
      case 0x5b:
        if (frames.length === 1) inHitsObject = b === 0x7b && depth1Key === 'hits';
        frames.push({ obj: b === 0x7b, expectKey: b === 0x7b });
        break;
      case 0x7d:
      case 0x5d:
        frames.pop();
        if (frames.length === 0) return sawNewline ? 'json' : 'ndjson';
        break;
      case 0x22:
        inString = true;
        if (top && top.obj && top.expectKey && frames.length <= 2) keyStart = j;
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
  // The first value does not end within the head: a long line (NDJSON) unless it spans lines.
  if (!final) return null;
  return sawNewline ? 'json' : 'ndjson';
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
  JsonFramer,
  NdjsonFramer,
  countNewlines,
  createFramer,
  detectFormat,
};

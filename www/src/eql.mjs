// EQL for the editor: a CodeMirror stream language for highlighting, a small tokenizer that
// finds string literals (list entries) with their positions and values, and conversions between
// the engine's byte offsets (UTF-8) and the editor's positions (UTF-16 code units).
import { StreamLanguage } from '@codemirror/language';

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'where', 'like', 'regex', 'sequence', 'sample', 'by', 'with', 'maxspan', 'until', 'runs']);
const ATOMS = new Set(['null', 'true', 'false']);
const CATEGORIES = new Set(['any', 'network', 'process', 'file', 'registry', 'dns', 'library', 'authentication']);

/** One token of EQL for CodeMirror's stream parser. */
function token(stream, state) {
  if (state.inComment) {
    if (stream.skipTo('*/')) {
      stream.pos += 2;
      state.inComment = false;
    } else stream.skipToEnd();
    return 'blockComment';
  }
  if (state.inRaw) {
    if (stream.skipTo('"""')) {
      stream.pos += 3;
      state.inRaw = false;
    } else stream.skipToEnd();
    return 'string';
  }
  if (stream.eatSpace()) return null;
  if (stream.match('/*')) {
    state.inComment = true;
    return token(stream, state) ?? 'blockComment';
  }
  if (stream.match('//')) {
    stream.skipToEnd();
    return 'lineComment';
  }
  if (stream.match('"""')) {
    state.inRaw = true;
    return token(stream, state) ?? 'string';
  }
  if (stream.peek() === '"') {
    stream.next();
    let escaped = false;
    let ch;
    while ((ch = stream.next()) !== undefined) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') break;
    }
    return 'string';
  }
  if (stream.match(/^`(?:[^`]|``)*`?/)) return 'propertyName';
  if (stream.match(/^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/)) return 'number';
  if (stream.match(/^(?:==|!=|<=|>=|[<>:])~?/) || stream.match(/^~/)) return 'operator';
  if (stream.match(/^[()[\],|]/)) return 'punctuation';
  const word = stream.match(/^[\p{L}_@][\p{L}\p{N}_@.]*/u);
  if (word) {
    const w = word[0];
    const lower = w.toLowerCase();
    const wasStart = state.atStart;
    state.atStart = false;
    if (KEYWORDS.has(lower)) return 'keyword';
    if (ATOMS.has(lower)) return 'atom';
    if (wasStart && CATEGORIES.has(lower)) return 'typeName';
    return w.includes('.') || w.startsWith('@') ? 'propertyName' : 'variableName';
  }
  stream.next();
  return 'invalid';
}

/** CodeMirror stream parser for EQL. */
export const eqlLanguage = StreamLanguage.define({
  name: 'eql',
  startState: () => ({ inComment: false, inRaw: false, atStart: true }),
  token,
  languageData: { commentTokens: { line: '//', block: { open: '/*', close: '*/' } } },
});

/** Byte offset (UTF-8) of every UTF-16 position of `text`, and back. */
export function offsetMaps(text) {
  const bytesAt = new Uint32Array(text.length + 1);
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    bytesAt[i] = bytes;
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      bytesAt[++i] = bytes; // the low surrogate: no position of its own in UTF-8
    } else bytes += 3;
  }
  bytesAt[text.length] = bytes;
  return {
    /** The editor position of a byte offset (the first position at or past it). */
    toPos(byteOffset) {
      let lo = 0;
      let hi = text.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (bytesAt[mid] < byteOffset) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    },
    toByte: (pos) => bytesAt[Math.max(0, Math.min(pos, text.length))],
  };
}

/** The editor position of 1-based line and column (the column in code points). */
export function lineColumnToPos(text, line, column) {
  let pos = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) return text.length;
    pos = nl + 1;
  }
  for (let c = 1; c < column && pos < text.length && text[pos] !== '\n'; c++) {
    pos += text.codePointAt(pos) > 0xffff ? 2 : 1;
  }
  return pos;
}

/**
 * The string literals of an EQL fragment, with their positions in `text` (UTF-16) and their
 * values (escapes resolved as the engine resolves them). Comments are skipped.
 */
export function stringLiterals(text) {
  const out = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (text.startsWith('"""', i)) {
      const end = text.indexOf('"""', i + 3);
      if (end < 0) break;
      out.push({ from: i, to: end + 3, value: text.slice(i + 3, end) });
      i = end + 3;
    } else if (text[i] === '"') {
      const from = i;
      let value = '';
      i += 1;
      let closed = false;
      while (i < text.length) {
        const ch = text[i];
        if (ch === '"') {
          i += 1;
          closed = true;
          break;
        }
        if (ch === '\\') {
          const e = text[i + 1];
          const simple = { '\\': '\\', '"': '"', n: '\n', r: '\r', t: '\t' }[e];
          if (simple !== undefined) {
            value += simple;
            i += 2;
          } else if (e === 'u') {
            const m = /^\\u\{([0-9a-fA-F]{2,8})\}/.exec(text.slice(i, i + 12));
            if (!m) break;
            value += String.fromCodePoint(Math.min(parseInt(m[1], 16), 0x10ffff));
            i += m[0].length;
          } else break;
        } else {
          value += ch;
          i += 1;
        }
      }
      if (!closed) break;
      out.push({ from, to: i, value });
    } else {
      i += 1;
    }
  }
  return out;
}

/** `value` as an EQL string literal. */
export function quote(value) {
  let out = '"';
  for (const ch of value) {
    const c = ch.codePointAt(0);
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20) out += `\\u{${c.toString(16).padStart(2, '0')}}`;
    else out += ch;
  }
  return `${out}"`;
}

function walk(reason, underNot, visit) {
  visit(reason, underNot);
  for (const c of reason.children ?? []) walk(c, underNot || reason.op === 'not', visit);
}

/**
 * The two lists the tuning edits (as the engine finds them: the first `dns.question.name`
 * wildcard test not under `not`, the first `process.executable` one under `not`), from a
 * reasons tree: `{ domains, executables }`, each `{ from, to, entries: [{ from, to, value }] }`
 * in editor positions of `query`, or `null`.
 */
export function tunableLists(query, reasons) {
  const map = offsetMaps(query);
  const wildcard = new Set([':', 'like', 'like~']);
  let domains = null;
  let executables = null;
  walk(reasons, false, (r, underNot) => {
    if (r.children && r.children.length) return;
    if (!wildcard.has(r.op)) return;
    const list = (from) => {
      const to = map.toPos(r.end);
      const entries = stringLiterals(query.slice(from, to)).map((s) => ({
        from: from + s.from,
        to: from + s.to,
        value: s.value,
      }));
      return { from, to, entries };
    };
    if (!domains && r.field === 'dns.question.name' && !underNot) domains = list(map.toPos(r.start));
    if (!executables && r.field === 'process.executable' && underNot) executables = list(map.toPos(r.start));
  });
  return { domains, executables };
}

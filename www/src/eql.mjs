// EQL in the editor, read by the engine itself: highlighting from the engine's lexer
// (`api.queryTokens`, UTF-16 spans), the token at a position (for completion and hover), and
// conversions between the engine's byte offsets (UTF-8) and the editor's positions (UTF-16 code
// units). There is no EQL lexer in JS: what is a string, a comment or a field is the engine's
// answer, so the editor cannot drift from the parser.
import { RangeSetBuilder } from '@codemirror/state';
import { Decoration, EditorView, ViewPlugin } from '@codemirror/view';

const KIND_CLASS = {};
const MARKS = {};
for (const kind of [
  'keyword',
  'atom',
  'category',
  'field',
  'string',
  'number',
  'operator',
  'punctuation',
  'comment',
  'unsupported',
  'invalid',
]) {
  KIND_CLASS[kind] = `cm-eql-${kind}`;
  MARKS[kind] = Decoration.mark({ class: KIND_CLASS[kind] });
}

/** The colours of the token kinds (a CodeMirror theme: the editors live in shadow roots). */
export const eqlTheme = EditorView.theme({
  '.cm-eql-keyword': { color: '#7c3aed', fontWeight: '600' },
  '.cm-eql-atom, .cm-eql-number': { color: '#b45309' },
  '.cm-eql-string': { color: '#047857' },
  '.cm-eql-comment': { color: '#98a2b3', fontStyle: 'italic' },
  '.cm-eql-field': { color: '#1d4ed8' },
  '.cm-eql-category': { color: '#be185d', fontWeight: '600' },
  '.cm-eql-operator': { color: '#c2410c', fontWeight: '600' },
  '.cm-eql-punctuation': { color: '#475467' },
  '.cm-eql-unsupported': { color: '#b54708', textDecoration: 'underline dotted #b54708' },
  '.cm-eql-invalid': { color: '#d92d20', textDecoration: 'underline wavy #d92d20' },
});

/**
 * Highlighting by the engine's lexer, and the tokens of the current text for the other
 * extensions (`view.plugin(plugin).tokens`). `queryTokens(text)` is the API's.
 */
export function eqlHighlighting(queryTokens) {
  const plugin = ViewPlugin.fromClass(
    class {
      constructor(view) {
        this.update({ docChanged: true, view });
      }

      update(u) {
        if (!u.docChanged) return;
        const text = u.view.state.doc.toString();
        this.tokens = queryTokens(text);
        const b = new RangeSetBuilder();
        for (const t of this.tokens) if (t.to > t.from) b.add(t.from, t.to, MARKS[t.kind] ?? MARKS.invalid);
        this.decorations = b.finish();
      }
    },
    { decorations: (v) => v.decorations },
  );
  return { plugin, extension: [plugin, eqlTheme], tokens: (view) => view.plugin(plugin)?.tokens ?? [] };
}

/** The token that holds `pos` (`side` -1: the one ending at `pos` counts), or null. */
export function tokenAt(tokens, pos, side = 1) {
  let lo = 0;
  let hi = tokens.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = tokens[mid];
    if (side < 0 ? t.to < pos : t.to <= pos) lo = mid + 1;
    else if (side < 0 ? t.from >= pos : t.from > pos) hi = mid - 1;
    else return t;
  }
  return null;
}

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

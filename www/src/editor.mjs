// The playground's editors (CodeMirror 6): the theme, the clause marks, autocompletion of field
// names and operators, and hover help on the query's clauses. What a piece of the query is comes
// from the engine's lexer (eql.mjs).
//
// CodeMirror writes its styles with style-mod, which under a document uses a <style> element
// (blocked by the page's `style-src 'self'`) but under a shadow root a constructed style sheet
// (allowed). So each editor lives in a shadow root, and all its styles are CodeMirror themes.
import { EditorView, basicSetup } from 'codemirror';
import { EditorState, StateEffect, StateField, Annotation } from '@codemirror/state';
import { Decoration, keymap, hoverTooltip } from '@codemirror/view';
import { syntaxHighlighting, HighlightStyle } from '@codemirror/language';
import { lintGutter } from '@codemirror/lint';
import { indentWithTab } from '@codemirror/commands';
import { tags as t } from '@lezer/highlight';

import { clauseLabel, kindText, renderText } from '../../js/viewer.mjs';
import { tokenAt } from './eql.mjs';

/** Marks a transaction as the page's own (not the user typing). */
export const programmatic = Annotation.define();

const highlight = HighlightStyle.define([
  { tag: t.keyword, color: '#7c3aed', fontWeight: '600' },
  { tag: [t.atom, t.bool, t.null, t.number], color: '#b45309' },
  { tag: t.string, color: '#047857' },
  { tag: [t.lineComment, t.blockComment, t.comment], color: '#98a2b3', fontStyle: 'italic' },
  { tag: t.propertyName, color: '#1d4ed8' },
  { tag: t.variableName, color: '#344054' },
  { tag: t.typeName, color: '#be185d', fontWeight: '600' },
  { tag: t.operator, color: '#c2410c', fontWeight: '600' },
  { tag: t.punctuation, color: '#475467' },
  { tag: t.invalid, color: '#d92d20', textDecoration: 'underline wavy #d92d20' },
]);

const theme = (maxHeight) =>
  EditorView.theme({
    '&': { maxHeight, fontSize: '12.5px', backgroundColor: '#fff' },
    '&.cm-focused': { outline: '2px solid #84adff' },
    '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', overflow: 'auto' },
    '.cm-clause-held': { backgroundColor: 'rgba(18, 183, 106, .07)' },
    '.cm-clause-failed': { backgroundColor: 'rgba(240, 68, 56, .08)', textDecoration: 'underline dotted rgba(217, 45, 32, .6)' },
    '.cm-matched-entry': { backgroundColor: '#fde68a', outline: '1px solid #d97706', borderRadius: '2px', fontWeight: '700' },
    '.cm-tooltip .eql-help': {
      maxWidth: 'min(30rem, 90vw)',
      padding: '.4rem .6rem',
      font: '12px/1.45 system-ui, sans-serif',
      color: '#101828',
    },
    '.eql-help-head': { fontWeight: '600', marginBottom: '.2rem', fontFamily: 'ui-monospace, monospace', wordBreak: 'break-word' },
    '.eql-help-held': { color: '#05603a', fontWeight: '700' },
    '.eql-help-failed': { color: '#912018', fontWeight: '700' },
    '.eql-help p': { margin: '.2rem 0' },
    '.eql-help-values bdi': {
      fontFamily: 'ui-monospace, monospace',
      background: '#f2f4f7',
      borderRadius: '3px',
      padding: '0 .25em',
      marginRight: '.25em',
    },
    '.eil-ctl': {
      display: 'inline-block',
      margin: '0 .1em',
      padding: '0 .2em',
      border: '1px solid #f79009',
      borderRadius: '.2em',
      background: '#fef0c7',
      color: '#93370d',
      font: '600 10px/1.3 ui-monospace, monospace',
    },
    '.cm-tooltip-autocomplete ul li[aria-selected]': { background: '#1d4ed8' },
  });

export const setMarks = StateEffect.define();
/** The clause marks (held, failed, matched entry) of the query editor. */
export const marksField = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    marks = marks.map(tr.changes);
    for (const e of tr.effects) if (e.is(setMarks)) marks = e.value;
    return marks;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** An editor in a shadow root of `host`; `onChange(text)` when the user changes the text. */
export function makeEditor(host, doc, extensions, onChange, maxHeight) {
  const shadow = host.attachShadow({ mode: 'open' });
  const parent = document.createElement('div');
  shadow.append(parent);
  return new EditorView({
    root: shadow,
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        basicSetup,
        // Tab indents; Escape then Tab leaves the editor (CodeMirror's convention, said on the page).
        keymap.of([indentWithTab]),
        EditorView.lineWrapping,
        syntaxHighlighting(highlight),
        theme(maxHeight),
        lintGutter(),
        ...extensions,
        EditorView.updateListener.of((u) => {
          if (u.docChanged && !u.transactions.some((tr) => tr.annotation(programmatic))) onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
}

/** Replaces an editor's text as the page (not as typing). */
export function setDoc(view, text) {
  if (view.state.doc.toString() === text) return;
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, annotations: programmatic.of(true) });
}

// ------------------------------------------------------------------------------------------
// Help: what each operator and keyword does in Elasticsearch (docs/eql-semantics of the project)
// ------------------------------------------------------------------------------------------

export const OPERATOR_HELP = {
  '==': 'Equals: one exact term, case-sensitive, no wildcards. On a multi-valued field, any value. `== null`: the field has no value.',
  '!=': 'Not equal: holds when no value is the term, and when the field is missing. `!= null`: the field has a value.',
  ':': 'Matches, ignoring ASCII case: a wildcard pattern when it has `*` (any run of characters) or `?` (one character), else the exact text. A list matches when any entry does.',
  in: 'One of a list of exact terms, case-sensitive.',
  'in~': 'One of a list of terms, ignoring ASCII case.',
  'not in': 'None of the list: holds when no value is in the list, and when the field is missing.',
  'not in~': 'None of the list, ignoring ASCII case; holds when the field is missing.',
  like: 'Wildcard match, case-sensitive: `*` any run of characters, `?` one character; the whole value must match.',
  'like~': 'Wildcard match ignoring ASCII case (the same as `:` with a pattern).',
  not: 'Negation: holds when the test inside does not. A missing field makes the test false, so `not` holds.',
  and: 'Both sides must hold. `not` binds tighter than `and`, `and` tighter than `or`.',
  or: 'Either side holds.',
  where: '`category where ...`: the category is `event.category == "category"` (any value of the array); `any` matches every event.',
};

const OPERATOR_COMPLETIONS = ['==', '!=', ':', 'in', 'in~', 'not in', 'not in~', 'like', 'like~'].map((label) => ({
  label,
  type: 'keyword',
  detail: 'operator',
  info: OPERATOR_HELP[label],
  apply: `${label} `,
  boost: label === ':' || label === '==' ? 2 : 0,
}));
const KEYWORD_COMPLETIONS = ['and', 'or', 'not', 'null', 'true', 'false'].map((label) => ({
  label,
  type: 'keyword',
  info: OPERATOR_HELP[label],
}));
const CATEGORIES = ['any', 'network', 'process', 'file', 'registry', 'dns', 'library', 'authentication'];
const WORDS = new Set(['and', 'or', 'not', 'in', 'like', 'where', 'null', 'true', 'false']);

/**
 * Completions for the EQL editor: after a field, the operators; elsewhere the field names that
 * `fields()` gives (the engine's known fields; `preferred()` first: the rule's), the keywords,
 * and a category at the start.
 * Nothing inside strings and comments (`tokens(view)`: the engine's tokens of the text).
 */
export function eqlCompletions(fields, tokens, preferred = () => []) {
  return (context) => {
    const tok = context.view ? tokenAt(tokens(context.view), context.pos, -1) : null;
    if (
      tok &&
      (tok.kind === 'string' || tok.kind === 'comment') &&
      context.pos > tok.from &&
      (context.pos < tok.to || tok.kind === 'comment')
    )
      return null;
    const line = context.state.doc.lineAt(context.pos);
    const before = context.state.sliceDoc(Math.max(0, context.pos - 300), context.pos);
    const symbol = context.matchBefore(/[=!:~]+$/);
    const word = context.matchBefore(/[\p{L}\p{N}_@.`]*$/u);
    const from = symbol ? symbol.from : word.from;
    const rest = before.slice(0, before.length - (context.pos - from));
    const prev = /([\p{L}\p{N}_@.`]+)\s*$/u.exec(rest)?.[1];
    const known = fields();
    const mine = new Set(preferred());
    const isField = (w) => w && !WORDS.has(w.toLowerCase()) && (w.includes('.') || w.startsWith('@') || known.includes(w));
    if (symbol || (isField(prev) && /\s$/.test(rest))) {
      if (!isField(prev)) return null;
      return { from, options: OPERATOR_COMPLETIONS, validFor: /^[=!:~\w]*$/ };
    }
    if (!word.text && !context.explicit) return null;
    const atStart = !/\S/.test(context.state.sliceDoc(0, from)) || (line.from === 0 && !/\S/.test(rest));
    const options = [
      ...known.map((f) =>
        mine.has(f)
          ? { label: f, type: 'property', detail: 'field of this rule', boost: 1 }
          : { label: f, type: 'property', detail: 'ECS field' },
      ),
      ...KEYWORD_COMPLETIONS,
      ...(atStart
        ? CATEGORIES.map((c) => ({ label: `${c} where `, displayLabel: c, type: 'type', detail: 'category', info: OPERATOR_HELP.where }))
        : []),
    ];
    return { from: word.from, options, validFor: /^[\p{L}\p{N}_@.`]*$/u };
  };
}

// ------------------------------------------------------------------------------------------
// Hover: a clause's result in the current verdict, and what its operator does
// ------------------------------------------------------------------------------------------

function deepest(reason, pos, toPos, underNot = false) {
  const from = toPos(reason.start);
  const to = toPos(reason.end);
  if (pos < from || pos > to) return null;
  for (const c of reason.children ?? []) {
    const hit = deepest(c, pos, toPos, underNot || reason.op === 'not');
    if (hit) return hit;
  }
  return { reason, from, to, underNot };
}

/**
 * Hover help on the query: `current()` gives `{ verdict, toPos }` (the verdict of the event
 * shown, and the editor position of an engine byte offset) or null when the query shown is not
 * the one compiled; `tokens(view)` the engine's tokens. Over a clause: whether it held and why,
 * the values seen, what its operator does; over an operator or keyword alone: what it does.
 */
export function clauseHover(current, tokens) {
  return hoverTooltip((view, pos) => {
    const tok = tokenAt(tokens(view), pos) ?? { from: pos, to: pos };
    const key = view.state.sliceDoc(tok.from, tok.to).toLowerCase();
    const cur = current();
    const hit = cur ? deepest(cur.verdict.reasons, pos, cur.toPos) : null;
    const help = (hit && OPERATOR_HELP[hit.reason.op]) ?? OPERATOR_HELP[key];
    if (!hit && !OPERATOR_HELP[key]) return null;
    return {
      pos: hit ? hit.from : tok.from,
      end: hit ? hit.to : tok.to,
      above: true,
      create() {
        const dom = document.createElement('div');
        dom.className = 'eql-help';
        if (hit) {
          const r = hit.reason;
          const head = document.createElement('div');
          head.className = 'eql-help-head';
          const mark = document.createElement('span');
          const held = hit.underNot ? (r.held ? 'true' : 'false') : r.held ? 'held' : 'failed';
          mark.className = r.held || hit.underNot ? 'eql-help-held' : 'eql-help-failed';
          mark.textContent = `${held} `;
          head.append(mark, renderText(clauseLabel(r, 90)), ` — ${kindText(r)}`);
          dom.append(head);
          if (r.values?.length) {
            const p = document.createElement('p');
            p.className = 'eql-help-values';
            p.append('values seen: ');
            for (const v of r.values.slice(0, 8)) p.append(renderText(v));
            if (r.values.length > 8) p.append(`and ${r.values.length - 8} more`);
            dom.append(p);
          } else if (r.field && !r.children?.length) {
            const p = document.createElement('p');
            p.textContent = `${r.field}: no value in this event`;
            dom.append(p);
          }
          if (r.matched?.length) {
            const p = document.createElement('p');
            p.className = 'eql-help-values';
            p.append('matched: ');
            for (const m of r.matched) p.append(renderText(m));
            dom.append(p);
          }
          if (r.note) {
            const p = document.createElement('p');
            p.append(renderText(r.note));
            dom.append(p);
          }
        }
        if (help) {
          const p = document.createElement('p');
          p.textContent = help;
          dom.append(p);
        }
        return { dom };
      },
    };
  });
}

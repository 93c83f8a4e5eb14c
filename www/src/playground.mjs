// The playground: edit and tune the rule, write an event, and watch the verdict change on every
// keystroke. Everything runs in the page on the WebAssembly engine.
import { EditorView, basicSetup } from 'codemirror';
import { EditorState, StateEffect, StateField, Annotation } from '@codemirror/state';
import { Decoration, keymap } from '@codemirror/view';
import { syntaxHighlighting, HighlightStyle } from '@codemirror/language';
import { setDiagnostics, lintGutter } from '@codemirror/lint';
import { json, jsonParseLinter } from '@codemirror/lang-json';
import { indentWithTab } from '@codemirror/commands';
import { tags as t } from '@lezer/highlight';

import { init } from '../../js/browser.mjs';
import { installStyles, renderVerdict } from '../../js/viewer.mjs';
import { eqlLanguage, lineColumnToPos, offsetMaps, stringLiterals, tunableLists } from './eql.mjs';
import { PRESETS } from './presets.mjs';
import { decodeState, encodeState } from './state.mjs';
import { h, replace, $ } from './dom.mjs';

const WASM_URL = new URL('./external_ip_lookup_rule_bg.wasm', import.meta.url);
const TUNING_KEYS = ['addDomains', 'removeDomains', 'addExcludedExecutables', 'removeExcludedExecutables'];
const OPERATORS = [
  { id: 'is', label: 'is', type: 'match', operator: 'included' },
  { id: 'is_not', label: 'is not', type: 'match', operator: 'excluded' },
  { id: 'is_one_of', label: 'is one of', type: 'match_any', operator: 'included' },
  { id: 'is_not_one_of', label: 'is not one of', type: 'match_any', operator: 'excluded' },
  { id: 'matches', label: 'matches', type: 'wildcard', operator: 'included' },
  { id: 'does_not_match', label: 'does not match', type: 'wildcard', operator: 'excluded' },
  { id: 'exists', label: 'exists', type: 'exists', operator: 'included' },
  { id: 'does_not_exist', label: 'does not exist', type: 'exists', operator: 'excluded' },
];
const EXTRA_FIELDS = ['user.name', 'user.domain', 'process.command_line', 'process.parent.executable', 'host.name', 'host.id', 'agent.id'];

const emptyTuning = () => ({ addDomains: [], removeDomains: [], addExcludedExecutables: [], removeExcludedExecutables: [] });

// ------------------------------------------------------------------------------------------
// State
// ------------------------------------------------------------------------------------------

const state = {
  version: '102',
  query: null, // null: the version's published query
  tuning: emptyTuning(),
  packs: [],
  exceptions: [], // exception items as edited (possibly incomplete)
  eventText: '',
};

let api;
let rule = null; // compiled with the applicable exceptions
let baseRule = null; // query and tuning only
let queryError = null;
let tuningError = null;
let exceptionsError = null;
let lastVerdict = null;
let defaultVersion = '102';
let queryView;
let eventView;

const programmatic = Annotation.define();

// ------------------------------------------------------------------------------------------
// Editors
// ------------------------------------------------------------------------------------------

// CodeMirror writes its styles with style-mod, which under a document uses a <style> element
// (blocked by the page's `style-src 'self'`) but under a shadow root a constructed style sheet
// (allowed). So each editor lives in a shadow root, and all its styles are CodeMirror themes.
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
  });

const setMarks = StateEffect.define();
const marksField = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    marks = marks.map(tr.changes);
    for (const e of tr.effects) if (e.is(setMarks)) marks = e.value;
    return marks;
  },
  provide: (f) => EditorView.decorations.from(f),
});

function makeEditor(host, doc, extensions, onChange, maxHeight) {
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

function setDoc(view, text) {
  if (view.state.doc.toString() === text) return;
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, annotations: programmatic.of(true) });
}

// ------------------------------------------------------------------------------------------
// Compiling and evaluating
// ------------------------------------------------------------------------------------------

function tuningOptions() {
  const o = {};
  for (const k of TUNING_KEYS) if (state.tuning[k].length) o[k] = [...state.tuning[k]];
  if (state.packs.length) o.packs = [...state.packs];
  return o;
}

/** Exception items that are complete enough to compile, with the index of each in the editor. */
function completeItems() {
  const out = [];
  state.exceptions.forEach((item, i) => {
    if (itemProblems(item).length === 0) out.push({ index: i, item: cleanItem(item) });
  });
  return out;
}

function cleanItem(item) {
  const out = { name: item.name || 'Untitled exception', entries: item.entries.map(cleanEntry) };
  if (item.item_id) out.item_id = item.item_id;
  if (item.os_types && item.os_types.length) out.os_types = item.os_types;
  return out;
}

function cleanEntry(e) {
  const out = { field: e.field.trim(), operator: e.operator, type: e.type };
  if (e.type === 'match' || e.type === 'wildcard') out.value = e.value ?? '';
  if (e.type === 'match_any') out.value = (e.value ?? []).filter((v) => v !== '');
  if (e.type === 'nested') out.entries = e.entries;
  if (e.type === 'nested') delete out.operator;
  return out;
}

function itemProblems(item) {
  const problems = [];
  if (!item.entries.length) problems.push('it has no entries');
  item.entries.forEach((e, j) => {
    if (!e.field || !e.field.trim()) problems.push(`entry ${j + 1} has no field`);
    else if ((e.type === 'match' || e.type === 'wildcard') && !(e.value ?? '')) problems.push(`entry ${j + 1} has no value`);
    else if (e.type === 'match_any' && !(e.value ?? []).some((v) => v !== '')) problems.push(`entry ${j + 1} has no values`);
  });
  return problems;
}

function compile() {
  const base = { version: state.version, ...tuningOptions() };
  if (state.query !== null) base.query = state.query;
  queryError = null;
  tuningError = null;
  exceptionsError = null;
  try {
    baseRule = api.compileRule(base);
  } catch (err) {
    baseRule = null;
    rule = null;
    if (err.code === 'tuning') tuningError = err;
    else queryError = err;
    return;
  }
  const items = completeItems().map((c) => c.item);
  if (!items.length) {
    rule = baseRule;
    return;
  }
  try {
    rule = api.compileRule({ ...base, exceptions: items });
  } catch (err) {
    exceptionsError = err;
    rule = baseRule;
  }
}

function parseEvent() {
  try {
    const value = JSON.parse(state.eventText);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { error: 'the event must be a JSON object' };
    }
    return { value };
  } catch (err) {
    return { error: err.message };
  }
}

// ------------------------------------------------------------------------------------------
// Rendering
// ------------------------------------------------------------------------------------------

/** Compiles and renders everything; `typed` when the query editor is the source of the text. */
function renderAll({ typed = false } = {}) {
  compile();
  if (baseRule && !queryError && !typed) setDoc(queryView, baseRule.query);
  renderQueryStatus();
  renderRuleInfo();
  renderTuning();
  renderExceptionsStatus();
  evaluateAndRender();
  scheduleSave();
}

function renderRuleInfo() {
  const info = (baseRule ?? api.compileRule({ version: state.version })).info;
  $('#version').value = state.version;
  replace(
    $('#rule-meta'),
    `Elastic Stack ${info.stack} · severity ${info.severity} · risk ${info.risk_score} · ${info.rule_type}${info.building_block_type ? ' (building block)' : ''}`,
  );
  replace($('#version-changes'), h('strong', {}, `Version ${info.version}: `), info.changes);
  $('#reset-query').disabled = state.query === null && !Object.keys(tuningOptions()).length;
  renderVersionDiff();
}

function lineDiff(a, b) {
  const x = a.split('\n');
  const y = b.split('\n');
  const n = x.length;
  const m = y.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      out.push([' ', x[i]]);
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) out.push(['+', y[j++]]);
    else out.push(['-', x[i++]]);
  }
  return out;
}

let diffRenderedFor = null;
function renderVersionDiff() {
  if (diffRenderedFor === state.version) return;
  diffRenderedFor = state.version;
  const box = $('#version-diff');
  const title = $('#version-diff-title');
  if (state.version === defaultVersion) {
    replace(title, `Version ${state.version} is the default`);
    replace(box, h('p', { class: 'muted small' }, 'Pick another version to see what it changes against the default.'));
    return;
  }
  const mine = api.compileRule({ version: state.version }).info;
  const def = api.compileRule({ version: defaultVersion }).info;
  replace(title, `What version ${mine.version} changes against the default (${def.version})`);
  const facts = [];
  for (const [k, label] of [
    ['name', 'name'],
    ['severity', 'severity'],
    ['risk_score', 'risk score'],
    ['index', 'index'],
    ['building_block_type', 'building block'],
    ['stack', 'Elastic Stack'],
  ]) {
    const a = JSON.stringify(def[k]);
    const b = JSON.stringify(mine[k]);
    if (a !== b) facts.push(h('li', {}, h('strong', {}, `${label}: `), `${a} → ${b}`));
  }
  const lines = lineDiff(def.query, mine.query);
  const changed = lines.filter(([k]) => k !== ' ').length;
  replace(
    box,
    facts.length ? h('ul', { class: 'facts' }, facts) : null,
    h('p', { class: 'muted small' }, `Published query: ${changed} line(s) differ (− default, + version ${mine.version}).`),
    h(
      'pre',
      { class: 'code diff-lines' },
      lines.map(([k, text]) => h('span', { class: k === '+' ? 'add' : k === '-' ? 'del' : 'same' }, `${k} ${text}\n`)),
    ),
  );
}

function renderQueryStatus() {
  const status = $('#query-status');
  const text = queryView.state.doc.toString();
  let diagnostics = [];
  if (queryError) {
    const from = Math.min(offsetMaps(text).toPos(queryError.offset ?? 0), text.length);
    const to = Math.min(from + 1, text.length);
    diagnostics = [{ from, to: Math.max(to, from), severity: 'error', message: queryError.message.split('\n')[0], source: queryError.code }];
    status.className = 'status error';
    status.dataset.state = 'error';
    status.dataset.offset = String(queryError.offset ?? '');
    status.dataset.line = String(queryError.line ?? '');
    status.dataset.column = String(queryError.column ?? '');
    replace(
      status,
      h('strong', {}, queryError.code === 'unsupported' ? 'Not supported: ' : 'Query error: '),
      queryError.line ? `line ${queryError.line}, column ${queryError.column}: ` : '',
      queryError.message.split('\n')[0].replace(/ at line \d+ column \d+$/, ''),
      queryError.excerpt ? h('pre', { class: 'excerpt' }, queryError.excerpt) : null,
    );
  } else if (baseRule) {
    status.className = 'status ok';
    status.dataset.state = 'ok';
    delete status.dataset.offset;
    replace(status, `Compiles: ${baseRule.fields.length} fields read (${baseRule.fields.join(', ')}).`);
    diagnostics = baseRule.warnings.map((w) => {
      const from = lineColumnToPos(text, w.line, w.column);
      const lit = stringLiterals(text.slice(from, from + 2000))[0];
      return { from, to: lit && lit.from === 0 ? from + lit.to : Math.min(from + 1, text.length), severity: 'warning', message: w.message, source: w.kind };
    });
  } else {
    status.className = 'status';
    status.dataset.state = 'tuning-error';
    replace(status, 'The list edits cannot be applied; see List tuning.');
  }
  queryView.dispatch(setDiagnostics(queryView.state, diagnostics));
  replace(
    $('#query-warnings'),
    (baseRule && !queryError ? baseRule.warnings : []).map((w) => h('li', {}, `line ${w.line}: ${w.message}`)),
  );
}

function chip(text, title, onRemove, extraClass = '') {
  return h(
    'li',
    { class: `chip ${extraClass}` },
    h('span', { class: 'chip-text', title }, text),
    h('button', { type: 'button', class: 'chip-x', 'aria-label': `Remove ${text}`, title: 'Remove', onClick: onRemove }, '×'),
  );
}

let lists = { domains: null, executables: null };

function renderTuning() {
  lists = baseRule ? tunableLists(baseRule.query, baseRule.evaluate({}).reasons) : { domains: null, executables: null };
  const packPatterns = api.packs().filter((p) => state.packs.includes(p.name)).flatMap((p) => p.patterns);
  const addedDomains = new Set([...state.tuning.addDomains, ...packPatterns]);
  const addedExes = new Set(state.tuning.addExcludedExecutables);

  const renderList = (ul, list, added, addKey, removeKey, noun) => {
    if (!baseRule) {
      replace(ul, h('li', { class: 'muted small' }, 'The query does not compile: fix it to edit its lists.'));
      return;
    }
    if (!list) {
      replace(ul, h('li', { class: 'muted small' }, `The query has no ${noun} list to edit.`));
      return;
    }
    replace(
      ul,
      list.entries.map((e) =>
        chip(e.value, added.has(e.value) ? 'added by a list edit' : 'in the query', () => removeEntry(e.value, addKey, removeKey), added.has(e.value) ? 'added' : ''),
      ),
    );
  };
  renderList($('#domain-list'), lists.domains, addedDomains, 'addDomains', 'removeDomains', 'domain');
  renderList($('#exe-list'), lists.executables, addedExes, 'addExcludedExecutables', 'removeExcludedExecutables', 'excluded-executable');

  const present = new Set((lists.domains?.entries ?? []).map((e) => e.value));
  replace(
    $('#pack-list'),
    api.packs().map((p) => {
      const on = state.packs.includes(p.name);
      const baked = !on && p.patterns.every((x) => present.has(x));
      const box = h('input', {
        type: 'checkbox',
        id: `pack-${p.name}`,
        checked: on || baked,
        disabled: baked,
        dataset: { pack: p.name },
        onChange: (ev) => {
          state.packs = ev.target.checked ? [...state.packs, p.name] : state.packs.filter((n) => n !== p.name);
          renderAll();
        },
      });
      return h(
        'li',
        {},
        box,
        h('label', { for: `pack-${p.name}` }, h('strong', {}, p.title), ` — ${p.patterns.length} patterns${baked ? ' (already in the query text)' : ''}`),
        h('div', { class: 'muted small' }, p.semantics),
      );
    }),
  );

  const ts = $('#tuning-status');
  if (tuningError) {
    ts.className = 'status error';
    replace(ts, h('strong', {}, 'Cannot apply: '), tuningError.message);
  } else {
    const opts = tuningOptions();
    const n = Object.values(opts).reduce((a, l) => a + l.length, 0);
    ts.className = 'status';
    replace(ts, n ? `${n} list edit(s) applied; the query text above includes them.` : 'No list edits: the lists are as written in the query.');
  }
  replace($('#tuning-json'), JSON.stringify({ version: state.version, ...tuningOptions() }, null, 2));
}

function removeEntry(value, addKey, removeKey) {
  if (state.tuning[addKey].includes(value)) state.tuning[addKey] = state.tuning[addKey].filter((v) => v !== value);
  else if (!state.tuning[removeKey].includes(value)) state.tuning[removeKey].push(value);
  renderAll();
}

function addEntry(value, addKey, removeKey) {
  value = value.trim();
  if (!value) return;
  if (state.tuning[removeKey].includes(value)) state.tuning[removeKey] = state.tuning[removeKey].filter((v) => v !== value);
  else state.tuning[addKey].push(value);
  renderAll();
}

// ------------------------------------------------------------------------------------------
// Exceptions editor
// ------------------------------------------------------------------------------------------

function operatorOf(entry) {
  return OPERATORS.find((o) => o.type === entry.type && o.operator === entry.operator)?.id ?? 'is';
}

function renderExceptions() {
  const box = $('#exception-items');
  const fields = [...new Set([...(baseRule?.fields ?? []), ...EXTRA_FIELDS])];
  const datalist = h('datalist', { id: 'exception-fields' }, fields.map((f) => h('option', { value: f })));
  const items = state.exceptions.map((item, i) => {
    const entries = item.entries.map((entry, j) => {
      if (entry.type === 'nested') {
        return h('div', { class: 'entry nested' }, h('span', { class: 'muted' }, `nested on ${entry.field}: `), h('code', {}, JSON.stringify(entry.entries)), removeEntryButton(i, j));
      }
      const op = h(
        'select',
        {
          class: 'entry-op',
          'aria-label': 'Operator',
          onChange: (ev) => {
            const o = OPERATORS.find((x) => x.id === ev.target.value);
            const prevList = entry.type === 'match_any';
            entry.type = o.type;
            entry.operator = o.operator;
            if (o.type === 'match_any' && !prevList) entry.value = entry.value ? [entry.value] : [];
            else if ((o.type === 'match' || o.type === 'wildcard') && prevList) entry.value = (entry.value ?? [])[0] ?? '';
            else if (o.type === 'exists') delete entry.value;
            else if (entry.value === undefined) entry.value = '';
            exceptionsChanged(true);
          },
        },
        OPERATORS.map((o) => h('option', { value: o.id, selected: o.id === operatorOf(entry) }, o.label)),
      );
      const field = h('input', {
        class: 'entry-field',
        value: entry.field ?? '',
        list: 'exception-fields',
        placeholder: 'field, e.g. user.name',
        spellcheck: 'false',
        autocomplete: 'off',
        'aria-label': 'Field',
        onInput: (ev) => {
          entry.field = ev.target.value;
          exceptionsChanged(false);
        },
      });
      let value = null;
      if (entry.type === 'match_any') {
        value = h('textarea', {
          class: 'entry-value',
          rows: 2,
          placeholder: 'one value per line',
          spellcheck: 'false',
          'aria-label': 'Values, one per line',
          onInput: (ev) => {
            entry.value = ev.target.value.split('\n');
            exceptionsChanged(false);
          },
        });
        value.value = (entry.value ?? []).join('\n');
      } else if (entry.type !== 'exists') {
        value = h('input', {
          class: 'entry-value',
          value: entry.value ?? '',
          placeholder: entry.type === 'wildcard' ? 'pattern with * and ?' : 'value',
          spellcheck: 'false',
          autocomplete: 'off',
          'aria-label': 'Value',
          onInput: (ev) => {
            entry.value = ev.target.value;
            exceptionsChanged(false);
          },
        });
      }
      return h('div', { class: 'entry' }, j > 0 ? h('span', { class: 'and' }, 'AND') : h('span', { class: 'and' }, ''), field, op, value, removeEntryButton(i, j));
    });
    const problems = itemProblems(item);
    const name = h('input', {
      class: 'item-name',
      value: item.name ?? '',
      placeholder: 'exception name',
      'aria-label': 'Exception name',
      onInput: (ev) => {
        item.name = ev.target.value;
        exceptionsChanged(false);
      },
    });
    return h(
      'div',
      { class: 'item', dataset: { index: String(i) } },
      i > 0 ? h('div', { class: 'or' }, 'OR') : null,
      h(
        'div',
        { class: 'item-head' },
        name,
        h('button', { type: 'button', class: 'btn small', onClick: () => { state.exceptions.splice(i, 1); exceptionsChanged(true); } }, 'Remove item'),
      ),
      entries,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'button', class: 'btn small add-entry', onClick: () => { item.entries.push({ field: '', operator: 'included', type: 'match', value: '' }); exceptionsChanged(true); } }, '+ AND entry'),
        h('span', { class: 'item-problems muted small' }, problems.length ? `Not applied yet: ${problems.join('; ')}.` : ''),
      ),
    );
  });
  replace(box, datalist, items.length ? items : h('p', { class: 'muted small' }, 'No exceptions: every match raises an alert.'));
  renderExceptionsStatus();
}

function removeEntryButton(i, j) {
  return h(
    'button',
    {
      type: 'button',
      class: 'chip-x',
      'aria-label': 'Remove entry',
      title: 'Remove entry',
      onClick: () => {
        state.exceptions[i].entries.splice(j, 1);
        exceptionsChanged(true);
      },
    },
    '×',
  );
}

function renderExceptionsStatus() {
  const s = $('#exceptions-status');
  const applied = completeItems().length;
  if (exceptionsError) {
    s.className = 'status error';
    replace(s, h('strong', {}, 'Cannot apply the exceptions: '), exceptionsError.message);
  } else {
    s.className = 'status';
    replace(s, state.exceptions.length ? `${applied} of ${state.exceptions.length} item(s) applied.` : '');
  }
  for (const el of document.querySelectorAll('#exception-items .item')) {
    const item = state.exceptions[Number(el.dataset.index)];
    if (!item) continue;
    const problems = itemProblems(item);
    replace(el.querySelector('.item-problems'), problems.length ? `Not applied yet: ${problems.join('; ')}.` : '');
  }
  const json = $('#exceptions-json');
  if (document.activeElement !== json) json.value = JSON.stringify(completeItems().map((c) => c.item), null, 2);
}

/** `structural`: the form must be rebuilt (an entry or item added or removed, an operator changed). */
function exceptionsChanged(structural) {
  compile();
  if (structural) renderExceptions();
  else renderExceptionsStatus();
  evaluateAndRender();
  scheduleSave();
}

function toEditable(items) {
  return items.map((item) => ({
    ...item,
    name: item.name ?? '',
    entries: item.entries.map((e) => ({ ...e, value: Array.isArray(e.value) ? [...e.value] : e.value })),
  }));
}

// ------------------------------------------------------------------------------------------
// Verdict
// ------------------------------------------------------------------------------------------

function evaluateAndRender() {
  const banner = $('#verdict-banner');
  const out = $('#verdict');
  const ev = parseEvent();
  const status = $('#event-status');
  if (ev.error) {
    status.className = 'status error';
    replace(status, `Not an event: ${ev.error}`);
  } else {
    status.className = 'status';
    replace(status, '');
  }
  if (!rule) {
    lastVerdict = null;
    setMarksFor(null);
    banner.className = 'banner unknown';
    banner.dataset.state = 'no-rule';
    replace(banner, 'No verdict: the query does not compile');
    out.classList.add('stale');
    return;
  }
  if (ev.error) {
    banner.className = 'banner unknown';
    banner.dataset.state = 'bad-event';
    replace(banner, 'No verdict: the event is not valid JSON');
    out.classList.add('stale');
    return;
  }
  let verdict;
  try {
    verdict = rule.evaluate(state.eventText);
  } catch (err) {
    banner.className = 'banner unknown';
    banner.dataset.state = 'bad-event';
    replace(banner, `No verdict: ${err.message}`);
    out.classList.add('stale');
    return;
  }
  lastVerdict = verdict;
  out.classList.remove('stale');
  const suppressed = verdict.query_matched && !verdict.matched;
  banner.className = `banner ${verdict.matched ? 'alert' : suppressed ? 'suppressed' : 'none'}`;
  banner.dataset.state = verdict.matched ? 'alert' : suppressed ? 'suppressed' : 'no-alert';
  replace(
    banner,
    h('span', { class: 'banner-word' }, verdict.matched ? 'ALERT' : suppressed ? 'SUPPRESSED' : 'NO ALERT'),
    suppressed ? ` by exception "${verdict.suppressed_by}"` : '',
  );
  const map = offsetMaps(rule.query);
  replace(
    out,
    renderVerdict(verdict, {
      onNode: (li, reason) => {
        if (reason.op === 'exception') return;
        const line = li.querySelector('.eil-line');
        line.classList.add('clickable');
        line.addEventListener('click', () => {
          const from = map.toPos(reason.start);
          const to = map.toPos(reason.end);
          queryView.dispatch({ selection: { anchor: from, head: to }, scrollIntoView: true });
          queryView.focus();
        });
      },
    }),
  );
  setMarksFor(verdict);
}

function setMarksFor(verdict) {
  if (!verdict || !rule || rule.query !== queryView.state.doc.toString()) {
    queryView.dispatch({ effects: setMarks.of(Decoration.none) });
    return;
  }
  const text = rule.query;
  const map = offsetMaps(text);
  const ranges = [];
  const visit = (r) => {
    if (r.children && r.children.length) return r.children.forEach(visit);
    if (r.op === 'where') return;
    const from = map.toPos(r.start);
    const to = map.toPos(r.end);
    if (to <= from) return;
    ranges.push(Decoration.mark({ class: r.held ? 'cm-clause-held' : 'cm-clause-failed' }).range(from, to));
    if (r.matched && r.matched.length) {
      const wanted = new Set(r.matched);
      for (const lit of stringLiterals(text.slice(from, to))) {
        if (wanted.has(lit.value)) ranges.push(Decoration.mark({ class: 'cm-matched-entry', attributes: { title: 'matched' } }).range(from + lit.from, from + lit.to));
      }
    }
  };
  visit(verdict.reasons);
  queryView.dispatch({ effects: setMarks.of(Decoration.set(ranges, true)) });
}

// ------------------------------------------------------------------------------------------
// Suggesting an exception
// ------------------------------------------------------------------------------------------

function describeEntry(e) {
  const op = OPERATORS.find((o) => o.type === e.type && o.operator === e.operator)?.label ?? e.type;
  if (e.type === 'exists') return `${e.field} ${op}`;
  const v = Array.isArray(e.value) ? e.value.map((x) => `"${x}"`).join(', ') : `"${e.value}"`;
  return `${e.field} ${op} ${v}`;
}

function suggest() {
  const box = $('#suggestion');
  const ev = parseEvent();
  if (!rule || ev.error) {
    replace(box, h('p', { class: 'status error' }, 'Fix the query and the event first.'));
    return;
  }
  const samples = rule.samples().filter((s) => s.expect === 'match');
  const result = rule.suggestException([ev.value], samples.map((s) => s.event));
  const still = new Set(result.still_firing);
  const notFiring = new Set(result.not_firing);
  const rows = samples.map((s, i) => {
    const status = still.has(i) ? 'still fires' : notFiring.has(i) ? 'does not fire (even without the item)' : 'silenced by the item';
    return h('tr', { class: still.has(i) ? 'fires' : notFiring.has(i) ? 'quiet' : 'silenced', dataset: { index: String(i) } }, h('td', {}, `#${i + 1}`), h('td', {}, s.why), h('td', { class: 'tp-status' }, status));
  });
  replace(
    box,
    h('p', { class: `suggest-explanation ${result.item ? 'ok' : 'error'}` }, result.explanation),
    result.item
      ? h(
          'div',
          { class: 'suggested-item' },
          h('strong', {}, result.item.name ?? 'Suggested exception'),
          h('ul', {}, result.item.entries.map((e, i) => h('li', {}, i ? 'AND ' : '', describeEntry(e)))),
          h('details', {}, h('summary', {}, 'As an Elastic exception item (JSON)'), h('pre', { class: 'code' }, JSON.stringify(result.item, null, 2))),
          h(
            'button',
            {
              type: 'button',
              class: 'btn',
              id: 'apply-suggestion',
              onClick: () => {
                state.exceptions.push(toEditable([result.item])[0]);
                exceptionsChanged(true);
                replace(box, h('p', { class: 'status ok' }, `Added the exception "${result.item.name}".`));
              },
            },
            'Add this exception',
          ),
        )
      : null,
    h('h3', {}, `This version's sample true positives (${samples.length}) with the item`),
    h('table', { class: 'tp-table' }, h('tbody', {}, rows)),
  );
}

// ------------------------------------------------------------------------------------------
// The URL fragment
// ------------------------------------------------------------------------------------------

let saveTimer = 0;
function snapshot() {
  const s = { v: state.version, e: state.eventText };
  if (state.query !== null) s.q = state.query;
  const tuning = tuningOptions();
  if (Object.keys(tuning).length) s.t = tuning;
  if (state.exceptions.length) s.x = state.exceptions;
  return s;
}

function scheduleSave() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(saveNow, 150);
}

async function saveNow() {
  clearTimeout(saveTimer);
  const fragment = await encodeState(snapshot());
  history.replaceState(null, '', `#${fragment}`);
  document.body.dataset.saved = fragment;
}

function applySnapshot(s) {
  const versions = api.versions().map((v) => v.version);
  state.version = versions.includes(s.v) ? s.v : defaultVersion;
  state.query = typeof s.q === 'string' ? s.q : null;
  state.tuning = emptyTuning();
  state.packs = [];
  if (s.t && typeof s.t === 'object') {
    for (const k of TUNING_KEYS) if (Array.isArray(s.t[k])) state.tuning[k] = s.t[k].filter((x) => typeof x === 'string');
    if (Array.isArray(s.t.packs)) state.packs = s.t.packs.filter((x) => typeof x === 'string');
  }
  state.exceptions = Array.isArray(s.x) ? toEditable(s.x.filter((i) => i && Array.isArray(i.entries))) : [];
  state.eventText = typeof s.e === 'string' ? s.e : JSON.stringify(PRESETS[0].event, null, 2);
}

// ------------------------------------------------------------------------------------------
// Start
// ------------------------------------------------------------------------------------------

function presetOptions() {
  const sel = $('#preset');
  const custom = h('option', { value: '' }, '— choose a preset —');
  const teach = h('optgroup', { label: 'Presets that teach the rule' }, PRESETS.map((p) => h('option', { value: `p:${p.id}` }, p.label)));
  const samples = baseRule ? baseRule.samples() : [];
  const sampleGroup = h(
    'optgroup',
    { label: `Samples of version ${state.version}` },
    samples.map((s, i) => h('option', { value: `s:${i}` }, `${s.expect === 'match' ? '✓ match' : '✗ no match'}: ${s.why}`)),
  );
  replace(sel, custom, teach, sampleGroup);
}

function loadPreset(value) {
  let event;
  let why = '';
  if (value.startsWith('p:')) {
    const p = PRESETS.find((x) => x.id === value.slice(2));
    if (!p) return;
    event = p.event;
    why = p.why;
  } else if (value.startsWith('s:')) {
    const s = (baseRule ?? api.compileRule({ version: state.version })).samples()[Number(value.slice(2))];
    if (!s) return;
    event = s.event;
    why = `Sample (${s.expect === 'match' ? 'must match' : 'must not match'}): ${s.why}`;
  } else return;
  replace($('#preset-why'), why);
  state.eventText = JSON.stringify(event, null, 2);
  setDoc(eventView, state.eventText);
  eventView.dispatch(setDiagnostics(eventView.state, jsonDiagnostics(eventView)));
  evaluateAndRender();
  scheduleSave();
}

async function main() {
  api = await init(WASM_URL);
  installStyles(document);
  defaultVersion = api.versions().find((v) => v.default)?.version ?? '102';
  state.version = defaultVersion;

  const restored = await decodeState(location.hash);
  if (restored) applySnapshot(restored);
  else state.eventText = JSON.stringify(PRESETS[0].event, null, 2);

  replace(
    $('#version'),
    api.versions().map((v) => h('option', { value: v.version }, `${v.version} (Elastic Stack ${v.stack})${v.default ? ' — default' : ''}`)),
  );

  queryView = makeEditor($('#query-editor'), '', [eqlLanguage, marksField, EditorView.contentAttributes.of({ 'aria-label': 'EQL query' })], (text) => {
    // Typing makes the text the query: list edits are part of it from now on.
    state.query = text;
    state.tuning = emptyTuning();
    state.packs = [];
    renderAll({ typed: true });
  }, '520px');
  eventView = makeEditor($('#event-editor'), state.eventText, [json(), EditorView.contentAttributes.of({ 'aria-label': 'Event JSON' })], (text) => {
    state.eventText = text;
    $('#preset').value = '';
    replace($('#preset-why'), '');
    eventView.dispatch(setDiagnostics(eventView.state, jsonDiagnostics(eventView)));
    evaluateAndRender();
    scheduleSave();
  }, '420px');

  // The query text as restored, even when it does not compile.
  if (state.query !== null) setDoc(queryView, state.query);

  $('#version').addEventListener('change', (ev) => {
    state.version = ev.target.value;
    state.query = null;
    normalizeTuning();
    renderAll();
    presetOptions();
  });
  $('#reset-query').addEventListener('click', () => {
    state.query = null;
    state.tuning = emptyTuning();
    state.packs = [];
    renderAll();
  });
  $('#add-domain').addEventListener('submit', (ev) => {
    ev.preventDefault();
    addEntry($('#add-domain-input').value, 'addDomains', 'removeDomains');
    $('#add-domain-input').value = '';
  });
  $('#add-exe').addEventListener('submit', (ev) => {
    ev.preventDefault();
    addEntry($('#add-exe-input').value, 'addExcludedExecutables', 'removeExcludedExecutables');
    $('#add-exe-input').value = '';
  });
  $('#add-item').addEventListener('click', () => {
    state.exceptions.push({ name: `Exception ${state.exceptions.length + 1}`, entries: [{ field: '', operator: 'included', type: 'match', value: '' }] });
    exceptionsChanged(true);
  });
  $('#exceptions-import').addEventListener('click', () => {
    const text = $('#exceptions-json').value;
    const s = $('#exceptions-status');
    try {
      const parsed = api.compileRule({ version: state.version, query: 'any where true', exceptions: text }).exceptions;
      state.exceptions = toEditable(parsed);
      exceptionsChanged(true);
      replace(s, `Imported ${parsed.length} item(s).`);
    } catch (err) {
      s.className = 'status error';
      replace(s, h('strong', {}, 'Cannot import: '), err.message);
    }
  });
  $('#preset').addEventListener('change', (ev) => loadPreset(ev.target.value));
  $('#suggest').addEventListener('click', suggest);
  $('#copy-link').addEventListener('click', async () => {
    await saveNow();
    const btn = $('#copy-link');
    try {
      await navigator.clipboard.writeText(location.href);
      btn.textContent = 'Link copied';
    } catch {
      btn.textContent = 'Link is in the address bar';
    }
    setTimeout(() => (btn.textContent = 'Copy link to this state'), 2000);
  });
  window.addEventListener('hashchange', async () => {
    if (location.hash.slice(1) === document.body.dataset.saved) return;
    const s = await decodeState(location.hash);
    if (!s) return;
    applySnapshot(s);
    if (state.query !== null) setDoc(queryView, state.query);
    setDoc(eventView, state.eventText);
    renderAll();
    renderExceptions();
    presetOptions();
  });

  $('#loading').hidden = true;
  $('#app').hidden = false;
  renderAll();
  renderExceptions();
  presetOptions();
  eventView.dispatch(setDiagnostics(eventView.state, jsonDiagnostics(eventView)));
  await saveNow();
  // Read-only hooks for the end-to-end tests (CodeMirror renders only the lines in view).
  window.__playground = Object.freeze({
    queryText: () => queryView.state.doc.toString(),
    eventText: () => eventView.state.doc.toString(),
    verdict: () => lastVerdict,
  });
  document.body.dataset.ready = 'true';
}

/** Keeps only the removals that the new version's lists can take. */
function normalizeTuning() {
  const plain = api.compileRule({ version: state.version });
  const l = tunableLists(plain.query, plain.evaluate({}).reasons);
  const has = (list, v) => (list?.entries ?? []).some((e) => e.value === v);
  state.tuning.removeDomains = state.tuning.removeDomains.filter((v) => has(l.domains, v));
  state.tuning.removeExcludedExecutables = state.tuning.removeExcludedExecutables.filter((v) => has(l.executables, v));
  if (!l.executables) state.tuning.addExcludedExecutables = [];
}

const parseLinter = jsonParseLinter();
/** JSON syntax errors of the event editor, marked where they are. */
function jsonDiagnostics(view) {
  return parseLinter(view);
}

main().catch((err) => {
  const p = $('#loading');
  p.hidden = false;
  p.className = 'loading error';
  replace(p, `The engine could not start: ${err.message}`);
  console.error(err);
});

// The playground: edit and tune the rule, write one event or several, and watch the verdicts
// change on every keystroke. Everything runs in the page on the WebAssembly engine.
import { EditorView } from 'codemirror';
import { Decoration } from '@codemirror/view';
import { setDiagnostics } from '@codemirror/lint';
import { json, jsonParseLinter } from '@codemirror/lang-json';

import { init } from '../../js/browser.mjs';
import { hasInvisible, installStyles, renderText, renderVerdict, visibleText } from '../../js/viewer.mjs';
import { EditorState } from '@codemirror/state';
import { eqlHighlighting, lineColumnToPos, offsetMaps, tokenAt } from './eql.mjs';
import { clauseHover, eqlCompletions, makeEditor, marksField, setDoc, setMarks } from './editor.mjs';
import { PRESETS } from './presets.mjs';
import {
  appliedExceptions,
  decodeState,
  encodeState,
  INPUT_SHAPES,
  itemProblems,
  linkVerdict,
  TUNING_KEYS,
  validateState,
} from './state.mjs';
import { h, replace, $ } from './dom.mjs';

const WASM_URL = new URL('./external_ip_lookup_rule_bg.wasm', import.meta.url);
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

const emptyTuning = () => ({ addDomains: [], removeDomains: [], addExcludedExecutables: [], removeExcludedExecutables: [] });

// ------------------------------------------------------------------------------------------
// State
// ------------------------------------------------------------------------------------------

const state = {
  version: '102',
  query: null, // the edited query in use; null: the version's published query
  drafts: [], // edited queries kept aside while another version is shown: [{ version, query }]
  tuning: emptyTuning(),
  packs: [],
  exceptions: [], // exception items as edited (possibly incomplete)
  input: 'ecs', // how the events are read: ECS, Sysmon, or auto (the engine's adapter decides)
  eventText: '',
};

let api;
let rule = null; // compiled with the applicable exceptions
let baseRule = null; // query and tuning only
let queryError = null;
let tuningError = null;
let exceptionsError = null;
let events = []; // the events of the event editor: [{ value, text, line } | { error, line }]
let verdicts = []; // one per event: a verdict, or { error }
let selected = 0; // the event whose reasons are shown
let defaultVersion = '102';
let queryView;
let eventView;

// ------------------------------------------------------------------------------------------
// Compiling and evaluating
// ------------------------------------------------------------------------------------------

function tuningOptions() {
  const o = {};
  for (const k of TUNING_KEYS) if (state.tuning[k].length) o[k] = [...state.tuning[k]];
  if (state.packs.length) o.packs = [...state.packs];
  return o;
}

function compile() {
  const base = { version: state.version, ...tuningOptions() };
  if (state.input !== 'ecs') base.input = state.input;
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
  const items = appliedExceptions(state.exceptions);
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

/**
 * The events of the event editor: one JSON object, a JSON array of them, or NDJSON (an object a
 * line). `{ events: [{ value, text?, line? } | { error, line? }], error? }`: `error` when the
 * text is none of these.
 */
function parseEvents(text) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    // Not one JSON document: NDJSON, when every non-blank line is one.
    const lines = text.split('\n');
    const out = [];
    lines.forEach((l, i) => {
      if (!l.trim()) return;
      try {
        const value = JSON.parse(l);
        out.push(
          isObject(value) ? { value, text: l, line: i + 1 } : { error: `line ${i + 1} is ${kindOf(value)}, not an event`, line: i + 1 },
        );
      } catch (e) {
        out.push({ error: `line ${i + 1}: ${e.message}`, line: i + 1 });
      }
    });
    if (out.length > 1 && out.some((e) => !e.error)) return { events: out, format: 'NDJSON' };
    return { events: [], error: err.message };
  }
  if (Array.isArray(doc)) {
    if (!doc.length) return { events: [], error: 'the array has no events' };
    return {
      events: doc.map((v, i) => (isObject(v) ? { value: v } : { error: `element ${i + 1} is ${kindOf(v)}, not an event` })),
      format: 'JSON array',
    };
  }
  if (!isObject(doc)) return { events: [], error: `the event must be a JSON object, not ${kindOf(doc)}` };
  return { events: [{ value: doc, text }], format: 'JSON' };
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const kindOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? 'a string' : `a ${typeof v}`);

// ------------------------------------------------------------------------------------------
// Rendering
// ------------------------------------------------------------------------------------------

/** Compiles and renders everything; `typed` when the query editor is the source of the text. */
function renderAll({ typed = false } = {}) {
  compile();
  if (baseRule) {
    fieldList = knownFields();
    ruleFields = baseRule.fields;
  }
  if (baseRule && !queryError && !typed) setDoc(queryView, baseRule.query);
  renderQueryStatus();
  renderRuleInfo();
  renderTuning();
  renderExceptionsStatus();
  evaluateAndRender();
  scheduleSave();
}

/**
 * The version select: the edited query in use (if any), the edited queries kept aside, then the
 * published versions. Choosing a version never drops an edited query: it is kept as an entry.
 */
function renderVersionSelect() {
  const label = (d) => `${d.query.split('\n')[0].slice(0, 40)}${d.query.length > 40 ? '…' : ''}`;
  const edited = [];
  if (state.query !== null) edited.push(h('option', { value: 'edited' }, `Edited query (from version ${state.version})`));
  state.drafts.forEach((d, i) => edited.push(h('option', { value: `draft:${i}` }, `Kept edit ${i + 1} (from ${d.version}): ${label(d)}`)));
  replace(
    $('#version'),
    edited.length ? h('optgroup', { label: 'Your edited queries' }, edited) : null,
    h(
      'optgroup',
      { label: 'Published versions' },
      api
        .versions()
        .map((v) => h('option', { value: v.version }, `${v.version} (Elastic Stack ${v.stack})${v.default ? ' — default' : ''}`)),
    ),
  );
  $('#version').value = state.query !== null ? 'edited' : state.version;
}

/** The version select changed: a version, or a kept edit. */
function chooseVersion(value) {
  const status = $('#version-status');
  if (value === 'edited') return;
  if (state.query !== null) {
    // Keep the edit: it becomes an entry of the select, not a loss.
    state.drafts.push({ version: state.version, query: state.query });
    replace(status, `Your edited query is kept: choose "Kept edit ${state.drafts.length}" under Version to return to it.`);
    status.dataset.kept = String(state.drafts.length);
  } else replace(status, '');
  if (value.startsWith('draft:')) {
    const [d] = state.drafts.splice(Number(value.slice(6)), 1);
    state.version = d.version;
    state.query = d.query;
    state.tuning = emptyTuning();
    state.packs = [];
    setDoc(queryView, d.query);
    renderAll({ typed: true });
  } else {
    state.version = value;
    state.query = null;
    normalizeTuning();
    renderAll();
  }
  presetOptions();
}

function renderRuleInfo() {
  const info = (baseRule ?? api.compileRule({ version: state.version })).info;
  renderVersionSelect();
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
    diagnostics = [
      { from, to: Math.max(to, from), severity: 'error', message: queryError.message.split('\n')[0], source: queryError.code },
    ];
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
    diagnostics = baseRule.warnings.filter((w) => w.line).map((w) => warningDiagnostic(text, w));
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

/**
 * A compile warning as a lint diagnostic over what it is about: the string literal or the field
 * name at its position. A warning with a suggestion (`unknown_field`: the closest known field)
 * offers to replace the text with it.
 */
function warningDiagnostic(text, w) {
  const from = Math.min(lineColumnToPos(text, w.line, w.column), text.length);
  const tok = tokenAt(api.queryTokens(text), from);
  const to = tok && tok.from === from ? tok.to : Math.min(from + 1, text.length);
  const d = { from, to, severity: 'warning', message: w.message, source: w.kind };
  if (typeof w.suggestion === 'string' && w.suggestion) {
    d.actions = [
      { name: `Use ${w.suggestion}`, apply: (view, a, b) => view.dispatch({ changes: { from: a, to: b, insert: w.suggestion } }) },
    ];
  }
  return d;
}

function chip(text, title, onRemove, extraClass = '') {
  return h(
    'li',
    { class: `chip ${extraClass}` },
    h('span', { class: 'chip-text', title: `${visibleText(text)}: ${title}` }, renderText(text)),
    h('button', { type: 'button', class: 'chip-x', 'aria-label': `Remove ${text}`, title: 'Remove', onClick: onRemove }, '×'),
  );
}

let lists = { domains: null, executables: null };

function renderTuning() {
  lists = baseRule ? api.tunableLists(baseRule.query) : { domains: null, executables: null };
  const packPatterns = api
    .packs()
    .filter((p) => state.packs.includes(p.name))
    .flatMap((p) => p.patterns);
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
        chip(
          e.value,
          added.has(e.value) ? 'added by a list edit' : 'in the query',
          () => removeEntry(e.value, addKey, removeKey),
          added.has(e.value) ? 'added' : '',
        ),
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
        h(
          'label',
          { for: `pack-${p.name}` },
          h('strong', {}, p.title),
          ` — ${p.patterns.length} patterns${baked ? ' (already in the query text)' : ''}`,
        ),
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
    replace(
      ts,
      n ? `${n} list edit(s) applied; the query text above includes them.` : 'No list edits: the lists are as written in the query.',
    );
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
  const fields = [...new Set([...(baseRule?.fields ?? []), ...api.knownFields()])];
  const datalist = h(
    'datalist',
    { id: 'exception-fields' },
    fields.map((f) => h('option', { value: f })),
  );
  const items = state.exceptions.map((item, i) => {
    const entries = item.entries.map((entry, j) => {
      if (entry.type === 'nested') {
        return h(
          'div',
          { class: 'entry nested' },
          h('span', { class: 'muted' }, `nested on ${entry.field}: `),
          h('code', {}, JSON.stringify(entry.entries)),
          removeEntryButton(i, j),
        );
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
      return h(
        'div',
        { class: 'entry' },
        j > 0 ? h('span', { class: 'and' }, 'AND') : h('span', { class: 'and' }, ''),
        field,
        op,
        value,
        removeEntryButton(i, j),
      );
    });
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
        h(
          'button',
          {
            type: 'button',
            class: 'btn small',
            onClick: () => {
              state.exceptions.splice(i, 1);
              exceptionsChanged(true);
            },
          },
          'Remove item',
        ),
      ),
      entries,
      h(
        'div',
        { class: 'row' },
        h(
          'button',
          {
            type: 'button',
            class: 'btn small add-entry',
            onClick: () => {
              item.entries.push({ field: '', operator: 'included', type: 'match', value: '' });
              exceptionsChanged(true);
            },
          },
          '+ AND entry',
        ),
        h('span', { class: 'item-problems muted small' }, itemNote(item)),
      ),
    );
  });
  replace(box, datalist, items.length ? items : h('p', { class: 'muted small' }, 'No exceptions: every match raises an alert.'));
  renderExceptionsStatus();
}

/**
 * What to say under an item: why it is not applied yet, and which of its texts hold invisible or
 * direction-changing characters (an input box shows them as nothing, or reorders the text).
 */
function itemNote(item) {
  const notes = [];
  const problems = itemProblems(item);
  if (problems.length) notes.push(`Not applied yet: ${problems.join('; ')}.`);
  const hidden = [];
  if (hasInvisible(item.name ?? '')) hidden.push(`the name (${visibleText(item.name)})`);
  item.entries.forEach((e, j) => {
    if (hasInvisible(e.field ?? '')) hidden.push(`entry ${j + 1}'s field (${visibleText(e.field)})`);
    const values = Array.isArray(e.value) ? e.value : e.value === undefined ? [] : [e.value];
    for (const v of values) if (hasInvisible(v)) hidden.push(`entry ${j + 1}'s value (${visibleText(v)})`);
  });
  if (hidden.length) notes.push(`Invisible or direction-changing characters in ${hidden.join(', ')}.`);
  return notes.join(' ');
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
  const applied = appliedExceptions(state.exceptions).length;
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
    replace(el.querySelector('.item-problems'), itemNote(item));
  }
  // The engine's warnings about the exceptions (those the query alone does not have).
  const own = new Set((baseRule?.warnings ?? []).map((w) => w.message));
  const extra = rule && rule !== baseRule ? rule.warnings.filter((w) => !own.has(w.message)) : [];
  replace(
    $('#exceptions-warnings'),
    extra.map((w) => h('li', { dataset: { kind: w.kind } }, renderText(w.message))),
  );
  const json = $('#exceptions-json');
  if (document.activeElement !== json) json.value = JSON.stringify(appliedExceptions(state.exceptions), null, 2);
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
  const parsed = parseEvents(state.eventText);
  events = parsed.events;
  const status = $('#event-status');
  if (parsed.error) {
    status.className = 'status error';
    replace(status, `Not an event: ${parsed.error}`);
  } else {
    const bad = events.filter((e) => e.error);
    status.className = bad.length ? 'status error' : 'status';
    replace(
      status,
      events.length > 1 ? `${events.length} events (${parsed.format})` : '',
      bad.length ? `${events.length > 1 ? '; ' : ''}${bad.length} not an event: ${bad.map((e) => e.error).join('; ')}` : '',
    );
  }
  verdicts = [];
  if (!rule || parsed.error) {
    setMarksFor(null);
    banner.className = 'banner unknown';
    banner.dataset.state = rule ? 'bad-event' : 'no-rule';
    replace(banner, rule ? 'No verdict: the event is not valid JSON' : 'No verdict: the query does not compile');
    replace($('#event-verdicts'));
    out.classList.add('stale');
    return;
  }
  for (const e of events) {
    if (e.error) verdicts.push({ error: e.error });
    else {
      try {
        verdicts.push(rule.evaluate(e.text ?? e.value));
      } catch (err) {
        verdicts.push({ error: err.message });
      }
    }
  }
  if (selected >= verdicts.length) selected = 0;
  renderEventList();
  const verdict = verdicts[selected];
  if (verdict.error) {
    banner.className = 'banner unknown';
    banner.dataset.state = 'bad-event';
    replace(banner, `No verdict: ${verdict.error}`);
    out.classList.add('stale');
    setMarksFor(null);
    return;
  }
  out.classList.remove('stale');
  const suppressed = verdict.query_matched && !verdict.matched;
  banner.className = `banner ${verdict.matched ? 'alert' : suppressed ? 'suppressed' : 'none'}`;
  banner.dataset.state = verdict.matched ? 'alert' : suppressed ? 'suppressed' : 'no-alert';
  replace(
    banner,
    verdicts.length > 1 ? h('span', { class: 'banner-which' }, `Event ${selected + 1} of ${verdicts.length}: `) : null,
    h('span', { class: 'banner-word' }, verdict.matched ? 'ALERT' : suppressed ? 'SUPPRESSED' : 'NO ALERT'),
    suppressed ? [' by exception "', renderText(verdict.suppressed_by), '"'] : '',
  );
  const map = offsetMaps(rule.query);
  const select = (reason) => {
    const from = map.toPos(reason.start);
    const to = map.toPos(reason.end);
    queryView.dispatch({ selection: { anchor: from, head: to }, scrollIntoView: true });
    queryView.focus();
  };
  replace(
    out,
    renderVerdict(verdict, {
      onNode: (li, reason) => {
        if (reason.op === 'exception') return;
        // A clause line selects its text in the query: by click, or by Enter or Space.
        const line = li.querySelector('.eil-line');
        line.classList.add('clickable');
        line.tabIndex = 0;
        line.setAttribute('role', 'button');
        line.setAttribute('aria-label', `${line.textContent}: select it in the query`);
        line.addEventListener('click', () => select(reason));
        line.addEventListener('keydown', (ev) => {
          if (ev.key === 'Enter' || ev.key === ' ') {
            ev.preventDefault();
            select(reason);
          }
        });
      },
    }),
  );
  setMarksFor(verdict);
}

/** With several events: one line per event (its verdict and summary), the selected one pressed. */
function renderEventList() {
  const box = $('#event-verdicts');
  if (verdicts.length < 2) {
    replace(box);
    return;
  }
  const count = (f) => verdicts.filter(f).length;
  const alerts = count((v) => v.matched);
  const suppressed = count((v) => v.query_matched && !v.matched);
  const bad = count((v) => v.error);
  replace(
    box,
    h(
      'p',
      { class: 'small', dataset: { alerts: String(alerts), events: String(verdicts.length) } },
      `${verdicts.length} events: ${alerts} alert(s), ${suppressed} suppressed, ${verdicts.length - alerts - suppressed - bad} no alert${bad ? `, ${bad} not events` : ''}. Choose one to see its reasons.`,
    ),
    h(
      'ol',
      { class: 'event-list' },
      verdicts.map((v, i) => {
        const word = v.error ? 'NOT AN EVENT' : v.matched ? 'ALERT' : v.query_matched ? 'SUPPRESSED' : 'NO ALERT';
        const cls = v.error ? 'unknown' : v.matched ? 'alert' : v.query_matched ? 'suppressed' : 'none';
        return h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: `event-pick ${cls}`,
              'aria-pressed': String(i === selected),
              dataset: { index: String(i), state: cls },
              onClick: () => {
                selected = i;
                evaluateAndRender();
                $(`#event-verdicts button[data-index="${i}"]`)?.focus();
              },
            },
            h('span', { class: 'event-n' }, `#${i + 1}`),
            h('span', { class: 'event-word' }, word),
            h('span', { class: 'event-summary' }, renderText(v.error ?? v.summary)),
          ),
        );
      }),
    ),
  );
}

/**
 * Tints the query's clauses held or failed, and highlights the list entries that matched. A
 * `not` is tinted as a whole by its own result: the test inside it failing is what makes it
 * hold, and must not read as a failure.
 */
function setMarksFor(verdict) {
  if (!verdict || !rule || rule.query !== queryView.state.doc.toString()) {
    queryView.dispatch({ effects: setMarks.of(Decoration.none) });
    return;
  }
  const text = rule.query;
  const map = offsetMaps(text);
  const ranges = [];
  const tokens = api.queryTokens(text);
  const tuned = Object.values(api.tunableLists(text)).filter(Boolean);
  const leavesOf = (r) => (r.children && r.children.length ? r.children.flatMap(leavesOf) : [r]);
  /**
   * The string entries of a leaf, with their values: the engine's for the lists the tuning edits;
   * elsewhere only plain "..." strings with no backslash, whose value is their text (the
   * highlight is a hint, and escapes and raw strings are the engine's lexer's to read).
   */
  const entriesOf = (from, to) => {
    const list = tuned.find((l) => l.from >= from && l.to <= to);
    if (list) return list.entries;
    return tokens
      .filter((t) => t.kind === 'string' && t.from >= from && t.to <= to)
      .map((t) => {
        const raw = text.slice(t.from, t.to);
        const plain = /^"[^"\\]*"$/.test(raw);
        return { from: t.from, to: t.to, value: plain ? raw.slice(1, -1) : null };
      });
  };
  const visit = (r) => {
    if (r.children && r.children.length && r.op !== 'not') return r.children.forEach(visit);
    if (r.op === 'where') return;
    const from = map.toPos(r.start);
    const to = map.toPos(r.end);
    if (to <= from) return;
    ranges.push(Decoration.mark({ class: r.held ? 'cm-clause-held' : 'cm-clause-failed' }).range(from, to));
    for (const leaf of leavesOf(r)) {
      if (!leaf.matched || !leaf.matched.length) continue;
      const wanted = new Set(leaf.matched);
      for (const e of entriesOf(map.toPos(leaf.start), map.toPos(leaf.end))) {
        if (wanted.has(e.value))
          ranges.push(Decoration.mark({ class: 'cm-matched-entry', attributes: { title: 'matched' } }).range(e.from, e.to));
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
  const good = events.filter((e) => !e.error).map((e) => e.value);
  if (!rule || !good.length) {
    replace(box, h('p', { class: 'status error' }, 'Fix the query and the event first.'));
    return;
  }
  const samples = rule.samples().filter((s) => s.expect === 'match');
  // Every event of the editor is a false positive to silence (usually the one event).
  const result = rule.suggestException(
    good,
    samples.map((s) => s.event),
  );
  const still = new Set(result.still_firing);
  const notFiring = new Set(result.not_firing);
  const rows = samples.map((s, i) => {
    const status = still.has(i) ? 'still fires' : notFiring.has(i) ? 'does not fire (even without the item)' : 'silenced by the item';
    return h(
      'tr',
      { class: still.has(i) ? 'fires' : notFiring.has(i) ? 'quiet' : 'silenced', dataset: { index: String(i) } },
      h('td', {}, `#${i + 1}`),
      h('td', {}, renderText(s.why)),
      h('td', { class: 'tp-status' }, status),
    );
  });
  replace(
    box,
    h('p', { class: `suggest-explanation ${result.item ? 'ok' : 'error'}` }, renderText(result.explanation)),
    result.item
      ? h(
          'div',
          { class: 'suggested-item' },
          h('strong', {}, renderText(result.item.name ?? 'Suggested exception')),
          h(
            'ul',
            {},
            result.item.entries.map((e, i) => h('li', {}, i ? 'AND ' : '', renderText(describeEntry(e)))),
          ),
          h(
            'details',
            {},
            h('summary', {}, 'As an Elastic exception item (JSON)'),
            h('pre', { class: 'code' }, renderText(JSON.stringify(result.item, null, 2), document, { multiline: true })),
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'btn',
              id: 'apply-suggestion',
              onClick: () => {
                state.exceptions.push(toEditable([result.item])[0]);
                exceptionsChanged(true);
                replace(box, h('p', { class: 'status ok' }, 'Added the exception "', renderText(result.item.name), '".'));
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
/** The link's state (see `validateState` for its fields); without the event when `withEvent` is false. */
function snapshot(withEvent = true) {
  const s = { v: state.version };
  if (withEvent) s.e = state.eventText;
  if (state.query !== null) s.q = state.query;
  if (state.drafts.length) s.k = state.drafts.map((d) => ({ v: d.version, q: d.query }));
  const tuning = tuningOptions();
  if (Object.keys(tuning).length) s.t = tuning;
  if (state.exceptions.length) s.x = state.exceptions;
  if (state.input !== 'ecs') s.i = state.input;
  return s;
}

function scheduleSave() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(saveNow, 150);
}

let linkState = { level: 'ok', withEvent: true };
/**
 * Puts the state in the address bar. A link longer than browsers open (a big event) keeps
 * everything but the event, and the page says so; a long one gets a warning.
 */
async function saveNow() {
  clearTimeout(saveTimer);
  const base = `${location.origin}${location.pathname}${location.search}#`;
  let fragment = await encodeState(snapshot(true));
  let verdict = linkVerdict(base.length + fragment.length);
  let withEvent = true;
  if (verdict.level === 'too-long') {
    fragment = await encodeState(snapshot(false));
    withEvent = false;
  }
  history.replaceState(null, '', `#${fragment}`);
  document.body.dataset.saved = fragment;
  const viewerState = await encodeState(snapshot(false));
  $('#open-viewer').href = `viewer.html#${viewerState}`;
  linkState = { level: verdict.level, withEvent };
  const note = $('#link-note');
  note.dataset.level = verdict.level;
  replace(
    note,
    verdict.level === 'too-long' ? `${verdict.message.split('. ')[0]}: the address bar keeps everything but the event.` : verdict.message,
  );
}

/** Applies a link's state (validated field by field); says what it could not use. */
function applyLink(decoded) {
  const status = $('#link-status');
  const versions = api.versions();
  if (decoded?.error) {
    applyState(validateState({}, knownValues()).state);
    status.hidden = false;
    status.dataset.state = 'error';
    replace(status, h('strong', {}, 'This link cannot be read'), `: ${decoded.error}. The playground starts from its default state.`);
    return;
  }
  const { state: s, problems } = validateState(decoded.value, knownValues(versions));
  applyState(s);
  if (problems.length) {
    status.hidden = false;
    status.dataset.state = 'partial';
    replace(
      status,
      h('strong', {}, 'Parts of this link were not used'),
      ' (the defaults stand in for them): ',
      h(
        'ul',
        {},
        problems.map((p) => h('li', {}, renderText(p))),
      ),
    );
  } else {
    status.hidden = true;
    delete status.dataset.state;
    replace(status);
  }
}

function knownValues(versions = api.versions()) {
  return { versions: versions.map((v) => v.version), defaultVersion, packs: api.packs().map((p) => p.name) };
}

function applyState(s) {
  state.version = s.version;
  state.query = s.query;
  state.drafts = s.drafts;
  state.tuning = { ...emptyTuning(), ...s.tuning };
  state.packs = s.packs;
  state.exceptions = toEditable(s.exceptions);
  state.input = s.input;
  state.eventText = s.event ?? JSON.stringify(PRESETS[0].event, null, 2);
  selected = 0;
}

// ------------------------------------------------------------------------------------------
// Start
// ------------------------------------------------------------------------------------------

function presetOptions() {
  const sel = $('#preset');
  const custom = h('option', { value: '' }, '— choose a preset —');
  const teach = h(
    'optgroup',
    { label: 'Presets that teach the rule' },
    PRESETS.map((p) => h('option', { value: `p:${p.id}` }, p.label)),
  );
  const samples = baseRule ? baseRule.samples() : [];
  const sampleGroup = h(
    'optgroup',
    { label: `Samples of version ${state.version}` },
    samples.map((s, i) => h('option', { value: `s:${i}` }, `${s.expect === 'match' ? '✓ match' : '✗ no match'}: ${visibleText(s.why)}`)),
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
  replace($('#preset-why'), renderText(why));
  state.eventText = JSON.stringify(event, null, 2);
  setDoc(eventView, state.eventText);
  eventView.dispatch(setDiagnostics(eventView.state, jsonDiagnostics(eventView)));
  evaluateAndRender();
  scheduleSave();
}

/** Field names for completion: the engine's ECS fields, and the rule's own (which a mapping may add). */
function knownFields() {
  return [...new Set([...api.knownFields(), ...(baseRule?.fields ?? [])])].sort();
}

let fieldList = [];
let ruleFields = []; // the fields of the last query that compiled: first in completion
async function main() {
  api = await init(WASM_URL);
  installStyles(document);
  defaultVersion = api.versions().find((v) => v.default)?.version ?? '102';
  state.version = defaultVersion;

  const restored = await decodeState(location.hash);
  if (restored) applyLink(restored);
  else state.eventText = JSON.stringify(PRESETS[0].event, null, 2);
  replace(
    $('#input-shape'),
    INPUT_SHAPES.map((v) => h('option', { value: v }, { ecs: 'ECS', sysmon: 'Sysmon', auto: 'auto-detect' }[v])),
  );
  $('#input-shape').value = state.input;

  const highlighting = eqlHighlighting((text) => api.queryTokens(text));
  const eqlData = [
    {
      autocomplete: eqlCompletions(
        () => fieldList,
        highlighting.tokens,
        () => ruleFields,
      ),
      commentTokens: { line: '//', block: { open: '/*', close: '*/' } },
    },
  ];
  const hover = clauseHover(() => {
    const v = verdicts[selected];
    if (!rule || !v || v.error || rule.query !== queryView.state.doc.toString()) return null;
    const map = offsetMaps(rule.query);
    return { verdict: v, toPos: map.toPos };
  }, highlighting.tokens);
  fieldList = knownFields();
  queryView = makeEditor(
    $('#query-editor'),
    '',
    [
      highlighting.extension,
      // One language-data object: completion keeps its state only while its source stays the same.
      EditorState.languageData.of(() => eqlData),
      marksField,
      hover,
      EditorView.contentAttributes.of({ 'aria-label': 'EQL query', 'aria-describedby': 'query-keys' }),
    ],
    (text) => {
      // Typing makes the text the query: list edits are part of it from now on.
      state.query = text;
      state.tuning = emptyTuning();
      state.packs = [];
      renderAll({ typed: true });
    },
    '520px',
  );
  eventView = makeEditor(
    $('#event-editor'),
    state.eventText,
    [
      json(),
      EditorView.contentAttributes.of({
        'aria-label': 'Events: one JSON object, a JSON array, or NDJSON',
        'aria-describedby': 'event-keys',
      }),
    ],
    (text) => {
      state.eventText = text;
      $('#preset').value = '';
      replace($('#preset-why'), '');
      eventView.dispatch(setDiagnostics(eventView.state, jsonDiagnostics(eventView)));
      evaluateAndRender();
      scheduleSave();
    },
    '420px',
  );

  // The query text as restored, even when it does not compile.
  if (state.query !== null) setDoc(queryView, state.query);

  $('#version').addEventListener('change', (ev) => chooseVersion(ev.target.value));
  $('#reset-query').addEventListener('click', () => {
    state.query = null;
    state.tuning = emptyTuning();
    state.packs = [];
    replace($('#version-status'), '');
    renderAll();
  });
  $('#input-shape').addEventListener('change', (ev) => {
    state.input = ev.target.value;
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
    state.exceptions.push({
      name: `Exception ${state.exceptions.length + 1}`,
      entries: [{ field: '', operator: 'included', type: 'match', value: '' }],
    });
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
      replace(s, h('strong', {}, 'Cannot import: '), renderText(err.message));
    }
  });
  $('#preset').addEventListener('change', (ev) => loadPreset(ev.target.value));
  $('#suggest').addEventListener('click', suggest);
  $('#copy-link').addEventListener('click', async () => {
    await saveNow();
    const btn = $('#copy-link');
    let said;
    try {
      await navigator.clipboard.writeText(location.href);
      said = linkState.withEvent ? 'Link copied' : 'Link copied, without the event (too big for a link)';
    } catch {
      said = 'The link is in the address bar';
    }
    btn.textContent = said;
    btn.dataset.said = said;
    setTimeout(() => (btn.textContent = 'Copy link to this state'), 2500);
  });
  window.addEventListener('hashchange', async () => {
    if (location.hash.slice(1) === document.body.dataset.saved) return;
    const s = await decodeState(location.hash);
    if (!s) return;
    applyLink(s);
    setDoc(queryView, state.query ?? '');
    setDoc(eventView, state.eventText);
    renderAll();
    renderExceptions();
    presetOptions();
    $('#input-shape').value = state.input;
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
    verdict: () => (verdicts[selected]?.error ? null : (verdicts[selected] ?? null)),
    verdicts: () => verdicts,
    selection: () => queryView.state.sliceDoc(queryView.state.selection.main.from, queryView.state.selection.main.to),
  });
  document.body.dataset.ready = 'true';
}

/** Keeps only the removals that the new version's lists can take. */
function normalizeTuning() {
  const plain = api.compileRule({ version: state.version });
  const l = api.tunableLists(plain.query);
  const has = (list, v) => (list?.entries ?? []).some((e) => e.value === v);
  state.tuning.removeDomains = state.tuning.removeDomains.filter((v) => has(l.domains, v));
  state.tuning.removeExcludedExecutables = state.tuning.removeExcludedExecutables.filter((v) => has(l.executables, v));
  if (!l.executables) state.tuning.addExcludedExecutables = [];
}

const parseLinter = jsonParseLinter();
/**
 * The event editor's syntax errors, marked where they are: JSON's, or, when the text is NDJSON
 * (several lines that are each JSON), the lines that are not.
 */
function jsonDiagnostics(view) {
  const text = view.state.doc.toString();
  const parsed = parseEvents(text);
  if (parsed.format !== 'NDJSON') return parseLinter(view);
  return parsed.events
    .filter((e) => e.error)
    .map((e) => {
      const line = view.state.doc.line(e.line);
      return { from: line.from, to: line.to, severity: 'error', message: e.error };
    });
}

main().catch((err) => {
  const p = $('#loading');
  p.hidden = false;
  p.className = 'loading error';
  replace(p, `The engine could not start: ${err.message}`);
  console.error(err);
});

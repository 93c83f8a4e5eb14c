// The log-viewer demo: a host viewer (a virtualised table of events from a local file) with the
// package's viewer plugin flagging the rows the rule alerts on. The host renders its rows as it
// always does; the plugin only adds a badge to matching rows and shows the reasons on click.
//
// The file is read and evaluated in a Web Worker, which posts the rows as it goes (their byte
// ranges, flags and column text): the first rows show while the rest is read. The page keeps
// no copy of the file: a row's JSON is read back from the file (a Blob slice) when shown.
import { init } from '../../js/browser.mjs';
import { createViewerPlugin, hasInvisible, renderText, visibleText } from '../../js/viewer.mjs';
import { generateEvents, toNdjson } from './generate.mjs';
import { appliedExceptions, decodeState, validateState, TUNING_KEYS } from './state.mjs';
import { h, replace, $ } from './dom.mjs';

const WASM_URL = new URL('./external_ip_lookup_rule_bg.wasm', import.meta.url);
const WORKER_URL = new URL('./worker.js', import.meta.url);
const OVERSCAN = 8;

// The pages require Trusted Types for script sinks: `new Worker(url)` takes only a URL that a
// named policy made, and this one makes only the worker bundle's own URL.
const workerPolicy = globalThis.trustedTypes?.createPolicy('eil-worker', {
  createScriptURL(url) {
    if (url !== WORKER_URL.href) throw new TypeError(`eil-worker: not the viewer's worker: ${url}`);
    return url;
  },
});
const workerScriptUrl = () => (workerPolicy ? workerPolicy.createScriptURL(WORKER_URL.href) : WORKER_URL);

/** The table's columns: the line number, then fields (the worker extracts their text). */
const COLUMNS = [
  { key: '#', label: '#', cls: 'col-n' },
  { key: '@timestamp', label: '@timestamp', cls: 'col-ts' },
  { key: 'host.name', label: 'host.name', cls: 'col-host' },
  { key: 'user.name', label: 'user.name', cls: 'col-user' },
  { key: 'event.action', label: 'event.action', cls: 'col-act' },
  { key: 'process.executable', label: 'process.executable', cls: 'col-proc' },
  { key: 'dns.question.name', label: 'dns.question.name', cls: 'col-dns' },
];
const FIELDS = COLUMNS.slice(1).map((c) => c.key);

let api;
let plugin;
let data = null; // the rows so far: see newData()
let view = new Uint32Array(0); // the rows shown, in order (a filter, search and sort of 0..n)
let viewLength = 0;
let rowHeight = 0; // measured once per layout
let headHeight = 0;
let worker = null;
let requestId = 0;
let lastFile = null; // { name, file }: rescanned when the rule changes
let linkRule = null; // compile options from a playground link, or null
let sort = { column: -1, dir: 1 };
let search = '';
let activeRow = -1; // index into view of the row with keyboard focus
let pluginInput = 'ecs'; // how the plugin's rule reads records

/** A plugin for the rule of `options` (compile options). */
async function setPlugin(options) {
  plugin?.closePanel();
  const id = requestId;
  const next = await createViewerPlugin({ api, compileOptions: options });
  if (id !== requestId) return;
  plugin = next;
  pluginInput = options.input ?? 'ecs';
}

function newData(name) {
  const cap = 4096;
  return {
    name,
    n: 0,
    starts: new Float64Array(cap),
    ends: new Float64Array(cap),
    lines: new Uint32Array(cap),
    flags: new Uint8Array(cap),
    cols: FIELDS.map(() => []),
    errors: new Map(),
    counts: { events: 0, alerts: 0, rejected: 0 },
    source: null, // the Blob the byte ranges point into (the file, or the worker's NDJSON)
    file: null,
    done: false,
    format: '',
    shape: '',
    shapeLabel: '',
    ms: 0,
    bytesDone: 0,
    bytesTotal: 0,
  };
}

function grow(arr, need) {
  if (need <= arr.length) return arr;
  let cap = Math.max(arr.length, 1024);
  while (cap < need) cap *= 2;
  const out = new arr.constructor(cap);
  out.set(arr);
  return out;
}

/** The event of a row, read back from the file (bytes are never kept in the page). */
async function eventAt(row) {
  const source = data.source ?? data.file;
  const text = await source.slice(data.starts[row], data.ends[row]).text();
  return JSON.parse(text);
}

// ------------------------------------------------------------------------------------------
// The view: filter, search, sort
// ------------------------------------------------------------------------------------------

function searchRegExp() {
  return search ? new RegExp(search.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i') : null;
}

/** Whether row `r` belongs in the view. */
function makeTest() {
  const only = $('#only-alerts').checked;
  const re = searchRegExp();
  const cols = data.cols;
  return (r) => {
    if (only && data.flags[r] !== 1) return false;
    if (!re) return true;
    if (re.test(String(data.lines[r]))) return true;
    for (let c = 0; c < cols.length; c++) if (re.test(cols[c][r])) return true;
    return re.test(data.errors.get(r) ?? '');
  };
}

function compareRows(a, b) {
  const { column, dir } = sort;
  if (column === 0) return (data.lines[a] - data.lines[b]) * dir;
  const x = data.cols[column - 1][a];
  const y = data.cols[column - 1][b];
  return (x < y ? -1 : x > y ? 1 : a - b) * dir;
}

/** Rebuilds the view from every row. */
function rebuildView() {
  if (!data) {
    view = new Uint32Array(0);
    viewLength = 0;
    return;
  }
  const test = makeTest();
  const out = new Uint32Array(data.n);
  let k = 0;
  for (let r = 0; r < data.n; r++) if (test(r)) out[k++] = r;
  view = out;
  viewLength = k;
  if (sort.column >= 0) {
    const sorted = view.subarray(0, k).sort(compareRows);
    view.set(sorted);
  }
}

/** Adds the rows `from..to` of a batch to the view (in file order: sorting waits for the end). */
function extendView(from, to) {
  const test = makeTest();
  view = grow(view, viewLength + (to - from));
  for (let r = from; r < to; r++) if (test(r)) view[viewLength++] = r;
}

function applyView({ keepScroll = false } = {}) {
  rebuildView();
  activeRow = -1;
  if (!keepScroll) $('#log').scrollTop = 0;
  plugin.closePanel();
  renderCounts();
  renderHeader();
  renderRows(true);
}

// ------------------------------------------------------------------------------------------
// The table: a fixed pool of row elements, rewritten in place as the view scrolls
// ------------------------------------------------------------------------------------------

// Rows are absolutely placed in a box as tall as all of them (`contain: strict` each): a row that
// stays in view is not touched while scrolling, and a row that enters is laid out alone.
const pool = []; // row elements, each showing view index `row._at` (-1: none)
let rendered = { first: 0, last: 0 };

function buildTable() {
  renderHeader();
}

function renderHeader() {
  replace(
    $('#log-head'),
    COLUMNS.map((c, i) =>
      h(
        'div',
        {
          role: 'columnheader',
          class: `cell ${c.cls}`,
          'aria-sort': sort.column === i ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none',
        },
        h(
          'button',
          {
            type: 'button',
            class: 'sort',
            dataset: { column: String(i) },
            title: `Sort by ${c.label}`,
            onClick: () => {
              sort = sort.column === i ? { column: i, dir: -sort.dir } : { column: i, dir: 1 };
              applyView();
              $(`#log-head button[data-column="${i}"]`).focus();
            },
          },
          c.label,
          sort.column === i ? (sort.dir > 0 ? ' ▲' : ' ▼') : '',
        ),
      ),
    ),
  );
}

function makeRow() {
  const row = document.createElement('div');
  row.className = 'log-row';
  row.setAttribute('role', 'row');
  row.tabIndex = -1;
  for (const c of COLUMNS) {
    const cell = document.createElement('div');
    cell.setAttribute('role', 'cell');
    cell.className = `cell ${c.cls}`;
    row.append(cell);
  }
  row._at = -1;
  return row;
}

function setCell(cell, text) {
  if (hasInvisible(text)) {
    cell.replaceChildren(renderText(text));
    cell.title = visibleText(text);
  } else {
    cell.textContent = text;
    cell.title = text;
  }
}

/** Writes view index `at` into a pooled row: place, text, classes, the plugin's badge. */
function fillRow(row, at) {
  row._at = at;
  row.style.transform = `translateY(${at * rowHeight}px)`;
  const r = view[at];
  row.dataset.rowIndex = String(r);
  row.dataset.line = String(data.lines[r]);
  row.setAttribute('aria-rowindex', String(at + 2));
  const cells = row.children;
  cells[0].textContent = String(data.lines[r]);
  const flag = data.flags[r];
  row.classList.toggle('rejected', flag === 2);
  row.classList.toggle('active', at === activeRow);
  if (flag === 2) {
    setCell(cells[1], `not an event: ${data.errors.get(r) ?? 'unreadable line'}`);
    for (let c = 2; c < cells.length; c++) cells[c].textContent = '';
    plugin.clearRow(row);
    return;
  }
  for (let c = 1; c < cells.length; c++) setCell(cells[c], data.cols[c - 1][r]);
  // The plugin: a badge on the rows the worker found alerts (no second evaluation here; the
  // event is read from the file only when the badge is clicked).
  plugin.decorateRow(row, () => eventAt(r), { matched: flag === 1, label: `line ${data.lines[r]}` });
}

/** The row height and the header's, as laid out (once per layout: on load and resize). */
function measure() {
  const body = $('#log-body');
  const probe = makeRow();
  probe.style.visibility = 'hidden';
  probe.children[0].textContent = '0';
  body.append(probe);
  rowHeight = probe.getBoundingClientRect().height || 26;
  probe.remove();
  headHeight = $('#log-head').getBoundingClientRect().height || 28;
}

let frame = 0;
let relayout = false; // the row height changed: every row moves
function scheduleRender() {
  if (!frame) frame = requestAnimationFrame(() => renderRows(false));
}

/**
 * Shows the rows in view. Only rows entering the window are written; rows that stay keep their
 * nodes and place, and nothing is measured here, so a frame of scrolling costs a few row writes.
 */
function renderRows(all) {
  if (frame) cancelAnimationFrame(frame);
  frame = 0;
  if (!rowHeight) measure();
  if (relayout) all = true;
  relayout = false;
  const box = $('#log');
  const body = $('#log-body');
  const focused = box.contains(document.activeElement) && document.activeElement !== box ? document.activeElement : null;
  const focusOnBadge = focused?.classList.contains('eil-badge') ?? false;
  const n = data ? viewLength : 0;
  const top = Math.max(0, box.scrollTop - headHeight);
  const first = Math.min(n, Math.max(0, Math.floor(top / rowHeight) - OVERSCAN));
  const last = Math.min(n, Math.ceil((top + box.clientHeight) / rowHeight) + OVERSCAN);
  const height = `${n * rowHeight}px`;
  if (body.style.height !== height) body.style.height = height;
  while (pool.length < last - first) pool.push(makeRow());
  const kept = new Set();
  if (!all) for (const row of pool) if (row._at >= first && row._at < last && row.isConnected) kept.add(row._at);
  const byAt = new Map();
  const free = [];
  for (const row of pool) kept.has(row._at) ? byAt.set(row._at, row) : free.push(row);
  for (let at = first; at < last; at++) {
    if (byAt.has(at)) continue;
    const row = free.pop();
    fillRow(row, at);
    byAt.set(at, row);
  }
  for (const row of free) {
    if (row.isConnected) row.remove();
    row._at = -1;
  }
  // The DOM order is the visual order (for Tab and screen readers): move only rows out of place.
  let prev = null;
  for (let at = first; at < last; at++) {
    const row = byAt.get(at);
    const want = prev ? prev.nextSibling : body.firstChild;
    if (want !== row) body.insertBefore(row, want);
    prev = row;
  }
  rendered = { first, last };
  box.dataset.first = String(first);
  box.dataset.last = String(last);
  // Keyboard focus stays on its row while the row is shown, and never falls to the page.
  if (focused && !focused.isConnected) box.focus({ preventScroll: true });
  if (focused && activeRow >= first && activeRow < last) {
    const row = byAt.get(activeRow);
    const target = focusOnBadge ? (row.querySelector('.eil-badge') ?? row) : row;
    if (document.activeElement !== target) target.focus({ preventScroll: true });
  }
}

function setActive(at, { focusBadge = false } = {}) {
  if (!data || !viewLength) return;
  activeRow = Math.max(0, Math.min(viewLength - 1, at));
  const box = $('#log');
  const rowTop = headHeight + activeRow * rowHeight;
  if (rowTop < box.scrollTop + headHeight) box.scrollTop = rowTop - headHeight;
  else if (rowTop + rowHeight > box.scrollTop + box.clientHeight) box.scrollTop = rowTop + rowHeight - box.clientHeight;
  renderRows(false);
  for (const tr of pool) tr.classList.toggle('active', tr._at === activeRow);
  const tr = pool.find((x) => x._at === activeRow && x.isConnected);
  if (tr) (focusBadge ? (tr.querySelector('.eil-badge') ?? tr) : tr).focus({ preventScroll: true });
}

function onTableKey(ev) {
  if (!data || !viewLength) return;
  const onBadge = ev.target.classList?.contains('eil-badge') ?? false;
  const page = Math.max(1, Math.floor(($('#log').clientHeight - headHeight) / rowHeight) - 1);
  const current = activeRow < 0 ? rendered.first + (rendered.first ? OVERSCAN : 0) - 1 : activeRow;
  const moves = {
    ArrowDown: current + 1,
    ArrowUp: current - 1,
    PageDown: current + page,
    PageUp: current - page,
    Home: 0,
    End: viewLength - 1,
  };
  if (ev.key in moves) {
    ev.preventDefault();
    setActive(moves[ev.key], { focusBadge: onBadge });
  } else if (ev.key === 'Enter' && !onBadge && ev.target.classList.contains('log-row')) {
    ev.preventDefault();
    const badge = ev.target.querySelector('.eil-badge');
    if (badge) badge.click();
    else showRaw(Number(ev.target.dataset.rowIndex));
  }
}

// ------------------------------------------------------------------------------------------
// A row's JSON
// ------------------------------------------------------------------------------------------

let rawFor = -1;
async function showRaw(row) {
  const box = $('#raw');
  rawFor = row;
  replace($('#raw-title'), `Line ${data.lines[row]}: the event as JSON`);
  box.dataset.line = String(data.lines[row]);
  let text;
  try {
    const source = data.source ?? data.file;
    const raw = await source.slice(data.starts[row], data.ends[row]).text();
    try {
      text = JSON.stringify(JSON.parse(raw), null, 2);
    } catch {
      text = raw;
    }
  } catch (err) {
    text = `This row cannot be read: ${err.message}`;
  }
  if (rawFor !== row) return;
  replace($('#raw-json'), renderText(text, document, { multiline: true }));
  box.hidden = false;
  box.focus({ preventScroll: true });
  box.scrollIntoView({ block: 'nearest' });
}

function closeRaw() {
  const box = $('#raw');
  if (box.hidden) return;
  box.hidden = true;
  rawFor = -1;
  const tr = pool.find((x) => x._at === activeRow && x.isConnected);
  (tr ?? $('#log')).focus({ preventScroll: true });
}

// ------------------------------------------------------------------------------------------
// Counts, export
// ------------------------------------------------------------------------------------------

let countsFrame = 0;
function scheduleCounts() {
  if (!countsFrame) countsFrame = requestAnimationFrame(() => ((countsFrame = 0), renderCounts()));
}

function renderCounts() {
  const c = $('#counts');
  if (!data) return;
  c.dataset.events = String(data.counts.events);
  c.dataset.alerts = String(data.counts.alerts);
  c.dataset.rejected = String(data.counts.rejected);
  c.dataset.shown = String(viewLength);
  const status = data.done
    ? `evaluated in ${data.ms} ms (Web Worker)`
    : `evaluating: ${Math.round((100 * data.bytesDone) / Math.max(1, data.bytesTotal))}% read`;
  replace(
    c,
    h('span', {}, h('b', {}, data.counts.events.toLocaleString('en')), ' events'),
    h('span', {}, h('b', {}, data.counts.alerts.toLocaleString('en')), ' alerts'),
    h('span', {}, h('b', {}, data.counts.rejected.toLocaleString('en')), ' not events'),
    h('span', { class: 'muted', id: 'shape', 'data-shape': data.shape }, data.shapeLabel),
    h('span', { class: 'muted' }, renderText(data.name), ` · ${data.format} · ${status} · showing ${viewLength.toLocaleString('en')} rows`),
  );
  const alerts = data.counts.alerts;
  for (const id of ['#export-ndjson', '#export-csv']) $(id).disabled = !data.done || alerts === 0;
}

/** The alert rows of the view, in view order (search and sort applied, "only alerts" or not). */
function alertRows() {
  const out = [];
  for (let i = 0; i < viewLength; i++) if (data.flags[view[i]] === 1) out.push(view[i]);
  return out;
}

/** A CSV field: quoted when needed; a leading = + - @ (a spreadsheet formula) is defused. */
function csvField(text) {
  let v = String(text);
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function exportAlerts(kind) {
  const rows = alertRows();
  const base = data.name.replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '_') || 'events';
  if (kind === 'ndjson') {
    // Slices of the file itself: the events exactly as they were, no copy in the page.
    const source = data.source ?? data.file;
    const parts = [];
    for (const r of rows) parts.push(source.slice(data.starts[r], data.ends[r]), '\n');
    download(new Blob(parts, { type: 'application/x-ndjson' }), `${base}-alerts.ndjson`);
  } else {
    const lines = [['line', ...FIELDS].join(',')]; // our own names: nothing to defuse
    for (const r of rows) lines.push([String(data.lines[r]), ...data.cols.map((col) => col[r])].map(csvField).join(','));
    download(new Blob([`${lines.join('\r\n')}\r\n`], { type: 'text/csv' }), `${base}-alerts.csv`);
  }
  $('#counts').dataset.exported = String(rows.length);
}

// ------------------------------------------------------------------------------------------
// The rule: a version, or a playground link
// ------------------------------------------------------------------------------------------

function compileOptions() {
  return linkRule ?? { version: $('#version').value };
}

async function useLink(text) {
  const status = $('#rule-status');
  let hash = text.trim();
  const at = hash.indexOf('#');
  if (at >= 0) hash = hash.slice(at);
  const decoded = await decodeState(hash);
  if (!decoded || decoded.error) {
    status.className = 'status small error';
    replace(status, `Not a playground link${decoded?.error ? `: ${decoded.error}` : ' (it has no #s= state)'}. The rule is unchanged.`);
    return false;
  }
  const versions = api.versions();
  const { state, problems } = validateState(decoded.value, {
    versions: versions.map((v) => v.version),
    defaultVersion: versions.find((v) => v.default)?.version ?? '102',
    packs: api.packs().map((p) => p.name),
  });
  const options = { version: state.version };
  if (state.query !== null) options.query = state.query;
  for (const k of TUNING_KEYS) if (state.tuning[k].length) options[k] = state.tuning[k];
  if (state.packs.length) options.packs = state.packs;
  const exceptions = appliedExceptions(state.exceptions);
  if (exceptions.length) options.exceptions = exceptions;
  try {
    const rule = api.compileRule(options);
    linkRule = options;
    await setPlugin(options);
    $('#version').value = state.version;
    $('#version').disabled = true;
    if (state.input !== 'ecs') $('#input-shape').value = state.input;
    $('#rule-reset').hidden = false;
    const edits = TUNING_KEYS.reduce((a, k) => a + state.tuning[k].length, 0) + state.packs.length;
    status.className = 'status small ok';
    status.dataset.rule = 'link';
    replace(
      status,
      `Rule from the playground link: version ${state.version}, ${state.query !== null ? 'an edited query' : 'the published query'}`,
      edits ? `, ${edits} list edit(s)` : '',
      `, ${exceptions.length} exception item(s)`,
      problems.length ? ` (${problems.length} part(s) of the link ignored: ${problems.join('; ')})` : '',
      `. ${rule.fields.length} fields read.`,
    );
    if (lastFile) load(lastFile.name, lastFile.file);
    return true;
  } catch (err) {
    status.className = 'status small error';
    replace(status, 'The rule in this link does not compile: ', renderText(err.message), '. The rule is unchanged.');
    return false;
  }
}

async function resetRule() {
  linkRule = null;
  $('#version').disabled = false;
  $('#rule-reset').hidden = true;
  delete $('#rule-status').dataset.rule;
  replace($('#rule-status'), '');
  await setPlugin(compileOptions());
  if (lastFile) load(lastFile.name, lastFile.file);
}

// ------------------------------------------------------------------------------------------
// Loading: file picker, drag and drop, generated data; evaluation in the worker.
// ------------------------------------------------------------------------------------------

function clearRows(name) {
  data = name === null ? null : newData(name);
  view = new Uint32Array(0);
  viewLength = 0;
  activeRow = -1;
  plugin.closePanel();
  closeRaw();
  $('#log').scrollTop = 0;
  renderRows(true);
}

// A worker is started (and has instantiated the engine from the page's compiled module) before
// a file is chosen, so the scan starts at once; each scan's worker ends with it.
let wasmModule;
let spare = null;
function startWorker() {
  const w = new Worker(workerScriptUrl(), { type: 'module', name: 'rule-scan' });
  w.postMessage({ type: 'init', wasm: wasmModule });
  return w;
}

function load(name, file) {
  lastFile = { name, file };
  if (worker) worker.terminate(); // a newer file wins
  worker = spare ?? startWorker();
  spare = null;
  const id = ++requestId;
  performance.mark('eil-load');
  const progress = $('#progress');
  progress.hidden = false;
  progress.value = 0;
  document.body.dataset.state = 'scanning';
  delete document.body.dataset.firstRows;
  // The previous file's rows go at once: nothing stale stays on screen.
  clearRows(name);
  data.file = file;
  replace($('#counts'), h('span', { class: 'muted' }, 'Reading ', renderText(name), '…'));
  worker.onmessage = (ev) => {
    const m = ev.data;
    if (m.id !== id || id !== requestId) return;
    if (m.type === 'start') {
      Object.assign(data, { format: m.format, shape: m.shape, shapeLabel: m.shapeLabel });
      // Reasons on click must read the records as the worker did (Sysmon shapes through the adapter).
      if ((m.compileOptions.input ?? 'ecs') !== pluginInput) setPlugin(m.compileOptions);
    } else if (m.type === 'rows') onRows(m);
    else if (m.type === 'done') {
      // The worker's heap and WebAssembly memory go with it: the rows need neither.
      worker.terminate();
      worker = null;
      spare ??= startWorker();
      data.done = true;
      data.source = m.source;
      data.counts = m.counts;
      data.ms = m.ms;
      progress.value = progress.max;
      progress.hidden = true;
      if (sort.column >= 0) applyView({ keepScroll: true });
      renderCounts();
      document.body.dataset.state = 'ready';
      performance.mark('eil-done');
    } else if (m.type === 'error') fail(name, m.message);
  };
  worker.onerror = (ev) => fail(name, ev.message || 'the worker failed');
  worker.postMessage({ type: 'scan', id, file, compileOptions: compileOptions(), input: $('#input-shape').value, columns: FIELDS });
}

function onRows(m) {
  const n = m.flags.length;
  const to = m.from + n;
  data.starts = grow(data.starts, to);
  data.ends = grow(data.ends, to);
  data.lines = grow(data.lines, to);
  data.flags = grow(data.flags, to);
  data.starts.set(m.starts, m.from);
  data.ends.set(m.ends, m.from);
  data.lines.set(m.lines, m.from);
  data.flags.set(m.flags, m.from);
  for (let c = 0; c < FIELDS.length; c++) {
    const col = data.cols[c];
    const add = m.cols[c];
    for (let i = 0; i < n; i++) col.push(add[i]);
  }
  for (const e of m.errors) data.errors.set(e.row, e.message);
  data.n = to;
  let alerts = 0;
  for (let i = 0; i < n; i++) if (m.flags[i] === 1) alerts++;
  data.counts = { events: to, alerts: data.counts.alerts + alerts, rejected: data.counts.rejected + m.errors.length };
  data.bytesDone = m.done;
  data.bytesTotal = m.total;
  const progress = $('#progress');
  progress.max = Math.max(1, m.total);
  progress.value = m.done;
  extendView(m.from, to);
  // Rows in view change only while the view is short; below it, only the scroll height grows.
  if (viewLength <= rendered.last + OVERSCAN || rendered.last - rendered.first < 2 * OVERSCAN) scheduleRender();
  else $('#log-body').style.height = `${viewLength * rowHeight}px`;
  scheduleCounts();
  if (!document.body.dataset.firstRows && viewLength > 0) {
    requestAnimationFrame(() => {
      if (document.body.dataset.firstRows) return;
      performance.mark('eil-first-rows');
      document.body.dataset.firstRows = String(Math.round(performance.measure('eil-first', 'eil-load', 'eil-first-rows').duration));
    });
  }
}

function fail(name, message) {
  if (worker) worker.terminate();
  worker = null;
  $('#progress').hidden = true;
  // A bad file leaves no rows of the previous one (nor of its own first chunks).
  clearRows(null);
  document.body.dataset.state = 'error';
  for (const id of ['#export-ndjson', '#export-csv']) $(id).disabled = true;
  const c = $('#counts');
  for (const k of ['events', 'alerts', 'rejected', 'shown']) delete c.dataset[k];
  replace(c, h('span', { class: 'status error' }, 'Cannot read ', renderText(name), `: ${message}`));
}

async function main() {
  wasmModule = await WebAssembly.compileStreaming(fetch(WASM_URL));
  api = await init(wasmModule);
  await setPlugin({});
  spare = startWorker();
  replace(
    $('#version'),
    api.versions().map((v) => h('option', { value: v.version, selected: v.default }, `${v.version}${v.default ? ' (default)' : ''}`)),
  );
  buildTable();

  const input = $('#file');
  $('#open-file').addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const file = input.files[0];
    if (file) load(file.name, file);
    input.value = '';
  });
  const drop = $('#drop');
  const root = document.documentElement;
  root.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    drop.classList.add('over');
  });
  root.addEventListener('dragleave', (ev) => {
    if (ev.target === root || ev.relatedTarget === null) drop.classList.remove('over');
  });
  root.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    const file = ev.dataTransfer?.files?.[0];
    if (file) load(file.name, file);
  });
  $('#generate').addEventListener('click', () => {
    const n = Number($('#gen-count').value);
    const text = toNdjson(generateEvents(n, 42, { hostileEvery: 997 }));
    load(`generated-${n}.ndjson`, new Blob([text], { type: 'application/x-ndjson' }));
  });
  $('#version').addEventListener('change', async () => {
    await setPlugin(compileOptions());
    if (lastFile) load(lastFile.name, lastFile.file);
  });
  $('#input-shape').addEventListener('change', () => lastFile && load(lastFile.name, lastFile.file));
  $('#link-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    useLink($('#rule-link').value);
  });
  $('#rule-reset').addEventListener('click', resetRule);
  $('#only-alerts').addEventListener('change', () => data && applyView());
  let searchTimer = 0;
  $('#search').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      search = $('#search').value.trim();
      if (data) applyView();
    }, 120);
  });
  $('#export-ndjson').addEventListener('click', () => exportAlerts('ndjson'));
  $('#export-csv').addEventListener('click', () => exportAlerts('csv'));
  const log = $('#log');
  log.addEventListener('scroll', scheduleRender, { passive: true });
  log.addEventListener('keydown', onTableKey);
  log.addEventListener('click', (ev) => {
    const row = ev.target.closest('.log-row[data-row-index]');
    if (!row || ev.target.closest('.eil-badge')) return;
    activeRow = row._at;
    for (const x of pool) x.classList.toggle('active', x._at === activeRow);
    showRaw(Number(row.dataset.rowIndex));
  });
  $('#raw-close').addEventListener('click', closeRaw);
  $('#raw').addEventListener('keydown', (ev) => ev.key === 'Escape' && closeRaw());
  window.addEventListener('resize', () => {
    rowHeight = 0;
    relayout = true;
    scheduleRender();
  });
  // A rule handed over from the playground: viewer.html#s=...
  if (location.hash.startsWith('#s=')) await useLink(location.hash);
  document.body.dataset.ready = 'true';
}

main().catch((err) => {
  replace($('#counts'), h('span', { class: 'status error' }, `The engine could not start: ${err.message}`));
  console.error(err);
});

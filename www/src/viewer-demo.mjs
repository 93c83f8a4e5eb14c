// The log-viewer demo: a host viewer (a virtualised table of events from a local file) with the
// package's viewer plugin flagging the rows the rule alerts on. The host renders its rows as it
// always does; the plugin only adds a badge to matching rows and shows the reasons on click.
// The file is evaluated in a Web Worker; the page parses only the rows on screen.
import { init } from '../../js/browser.mjs';
import { createViewerPlugin } from '../../js/viewer.mjs';
import { generateEvents, toNdjson } from './generate.mjs';
import { h, replace, $ } from './dom.mjs';

const WASM_URL = new URL('./external_ip_lookup_rule_bg.wasm', import.meta.url);
const WORKER_URL = new URL('./worker.js', import.meta.url);
const OVERSCAN = 12;

// The pages require Trusted Types for script sinks: `new Worker(url)` takes only a URL that a
// named policy made, and this one makes only the worker bundle's own URL.
const workerPolicy = globalThis.trustedTypes?.createPolicy('eil-worker', {
  createScriptURL(url) {
    if (url !== WORKER_URL.href) throw new TypeError(`eil-worker: not the viewer's worker: ${url}`);
    return url;
  },
});
const workerScriptUrl = () => (workerPolicy ? workerPolicy.createScriptURL(WORKER_URL.href) : WORKER_URL);

const COLUMNS = [
  { key: '#', label: '#', cls: 'col-n' },
  { key: '@timestamp', label: '@timestamp', cls: 'col-ts' },
  { key: 'host.name', label: 'host.name', cls: 'col-host' },
  { key: 'user.name', label: 'user.name', cls: 'col-user' },
  { key: 'event.action', label: 'event.action', cls: 'col-act' },
  { key: 'process.executable', label: 'process.executable', cls: 'col-proc' },
  { key: 'dns.question.name', label: 'dns.question.name', cls: 'col-dns' },
];

let api;
let plugin;
let data = null; // { bytes, starts, ends, lines, flags, errors(Map row->message), counts, format, ms, name }
let view = null; // Uint32Array of the row indices shown (all, or only alerts)
let rowHeight = 27;
let worker = null;
let requestId = 0;
let lastFile = null;
const decoder = new TextDecoder();
const cache = new Map();

// ------------------------------------------------------------------------------------------
// The host viewer: reading fields and rendering rows (text only).
// ------------------------------------------------------------------------------------------

/** A field of an ECS event, nested or with dotted keys, arrays flattened. */
function field(obj, path) {
  const parts = path.split('.');
  const out = [];
  const walk = (o, i) => {
    if (o === null || o === undefined) return;
    if (Array.isArray(o)) return o.forEach((x) => walk(x, i));
    if (i === parts.length) return out.push(o);
    if (typeof o !== 'object') return;
    for (let k = parts.length; k > i; k--) {
      const key = parts.slice(i, k).join('.');
      if (Object.prototype.hasOwnProperty.call(o, key)) walk(o[key], k);
    }
  };
  walk(obj, 0);
  return out.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ');
}

function eventAt(row) {
  if (cache.has(row)) return cache.get(row);
  let ev;
  try {
    ev = JSON.parse(decoder.decode(data.bytes.subarray(data.starts[row], data.ends[row])));
  } catch {
    ev = null;
  }
  if (cache.size > 4000) cache.clear();
  cache.set(row, ev);
  return ev;
}

/** The host's row renderer: knows nothing of the rule. */
function renderRow(event, row) {
  const tr = document.createElement('tr');
  tr.dataset.rowIndex = String(row);
  tr.dataset.line = String(data.lines[row]);
  const lineCell = h('td', { class: 'num' }, String(data.lines[row]));
  tr.append(lineCell);
  if (data.flags[row] === 2 || event === null || typeof event !== 'object' || Array.isArray(event)) {
    tr.className = 'rejected';
    tr.append(h('td', { colspan: COLUMNS.length - 1 }, `not an event: ${data.errors.get(row) ?? 'unreadable line'}`));
    return tr;
  }
  for (const c of COLUMNS.slice(1)) {
    const text = field(event, c.key);
    tr.append(h('td', { title: text }, text));
  }
  return tr;
}

// ------------------------------------------------------------------------------------------
// Virtualised table
// ------------------------------------------------------------------------------------------

function buildHeader() {
  replace($('#log-cols'), COLUMNS.map((c) => h('col', { class: c.cls })));
  replace($('#log-thead'), h('tr', {}, COLUMNS.map((c) => h('th', { scope: 'col' }, c.label))));
}

function pad(height) {
  const td = h('td', { colspan: COLUMNS.length });
  td.style.height = `${height}px`;
  return h('tr', { class: 'pad', 'aria-hidden': 'true' }, td);
}

let frame = 0;
function scheduleRender() {
  if (!frame) frame = requestAnimationFrame(renderVisible);
}

function renderVisible() {
  frame = 0;
  const body = $('#log-body');
  if (!data || !view) {
    replace(body);
    return;
  }
  const box = $('#log');
  const n = view.length;
  const headH = $('#log-thead').getBoundingClientRect().height || 28;
  const top = Math.max(0, box.scrollTop - headH);
  const first = Math.max(0, Math.floor(top / rowHeight) - OVERSCAN);
  const last = Math.min(n, Math.ceil((top + box.clientHeight) / rowHeight) + OVERSCAN);
  const rows = [];
  for (let i = first; i < last; i++) {
    const row = view[i];
    const event = eventAt(row);
    const tr = renderRow(event, row);
    // The plugin: a badge on the rows the worker found alerts (no second evaluation).
    if (data.flags[row] !== 2) plugin.decorateRow(tr, event, { matched: data.flags[row] === 1 });
    rows.push(tr);
  }
  replace(body, pad(first * rowHeight), rows, pad((n - last) * rowHeight));
  // Row height as rendered (fonts differ): correct it once.
  if (rows.length) {
    const measured = rows[0].getBoundingClientRect().height;
    if (measured > 0 && Math.abs(measured - rowHeight) > 0.5) {
      rowHeight = measured;
      scheduleRender();
    }
  }
  $('#log').dataset.first = String(first);
  $('#log').dataset.last = String(last);
}

function applyFilter() {
  if (!data) return;
  const only = $('#only-alerts').checked;
  if (only) {
    const idx = [];
    for (let i = 0; i < data.flags.length; i++) if (data.flags[i] === 1) idx.push(i);
    view = Uint32Array.from(idx);
  } else {
    view = new Uint32Array(data.flags.length);
    for (let i = 0; i < view.length; i++) view[i] = i;
  }
  $('#log').scrollTop = 0;
  plugin.closePanel();
  renderCounts();
  scheduleRender();
}

function renderCounts() {
  const c = $('#counts');
  if (!data) return replace(c);
  c.dataset.events = String(data.counts.events);
  c.dataset.alerts = String(data.counts.alerts);
  c.dataset.rejected = String(data.counts.rejected);
  c.dataset.shown = String(view?.length ?? 0);
  replace(
    c,
    h('span', {}, h('b', {}, data.counts.events.toLocaleString('en')), ' events'),
    h('span', {}, h('b', {}, data.counts.alerts.toLocaleString('en')), ' alerts'),
    h('span', {}, h('b', {}, data.counts.rejected.toLocaleString('en')), ' not events'),
    h('span', { class: 'muted', id: 'shape', 'data-shape': data.shape }, data.shapeLabel),
    h('span', { class: 'muted' }, `${data.name} · ${data.format} · evaluated in ${data.ms} ms (Web Worker) · showing ${(view?.length ?? 0).toLocaleString('en')} rows`),
  );
}

// ------------------------------------------------------------------------------------------
// Loading: file picker, drag and drop, generated data; evaluation in the worker.
// ------------------------------------------------------------------------------------------

function compileOptions() {
  return { version: $('#version').value };
}

async function load(name, buffer) {
  lastFile = { name, buffer: buffer.slice(0) };
  if (worker) worker.terminate(); // a newer file wins
  worker = new Worker(workerScriptUrl(), { type: 'module', name: 'rule-scan' });
  const id = ++requestId;
  const progress = $('#progress');
  progress.hidden = false;
  progress.value = 0;
  document.body.dataset.state = 'scanning';
  replace($('#counts'), h('span', { class: 'muted' }, `Reading ${name}…`));
  const done = new Promise((resolve, reject) => {
    worker.onmessage = (ev) => {
      const m = ev.data;
      if (m.id !== id) return;
      if (m.type === 'progress') {
        progress.max = Math.max(1, m.total);
        progress.value = m.done;
        replace($('#counts'), h('span', { class: 'muted' }, `Evaluating ${name}: ${m.done.toLocaleString('en')} of ${m.total.toLocaleString('en')} events…`));
      } else if (m.type === 'done') resolve(m);
      else if (m.type === 'error') reject(new Error(m.message));
    };
    worker.onerror = (ev) => reject(new Error(ev.message || 'the worker failed'));
  });
  worker.postMessage({ type: 'scan', id, buffer, compileOptions: compileOptions(), wasmUrl: WASM_URL.href }, [buffer]);
  try {
    const m = await done;
    if (id !== requestId) return;
    cache.clear();
    data = {
      name,
      bytes: new Uint8Array(m.buffer),
      starts: m.starts,
      ends: m.ends,
      lines: m.lines,
      flags: m.flags,
      errors: new Map(m.errors.map((e) => [e.row, e.message])),
      counts: m.counts,
      format: m.format,
      shape: m.shape,
      shapeLabel: m.shapeLabel,
      ms: m.ms,
    };
    // Reasons on click must read the records as the worker did (Sysmon shapes through the adapter).
    if (m.shape !== 'ecs' || plugin.sysmon) {
      plugin.closePanel();
      plugin = await createViewerPlugin({ api, compileOptions: m.compileOptions });
      plugin.sysmon = m.shape !== 'ecs';
    }
    progress.value = progress.max;
    progress.hidden = true;
    applyFilter();
    document.body.dataset.state = 'ready';
  } catch (err) {
    if (id !== requestId) return;
    progress.hidden = true;
    document.body.dataset.state = 'error';
    replace($('#counts'), h('span', { class: 'status error' }, `Cannot read ${name}: ${err.message}`));
  }
}

async function loadFile(file) {
  if (!file) return;
  load(file.name, await file.arrayBuffer());
}

async function main() {
  api = await init(WASM_URL);
  plugin = await createViewerPlugin({ api });
  replace(
    $('#version'),
    api.versions().map((v) => h('option', { value: v.version, selected: v.default }, `${v.version}${v.default ? ' (default)' : ''}`)),
  );
  buildHeader();

  $('#file').addEventListener('change', (ev) => loadFile(ev.target.files[0]));
  const drop = $('#drop');
  for (const t of [document.documentElement]) {
    t.addEventListener('dragover', (ev) => {
      ev.preventDefault();
      drop.classList.add('over');
    });
    t.addEventListener('dragleave', (ev) => {
      if (ev.target === document.documentElement || ev.relatedTarget === null) drop.classList.remove('over');
    });
    t.addEventListener('drop', (ev) => {
      ev.preventDefault();
      drop.classList.remove('over');
      loadFile(ev.dataTransfer?.files?.[0]);
    });
  }
  $('#generate').addEventListener('click', () => {
    const n = Number($('#gen-count').value);
    const text = toNdjson(generateEvents(n, 42, { hostileEvery: 997 }));
    load(`generated-${n}.ndjson`, new TextEncoder().encode(text).buffer);
  });
  $('#version').addEventListener('change', async () => {
    plugin.closePanel();
    plugin = await createViewerPlugin({ api, compileOptions: compileOptions() });
    if (lastFile) load(lastFile.name, lastFile.buffer);
  });
  $('#only-alerts').addEventListener('change', applyFilter);
  $('#log').addEventListener('scroll', scheduleRender, { passive: true });
  window.addEventListener('resize', scheduleRender);
  document.body.dataset.ready = 'true';
}

main().catch((err) => {
  replace($('#counts'), h('span', { class: 'status error' }, `The engine could not start: ${err.message}`));
  console.error(err);
});

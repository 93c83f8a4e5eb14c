// Log-viewer plugin (browsers, ES module): flags the rows of a host's table that the rule
// "External IP Lookup from Non-Browser Process" alerts on, with a badge that shows the reasons
// on click. It adds a badge and a class to matching rows and nothing else: the host keeps
// rendering its rows and cells as it does.
//
//   import { createViewerPlugin } from 'external-ip-lookup-rule/viewer';
//   const plugin = await createViewerPlugin();            // loads the wasm (or pass { api })
//   plugin.markTable(document.querySelector('table'), events);
//   // or, in a row-render callback (virtualised lists):
//   const render = plugin.wrapRowRenderer((event, i) => myRenderRow(event, i));
//
// Event data is attacker-controlled: everything taken from an event or a verdict is written as
// text (textContent), never as HTML, and no URL is ever built from it. Styles go in a
// constructed style sheet, which a strict Content-Security-Policy (style-src 'self') allows.
import { init } from './browser.mjs';

const CSS = `
.eil-badge{display:inline-flex;align-items:center;gap:.25em;margin:0 .4em 0 0;padding:.05em .45em;
  border:1px solid #b42318;border-radius:.7em;background:#fee4e2;color:#7a271a;font:600 11px/1.5 system-ui,sans-serif;
  letter-spacing:.02em;cursor:pointer;vertical-align:middle}
.eil-badge:hover,.eil-badge:focus-visible{background:#fecdca;outline:2px solid #b42318;outline-offset:1px}
.eil-badge.eil-suppressed{border-color:#98a2b3;background:#f2f4f7;color:#344054}
tr.eil-alert,[role="row"].eil-alert,.eil-alert-row{box-shadow:inset 3px 0 0 #d92d20}
.eil-panel{position:fixed;z-index:2147483000;max-width:min(44rem,calc(100vw - 16px));max-height:min(32rem,calc(100vh - 16px));
  overflow:auto;padding:.75rem .9rem;border:1px solid #98a2b3;border-radius:.5rem;background:#fff;color:#101828;
  box-shadow:0 12px 32px rgba(16,24,40,.25);font:13px/1.45 system-ui,sans-serif;text-align:left;white-space:normal}
.eil-panel-head{display:flex;gap:.75rem;align-items:flex-start;justify-content:space-between;margin-bottom:.4rem}
.eil-panel-title{font-weight:700}
.eil-close{border:1px solid #d0d5dd;border-radius:.3rem;background:#fff;cursor:pointer;font:inherit;padding:0 .45em}
.eil-verdict{display:block}
.eil-summary{margin:.1rem 0 .5rem;font-weight:600}
.eil-summary.eil-yes{color:#b42318}.eil-summary.eil-no{color:#027a48}
.eil-tree,.eil-tree ul{list-style:none;margin:0;padding:0}
.eil-tree ul{margin-left:1.1rem;border-left:1px dotted #d0d5dd;padding-left:.5rem}
.eil-node{margin:.15rem 0}
.eil-mark{display:inline-block;min-width:3.3em;margin-right:.35em;padding:0 .3em;border-radius:.25rem;font:600 11px/1.6 ui-monospace,monospace;text-align:center}
.eil-held>.eil-line>.eil-mark{background:#d1fadf;color:#05603a}
.eil-failed>.eil-line>.eil-mark{background:#fee4e2;color:#912018}
.eil-clause{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;white-space:pre-wrap;word-break:break-word}
.eil-kind{margin-left:.4em;color:#475467;font-size:11px}
.eil-detail{margin:.05rem 0 .1rem 3.9em;color:#344054;font-size:12px}
.eil-detail-label{color:#667085}
.eil-value,.eil-pattern{display:inline-block;margin:0 .25em .1em 0;padding:0 .3em;border-radius:.25rem;background:#f2f4f7;
  font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap;word-break:break-all}
.eil-pattern{background:#fef0c7;color:#7a2e0e;font-weight:600}
.eil-note{color:#475467;font-style:italic}
.eil-section{margin:.5rem 0 .2rem;font-weight:600}
.eil-missing{color:#7a2e0e}
.eil-negated>.eil-line>.eil-mark{background:#f2f4f7;color:#344054}
.eil-negated[data-held="true"]>.eil-line>.eil-mark{color:#05603a}
.eil-line:focus-visible{outline:2px solid #1d4ed8;outline-offset:1px;border-radius:.25rem}
.eil-text{unicode-bidi:isolate}
.eil-ctl{display:inline-block;margin:0 .1em;padding:0 .2em;border:1px solid #f79009;border-radius:.2em;background:#fef0c7;
  color:#93370d;font:600 10px/1.3 ui-monospace,monospace;vertical-align:baseline;unicode-bidi:isolate;direction:ltr}
.eil-panel-row{color:#475467;font-weight:400;font-size:12px}
`;

const adopted = new WeakSet();

/** Adds the plugin's styles to `doc` (once), as a constructed style sheet. */
export function installStyles(doc = globalThis.document) {
  if (!doc || adopted.has(doc)) return;
  adopted.add(doc);
  const win = doc.defaultView ?? globalThis;
  if (win.CSSStyleSheet && 'adoptedStyleSheets' in doc) {
    const sheet = new win.CSSStyleSheet();
    sheet.replaceSync(CSS);
    doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
  }
}

/** `el(doc, 'span', 'class', 'text', ...children)`: an element whose text is set as text. */
function el(doc, tag, className, text, ...children) {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const child of children) if (child) node.append(child);
  return node;
}

/**
 * Characters that change how the text around them displays, or do not display at all: C0 and
 * C1 controls, the bidirectional marks, embeddings, overrides and isolates, zero-width
 * characters, line and paragraph separators, soft hyphen, byte-order mark, tag characters.
 * Event data is attacker-controlled: `\u202E` (RIGHT-TO-LEFT OVERRIDE) before a reversed path
 * makes an alerting `process.executable` read as an excluded browser.
 */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f]/g;
const HAS_INVISIBLE = new RegExp(INVISIBLE.source);

/** Whether `text` holds a character that `renderText` shows as an escape. */
export const hasInvisible = (text) => HAS_INVISIBLE.test(text);

/** How an invisible character is shown: `\u202E` (`\u{E0041}` beyond the BMP). */
function escapeInvisible(ch) {
  const c = ch.codePointAt(0);
  const hex = c.toString(16).toUpperCase();
  return c > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, '0')}`;
}

/** `text` with every invisible or direction-changing character written as its escape. */
export function visibleText(text) {
  return String(text).replace(INVISIBLE, escapeInvisible);
}

/**
 * Event text as DOM: a `<bdi>` (its direction isolated from the text around it) whose invisible
 * and direction-changing characters are shown as marked escapes (`<span class="eil-ctl">`),
 * so a value displays as the characters it holds. Text only, never HTML. `multiline` keeps
 * line feeds and tabs as they are (for text laid out in lines, such as pretty-printed JSON).
 */
export function renderText(text, doc = globalThis.document, { multiline = false } = {}) {
  const value = String(text);
  const out = doc.createElement('bdi');
  out.className = 'eil-text';
  if (!HAS_INVISIBLE.test(value)) {
    out.textContent = value;
    return out;
  }
  let at = 0;
  for (const m of value.matchAll(INVISIBLE)) {
    if (multiline && (m[0] === '\n' || m[0] === '\t')) continue;
    if (m.index > at) out.append(doc.createTextNode(value.slice(at, m.index)));
    const mark = el(doc, 'span', 'eil-ctl', escapeInvisible(m[0]));
    mark.title = `U+${m[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}: an invisible or direction-changing character`;
    mark.dataset.char = m[0].codePointAt(0).toString(16);
    out.append(mark);
    at = m.index + m[0].length;
  }
  if (at < value.length) out.append(doc.createTextNode(value.slice(at)));
  out.dataset.invisible = 'true';
  return out;
}

const OP_LABELS = { and: 'all of', or: 'any of', not: 'not' };
const KIND_TEXT = {
  matched: 'matched',
  field_absent: 'field absent',
  value_mismatch: 'no value matched',
  case_mismatch: 'differs only in case',
  object_value: 'an object, not a value',
  value_too_long: 'longer than ignore_above (1024)',
  too_deep: 'nested too deep',
  excluded: 'excluded',
  clause_failed: 'a part failed',
  constant: 'constant',
  exception: 'exception matched',
};

/** A clause as one short line: whitespace collapsed, long lists shortened. */
export function clauseLabel(reason, max = 160) {
  if (reason.children && reason.children.length && OP_LABELS[reason.op]) {
    return `${OP_LABELS[reason.op]} (${reason.children.length} ${reason.children.length === 1 ? 'part' : 'parts'})`;
  }
  let text = reason.clause
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  // A long list reads better as its size: `dns.question.name : (19 entries)`.
  const list = /^([^("]*?)\s*\((.*)\)$/.exec(text);
  if (list && text.length > 80) {
    const n = (list[2].match(/"(?:[^"\\]|\\.)*"/g) ?? []).length;
    if (n > 3) text = `${list[1]} (${n} entries)`;
  }
  if (text.length > max) text = `${text.slice(0, max - 1)}…`;
  return text;
}

const NEGATIONS = new Set(['not', 'not in', 'not in~', '!=']);

/**
 * What a reason's kind says, read with whether the clause held: a negation (`not`, `!=`,
 * `not in`) that held because no value matched must not read "no value matched" as a failure.
 */
export function kindText(reason) {
  if (reason.held && NEGATIONS.has(reason.op)) {
    if (reason.kind === 'value_mismatch') return reason.op === '!=' ? 'differs' : 'not in the list';
    if (reason.kind === 'field_absent') return 'field absent, so it holds';
    if (reason.kind === 'case_mismatch') return 'differs (only in case)';
  }
  return KIND_TEXT[reason.kind] ?? reason.kind;
}

function renderNode(doc, reason, depth, options, underNot = false) {
  // The test inside a `not` (and its parts) reads as a test, not as a failure: its result is
  // the `not`'s to judge.
  const mood = underNot ? 'eil-negated' : reason.held ? 'eil-held' : 'eil-failed';
  const li = el(doc, 'li', `eil-node ${mood}`);
  li.dataset.held = String(reason.held);
  li.dataset.op = reason.op;
  li.dataset.start = String(reason.start);
  li.dataset.end = String(reason.end);
  if (reason.field) li.dataset.field = reason.field;
  const line = el(
    doc,
    'div',
    'eil-line',
    undefined,
    el(doc, 'span', 'eil-mark', underNot ? (reason.held ? 'true' : 'false') : reason.held ? 'held' : 'failed'),
    el(doc, 'span', 'eil-clause', undefined, renderText(clauseLabel(reason), doc)),
    el(doc, 'span', 'eil-kind', kindText(reason)),
  );
  line.title = visibleText(reason.clause);
  li.append(line);
  if (reason.values && reason.values.length) {
    const d = el(doc, 'div', 'eil-detail eil-values', undefined, el(doc, 'span', 'eil-detail-label', 'values seen: '));
    for (const v of reason.values) d.append(el(doc, 'span', 'eil-value', undefined, renderText(v, doc)));
    li.append(d);
  } else if (reason.field && !(reason.children && reason.children.length)) {
    li.append(el(doc, 'div', 'eil-detail', `${reason.field}: no value`));
  }
  if (reason.matched && reason.matched.length) {
    const d = el(doc, 'div', 'eil-detail eil-matched', undefined, el(doc, 'span', 'eil-detail-label', 'matched: '));
    for (const m of reason.matched) d.append(el(doc, 'span', 'eil-pattern', undefined, renderText(m, doc)));
    li.append(d);
  }
  if (reason.note) li.append(el(doc, 'div', 'eil-detail eil-note', undefined, renderText(reason.note, doc)));
  if (reason.children && reason.children.length) {
    const ul = el(doc, 'ul');
    for (const c of reason.children) ul.append(renderNode(doc, c, depth + 1, options, underNot || reason.op === 'not'));
    li.append(ul);
  }
  if (options.onNode) options.onNode(li, reason);
  return li;
}

/**
 * Renders a verdict as DOM (text only): the summary, the reasons tree with each clause marked
 * held or failed, the values seen and the matched patterns, the missing fields and the
 * exception items. `options.onNode(li, reason)` may decorate each node.
 */
export function renderVerdict(verdict, options = {}) {
  const doc = options.document ?? globalThis.document;
  const root = el(doc, 'div', 'eil-verdict');
  root.dataset.matched = String(verdict.matched);
  const summary = el(doc, 'p', `eil-summary ${verdict.matched ? 'eil-yes' : 'eil-no'}`, undefined, renderText(verdict.summary, doc));
  summary.dataset.role = 'summary';
  root.append(summary);
  if (verdict.query_matched && !verdict.matched && verdict.suppressed_by) {
    root.append(
      el(
        doc,
        'p',
        'eil-detail',
        'The query matched, but the exception "',
        renderText(verdict.suppressed_by, doc),
        '" suppresses the alert.',
      ),
    );
  }
  const tree = el(doc, 'ul', 'eil-tree');
  tree.append(renderNode(doc, verdict.reasons, 0, options));
  root.append(tree);
  if (verdict.missing_fields && verdict.missing_fields.length) {
    const p = el(doc, 'p', 'eil-missing', undefined, el(doc, 'span', 'eil-detail-label', 'missing fields: '));
    for (const f of verdict.missing_fields) p.append(el(doc, 'span', 'eil-value', undefined, renderText(f, doc)));
    root.append(p);
  }
  if (verdict.exceptions && verdict.exceptions.length) {
    root.append(el(doc, 'div', 'eil-section', 'Exception items'));
    const ul = el(doc, 'ul', 'eil-tree eil-exceptions');
    for (const r of verdict.exceptions) ul.append(renderNode(doc, r, 0, options));
    root.append(ul);
  }
  return root;
}

function closestRowCell(row) {
  // The first cell: where the badge goes unless the host says otherwise.
  return row.cells?.[0] ?? row.querySelector?.('td,th,[role="cell"],[role="gridcell"]') ?? row;
}

/**
 * Creates the plugin. Options (all optional):
 * - `api`: an initialised API (what `init()` of the package resolves to); else `init(wasm)` runs.
 * - `wasm`: where to load the WebAssembly module from (URL, Response, bytes or Module).
 * - `rule`: a compiled rule; else `api.compileRule(compileOptions)`.
 * - `compileOptions`: options of `compileRule` (version, query, exceptions, tuning, packs).
 * - `badgeText`: the badge's text ("alert").
 * - `badgeCell(rowEl)`: the element the badge is prepended to (default: the row's first cell).
 * - `styles`: `false` to skip the built-in style sheet (style `.eil-*` yourself).
 * - `document`: the document to render into.
 */
export async function createViewerPlugin(options = {}) {
  const doc = options.document ?? globalThis.document;
  let rule = options.rule;
  if (!rule) {
    const api = options.api ?? (await init(options.wasm));
    rule = api.compileRule(options.compileOptions ?? {});
  }
  if (options.styles !== false) installStyles(doc);
  const badgeText = options.badgeText ?? 'alert';
  const badgeCell = options.badgeCell ?? closestRowCell;

  const matchCache = new WeakMap();
  const verdictCache = new WeakMap();
  const badgeEvents = new WeakMap();
  let panel = null;
  let panelAnchor = null;

  function matches(event) {
    const cacheable = event !== null && typeof event === 'object';
    if (cacheable && matchCache.has(event)) return matchCache.get(event);
    let m = false;
    try {
      m = rule.matches(event);
    } catch {
      m = false; // An unreadable event raises no alert.
    }
    if (cacheable) matchCache.set(event, m);
    return m;
  }

  function verdict(event) {
    const cacheable = event !== null && typeof event === 'object';
    if (cacheable && verdictCache.has(event)) return verdictCache.get(event);
    const v = rule.evaluate(event);
    if (cacheable) verdictCache.set(event, v);
    return v;
  }

  function onKey(e) {
    if (e.key === 'Escape' && panel) {
      closePanel();
      panelAnchor?.focus?.();
    }
  }

  function onOutside(e) {
    if (panel && !panel.contains(e.target) && !badgeEvents.has(e.target.closest?.('.eil-badge'))) closePanel();
  }

  function closePanel() {
    if (!panel) return;
    panel.remove();
    panel = null;
    doc.removeEventListener('keydown', onKey, true);
    doc.removeEventListener('pointerdown', onOutside, true);
    doc.removeEventListener('scroll', onScroll, true);
    (doc.defaultView ?? globalThis).removeEventListener('resize', onScroll);
  }

  /** Whether `anchor` is still on screen, inside every scrolling box around it. */
  function inView(anchor) {
    if (!anchor?.isConnected || !anchor.getBoundingClientRect) return false;
    const win = doc.defaultView ?? globalThis;
    const a = anchor.getBoundingClientRect();
    if (a.bottom <= 0 || a.top >= win.innerHeight) return false;
    for (let box = anchor.parentElement; box && box !== doc.body; box = box.parentElement) {
      if (box.scrollHeight <= box.clientHeight + 1) continue;
      const b = box.getBoundingClientRect();
      if (a.bottom <= b.top + 1 || a.top >= b.bottom - 1) return false;
    }
    return true;
  }

  // The panel follows its row while the row is in view, and closes when it scrolls away (or a
  // virtualised list reuses the row for another event and removes the badge).
  let scrollFrame = 0;
  function onScroll() {
    if (!panel || scrollFrame) return;
    scrollFrame = (doc.defaultView ?? globalThis).requestAnimationFrame(() => {
      scrollFrame = 0;
      if (!panel) return;
      if (inView(panelAnchor)) place(panelAnchor);
      else closePanel();
    });
  }

  function place(anchor) {
    if (!panel || !anchor?.getBoundingClientRect) return;
    const win = doc.defaultView ?? globalThis;
    const a = anchor.getBoundingClientRect();
    const p = panel.getBoundingClientRect();
    let top = a.bottom + 6;
    if (top + p.height > win.innerHeight - 8) top = Math.max(8, a.top - p.height - 6);
    const left = Math.min(Math.max(8, a.left), Math.max(8, win.innerWidth - p.width - 8));
    panel.style.top = `${top}px`;
    panel.style.left = `${left}px`;
  }

  /**
   * Opens the reasons panel for `event` next to `anchor` (an element); `opts.label` says which
   * row it explains (e.g. "line 41"), in the panel's title.
   */
  function showReasons(event, anchor, opts = {}) {
    let body;
    try {
      body = renderVerdict(verdict(event), { document: doc });
    } catch (err) {
      body = el(doc, 'p', 'eil-note', undefined, renderText(`This event cannot be evaluated: ${err.message}`, doc));
    }
    return openPanel(body, anchor, opts);
  }

  function openPanel(body, anchor, opts) {
    closePanel();
    const close = el(doc, 'button', 'eil-close', '×');
    close.type = 'button';
    close.setAttribute('aria-label', 'Close');
    close.addEventListener('click', () => {
      closePanel();
      anchor?.focus?.();
    });
    const title = el(doc, 'div', 'eil-panel-title', rule.info?.name ?? 'Rule verdict');
    if (opts.label) title.append(' ', el(doc, 'span', 'eil-panel-row', undefined, '· ', renderText(opts.label, doc)));
    panel = el(doc, 'div', 'eil-panel', undefined, el(doc, 'div', 'eil-panel-head', undefined, title, close), body);
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', opts.label ? `Why the rule alerts on ${visibleText(opts.label)}` : 'Why the rule alerts on this row');
    if (opts.label) panel.dataset.row = String(opts.label);
    panel.tabIndex = -1;
    panelAnchor = anchor ?? null;
    doc.body.append(panel);
    place(anchor);
    doc.addEventListener('keydown', onKey, true);
    doc.addEventListener('pointerdown', onOutside, true);
    doc.addEventListener('scroll', onScroll, true);
    (doc.defaultView ?? globalThis).addEventListener('resize', onScroll);
    panel.focus({ preventScroll: true });
    return panel;
  }

  /** Removes what `decorateRow` added to a row (for rows a virtualised list reuses). */
  function clearRow(row) {
    row.classList?.remove('eil-alert');
    delete row.dataset?.eilAlert;
    for (const b of row.querySelectorAll?.('.eil-badge') ?? []) b.remove();
  }

  /**
   * Flags one row: a badge (prepended to `badgeCell(row)`) and the class `eil-alert` when the
   * rule alerts on `event`. `opts.matched` skips the evaluation (e.g. computed in a worker);
   * then `event` may be a function that returns the event or a promise of it, called when the
   * badge is clicked (for lists that keep no parsed events). `opts.label` names the row in the
   * reasons panel ("line 41"). Returns whether the row is an alert.
   */
  function decorateRow(row, event, opts = {}) {
    clearRow(row);
    const hit = opts.matched ?? matches(event);
    if (!hit) return false;
    row.classList.add('eil-alert');
    row.dataset.eilAlert = 'true';
    const badge = el(doc, 'button', 'eil-badge', badgeText);
    badge.type = 'button';
    badge.title = 'Why is this an alert?';
    badge.setAttribute('aria-label', `${badgeText}: show why the rule matched`);
    badge.setAttribute('aria-haspopup', 'dialog');
    badgeEvents.set(badge, event);
    badge.addEventListener('click', (e) => {
      e.stopPropagation();
      e.preventDefault();
      if (panel && panelAnchor === badge) return closePanel();
      const source = badgeEvents.get(badge);
      if (typeof source !== 'function') return showReasons(source, badge, { label: opts.label });
      // An event read on demand (a virtualised list that keeps no parsed events).
      Promise.resolve()
        .then(source)
        .then(
          (event) => badge.isConnected && badgeEvents.get(badge) === source && showReasons(event, badge, { label: opts.label }),
          (err) =>
            openPanel(
              el(doc, 'p', 'eil-note', undefined, renderText(`This event cannot be read: ${err?.message ?? err}`, doc)),
              badge,
              opts,
            ),
        );
    });
    badgeCell(row).prepend(badge);
    return true;
  }

  /**
   * Flags the rows of a table: the i-th body row shows `rows[i]` (or the row whose
   * `data-row-index` says which). Returns the number of alerts.
   */
  function markTable(table, rows) {
    const body = table.tBodies?.[0] ?? table;
    const trs = [...(body.rows ?? body.querySelectorAll('tr'))];
    let count = 0;
    trs.forEach((tr, i) => {
      const idx = tr.dataset.rowIndex !== undefined ? Number(tr.dataset.rowIndex) : i;
      if (idx >= 0 && idx < rows.length && decorateRow(tr, rows[idx])) count += 1;
    });
    return count;
  }

  /** Wraps a host's row-render callback `(event, ...args) => rowElement` so its rows get flagged. */
  function wrapRowRenderer(render) {
    return (event, ...args) => {
      const row = render(event, ...args);
      decorateRow(row, event);
      return row;
    };
  }

  return {
    rule,
    matches,
    verdict,
    decorateRow,
    clearRow,
    markTable,
    wrapRowRenderer,
    showReasons,
    closePanel,
    destroy() {
      closePanel();
    },
  };
}

export default createViewerPlugin;

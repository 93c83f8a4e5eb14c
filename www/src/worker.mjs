// The log-viewer demo's Web Worker: reads a file (NDJSON, a JSON array of events, an
// Elasticsearch search response or one event) as a stream, evaluates every event with the rule
// and posts the rows as they are evaluated: byte ranges into the file, a flag per row and the
// text of the columns the table shows. The page keeps no copy of the file and parses nothing:
// it reads a row's bytes back from the file (a Blob slice) only to show its JSON or reasons.
//
// In:  { type: 'init', wasm: WebAssembly.Module } (the page's compiled engine), then
//      { type: 'scan', id, file: Blob, compileOptions, input: 'auto' | 'ecs' | 'sysmon', columns }
// Out: { type: 'start', id, format, shape, shapeLabel, compileOptions }
//      { type: 'rows', id, from, starts, ends, lines, flags, cols, errors, done, total }  (repeated)
//      { type: 'done', id, source, counts, ms }   (source: the Blob the byte ranges point into)
//      or { type: 'error', id, message }
//      (flags: 0 no alert, 1 alert, 2 not an event; cols: one array of strings per column)
import { init } from '../../js/browser.mjs';
import fields from '../../js/fields.cjs';
import { concatBytes } from './bytes.mjs';

/** The first batch is small, so the first rows show at once; later ones amortise the posts. */
const FIRST_CHUNK = 32 * 1024;
const CHUNK = 1024 * 1024;
let api;
let current = 0;

/** A column's text: the field's values as the Node library reads them, joined. */
function fieldText(event, path) {
  return fields.fieldValues(event, path).map(String).join(', ');
}

/** What the engine's Sysmon adapter calls each record shape it recognises. */
const SHAPES = {
  ecs: 'ECS events (Elastic Defend)',
  'evtx-json': 'Sysmon DNS events (EVTX as JSON), mapped to ECS',
  'nxlog-json': 'Sysmon DNS events (NXLog JSON), mapped to ECS',
  'wazuh-json': 'Sysmon DNS events (Wazuh JSON), mapped to ECS',
  'winlogbeat-ecs': 'Sysmon DNS events (Winlogbeat ECS), mapped',
};

const isSpace = (b) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * How to read the file, from its first bytes: `ndjson` (one event a line), or `json` (one JSON
 * document: an array, a search response or one event, possibly over many lines).
 */
async function sniff(file) {
  const head = new Uint8Array(await file.slice(0, 256 * 1024).arrayBuffer());
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && isSpace(head[i])) i++;
  if (head[i] === 0x5b /* [ */) return 'json';
  if (head[i] !== 0x7b /* { */) return 'ndjson';
  // An object: NDJSON when its first line is a whole JSON value, else one (pretty) document.
  const nl = head.indexOf(0x0a, i);
  if (nl < 0) return file.size <= head.length ? 'json' : 'ndjson';
  try {
    JSON.parse(new TextDecoder().decode(head.subarray(i, nl)));
    return 'ndjson';
  } catch {
    return 'json';
  }
}

/** One JSON document as NDJSON bytes (an event a line) and what it was. */
async function fromDocument(file) {
  let doc;
  try {
    doc = JSON.parse(await file.text());
  } catch (err) {
    throw new Error(`the file is not valid JSON: ${err.message}`);
  }
  let events;
  let format;
  if (Array.isArray(doc)) {
    events = doc;
    format = 'JSON array';
  } else if (doc && doc.hits && Array.isArray(doc.hits.hits)) {
    events = doc.hits.hits;
    format = 'Elasticsearch search response';
  } else {
    events = [doc];
    format = 'JSON (one event)';
  }
  doc = null;
  // A Blob holds the NDJSON outside the worker's heap; the page reads rows back from it.
  const source = new Blob(
    events.map((e, i) => (i ? `\n${JSON.stringify(e)}` : JSON.stringify(e))),
    { type: 'application/x-ndjson' },
  );
  return { source, format };
}

/**
 * The shape of the file's records: the engine's adapter (input "auto") reads the first records
 * that are events and says whether they are Sysmon records, and in which shape; otherwise ECS.
 */
function detectShape(lines) {
  const probe = api.compileRule({ input: 'auto' });
  let tried = 0;
  for (const line of lines) {
    if (tried >= 20) break;
    if (!line.trim()) continue;
    tried++;
    try {
      const shape = probe.evaluate(line).input?.shape;
      if (shape) return shape;
    } catch {
      // Not an event: try the next line.
    }
  }
  return 'ecs';
}

/** Byte ranges of the lines of `bytes` (CR of CRLF excluded), each with the line's index. */
function lineRanges(bytes, base) {
  const starts = [];
  const ends = [];
  const index = [];
  let start = 0;
  let k = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, start);
    const stop = nl < 0 ? bytes.length : nl;
    let end = stop;
    if (end > start && bytes[end - 1] === 0x0d) end -= 1;
    let blank = true;
    for (let j = start; j < end; j++) {
      if (bytes[j] !== 0x20 && bytes[j] !== 0x09) {
        blank = false;
        break;
      }
    }
    if (!blank) {
      starts.push(base + start);
      ends.push(base + end);
      index.push(k);
    }
    if (nl < 0) break;
    start = nl + 1;
    k++;
  }
  return { starts, ends, index, count: k + 1 };
}

async function scan(msg) {
  const id = msg.id;
  const started = performance.now();
  api = await ready;
  let source = msg.file;
  let format = 'NDJSON';
  if ((await sniff(source)) === 'json') ({ source, format } = await fromDocument(source));
  if (id !== current) return;

  const reader = source.stream().getReader();
  const decoder = new TextDecoder();
  let rule = null;
  let shape = 'ecs';
  let pending = new Uint8Array(0); // bytes after the last newline, carried to the next chunk
  let base = 0; // file offset of pending[0]
  let line = 1; // line number of pending's first line
  let row = 0;
  let matched = 0;
  let rejected = 0;
  let first = true;
  let eof = false;
  let bom = true;
  while (!eof) {
    // Gather at least a chunk's bytes (or the rest of the file).
    const parts = [pending];
    let size = pending.length;
    const want = first ? FIRST_CHUNK : CHUNK;
    while (size < want) {
      const { done, value } = await reader.read();
      if (done) {
        eof = true;
        break;
      }
      parts.push(value);
      size += value.length;
    }
    if (id !== current) return reader.cancel();
    let bytes = parts.length === 1 ? parts[0] : concatBytes(parts, size);
    if (bom && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      bytes = bytes.subarray(3);
      base += 3;
    }
    bom = false;
    // Whole lines only; the rest waits for the next chunk.
    const cut = eof ? bytes.length : bytes.lastIndexOf(0x0a) + 1;
    if (cut === 0 && !eof) {
      pending = bytes; // one line longer than a chunk: read on
      continue;
    }
    const chunk = bytes.subarray(0, cut);
    pending = bytes.slice(cut);
    const ranges = lineRanges(chunk, base);
    const text = decoder.decode(chunk);
    const texts = text.split('\n');
    if (first) {
      shape = msg.input === 'auto' ? detectShape(texts) : msg.input === 'sysmon' ? 'sysmon' : 'ecs';
      // Sysmon records are read through the adapter; Elastic Defend (ECS) events as they are.
      const compileOptions = {
        ...(msg.compileOptions ?? {}),
        ...(shape === 'ecs' ? {} : { input: msg.input === 'sysmon' ? 'sysmon' : 'auto' }),
      };
      rule = api.compileRule(compileOptions);
      postMessage({ type: 'start', id, format, shape, shapeLabel: SHAPES[shape] ?? 'Sysmon DNS events, mapped to ECS', compileOptions });
      first = false;
    }
    const n = ranges.starts.length;
    const flags = new Uint8Array(n);
    const lines = new Uint32Array(n);
    const cols = msg.columns.map(() => new Array(n));
    const errors = [];
    // Each line's row in this batch (-1: a blank line).
    const rowOf = new Int32Array(ranges.count).fill(-1);
    for (let r = 0; r < n; r++) {
      const k = ranges.index[r];
      rowOf[k] = r;
      lines[r] = line + k;
      let ev = null;
      try {
        ev = JSON.parse(texts[k]);
      } catch {
        ev = null;
      }
      for (let c = 0; c < cols.length; c++) cols[c][r] = ev !== null && typeof ev === 'object' ? fieldText(ev, msg.columns[c]) : '';
    }
    // One scan per chunk: the engine's own verdicts and errors, by line of the chunk.
    const result = rule.scanNdjson(chunk);
    for (const l of result.matched) {
      const r = rowOf[l - 1];
      if (r >= 0) {
        flags[r] = 1;
        matched++;
      }
    }
    for (const e of result.errors) {
      const r = rowOf[e.line - 1];
      if (r >= 0) {
        flags[r] = 2;
        rejected++;
        errors.push({ row: row + r, message: e.message });
      }
    }
    const starts = Float64Array.from(ranges.starts);
    const ends = Float64Array.from(ranges.ends);
    postMessage({ type: 'rows', id, from: row, starts, ends, lines, flags, cols, errors, done: base + cut, total: source.size }, [
      starts.buffer,
      ends.buffer,
      lines.buffer,
      flags.buffer,
    ]);
    row += n;
    base += cut;
    line += ranges.count - 1;
    // Let a newer request in between chunks.
    await new Promise((r) => setTimeout(r, 0));
    if (id !== current) return reader.cancel();
  }
  postMessage({
    type: 'done',
    id,
    source,
    counts: { events: row, alerts: matched, rejected },
    format,
    ms: Math.round(performance.now() - started),
  });
}

// The page posts 'init' first, as soon as it starts the worker: a scan finds the engine ready.
let ready = Promise.reject(new Error('the worker was not given the engine'));
ready.catch(() => {});
self.addEventListener('message', (ev) => {
  const msg = ev.data;
  if (msg?.type === 'init') {
    ready = init(msg.wasm);
    ready.catch(() => {});
    return;
  }
  if (msg?.type !== 'scan') return;
  current = msg.id;
  scan(msg).catch((err) => postMessage({ type: 'error', id: msg.id, message: err.message ?? String(err) }));
});

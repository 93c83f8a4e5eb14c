// The log-viewer demo's Web Worker: reads a file's bytes (NDJSON, a JSON array of events, an
// Elasticsearch search response or one event), evaluates every event with the rule in chunks,
// and posts progress, then the rows (byte ranges into the NDJSON it evaluated) and a flag per
// row. The page stays responsive: nothing heavy runs on its thread.
//
// In:  { type: 'scan', id, buffer: ArrayBuffer, compileOptions, wasmUrl }
// Out: { type: 'progress', id, done, total } ... then
//      { type: 'done', id, buffer, starts, ends, lines, flags, errors, counts, format, shape,
//        shapeLabel, compileOptions, ms }
//      (flags: 0 no alert, 1 alert, 2 not an event) or { type: 'error', id, message }.
import { init } from '../../js/browser.mjs';

const CHUNK = 2000;
let api;

function lineRanges(bytes) {
  const starts = [];
  const ends = [];
  const lines = [];
  let start = 0;
  let line = 1;
  const n = bytes.length;
  for (let i = 0; i <= n; i++) {
    if (i === n || bytes[i] === 0x0a) {
      let end = i;
      if (end > start && bytes[end - 1] === 0x0d) end -= 1;
      let blank = true;
      for (let j = start; j < end; j++) {
        const b = bytes[j];
        if (b !== 0x20 && b !== 0x09) {
          blank = false;
          break;
        }
      }
      if (!blank) {
        starts.push(start);
        ends.push(end);
        lines.push(line);
      }
      start = i + 1;
      line += 1;
    }
  }
  return { starts: Uint32Array.from(starts), ends: Uint32Array.from(ends), lines: Uint32Array.from(lines) };
}

/** NDJSON bytes for the file: NDJSON as it is, JSON documents as one event a line. */
function normalise(bytes) {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09 || bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf)) i++;
  const first = bytes[i];
  if (first === 0x5b /* [ */ || first === 0x7b /* { */) {
    let doc;
    try {
      doc = JSON.parse(new TextDecoder().decode(bytes));
    } catch (err) {
      if (first === 0x5b) throw new Error(`the file is not valid JSON: ${err.message}`);
      return { bytes, format: 'NDJSON' }; // several objects, one a line
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
    const text = events.map((e) => JSON.stringify(e)).join('\n');
    return { bytes: new TextEncoder().encode(text), format };
  }
  return { bytes, format: 'NDJSON' };
}

/** What the engine's Sysmon adapter calls each record shape it recognises. */
const SHAPES = {
  'evtx-json': 'Sysmon DNS events (EVTX as JSON), mapped to ECS',
  'nxlog-json': 'Sysmon DNS events (NXLog JSON), mapped to ECS',
  'wazuh-json': 'Sysmon DNS events (Wazuh JSON), mapped to ECS',
  'winlogbeat-ecs': 'Sysmon DNS events (Winlogbeat ECS), mapped',
};

/**
 * The shape of the file's records: the engine's adapter (input "auto") reads the first records
 * that are events and says whether they are Sysmon records, and in which shape; otherwise ECS.
 */
function detectShape(bytes, starts, ends) {
  const probe = api.compileRule({ input: 'auto' });
  for (let i = 0, tried = 0; i < starts.length && tried < 20; i++) {
    try {
      tried++;
      const shape = probe.evaluate(bytes.subarray(starts[i], ends[i])).input?.shape;
      if (shape && shape !== 'ecs') return shape;
      if (shape === 'ecs') return 'ecs';
    } catch {
      // Not an event: try the next line.
    }
  }
  return 'ecs';
}

async function scan(msg) {
  const started = performance.now();
  if (!api) api = await init(new URL(msg.wasmUrl, self.location.href));
  const { bytes, format } = normalise(new Uint8Array(msg.buffer));
  const { starts, ends, lines } = lineRanges(bytes);
  const shape = detectShape(bytes, starts, ends);
  // Sysmon records are read through the adapter; Elastic Defend (ECS) events as they are.
  const compileOptions = { ...(msg.compileOptions ?? {}), ...(shape === 'ecs' ? {} : { input: 'auto' }) };
  const rule = api.compileRule(compileOptions);
  const total = starts.length;
  const flags = new Uint8Array(total);
  const errors = [];
  let matched = 0;
  postMessage({ type: 'progress', id: msg.id, done: 0, total });
  for (let a = 0; a < total; a += CHUNK) {
    const b = Math.min(total, a + CHUNK);
    // One scan per chunk: the chunk's lines are contiguous in the file.
    const result = rule.scanNdjson(bytes.subarray(starts[a], ends[b - 1]));
    const firstLine = lines[a];
    // Map the chunk's 1-based line numbers back to rows (rows are in line order).
    let row = a;
    const toRow = (chunkLine) => {
      const line = firstLine + chunkLine - 1;
      while (row < b && lines[row] < line) row++;
      return row < b && lines[row] === line ? row : -1;
    };
    for (const l of result.matched) {
      const r = toRow(l);
      if (r >= 0) {
        flags[r] = 1;
        matched++;
      }
    }
    row = a;
    for (const e of result.errors) {
      const r = toRow(e.line);
      if (r >= 0) {
        flags[r] = 2;
        errors.push({ row: r, line: lines[r], message: e.message });
      }
    }
    postMessage({ type: 'progress', id: msg.id, done: b, total });
    // Let a newer request (or a terminate) in between chunks.
    await new Promise((r) => setTimeout(r, 0));
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  postMessage(
    {
      type: 'done',
      id: msg.id,
      buffer,
      starts,
      ends,
      lines,
      flags,
      errors,
      format,
      shape,
      shapeLabel: SHAPES[shape] ?? 'ECS events (Elastic Defend)',
      compileOptions,
      counts: { events: total, alerts: matched, rejected: errors.length },
      ms: Math.round(performance.now() - started),
    },
    [buffer, starts.buffer, ends.buffer, lines.buffer, flags.buffer],
  );
}

self.addEventListener('message', (ev) => {
  const msg = ev.data;
  if (msg?.type !== 'scan') return;
  scan(msg).catch((err) => postMessage({ type: 'error', id: msg.id, message: err.message ?? String(err) }));
});

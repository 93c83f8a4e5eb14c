// The playground's whole state in the URL fragment: `#s=` + base64url(deflate-raw(JSON)), so a
// link reproduces the query, version, tuning, exceptions and event. Nothing leaves the page:
// the fragment is never sent to a server. A link is data from anyone: `validateState` checks it
// field by field before the page uses any of it. The log viewer reads the same links.

import { concatBytes } from './bytes.mjs';

const PREFIX = 's=';

/** The longest decoded state read from a link: a deflated fragment can unpack to far more. */
export const MAX_STATE_BYTES = 8 * 1024 * 1024;

/**
 * The longest URL the browsers open: Firefox refuses URLs over 1 MiB
 * (`network.standard-url.max-length`), Chromium over 2 MiB (`url::kMaxURLChars`).
 */
export const MAX_LINK_CHARS = 1024 * 1024;
/** Above this a link still opens, but Chromium shows only this much of it (`kMaxURLDisplayChars`)
 * and many tools that pass links on cut them. */
export const LONG_LINK_CHARS = 32 * 1024;

export const TUNING_KEYS = ['addDomains', 'removeDomains', 'addExcludedExecutables', 'removeExcludedExecutables'];
export const INPUT_SHAPES = ['ecs', 'sysmon', 'auto'];
const ENTRY_TYPES = new Set(['match', 'match_any', 'wildcard', 'exists', 'nested']);
const OPERATORS = new Set(['included', 'excluded']);

function toBase64Url(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('the link is not base64url');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Pipes bytes through a (de)compression stream, refusing more than `limit` bytes of output. */
async function pipe(bytes, stream, limit = Infinity) {
  const reader = new Blob([bytes]).stream().pipeThrough(stream).getReader();
  const parts = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`the link unpacks to more than ${limit / 1024 / 1024} MB`);
    }
    parts.push(value);
  }
  return concatBytes(parts, size);
}

/** The fragment (without `#`) for a state object. */
export async function encodeState(state) {
  const json = new TextEncoder().encode(JSON.stringify(state));
  const packed = await pipe(json, new CompressionStream('deflate-raw'));
  return PREFIX + toBase64Url(packed);
}

/**
 * The raw state in a fragment (with or without `#`): `null` when there is none, `{ error }`
 * when it cannot be read, else `{ value }` (not yet validated: see `validateState`).
 */
export async function decodeState(hash) {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!text.startsWith(PREFIX)) return null;
  try {
    const bytes = await pipe(fromBase64Url(text.slice(PREFIX.length)), new DecompressionStream('deflate-raw'), MAX_STATE_BYTES);
    return { value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) };
  } catch (err) {
    return { error: err.message };
  }
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 39)}…` : v}"`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v;
}
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStrings = (v) => Array.isArray(v) && v.every((x) => typeof x === 'string');

function checkEntry(e, where, nested) {
  if (!isObject(e)) return `${where} is not an exception entry (${describe(e)})`;
  if (typeof e.field !== 'string') return `${where}.field is not text (${describe(e.field)})`;
  if (!ENTRY_TYPES.has(e.type) || (nested && e.type === 'nested')) return `${where}.type ${describe(e.type)} is not an entry type`;
  if (e.type === 'nested') {
    if (!Array.isArray(e.entries) || !e.entries.length) return `${where}.entries is not a list of entries`;
    for (let i = 0; i < e.entries.length; i++) {
      const p = checkEntry(e.entries[i], `${where}.entries[${i}]`, true);
      if (p) return p;
    }
    return null;
  }
  if (!OPERATORS.has(e.operator)) return `${where}.operator ${describe(e.operator)} is not "included" or "excluded"`;
  if ((e.type === 'match' || e.type === 'wildcard') && typeof e.value !== 'string')
    return `${where}.value is not text (${describe(e.value)})`;
  if (e.type === 'match_any' && !isStrings(e.value)) return `${where}.value is not a list of text (${describe(e.value)})`;
  return null;
}

function checkItem(item, where) {
  if (!isObject(item)) return `${where} is not an exception item (${describe(item)})`;
  if (item.name !== undefined && typeof item.name !== 'string') return `${where}.name is not text (${describe(item.name)})`;
  if (item.item_id !== undefined && typeof item.item_id !== 'string') return `${where}.item_id is not text`;
  if (item.os_types !== undefined && !isStrings(item.os_types)) return `${where}.os_types is not a list of text`;
  if (!Array.isArray(item.entries)) return `${where}.entries is not a list (${describe(item.entries)})`;
  for (let i = 0; i < item.entries.length; i++) {
    const p = checkEntry(item.entries[i], `${where}.entries[${i}]`, false);
    if (p) return p;
  }
  return null;
}

/** A copy of an item that passed `checkItem`, with only the fields the page knows. */
function cleanItem(item) {
  const copyEntry = (e) => {
    const out =
      e.type === 'nested'
        ? { field: e.field, type: e.type, entries: e.entries.map(copyEntry) }
        : { field: e.field, operator: e.operator, type: e.type };
    if (e.type === 'match' || e.type === 'wildcard') out.value = e.value;
    if (e.type === 'match_any') out.value = [...e.value];
    return out;
  };
  const out = { name: item.name ?? '', entries: item.entries.map(copyEntry) };
  if (item.item_id !== undefined) out.item_id = item.item_id;
  if (item.os_types !== undefined) out.os_types = [...item.os_types];
  return out;
}

/**
 * Checks a decoded state field by field: `{ state, problems }`. `state` has every field (a
 * field that is missing or wrong gets its default: `null`, empty lists, the default version)
 * and nothing else; `problems` says, per field, what was wrong and dropped.
 * `known`: `{ versions: [string], defaultVersion, packs: [string] }`.
 *
 * The link's fields: `v` version, `q` the edited query in use, `k` edited queries kept aside
 * (`[{ v, q }]`), `t` list tuning (compileRule's list options and `packs`), `x` exception items
 * as edited, `i` input shape, `e` the event text.
 */
export function validateState(raw, known) {
  const problems = [];
  const state = {
    version: known.defaultVersion,
    query: null,
    drafts: [],
    tuning: {},
    packs: [],
    exceptions: [],
    input: 'ecs',
    event: null,
  };
  for (const k of TUNING_KEYS) state.tuning[k] = [];
  if (!isObject(raw)) {
    problems.push(`the link holds ${describe(raw)}, not a playground state`);
    return { state, problems };
  }
  const known_keys = new Set(['v', 'q', 'k', 't', 'x', 'i', 'e']);
  for (const key of Object.keys(raw)) if (!known_keys.has(key)) problems.push(`unknown field \`${key}\` ignored`);
  if (raw.v !== undefined) {
    if (known.versions.includes(raw.v)) state.version = raw.v;
    else problems.push(`version ${describe(raw.v)} is not one of ${known.versions.join(', ')}`);
  }
  if (raw.q !== undefined) {
    if (typeof raw.q === 'string') state.query = raw.q;
    else problems.push(`the query is not text (${describe(raw.q)})`);
  }
  if (raw.k !== undefined) {
    if (!Array.isArray(raw.k)) problems.push(`the kept queries are not a list (${describe(raw.k)})`);
    else {
      raw.k.forEach((d, i) => {
        if (isObject(d) && typeof d.q === 'string' && known.versions.includes(d.v)) state.drafts.push({ version: d.v, query: d.q });
        else problems.push(`kept query ${i + 1} is not a version and a text: it is left out`);
      });
    }
  }
  if (raw.t !== undefined) {
    if (!isObject(raw.t)) problems.push(`the list tuning is not an object (${describe(raw.t)})`);
    else {
      for (const [k, v] of Object.entries(raw.t)) {
        if (TUNING_KEYS.includes(k)) {
          if (isStrings(v)) state.tuning[k] = [...v];
          else problems.push(`tuning \`${k}\` is not a list of text`);
        } else if (k === 'packs') {
          if (isStrings(v)) {
            for (const p of v) {
              if (known.packs.includes(p)) state.packs.push(p);
              else problems.push(`pack ${describe(p)} is not known`);
            }
          } else problems.push('tuning `packs` is not a list of pack names');
        } else problems.push(`unknown tuning \`${k}\` ignored`);
      }
    }
  }
  if (raw.x !== undefined) {
    if (!Array.isArray(raw.x)) problems.push(`the exceptions are not a list (${describe(raw.x)})`);
    else {
      raw.x.forEach((item, i) => {
        const p = checkItem(item, `exception item ${i + 1}`);
        if (p) problems.push(`${p}: the item is left out`);
        else state.exceptions.push(cleanItem(item));
      });
    }
  }
  if (raw.i !== undefined) {
    if (INPUT_SHAPES.includes(raw.i)) state.input = raw.i;
    else problems.push(`input shape ${describe(raw.i)} is not one of ${INPUT_SHAPES.join(', ')}`);
  }
  if (raw.e !== undefined) {
    if (typeof raw.e === 'string') state.event = raw.e;
    else problems.push(`the event is not text (${describe(raw.e)})`);
  }
  return { state, problems };
}

/** What to say about a link of `length` characters: `{ level: 'ok' | 'long' | 'too-long', message }`. */
export function linkVerdict(length) {
  const kb = (n) => `${Math.round(n / 1024).toLocaleString('en')} KB`;
  if (length > MAX_LINK_CHARS) {
    return {
      level: 'too-long',
      message: `This link is ${kb(length)}: longer than browsers open (Firefox 1 MB, Chromium 2 MB). Share the event as a file, or copy the link without the event.`,
    };
  }
  if (length > LONG_LINK_CHARS) {
    return { level: 'long', message: `This link is ${kb(length)}: browsers open it, but chat and mail tools may cut links this long.` };
  }
  return { level: 'ok', message: '' };
}

/** Why an exception item as edited cannot be applied yet (an empty list when it can). */
export function itemProblems(item) {
  const problems = [];
  if (!item.entries.length) problems.push('it has no entries');
  item.entries.forEach((e, j) => {
    if (!e.field || !e.field.trim()) problems.push(`entry ${j + 1} has no field`);
    else if ((e.type === 'match' || e.type === 'wildcard') && !(e.value ?? '')) problems.push(`entry ${j + 1} has no value`);
    else if (e.type === 'match_any' && !(e.value ?? []).some((v) => v !== '')) problems.push(`entry ${j + 1} has no values`);
  });
  return problems;
}

/** An item as edited, as the engine takes it: fields trimmed, empty list values dropped. */
export function appliedItem(item) {
  const entry = (e) => {
    // Elastic's own order: field, operator, type, value.
    const out =
      e.type === 'nested'
        ? { field: e.field.trim(), type: e.type, entries: e.entries }
        : { field: e.field.trim(), operator: e.operator, type: e.type };
    if (e.type === 'match' || e.type === 'wildcard') out.value = e.value ?? '';
    if (e.type === 'match_any') out.value = (e.value ?? []).filter((v) => v !== '');
    return out;
  };
  const out = { name: item.name || 'Untitled exception', entries: item.entries.map(entry) };
  if (item.item_id) out.item_id = item.item_id;
  if (item.os_types && item.os_types.length) out.os_types = item.os_types;
  return out;
}

/** The items of a state that are complete enough to compile, as the engine takes them. */
export function appliedExceptions(items) {
  return items.filter((item) => itemProblems(item).length === 0).map(appliedItem);
}

// The playground's whole state in the URL fragment: `#s=` + base64url(deflate-raw(JSON)), so a
// link reproduces the query, version, tuning, exceptions and event. Nothing leaves the page:
// the fragment is never sent to a server.

const PREFIX = 's=';

function toBase64Url(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function pipe(bytes, stream) {
  const blob = new Blob([bytes]);
  const out = await new Response(blob.stream().pipeThrough(stream)).arrayBuffer();
  return new Uint8Array(out);
}

/** The fragment (without `#`) for a state object. */
export async function encodeState(state) {
  const json = new TextEncoder().encode(JSON.stringify(state));
  const packed = await pipe(json, new CompressionStream('deflate-raw'));
  return PREFIX + toBase64Url(packed);
}

/** The state in a fragment (with or without `#`), or `null` when there is none or it is unreadable. */
export async function decodeState(hash) {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!text.startsWith(PREFIX)) return null;
  try {
    const bytes = await pipe(fromBase64Url(text.slice(PREFIX.length)), new DecompressionStream('deflate-raw'));
    const state = JSON.parse(new TextDecoder().decode(bytes));
    return state !== null && typeof state === 'object' && !Array.isArray(state) ? state : null;
  } catch {
    return null;
  }
}

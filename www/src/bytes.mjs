// Byte helpers shared by the pages and the worker.

/** One Uint8Array of `size` bytes holding `parts` in order. */
export function concatBytes(parts, size = parts.reduce((n, p) => n + p.length, 0)) {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

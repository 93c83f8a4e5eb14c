// A tiny static server for www/ (the playground and the log-viewer demo), on 127.0.0.1 only,
// with a strict Content-Security-Policy on every response. Nothing it serves calls out: the
// pages evaluate events in the page, on the WebAssembly module.
//
//   node scripts/serve.mjs            # PORT=8080 by default
//   PORT=0 node scripts/serve.mjs     # any free port
//
// Also imported by the browser tests: `startServer({ port: 0 })`.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const WWW_ROOT = resolve(here, '..', 'www');

/** The policy sent as a header. The pages carry the same one in a <meta> tag, less
 * `frame-ancestors`, which browsers ignore (and warn about) when it comes from a <meta>; both
 * apply, so a page's <meta> may be stricter (`trusted-types 'none'`). */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  // Trusted Types: no string reaches a script sink (eval, script URLs, innerHTML, ...) unless a
  // named policy made it. The one policy is the log viewer's, for its worker's URL; the pages
  // that need none say `trusted-types 'none'` in their own <meta>.
  "require-trusted-types-for 'script'",
  'trusted-types eil-worker',
].join('; ');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.ndjson': 'application/x-ndjson; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
};

function send(res, status, body, type = 'text/plain; charset=utf-8') {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

/**
 * Where a directory redirects to: its path under the root, rebuilt from the file system's
 * segments and percent-encoded, so it always starts with a single `/` and one path segment.
 * Never the request's own path: `/%2F%2Fevil.example%2F..%2Fdist` decodes to
 * `//evil.example/../dist`, which a browser reads as another host when echoed back.
 */
export function directoryLocation(root, dir) {
  const segments = relative(root, dir)
    .split(sep)
    .filter((s) => s !== '');
  return `/${segments.map((s) => `${encodeURIComponent(s)}/`).join('')}`;
}

async function handle(root, req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'method not allowed\n');
  }
  let path;
  try {
    path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
  } catch {
    return send(res, 400, 'bad request\n');
  }
  if (path.includes('\0')) return send(res, 400, 'bad request\n');
  if (path.endsWith('/')) path += 'index.html';
  const file = normalize(join(root, path));
  if (file !== root && !file.startsWith(root + sep)) return send(res, 403, 'forbidden\n');
  let info;
  try {
    info = await stat(file);
  } catch {
    return send(res, 404, 'not found\n');
  }
  if (info.isDirectory()) {
    res.writeHead(301, { ...SECURITY_HEADERS, Location: directoryLocation(root, file) });
    return res.end();
  }
  const body = await readFile(file);
  const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Starts the server; resolves to `{ server, url, port, close() }`. */
export function startServer({ port = 8080, host = '127.0.0.1', root = WWW_ROOT } = {}) {
  const absRoot = resolve(root);
  const server = createServer((req, res) => {
    handle(absRoot, req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
      console.error(err);
    });
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = server.address().port;
      resolvePromise({
        server,
        port: actual,
        url: `http://${host}:${actual}/`,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = process.env.PORT === undefined ? 8080 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: PORT must be a port number, not ${JSON.stringify(process.env.PORT)}`);
    process.exit(2);
  }
  const { url } = await startServer({ port });
  console.log(`Playground:      ${url}`);
  console.log(`Log-viewer demo: ${url}viewer.html`);
  console.log('(Ctrl-C to stop)');
}

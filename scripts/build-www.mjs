// Builds the browser pages in www/: bundles www/src/*.mjs (CodeMirror 6 and the package's own
// browser entry included) into www/dist/ with esbuild, and copies the WebAssembly module from
// pkg/web/ next to the bundles. The pages import nothing from a CDN: www/ is self-contained.
//
//   node scripts/build-www.mjs           (npm run build:www; needs pkg/web from npm run build)
import { build } from 'esbuild';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'www', 'src');
const dist = join(root, 'www', 'dist');
const wasmName = 'external_ip_lookup_rule_bg.wasm';
const wasm = join(root, 'pkg', 'web', wasmName);

try {
  await stat(wasm);
} catch {
  console.error(`build-www: ${wasm} is missing; build the package first (npm run build)`);
  process.exit(1);
}

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

const started = Date.now();
const result = await build({
  entryPoints: {
    playground: join(src, 'playground.mjs'),
    'viewer-demo': join(src, 'viewer-demo.mjs'),
    worker: join(src, 'worker.mjs'),
    'embed-example': join(src, 'embed-example.mjs'),
  },
  outdir: dist,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  // The page must never fetch anything at run time but its own files.
  external: [],
  logLevel: 'warning',
  // wasm-bindgen's web glue imports its inline JS snippet once per imported function and lists
  // each under the same key: every duplicate is the same module namespace, so nothing is lost.
  logOverride: { 'duplicate-object-key': 'silent' },
  metafile: true,
});
await copyFile(wasm, join(dist, wasmName));

const outputs = Object.entries(result.metafile.outputs)
  .filter(([file]) => file.endsWith('.js'))
  .map(([file, info]) => `${file.replace(/^.*\//, '')} ${(info.bytes / 1024).toFixed(0)} KB`);
console.log(`build-www: ${outputs.join(', ')}, ${wasmName} copied (${Date.now() - started} ms)`);

// Shipping the .wasm with a bundler, as the README says: esbuild leaves the glue's
// `new URL('external_ip_lookup_rule_bg.wasm', import.meta.url)` as it is and emits no .wasm, so
// either the file is copied next to the bundle, or it is imported (`external-ip-lookup-rule/wasm`)
// with the `file` loader and its URL given to `init()`. Each recipe is bundled for the browser
// here, then run (in Node, with a fetch that reads the file a URL names) to show it loads the
// module.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const wasmName = 'external_ip_lookup_rule_bg.wasm';
const wasm = fs.readFileSync(path.join(root, 'pkg', 'web', wasmName));

/** A project that depends on the package (a link to this checkout), with one entry file. */
function project(entry) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eilr-bundle-'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(root, path.join(dir, 'node_modules', 'external-ip-lookup-rule'), 'dir');
  fs.writeFileSync(path.join(dir, 'entry.mjs'), entry);
  return dir;
}

async function bundle(dir, options = {}) {
  await build({
    entryPoints: [path.join(dir, 'entry.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    outdir: path.join(dir, 'dist'),
    logLevel: 'silent',
    ...options,
  });
}

/** Runs a browser bundle in this process; its fetch of a file: URL reads that file. */
async function runBundle(file) {
  const realFetch = globalThis.fetch;
  const fetched = [];
  globalThis.fetch = async (url) => {
    const u = new URL(url);
    fetched.push(u.href);
    return new Response(fs.readFileSync(fileURLToPath(u)), { headers: { 'content-type': 'application/wasm' } });
  };
  try {
    const mod = await import(pathToFileURL(file).href);
    return { result: await mod.result, fetched };
  } finally {
    globalThis.fetch = realFetch;
  }
}

const EVENT = `{ event: { category: ['network'], action: 'lookup_requested' }, network: { protocol: 'dns' },
  process: { name: 'curl.exe', executable: 'C:\\\\Temp\\\\curl.exe' }, dns: { question: { name: 'api.ipify.org' } } }`;

describe('esbuild', () => {
  it('emits no .wasm by itself: copied next to the bundle, the glue finds it', async () => {
    const dir = project(`import init, { evaluate } from 'external-ip-lookup-rule';
export const result = init().then(() => evaluate(${EVENT}).matched);\n`);
    await bundle(dir);
    const dist = path.join(dir, 'dist');
    assert.deepEqual(fs.readdirSync(dist), ['entry.js'], 'esbuild emitted the bundle alone');
    assert.match(fs.readFileSync(path.join(dist, 'entry.js'), 'utf8'), /new URL\("external_ip_lookup_rule_bg\.wasm", import\.meta\.url\)/);
    fs.copyFileSync(path.join(dir, 'node_modules', 'external-ip-lookup-rule', 'pkg', 'web', wasmName), path.join(dist, wasmName));
    const { result, fetched } = await runBundle(path.join(dist, 'entry.js'));
    assert.equal(result, true);
    assert.deepEqual(fetched, [pathToFileURL(path.join(dist, wasmName)).href]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('emits it with the file loader when the entry imports external-ip-lookup-rule/wasm', async () => {
    const dir = project(`import init, { evaluate } from 'external-ip-lookup-rule';
import wasmUrl from 'external-ip-lookup-rule/wasm';
export const result = init(new URL(wasmUrl, import.meta.url)).then(() => evaluate(${EVENT}).matched);\n`);
    await bundle(dir, { loader: { '.wasm': 'file' } });
    const dist = path.join(dir, 'dist');
    const emitted = fs.readdirSync(dist).filter((f) => f.endsWith('.wasm'));
    assert.equal(emitted.length, 1);
    assert.match(emitted[0], /^external_ip_lookup_rule_bg-[A-Z0-9]+\.wasm$/);
    assert.ok(fs.readFileSync(path.join(dist, emitted[0])).equals(wasm));
    const { result, fetched } = await runBundle(path.join(dist, 'entry.js'));
    assert.equal(result, true);
    assert.deepEqual(fetched, [pathToFileURL(path.join(dist, emitted[0])).href]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

// The npm package as users get it: its declarations type-check (the browser's without
// @types/node), are not ES modules typed as CommonJS (arethetypeswrong), and it ships the
// licences of what it holds.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const sh = (cmd, args) => spawnSync(bin(cmd), args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });

describe('the npm package', () => {
  it('type-checks for Node (CommonJS and ES modules) and for browsers without @types/node', () => {
    for (const project of ['tests/types', 'tests/types/browser']) {
      const r = sh('tsc', ['--noEmit', '-p', project]);
      assert.equal(r.status, 0, `${project}:\n${r.stdout}${r.stderr}`);
    }
  });

  it('has types of the right module kind for every entry (arethetypeswrong)', () => {
    const r = sh('attw', ['--pack', '.', '--format', 'json']);
    const { problems } = JSON.parse(r.stdout).analysis;
    // The only ones: the browser-only subpaths `./viewer` (an ES module) and `./wasm` (the
    // module's file, for bundlers) have no CommonJS form (require() of them fails in Node, as
    // attw says), and TypeScript's legacy `node10` resolution, which predates `exports`, cannot
    // find a subpath. Both are what the package means; the main entry has none.
    assert.deepEqual(problems.map((p) => `${p.entrypoint} ${p.resolutionKind} ${p.kind}`).sort(), [
      './viewer node10 NoResolution',
      './viewer node16-cjs CJSResolvesToESM',
      './wasm node10 NoResolution',
      './wasm node16-cjs CJSResolvesToESM',
    ]);
    const strict = sh('attw', ['--pack', '.', '--profile', 'node16', '--ignore-rules', 'cjs-resolves-to-esm']);
    assert.equal(strict.status, 0, strict.stdout + strict.stderr);
  });

  it("ships the code's licences and the notice for the Elastic rule text", () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
    const files = JSON.parse(r.stdout)[0].files.map((f) => f.path);
    for (const f of [
      'LICENSE-MIT',
      'LICENSE-APACHE',
      'NOTICE',
      'index.d.ts',
      'node.d.ts',
      'node.d.mts',
      'browser.d.mts',
      'viewer.d.mts',
      'wasm.d.mts',
    ]) {
      assert.ok(files.includes(f), f);
    }
    assert.ok(files.some((f) => f.endsWith('.wasm')));
    assert.ok(!files.some((f) => f.startsWith('tests/')));
  });
});

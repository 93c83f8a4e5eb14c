// The browser entry (js/browser.mjs), run in Node: init() with the module's bytes, then the same
// API as in Node. (A real browser run is the job of an end-to-end test; this one checks the
// entry's own logic: errors before init, one instance, the exports browser.d.mts declares.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import module from 'node:module';
import { readFileSync } from 'node:fs';

const canHook = typeof module.register === 'function';
if (canHook) module.register('./support/web-glue-as-esm.mjs', import.meta.url);
const wasm = () => readFileSync(new URL('../../pkg/web/external_ip_lookup_rule_bg.wasm', import.meta.url));
const load = () => import('../../js/browser.mjs');

test('the browser entry: errors before init, then the API', { skip: !canHook && 'needs module.register (Node >= 20.6)' }, async () => {
  const b = await load();
  assert.equal(b.default, b.init, 'the default export is init');
  for (const name of [
    'init',
    'compileRule',
    'evaluate',
    'matches',
    'scanNdjson',
    'versions',
    'packs',
    'suggestException',
    'fieldValues',
    'queryTokens',
    'tunableLists',
  ]) {
    assert.equal(typeof b[name], 'function', name);
  }
  assert.throws(
    () => b.evaluate({}),
    (e) => e instanceof Error && /await init\(\)/.test(e.message),
  );
  assert.throws(() => b.compileRule(), /await init\(\)/);

  const first = b.init(new Uint8Array(wasm()));
  const second = b.init();
  const api = await first;
  assert.equal(await second, api, 'a second init() while loading shares the first');
  assert.equal(await b.init(), api, 'init() after loading returns the same API');

  const rule = b.compileRule({ version: '102' });
  const sample = rule.samples().find((s) => s.expect === 'match');
  assert.equal(b.matches(sample.event), true);
  assert.equal(b.evaluate(JSON.stringify(sample.event)).matched, true);
  assert.equal(b.scanNdjson(`${JSON.stringify(sample.event)}\n`).counts.matched, 1);
  assert.deepEqual(
    b.versions().map((v) => v.version),
    ['4', '102', '104', '108'],
  );
  assert.ok(rule instanceof api.Rule);
  assert.throws(() => b.compileRule({ query: 'network where (' }), { code: 'syntax' });
  assert.equal(b.matches(sample.event), true, 'still answers after an error');

  // A trap makes a new instance of the same module (the glue's `__reinstantiate`): the rules made
  // before compile again from their options on their next use.
  const tuned = b.compileRule({ addDomains: ['*ident.me'] });
  const ident = { ...sample.event, dns: { question: { name: 'v4.ident.me' } } };
  assert.equal(tuned.matches(ident), true);
  for (let i = 0; i < 20; i++) assert.throws(() => tuned._call('trapForTests'), { code: 'internal' });
  assert.equal(tuned.matches(ident), true);
  assert.equal(rule.evaluate(sample.event).matched, true);
  assert.equal(b.matches(sample.event), true);
  assert.equal(b.queryTokens('any where a')[0].kind, 'keyword');
});

// Hostile input through the JS API (the WebAssembly module): none may crash the module, hang it,
// make it lie or lose an event (read = matched + not matched + rejected). A trapped wasm module
// fails every later call, so the last test feeds every case again and then checks that a normal
// event still gets the right verdict. The Rust API's cases are in tests/hostile.rs.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

import api from 'external-ip-lookup-rule';

const { compileRule, evaluate, matches, scanNdjson, suggestException } = api;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GZ = path.join(ROOT, 'tests/fixtures/hostile/truncated.ndjson.gz');

const hit = () => ({
  event: { category: ['network'], action: 'lookup_requested' },
  network: { protocol: 'dns' },
  process: { name: 'x.exe', executable: 'C:\\Temp\\x.exe' },
  user: { id: 'S-1-5-21-1' },
  dns: { question: { name: 'api.ipify.org' } },
});
const miss = () => ({ ...hit(), dns: { question: { name: 'example.com' } } });
const HIT = JSON.stringify(hit());
const MISS = JSON.stringify(miss());

function addsUp(r, physicalLines) {
  const c = r.counts;
  assert.equal(c.lines, c.matched + c.unmatched + c.rejected, JSON.stringify(c));
  assert.equal(r.matched.length, c.matched);
  assert.equal(r.errors.length, c.rejected);
  if (physicalLines !== undefined) assert.equal(c.lines + c.blank, physicalLines, JSON.stringify(c));
}

/** Runs `f`; it must return, or throw an Error with a `code` (never a wasm RuntimeError). */
function survives(f) {
  try {
    return { value: f() };
  } catch (e) {
    assert.ok(!(e instanceof WebAssembly.RuntimeError), `the module trapped: ${e}`);
    assert.ok(e instanceof Error, `threw a non-Error: ${e}`);
    assert.equal(typeof e.code, 'string', `an error without a code: ${e.stack}`);
    return { error: e };
  }
}

function stillWorks() {
  assert.equal(matches(hit()), true);
  assert.equal(evaluate(hit()).matched, true);
  assert.equal(matches(HIT), true);
  assert.equal(matches(miss()), false);
  assert.equal(evaluate(MISS).matched, false);
  assert.deepEqual(scanNdjson(`${HIT}\n${MISS}\n`).matched, [1]);
}

const deepText = (n, object) => (object ? `${'{"a":'.repeat(n)}1${'}'.repeat(n)}` : `${'['.repeat(n)}${']'.repeat(n)}`);

test('JSON nested 10,000 deep: text, object, NDJSON line', () => {
  for (const object of [false, true]) {
    const text = deepText(10_000, object);
    const { error } = survives(() => evaluate(text));
    assert.equal(error.code, 'event');
    assert.match(error.message, /recursion limit/);
    // As a JS object: the rule reads only its own fields, so a deep subtree elsewhere is harmless;
    // deep on a field it reads, the value is not read (too deep), the event does not match.
    const deep = JSON.parse(text);
    assert.equal(matches({ ...hit(), other: deep }), true);
    const onField = { ...hit(), dns: { question: { name: deep } } };
    const r = survives(() => evaluate(onField));
    if (r.value) assert.equal(r.value.matched, false);
    else assert.equal(r.error.code, 'limit');
    const ndjson = `${text}\n${HIT}\n${JSON.stringify({ ...hit(), dns: { question: { name: 'x' } } }).replace('"x"', text)}\n`;
    const s = scanNdjson(ndjson);
    addsUp(s, 3);
    assert.deepEqual(s.matched, [2]);
    assert.deepEqual(
      s.errors.map((e) => e.line),
      [1, 3],
    );
  }
  stillWorks();
});

test('a 50 MB string value', () => {
  const big = 'a'.repeat(50 << 20);
  // Longer than ignore_above: not indexed, so no value.
  assert.equal(matches({ ...hit(), dns: { question: { name: big } } }), false);
  const v = evaluate({ ...hit(), dns: { question: { name: big } } });
  assert.equal(v.matched, false);
  assert.ok(v.summary.length < 10_000);
  // As the executable: the exclusion cannot apply, the event matches (as in Elasticsearch).
  const exe = { ...hit(), process: { name: 'x.exe', executable: big } };
  assert.equal(matches(exe), true);
  assert.equal(evaluate(JSON.stringify(exe)).matched, true);
  // As an NDJSON line it is over max_line_bytes (16 MiB): rejected, counted.
  const s = scanNdjson(`${JSON.stringify(exe)}\n${HIT}\n`);
  addsUp(s, 2);
  assert.deepEqual(s.matched, [2]);
  assert.match(s.errors[0].message, /max_line_bytes/);
  stillWorks();
});

test('invalid UTF-8 in NDJSON', () => {
  const enc = new TextEncoder();
  const bad = [[0xff], [0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]];
  const parts = [];
  for (const b of bad) {
    parts.push(enc.encode('{"a":"'), Uint8Array.from(b), enc.encode('"}\n'), enc.encode(`${HIT}\n`));
  }
  const bytes = Buffer.concat(parts);
  const r = scanNdjson(bytes);
  addsUp(r, 2 * bad.length);
  assert.equal(r.counts.rejected, bad.length);
  assert.equal(r.counts.matched, bad.length);
  for (const e of r.errors) assert.match(e.message, /UTF-8/);
  stillWorks();
});

test('lone surrogates in JS strings', () => {
  for (const s of ['\uD800', '\uDC00', 'a\uD800b', '\uDBFF\uD800', 'api.ipify.org\uD800']) {
    // In a value: read as U+FFFD, as the UTF-8 encoding of the string gives.
    const e = { ...hit(), dns: { question: { name: `${s}api.ipify.org` } } };
    const m = survives(() => matches(e)).value;
    assert.equal(typeof m, 'boolean');
    assert.equal(evaluate(e).matched, m);
    // The name still ends with the pattern's suffix: a replacement character earlier does not matter.
    assert.equal(m, true);
    // JSON.stringify writes a lone surrogate as a `\ud800` escape, which is not Unicode: that text
    // is rejected as invalid JSON (as the Rust API and the scanner reject it), never misread.
    const asText = survives(() => evaluate(JSON.stringify(e)));
    if (asText.error) assert.equal(asText.error.code, 'event');
    else assert.equal(asText.value.matched, m);
    assert.equal(matches({ ...hit(), dns: { question: { name: `api.ipify.org${s}` } } }), false);
    // In a key, in NDJSON text, in the query, in a list edit.
    assert.equal(matches({ ...hit(), [s]: s }), true);
    const r = scanNdjson(`${HIT.replace('x.exe', `x${s}.exe`)}\n${MISS}\n`);
    addsUp(r, 2);
    assert.deepEqual(r.matched, [1]);
    survives(() => compileRule({ query: `any where a == "${s}"` }).matches({ a: s }));
    survives(() => compileRule({ addDomains: [`*${s}`] }).matches(hit()));
    survives(() => suggestException([{ ...hit(), process: { ...hit().process, executable: s } }]));
  }
  stillWorks();
});

test('__proto__ and constructor keys, and a polluted prototype, are not read as fields', () => {
  // JSON.parse makes `__proto__` an own key: a key like any other, not the event's fields.
  const own = JSON.parse(
    '{"__proto__":{"event":{"category":"network"},"dns":{"question":{"name":"api.ipify.org"}}},"constructor":{"name":"x"}}',
  );
  assert.equal(matches(own), false);
  assert.ok(evaluate(own).missing_fields.includes('dns.question.name'));
  // An object literal's `__proto__` sets the prototype: inherited fields are not the event's.
  assert.equal(matches({ __proto__: hit() }), false);
  assert.equal(matches(Object.create(hit())), false);
  // A query naming such fields reads only own properties.
  const q = compileRule({ query: 'any where constructor.name == "Object" or toString != null or __proto__.x == "y"' });
  assert.equal(q.matches({}), false);
  assert.equal(q.matches(JSON.parse('{"__proto__":{"x":"y"}}')), true);
  assert.equal(q.matches(JSON.parse('{"constructor":{"name":"Object"}}')), true);
  // Object.prototype polluted for the duration: nothing inherited is read.
  const keys = ['event', 'network', 'process', 'user', 'dns', 'dns.question.name'];
  try {
    for (const [k, v] of Object.entries(hit())) Object.prototype[k] = v;
    Object.prototype['dns.question.name'] = 'api.ipify.org';
    assert.equal(matches({}), false);
    assert.equal(evaluate({}).matched, false);
    assert.equal(matches(hit()), true);
  } finally {
    for (const k of keys) delete Object.prototype[k];
  }
  const r = scanNdjson('{"__proto__":null}\n{"constructor":1,"__proto__":{"dns":1}}\n' + HIT);
  addsUp(r, 3);
  assert.deepEqual(r.matched, [3]);
  // Options with those keys are refused by name, not merged into the prototype.
  survives(() => compileRule(JSON.parse('{"__proto__":{"query":"any where true"}}')));
  stillWorks();
});

test('cyclic objects', () => {
  const cyclicArray = [];
  cyclicArray.push(cyclicArray);
  const onField = { ...hit(), dns: { question: { name: cyclicArray } } };
  const r = survives(() => evaluate(onField));
  if (r.value) assert.equal(r.value.matched, false);
  assert.equal(survives(() => matches(onField)).value ?? false, false);
  const self = { ...hit() };
  self.self = self;
  self.dns.question.self = self.dns;
  assert.equal(matches(self), true);
  assert.equal(evaluate(self).matched, true);
  // Where the whole event is copied (exception suggestions, exception items, options): an error.
  const item = { entries: [] };
  item.entries.push(item);
  for (const f of [
    () => suggestException([self]),
    () => suggestException([hit()], [self]),
    () => compileRule({ exceptions: item }),
    () => compileRule({ exceptions: [item] }),
    () => compileRule({ limits: self }),
  ]) {
    const { error } = survives(f);
    assert.ok(error, 'a cyclic value is refused');
  }
  stillWorks();
});

test('deep objects where the whole value is copied', () => {
  const deep = JSON.parse(deepText(10_000, false));
  for (const f of [
    () => suggestException([{ ...hit(), deep }]),
    () => compileRule({ exceptions: [{ entries: deep }] }),
    () => compileRule({ exceptions: { items: deep } }),
  ]) {
    assert.ok(survives(f).error, 'refused');
  }
  stillWorks();
});

test('a query with 100,000 list entries and one with 10,000 nested parentheses', () => {
  const entries = Array.from({ length: 100_000 }, (_, i) => `"*${i}"`).join(',');
  for (const op of [':', 'in', 'like~']) {
    const { error } = survives(() => compileRule({ query: `network where dns.question.name ${op} (${entries})` }));
    assert.equal(error.code, 'limit');
    assert.match(error.message, /max_list_entries/);
  }
  const parens = `any where ${'('.repeat(10_000)}a == "x"${')'.repeat(10_000)}`;
  let { error } = survives(() => compileRule({ query: parens }));
  assert.equal(error.code, 'limit');
  assert.match(error.message, /max_query_depth/);
  ({ error } = survives(() => compileRule({ query: `any where ${'not '.repeat(10_000)}a == "x"` })));
  assert.match(error.message, /max_query_depth/);
  ({ error } = survives(() => compileRule({ query: `any where ${'a.'.repeat(50_000)}b == "x"` })));
  assert.match(error.message, /max_field_segments/);
  ({ error } = survives(() => compileRule({ query: `any where a == "${'x'.repeat(2 << 20)}"` })));
  assert.match(error.message, /max_query_bytes/);
  // 100,000 domains through the tuning options: one limit error, in bounded time.
  const started = Date.now();
  ({ error } = survives(() => compileRule({ addDomains: Array.from({ length: 100_000 }, (_, i) => `*d${i}.example`) })));
  assert.equal(error.code, 'limit');
  assert.ok(Date.now() - started < 20_000);
  // Limits are configurable from JS and named in the errors.
  ({ error } = survives(() => compileRule({ query: 'any where a in ("1", "2", "3")', limits: { maxListEntries: 2 } })));
  assert.match(error.message, /max_list_entries = 2/);
  stillWorks();
});

test('one NDJSON line of 100 MB', () => {
  const big = 'a'.repeat(100 << 20);
  const line = `{"x":"${big}"}`;
  for (const input of [`${HIT}\n${line}\n${HIT}\n`, Buffer.from(`${HIT}\n${line}\n${HIT}`)]) {
    const r = scanNdjson(input);
    addsUp(r, 3);
    assert.deepEqual(r.matched, [1, 3]);
    assert.equal(r.errors[0].line, 2);
    assert.match(r.errors[0].message, /max_line_bytes/);
  }
  stillWorks();
});

test('empty input', () => {
  for (const input of ['', '\n', '\n\n', '  \r\n', '\uFEFF', new Uint8Array(0), Buffer.alloc(0)]) {
    const r = scanNdjson(input);
    addsUp(r);
    assert.equal(r.counts.lines, 0);
  }
  for (const text of ['', ' ', '\uFEFF']) {
    assert.equal(survives(() => evaluate(text)).error.code, 'event');
  }
  assert.equal(evaluate({}).matched, false);
  assert.equal(survives(() => compileRule({ query: '' })).error.code, 'syntax');
  assert.deepEqual(suggestException([]).item ?? null, null);
  stillWorks();
});

test('a truncated gzip file', () => {
  const gz = fs.readFileSync(GZ);
  // Whatever reads it must report the truncation as an error.
  assert.throws(() => zlib.gunzipSync(gz), /unexpected end of file/);
  // What was decompressed before the cut is complete lines and one partial line: each is
  // counted, the partial one rejected.
  const partial = zlib.gunzipSync(gz, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  assert.ok(partial.length > 0);
  const text = partial.toString('utf8');
  const r = scanNdjson(partial);
  const physical = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  addsUp(r, physical);
  assert.ok(r.counts.matched > 0);
  assert.ok(r.counts.rejected <= 1);
  // The compressed bytes themselves, passed as NDJSON by mistake: rejected lines, nothing lost.
  addsUp(scanNdjson(gz), gz.toString('latin1').split('\n').length - (gz.at(-1) === 10 ? 1 : 0));
  stillWorks();
});

test('the CLI reports a truncated .gz file as an error and still counts what came before the cut', () => {
  const run = spawnSync(process.execPath, [path.join(ROOT, 'bin/external-ip-lookup-rule.mjs'), 'scan', '--format', 'summary', GZ], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 2, `exit status ${run.status}\n${run.stderr}`);
  assert.match(run.stderr, /unexpected end of file/);
  const partial = zlib.gunzipSync(fs.readFileSync(GZ), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
  const physical = partial.split('\n').length - (partial.endsWith('\n') ? 1 : 0);
  const m = /([\d,]+) events read.*?: ([\d,]+) matched, ([\d,]+) not matched, ([\d,]+) rejected/.exec(run.stderr);
  assert.ok(m, run.stderr);
  const [read, matched, unmatched, rejected] = m.slice(1).map((x) => Number(x.replace(/,/g, '')));
  assert.equal(read, physical, 'every line decompressed before the cut is read');
  assert.equal(read, matched + unmatched + rejected);
  assert.ok(matched > 0);
  assert.ok(rejected <= 1, 'only the line cut off is rejected');
});

test('the module survives every hostile case, then judges a normal event right', () => {
  const deep = JSON.parse(deepText(10_000, true));
  const cyclic = [];
  cyclic.push(cyclic);
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const cases = [
    () => evaluate(deepText(10_000, false)),
    () => matches({ dns: { question: { name: deep } } }),
    () => evaluate({ dns: { question: { name: cyclic } } }),
    () => suggestException([{ cyclic }]),
    () => suggestException([{ deep }]),
    () => compileRule({ exceptions: { entries: cyclic } }),
    () => compileRule({ query: `any where ${'('.repeat(10_000)}a == "x"${')'.repeat(10_000)}` }),
    () => compileRule({ query: `any where a in (${Array.from({ length: 100_000 }, (_, i) => `"${i}"`).join(',')})` }),
    () => compileRule({ query: `any where ${'a.'.repeat(50_000)}b == "x"` }),
    () => scanNdjson(Uint8Array.from([0xff, 0x0a, 0xc3])),
    () => evaluate('\uD800'),
    () => matches({ a: '\uD800', dns: { question: { name: '\uDC00' } } }),
    () => matches(JSON.parse('{"__proto__":{"dns":{"question":{"name":"api.ipify.org"}}}}')),
    () => evaluate(''),
    () => scanNdjson(''),
    () => scanNdjson(fs.readFileSync(GZ)),
    () => matches(null),
    () => matches([hit()]),
    () => matches(revoked.proxy),
    () => matches({ dns: revoked.proxy }),
    () =>
      evaluate({
        dns: {
          question: new Proxy(
            {},
            {
              getOwnPropertyDescriptor() {
                throw new Error('trap');
              },
            },
          ),
        },
      }),
  ];
  // Many times over: a call that left the wasm stack or heap worse off each time would show.
  for (let round = 0; round < 200; round++) {
    for (const f of cases) {
      try {
        f();
      } catch (e) {
        assert.ok(!(e instanceof WebAssembly.RuntimeError), `round ${round}: the module trapped: ${e}\n${f}`);
      }
    }
    if (round % 50 === 0) stillWorks();
  }
  stillWorks();
  const rule = compileRule({ version: '108' });
  assert.equal(rule.matches({ ...hit(), host: { os: { type: 'windows' } } }), true);
});

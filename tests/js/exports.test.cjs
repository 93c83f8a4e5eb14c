'use strict';
// The exports JS tools use instead of copies of the engine's knowledge: the query's tokens for
// highlighting, the lists the tuning edits, a field's values as the engine reads them, and the JS
// field reader (js/fields.cjs) held to them.

const assert = require('node:assert/strict');
const { test } = require('node:test');

const api = require('external-ip-lookup-rule');
const fields = require('../../js/fields.cjs');
const { matchingEvent } = require('./helpers.cjs');

const VERSIONS = api.versions().map((v) => v.version);

test('query tokens cover the text in order, with UTF-16 spans and kinds', () => {
  const q = 'network where dns.question.name : ("*é.example", "😀*") /* ü */ and not `a b` in~ (1, true)';
  const tokens = api.queryTokens(q);
  const text = tokens.map((t) => [t.kind, q.slice(t.from, t.to)]);
  assert.deepEqual(text, [
    ['category', 'network'],
    ['keyword', 'where'],
    ['field', 'dns.question.name'],
    ['operator', ':'],
    ['punctuation', '('],
    ['string', '"*é.example"'],
    ['punctuation', ','],
    ['string', '"😀*"'],
    ['punctuation', ')'],
    ['comment', '/* ü */'],
    ['keyword', 'and'],
    ['keyword', 'not'],
    ['field', '`a b`'],
    ['keyword', 'in'],
    ['operator', '~'],
    ['punctuation', '('],
    ['number', '1'],
    ['punctuation', ','],
    ['atom', 'true'],
    ['punctuation', ')'],
  ]);
  // Only whitespace lies between tokens.
  let at = 0;
  for (const t of tokens) {
    assert.match(q.slice(at, t.from), /^\s*$/);
    assert.ok(t.to > t.from);
    at = t.to;
  }
});

test('query tokens of text being typed: what the lexer refuses is invalid, the rest is read', () => {
  const q = 'network where a == "unclosed\n and b = 1 and c < 2 | head';
  const kinds = api.queryTokens(q).map((t) => `${t.kind}:${q.slice(t.from, t.to)}`);
  assert.deepEqual(kinds, [
    'category:network',
    'keyword:where',
    'field:a',
    'operator:==',
    'invalid:"unclosed',
    'keyword:and',
    'field:b',
    'invalid:=',
    'number:1',
    'keyword:and',
    'field:c',
    'operator:<',
    'number:2',
    'unsupported:|',
    'field:head',
  ]);
  // The escapes the engine accepts are one string, as it lexes them (\b \f \' included).
  assert.deepEqual(
    api.queryTokens(String.raw`"a\b\f\'\"\u{1F600}" """raw "x" """`).map((t) => t.kind),
    ['string', 'string'],
  );
  assert.deepEqual(api.queryTokens(''), []);
  assert.throws(() => api.queryTokens(1), { name: 'TypeError', code: 'invalid_argument' });
});

test('tunable lists: the spans of the lists and entries the edits change, for every version', () => {
  for (const version of VERSIONS) {
    const rule = api.compileRule({ version });
    const q = rule.query;
    const { domains, executables } = api.tunableLists(q);
    assert.ok(domains, version);
    assert.match(q.slice(domains.from, domains.to), /^dns\.question\.name\s*:/);
    for (const e of domains.entries) assert.equal(JSON.parse(q.slice(e.from, e.to)), e.value);
    // Removing every entry the list shows is what the edits accept.
    const some = domains.entries.slice(0, 2).map((e) => e.value);
    const edited = api.compileRule({ version, removeDomains: some });
    const after = api.tunableLists(edited.query).domains.entries.map((e) => e.value);
    assert.equal(after.length, domains.entries.length - some.length, version);
    if (executables) {
      assert.match(q.slice(executables.from, executables.to), /^process\.executable\s*:/);
      for (const e of executables.entries) assert.equal(JSON.parse(q.slice(e.from, e.to)), e.value);
      const removed = api.compileRule({ version, removeExcludedExecutables: [executables.entries[0].value] });
      assert.equal(api.tunableLists(removed.query).executables.entries.length, executables.entries.length - 1);
    }
  }
});

test('tunable lists in a query with non-ASCII text and escapes', () => {
  const q = '/* é */ network where dns.question.name : ("*ü.example", "a\\"b") and not process.executable : "C:\\\\x😀"';
  const { domains, executables } = api.tunableLists(q);
  assert.deepEqual(
    domains.entries.map((e) => [q.slice(e.from, e.to), e.value]),
    [
      ['"*ü.example"', '*ü.example'],
      ['"a\\"b"', 'a"b'],
    ],
  );
  assert.equal(q.slice(domains.from, domains.to), 'dns.question.name : ("*ü.example", "a\\"b")');
  assert.deepEqual(
    executables.entries.map((e) => e.value),
    ['C:\\x😀'],
  );
  assert.deepEqual(api.tunableLists('any where a == 1'), { domains: null, executables: null });
  assert.throws(() => api.tunableLists('any where ('), { code: 'syntax' });
});

test('fieldValues reads a field as the engine does, on objects, hits and JSON text', () => {
  const doc = {
    dns: { question: { name: 'a.example' } },
    'dns.question.name': ['b.example', null, [7, true]],
    'dns.question': { name: { nested: 'object: no value' } },
    big: 'x'.repeat(2000),
  };
  const want = ['a.example', 'b.example', '7', 'true'];
  assert.deepEqual(api.fieldValues(doc, 'dns.question.name'), want);
  assert.deepEqual(api.fieldValues(JSON.stringify(doc), 'dns.question.name'), want);
  assert.deepEqual(api.fieldValues(Buffer.from(JSON.stringify(doc)), 'dns.question.name'), want);
  assert.deepEqual(api.fieldValues({ _index: 'i', _source: doc }, 'dns.question.name'), want);
  // Longer than ignore_above (1,024): not indexed, no value.
  assert.deepEqual(api.fieldValues(doc, 'big'), []);
  // Inherited properties are not the event's.
  assert.deepEqual(api.fieldValues(Object.create({ a: 'x' }), 'a'), []);
  assert.deepEqual(api.fieldValues({ a: 1.5, b: -0 }, 'a'), ['1.5']);
});

test('fields.cjs: the one JS field reader, with the engine limits', () => {
  const limits = api.compileRule({}).limits;
  assert.equal(fields.MAX_EVENT_DEPTH, limits.maxEventDepth);
  assert.equal(fields.MAX_ELEMENTS, limits.maxLineBytes / 2);
  // Depth as the engine counts it: the root is 0, each object or array one more.
  let deep = 'x';
  for (let i = 0; i < 200; i++) deep = [deep];
  assert.deepEqual(fields.fieldValues({ a: deep }, 'a'), []);
  let fits = 'x';
  for (let i = 0; i < limits.maxEventDepth - 1; i++) fits = [fits];
  assert.deepEqual(fields.fieldValues({ a: fits }, 'a'), ['x']);
  assert.deepEqual(api.fieldValues({ a: fits }, 'a'), ['x']);
  const over = [fits];
  assert.deepEqual(fields.fieldValues({ a: over }, 'a'), []);
  assert.deepEqual(api.fieldValues({ a: over }, 'a'), []);
  // A cycle is bounded the same way.
  const cyclic = { a: {} };
  cyclic.a.a = cyclic.a;
  assert.deepEqual(fields.fieldValues(cyclic, 'a.a.a.a'), []);
  // Hostile lengths are not read (no valueOf, no loop over 2^32 holes).
  const lying = new Proxy([], {
    get: (t, k) =>
      k === 'length'
        ? {
            valueOf: () => {
              throw new Error('ran');
            },
          }
        : t[k],
  });
  assert.deepEqual(fields.fieldValues({ a: lying }, 'a'), []);
  const sparse = [];
  sparse.length = 2 ** 32 - 1;
  assert.deepEqual(fields.fieldValues({ a: sparse }, 'a'), []);
});

test('fields.cjs agrees with the engine on the values of generated events', () => {
  const base = matchingEvent();
  const paths = ['dns.question.name', 'process.name', 'user.id', 'event.category', 'host.os.type'];
  const shapes = [
    base,
    { ...base, 'process.name': ['a', ['b', null, 3]], process: [{ name: 'c' }, { name: { x: 1 } }, null] },
    { 'dns.question': [{ name: 'x' }, { name: false }], dns: { 'question.name': 'y' } },
    // (Numbers' text is the engine's: 1e21 is left to the number tests.)
    { host: { 'os.type': 12, os: { type: [0.1, -5, NaN, Infinity] } } },
  ];
  for (const doc of shapes) {
    for (const p of paths) {
      const js = fields.fieldValues(doc, p).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      assert.deepEqual(js, api.fieldValues(doc, p), `${p} of ${JSON.stringify(doc)}`);
    }
  }
});

test("known fields: the default ECS mapping's names, for completing field names in an editor", () => {
  const names = api.knownFields();
  assert.ok(names.length > 300, `${names.length} fields`);
  for (const f of ['dns.question.name', 'process.executable', 'user.id', 'event.category', 'process.code_signature.trusted'])
    assert.ok(names.includes(f), f);
  assert.ok(!names.includes('dns.question.nmae'));
  // Every name is one the engine maps: no unknown_field warning for it.
  const q = names
    .slice(0, 40)
    .map((f) => `${f} != null`)
    .join(' or ');
  assert.deepEqual(
    api.compileRule({ query: `any where ${q}` }).warnings.filter((w) => w.kind === 'unknown_field'),
    [],
  );
  names.push('x');
  assert.ok(!api.knownFields().includes('x'), 'a copy');
});

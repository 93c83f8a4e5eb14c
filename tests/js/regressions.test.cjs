'use strict';
// Defects found while writing the JS tests, each kept as the behaviour it now has, so that it
// stays fixed.

const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { test } = require('node:test');
const { assert, matchingEvent, withField } = require('./helpers.cjs');

const { evaluate, matches, compileRule, scanNdjson } = require('external-ip-lookup-rule');

const outcome = (fn) => {
  try {
    const r = fn();
    return typeof r === 'boolean' ? r : r.matched;
  } catch (e) {
    return `throws ${e.code}`;
  }
};

test('matches() and evaluate() agree on a field with a matching value before a too-deep array', () => {
  let deep = 'network';
  for (let i = 0; i < 200; i++) deep = [deep];
  const e = withField(matchingEvent(), 'event.category', ['network', deep]);
  // A too-deep value is no value on both paths (reason kind too_deep), never an error on one.
  assert.equal(
    outcome(() => matches(e)),
    outcome(() => evaluate(e)),
  );
  const cyclic = ['network'];
  cyclic.push(cyclic);
  const c = withField(matchingEvent(), 'event.category', 'x');
  c.event.category = cyclic;
  assert.equal(
    outcome(() => matches(c)),
    outcome(() => evaluate(c)),
  );
});

test('every TypeError carries code "invalid_argument", the wrapper\'s too', () => {
  for (const fn of [
    () => compileRule({ versoin: '102' }),
    () => compileRule({ version: 102 }),
    () => compileRule('102'),
    () => compileRule({ addDomains: 'x' }),
    () => scanNdjson(42),
  ]) {
    assert.throws(fn, (e) => e instanceof TypeError && e.code === 'invalid_argument', String(fn));
  }
});

test('an unknown key in `limits` is rejected like an unknown option', () => {
  assert.throws(() => compileRule({ limits: { max_event_depth: 2 } }), TypeError);
  assert.throws(() => compileRule({ limits: { maxEventDepht: 2 } }), TypeError);
});

test('evaluate(ArrayBuffer) reads the bytes (as scanNdjson does) or throws, never a silent no-match', () => {
  const json = JSON.stringify(matchingEvent());
  const ab = new TextEncoder().encode(json).buffer;
  assert.equal(scanNdjson(ab).counts.matched, 1);
  assert.notEqual(
    outcome(() => evaluate(ab)),
    false,
  );
  assert.notEqual(
    outcome(() => matches(ab)),
    false,
  );
});

test("the category reason's byte range is its clause text", () => {
  const rule = compileRule();
  const where = rule.evaluate(matchingEvent()).reasons.children[0];
  assert.equal(where.op, 'where');
  assert.equal(rule.query.slice(where.start, where.end), where.clause);
});

test('a TypeError for null says null', () => {
  assert.throws(() => evaluate(null), /not null/);
});

test('the summary of a match by a process with an empty name does not start with a space', () => {
  const v = evaluate(withField(matchingEvent(), 'process.name', ''));
  assert.equal(v.matched, true);
  assert.doesNotMatch(v.summary, /^\s/);
});

test('editing rule.info does not change rule.query', () => {
  const rule = compileRule();
  const query = rule.query;
  rule.info.query = 'edited';
  assert.equal(rule.query, query);
});

test('a lone surrogate reads alike from an object and from its JSON.stringify text', () => {
  const e = withField(matchingEvent(), 'dns.question.name', '\uD800api.ipify.org');
  assert.equal(
    outcome(() => evaluate(JSON.stringify(e))),
    outcome(() => evaluate(e)),
  );
});

test('the web glue loads as an ES module under Node with the browser condition', () => {
  const root = path.join(__dirname, '..', '..');
  const r = spawnSync(
    process.execPath,
    ['--conditions=browser', '--input-type=module', '-e', "import('external-ip-lookup-rule').then((m) => console.log(typeof m.init))"],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stderr.split('\n').find((l) => l.includes('Error')) ?? r.stderr);
  assert.equal(r.stdout.trim(), 'function');
});

// The limits that protect the WebAssembly module: the depth ceilings its stack survives, and
// memory given back after a rejected query. (The Rust side of the same bounds: tests/hostile.rs.)
import test from 'node:test';
import assert from 'node:assert/strict';
import { compileRule } from 'external-ip-lookup-rule';

const CEILINGS = { maxQueryDepth: 300, maxEventDepth: 512 };

test('raising a depth past its ceiling is a limit error naming it, and the module keeps working', () => {
  for (const [key, value] of [
    ['maxQueryDepth', 301],
    ['maxQueryDepth', 1e9],
    ['maxEventDepth', 513],
    ['maxEventDepth', 100_000],
  ]) {
    assert.throws(
      () => compileRule({ limits: { [key]: value } }),
      (e) => e.code === 'limit' && e.message.includes(`= ${value} is over its ceiling`),
      `${key} ${value}`,
    );
  }
  assert.equal(compileRule({}).matches({}), false);
});

test('at the ceilings, the deepest query and event compile, evaluate and cross back', () => {
  const d = CEILINGS.maxQueryDepth - 1;
  for (const q of [`any where ${'('.repeat(d)}a.b == "x"${')'.repeat(d)}`, `any where ${'not '.repeat(d)}a.b == "x"`]) {
    const rule = compileRule({ query: q, limits: CEILINGS });
    const v = rule.evaluate({ a: { b: 'x' } });
    assert.equal(typeof v.summary, 'string');
  }
  let deep = 'x';
  for (let i = 0; i < CEILINGS.maxEventDepth - 2; i++) deep = [deep];
  const rule = compileRule({ query: 'any where a.b == "x"', limits: CEILINGS });
  assert.equal(rule.matches({ a: { b: deep } }), true);
  assert.equal(rule.evaluate({ a: { b: deep } }).matched, true);
});

test('a rejected query gives its memory back: 200 half-megabyte queries refused, the process stays the same size', () => {
  const entries = Array.from({ length: 10_001 }, (_, i) => `"d${i}.example.com.a.long.suffix.to.fill.the.list"`).join(',');
  const query = `any where dns.question.name : (${entries})`;
  const refuse = () =>
    assert.throws(
      () => compileRule({ query }),
      (e) => e.code === 'limit' && /max_list_entries/.test(e.message),
    );
  for (let i = 0; i < 20; i++) refuse();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < 200; i++) refuse();
  const grown = (process.memoryUsage().rss - before) / 2 ** 20;
  // Kept, 200 copies of the query and its parse would be hundreds of megabytes.
  assert.ok(grown < 64, `RSS grew by ${grown.toFixed(1)} MiB`);
  assert.equal(compileRule({}).matches({}), false);
});

// On a batch of generated Elastic Defend-like events (bench/generate.mjs): the bool path equals
// the explaining path for every version, every input form agrees, scanNdjson agrees line by line,
// and the hand-written baseline of the benchmark agrees with the engine (so the benchmark compares
// like with like), on the default mix and on the benchmark's other mixes (`MIXES`).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { compileRule, versions, matches, evaluate, scanNdjson } from 'external-ip-lookup-rule';
import { generateEvents, toNdjson, MIX, MIXES } from '../../bench/generate.mjs';
import { baselineMatches, baselineScan } from '../../bench/baseline.mjs';

const N = 3000;
const events = generateEvents(N, { seed: 7 });

test('the generator is deterministic, seeded, and realistic in size and mix', () => {
  assert.deepEqual(generateEvents(50, { seed: 7 }), events.slice(0, 50));
  assert.notDeepEqual(generateEvents(50, { seed: 8 }), events.slice(0, 50));
  assert.equal(
    Object.values(MIX).reduce((a, b) => a + b, 0),
    100,
  );
  for (const e of events) {
    const size = Buffer.byteLength(JSON.stringify(e));
    assert.ok(size >= 0.8 * 1024 && size <= 1.5 * 1024, `event of ${size} bytes`);
  }
  const dnsLookups = events.filter((e) => e.event.action === 'lookup_requested').length;
  const dns = events.filter((e) => e.dns !== undefined).length;
  assert.ok(dns / N <= 0.1, `DNS events are ${dns} of ${N}`);
  assert.ok(dnsLookups > 0);
  const categories = new Set(events.map((e) => e.event.category[0]));
  assert.deepEqual([...categories].sort(), ['file', 'network', 'process', 'registry']);
  const hits = events.filter((e) => matches(e)).length;
  assert.ok(hits > 0.005 * N && hits < 0.05 * N, `${hits} matches`);
});

test('matches() equals evaluate().matched on every event, for every version', () => {
  for (const { version } of versions()) {
    const rule = compileRule({ version });
    let matched = 0;
    const disagreements = [];
    for (const [i, e] of events.entries()) {
      const m = rule.matches(e);
      if (rule.evaluate(e).matched !== m) disagreements.push(i);
      if (m) matched++;
    }
    assert.deepEqual(disagreements, [], `version ${version}: events where the paths disagree`);
    assert.ok(matched > 0, `version ${version} matches some generated events`);
  }
});

test('objects, JSON text and bytes give the same verdict', () => {
  const enc = new TextEncoder();
  for (const [i, e] of events.entries()) {
    if (i % 4 !== 0 && e.dns === undefined) continue; // every DNS event, a quarter of the rest
    const json = JSON.stringify(e);
    const v = evaluate(e);
    assert.deepEqual(evaluate(json), v, `event ${i}`);
    assert.equal(matches(enc.encode(json)), v.matched, `event ${i}`);
  }
});

test('scanNdjson matches exactly the events matches() matches', () => {
  const r = scanNdjson(Buffer.from(toNdjson(events)));
  const want = events.flatMap((e, i) => (matches(e) ? [i + 1] : []));
  assert.deepEqual(r.matched, want);
  assert.deepEqual(r.counts, { lines: N, matched: want.length, unmatched: N - want.length, rejected: 0, blank: 0 });
});

test('the benchmark baseline agrees with the engine on every event', () => {
  const disagreements = [];
  for (const [i, e] of events.entries()) {
    if (baselineMatches(e) !== matches(e)) disagreements.push(`event ${i}: ${evaluate(e).summary}`);
  }
  assert.deepEqual(disagreements, []);
  const ndjson = Buffer.from(toNdjson(events));
  const ours = scanNdjson(ndjson);
  const theirs = baselineScan(ndjson);
  assert.deepEqual(theirs.matched, ours.matched);
  assert.deepEqual(theirs.counts, ours.counts);
});

test('the baseline agrees with the engine on the version 102 samples', () => {
  for (const s of compileRule({ version: '102' }).samples()) {
    assert.equal(baselineMatches(s.event), s.expect === 'match', s.why);
  }
});

// The other mixes `npm run bench` measures (large events, keys in random order, arrays of IPs, a
// high share of network or DNS events): matches, evaluate and scanNdjson agree with each other and
// with the baseline on every event. Agreement only; timings are the benchmark's.
for (const mix of Object.keys(MIXES).filter((m) => m !== 'endpoint')) {
  test(`mix \`${mix}\`: matches, evaluate, scanNdjson and the baseline agree on every event`, () => {
    const batch = generateEvents(2000, { seed: 11, mix });
    assert.notDeepEqual(batch.slice(0, 20), events.slice(0, 20));
    const disagreements = [];
    const want = [];
    for (const [i, e] of batch.entries()) {
      const m = matches(e);
      const v = evaluate(e);
      const b = baselineMatches(e);
      if (v.matched !== m || b !== m) disagreements.push(`event ${i}: matches ${m}, evaluate ${v.matched}, baseline ${b}: ${v.summary}`);
      if (m) want.push(i + 1);
    }
    assert.deepEqual(disagreements, []);
    // Neither all nor none: every path decides both ways on this mix.
    assert.ok(want.length > 0 && want.length < batch.length / 2, `${want.length} matches of ${batch.length}`);
    const ndjson = Buffer.from(toNdjson(batch));
    const ours = scanNdjson(ndjson);
    assert.deepEqual(ours.matched, want);
    assert.deepEqual(ours.counts, {
      lines: batch.length,
      matched: want.length,
      unmatched: batch.length - want.length,
      rejected: 0,
      blank: 0,
    });
    const theirs = baselineScan(ndjson);
    assert.deepEqual(theirs.matched, want);
    assert.deepEqual(theirs.counts, ours.counts);
  });
}

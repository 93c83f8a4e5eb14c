// Benchmark: this package against what a Node.js user would write instead, side by side.
//
//   npm run bench                      # 30,000 events
//   npm run bench -- --events 100000 --rounds 7 --seed 1
//
// Measures, on the same generated events (bench/generate.mjs): `matches(obj)`, `evaluate(obj)` and
// `scanNdjson(bytes)` of the default rule, against a plain JS matcher with RegExps (the rule
// translated by hand, bench/baseline.mjs) on parsed objects and `JSON.parse` per line plus that
// matcher on NDJSON. First checks that the baseline and the package agree on every event (exit
// code 1 and the disagreements printed if not). Then prints figures only; timings are never
// asserted. Also prints the gzipped size of the browser .wasm and the time a fresh `node`
// process takes to load the module and compile the default rule.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import api from 'external-ip-lookup-rule';

import { baselineMatches, baselineScan } from './baseline.mjs';
import { generateEvents, toNdjson } from './generate.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const opts = { events: 30000, rounds: 5, seed: 20230314, coldRuns: 5 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => Number(inline ?? argv[++i]);
    switch (flag) {
      case '--events': opts.events = value(); break;
      case '--rounds': opts.rounds = value(); break;
      case '--seed': opts.seed = value(); break;
      case '--cold-runs': opts.coldRuns = value(); break;
      case '--help':
      case '-h':
        console.log('usage: node bench/bench.mjs [--events N] [--rounds R] [--seed S] [--cold-runs C]');
        process.exit(0);
        break;
      default:
        console.error(`unknown argument ${argv[i]}`);
        process.exit(2);
    }
  }
  for (const k of ['events', 'rounds', 'coldRuns']) {
    if (!Number.isInteger(opts[k]) || opts[k] < 1) {
      console.error(`--${k} must be a positive integer`);
      process.exit(2);
    }
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

// ----- machine -----------------------------------------------------------------------------------
const cpus = os.cpus();
console.log(`machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${os.type()} ${os.release()} ${os.arch()}, node ${process.version}`);
console.log(`load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (figures from a busy machine are noisy: compare ratios)`);

// ----- data --------------------------------------------------------------------------------------
const events = generateEvents(opts.events, { seed: opts.seed });
const ndjson = Buffer.from(toNdjson(events));
const mb = ndjson.length / 1e6;
const lookups = events.filter((e) => e.event.action === 'lookup_requested').length;
const dnsAll = events.filter((e) => e.dns !== undefined).length;
console.log(
  `events: ${events.length} (seed ${opts.seed}), NDJSON ${mb.toFixed(2)} MB, ${Math.round(ndjson.length / events.length)} bytes/event; ` +
    `DNS ${((100 * dnsAll) / events.length).toFixed(1)}% (lookup_requested ${((100 * lookups) / events.length).toFixed(1)}%)`,
);

// ----- agreement ---------------------------------------------------------------------------------
const rule = api.compileRule({});
let disagreements = 0;
const report = (what, i, detail) => {
  disagreements++;
  if (disagreements <= 10) console.error(`DISAGREEMENT (${what}) on event ${i + 1}: ${detail}\n  ${JSON.stringify(events[i])}`);
};
let expectedMatches = 0;
for (let i = 0; i < events.length; i++) {
  const ours = api.matches(events[i]);
  const theirs = baselineMatches(events[i]);
  if (ours !== theirs) report('matches vs baseline', i, `matches=${ours}, baseline=${theirs}; ${rule.evaluate(events[i]).summary}`);
  const verdict = api.evaluate(events[i]);
  if (verdict.matched !== ours) report('evaluate vs matches', i, `evaluate=${verdict.matched}, matches=${ours}`);
  if (theirs) expectedMatches++;
}
const scan = api.scanNdjson(ndjson);
const base = baselineScan(ndjson);
if (JSON.stringify(scan.matched) !== JSON.stringify(base.matched)) {
  const a = new Set(scan.matched);
  const b = new Set(base.matched);
  for (const l of scan.matched) if (!b.has(l)) report('scanNdjson vs baseline', l - 1, 'scanNdjson matched it, the baseline did not');
  for (const l of base.matched) if (!a.has(l)) report('scanNdjson vs baseline', l - 1, 'the baseline matched it, scanNdjson did not');
}
const c = scan.counts;
if (c.lines !== events.length || c.lines !== c.matched + c.unmatched + c.rejected) {
  disagreements++;
  console.error(`DISAGREEMENT: scanNdjson counts ${JSON.stringify(c)} for ${events.length} lines`);
}
console.log(
  `agreement: ${disagreements === 0 ? 'the baseline, matches, evaluate and scanNdjson agree on every event' : `${disagreements} disagreements`} ` +
    `(${expectedMatches} matches, ${((100 * expectedMatches) / events.length).toFixed(2)}%)`,
);

// ----- timings -----------------------------------------------------------------------------------
let sink = 0;
function time(fn) {
  fn(); // warm-up
  const runs = [];
  for (let r = 0; r < opts.rounds; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)]; // median, ms
}

const cases = [
  { name: 'matches(obj)', ndjson: false, fn: () => { for (const e of events) if (api.matches(e)) sink++; } },
  { name: 'evaluate(obj)', ndjson: false, fn: () => { for (const e of events) if (api.evaluate(e).matched) sink++; } },
  { name: 'baseline: JS matcher (RegExp) on objects', ndjson: false, fn: () => { for (const e of events) if (baselineMatches(e)) sink++; } },
  { name: 'scanNdjson(bytes)', ndjson: true, fn: () => { sink += api.scanNdjson(ndjson).counts.matched; } },
  { name: 'baseline: JSON.parse per line + JS matcher', ndjson: true, fn: () => { sink += baselineScan(ndjson).counts.matched; } },
];
for (const k of cases) k.ms = time(k.fn);

const fmt = (n, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const rows = cases.map((k) => [
  k.name,
  fmt((events.length / k.ms) * 1000),
  k.ndjson ? fmt((mb / k.ms) * 1000, 1) : '-',
  fmt(k.ms, 1),
]);
const header = ['case', 'events/s', 'MB/s', 'ms/pass'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join(' | ')} |`;
console.log(`\ntimings: median of ${opts.rounds} passes over ${events.length} events after one warm-up pass`);
console.log(line(header));
console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const r of rows) console.log(line(r));

const byName = Object.fromEntries(cases.map((k) => [k.name, k.ms]));
const ratio = (ours, theirs) => byName[theirs] / byName[ours];
const verdictOf = (value, target, higherIsBetter = true) =>
  (higherIsBetter ? value >= target : value <= target) ? 'meets target' : 'BELOW TARGET';
const r1 = ratio('matches(obj)', 'baseline: JS matcher (RegExp) on objects');
const r2 = ratio('scanNdjson(bytes)', 'baseline: JSON.parse per line + JS matcher');
const r3 = byName['evaluate(obj)'] / byName['matches(obj)'];
console.log('\nratios (speed of ours / speed of the baseline):');
console.log(`  matches(obj) vs plain JS matcher:              ${r1.toFixed(2)}x   (target >= 0.5x: ${verdictOf(r1, 0.5)})`);
console.log(`  scanNdjson vs JSON.parse + JS matcher:         ${r2.toFixed(2)}x   (target >= 2x: ${verdictOf(r2, 2)})`);
console.log(`  evaluate(obj) costs ${r3.toFixed(2)}x matches(obj) (the explained verdict)`);

// ----- size ----------------------------------------------------------------------------------------
const wasmPath = join(root, 'pkg/web/external_ip_lookup_rule_bg.wasm');
const wasm = readFileSync(wasmPath);
const gz = gzipSync(wasm, { level: 9 }).length;
console.log(`\nsize: pkg/web/external_ip_lookup_rule_bg.wasm ${fmt(wasm.length / 1024, 1)} KB raw, ${fmt(gz / 1024, 1)} KB gzip -9 (target <= 250 KB: ${verdictOf(gz / 1024, 250, false)})`);

// ----- cold start ----------------------------------------------------------------------------------
// In a fresh process: load the package (the nodejs glue reads and instantiates the .wasm
// synchronously), then compile the default rule and evaluate one event.
const child = `
const t0 = performance.now();
const api = require(${JSON.stringify(root)});
const t1 = performance.now();
const rule = api.compileRule({});
const t2 = performance.now();
rule.matches({});
const t3 = performance.now();
process.stdout.write(JSON.stringify({ load: t1 - t0, compile: t2 - t1, first: t3 - t2 }));
`;
const cold = [];
for (let i = 0; i < opts.coldRuns; i++) {
  const t0 = performance.now();
  const out = spawnSync(process.execPath, ['-e', child], { encoding: 'utf8' });
  const wall = performance.now() - t0;
  if (out.status !== 0) {
    console.error(`cold start run failed: ${out.stderr}`);
    process.exitCode = 1;
    break;
  }
  cold.push({ ...JSON.parse(out.stdout), wall });
}
if (cold.length > 0) {
  const med = (k) => {
    const v = cold.map((x) => x[k]).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)];
  };
  console.log(
    `cold start (fresh node, median of ${cold.length}): instantiate module ${med('load').toFixed(1)} ms + compile default rule ${med('compile').toFixed(1)} ms ` +
      `= ${(med('load') + med('compile')).toFixed(1)} ms; first matches() ${med('first').toFixed(2)} ms; whole process ${med('wall').toFixed(0)} ms`,
  );
}

if (sink < 0) console.log(sink); // keep the work observable
if (disagreements > 0) {
  console.error(`\n${disagreements} disagreements between the baseline and the package`);
  process.exitCode = 1;
}

// Benchmark: this package against what a Node.js user would write instead, side by side.
//
//   npm run bench                      # 30,000 events, then the CLI on 1 GiB
//   npm run bench -- --events 100000 --rounds 7 --seed 1 --cli-size 256m
//   npm run bench -- --cli-size 0      # without the CLI run
//
//   npm run bench -- --mixes network   # one mix only
//
// For each mix of bench/generate.mjs (`endpoint`, the compact default; `network`, almost only
// network events that are not lookups; `dns`, a high share of DNS lookups; the last two with large
// process and host objects, arrays of IPs and keys in random order), measures `matches(obj)` and
// `scanNdjson(bytes)` of the default rule against a plain JS matcher with RegExps (the rule
// translated by hand, bench/baseline.mjs) on parsed objects and `JSON.parse` per line plus that
// matcher on NDJSON, and `evaluate(obj)` against `matches(obj)` on events that do not match. First
// checks that the baseline and the package agree on every event of the mix (exit code 1 and the
// disagreements printed if not). Then prints figures and every ratio per mix, the worst first at
// the end; timings are never asserted. The native scan and Python eql run on the first mix. Also prints the gzipped size of the browser .wasm and the time a fresh `node`
// process takes to load the module and compile the default rule. Last, runs the CLI benchmark
// (bench/cli-1gb.mjs: the command line on a generated file, 1 GiB unless --cli-size says
// otherwise, with 1 and 2 workers, beside the native scan of the same file).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import api from 'external-ip-lookup-rule';

import { baselineMatches, baselineScan } from './baseline.mjs';
import { generateEvents, MIXES, toNdjson } from './generate.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const opts = { events: 30000, rounds: 5, seed: 20230314, coldRuns: 5, cliSize: '1g', mixes: Object.keys(MIXES) };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => Number(inline ?? argv[++i]);
    switch (flag) {
      case '--events':
        opts.events = value();
        break;
      case '--rounds':
        opts.rounds = value();
        break;
      case '--seed':
        opts.seed = value();
        break;
      case '--cold-runs':
        opts.coldRuns = value();
        break;
      case '--cli-size':
        opts.cliSize = inline ?? argv[++i];
        break;
      case '--mixes':
        opts.mixes = (inline ?? argv[++i]).split(',');
        break;
      case '--help':
      case '-h':
        console.log(
          'usage: node bench/bench.mjs [--events N] [--rounds R] [--seed S] [--cold-runs C] [--cli-size 1g|256m|0] [--mixes endpoint,network,dns]',
        );
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
  for (const m of opts.mixes) {
    if (!Object.hasOwn(MIXES, m)) {
      console.error(`unknown mix ${m}; known: ${Object.keys(MIXES).join(', ')}`);
      process.exit(2);
    }
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

// ----- machine -----------------------------------------------------------------------------------
const cpus = os.cpus();
console.log(
  `machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${os.type()} ${os.release()} ${os.arch()}, node ${process.version}`,
);
console.log(
  `load average at start: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (figures from a busy machine are noisy: compare ratios)`,
);

// ----- one mix: data, agreement, timings -------------------------------------------------------
let disagreements = 0;
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
const fmt = (n, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const verdictOf = (value, target, higherIsBetter = true) =>
  (higherIsBetter ? value >= target : value <= target) ? 'meets target' : 'BELOW TARGET';

// evaluate(obj) is timed on at most this many of the events that do not match, and matches(obj) on
// the same ones beside it (an explained verdict costs tens of microseconds).
const EVALUATE_SAMPLE = 3000;

function benchMix(mix) {
  const events = generateEvents(opts.events, { seed: opts.seed, mix });
  const ndjson = Buffer.from(toNdjson(events));
  const mb = ndjson.length / 1e6;
  const lookups = events.filter((e) => e.event.action === 'lookup_requested').length;
  const dnsAll = events.filter((e) => e.dns !== undefined).length;
  const netOther = events.filter((e) => e.event.category.includes('network') && e.event.action !== 'lookup_requested').length;
  const pc = (k) => ((100 * k) / events.length).toFixed(1);
  console.log(`\n===== mix \`${mix}\` =====`);
  console.log(
    `events: ${events.length} (seed ${opts.seed}), NDJSON ${mb.toFixed(2)} MB, ${Math.round(ndjson.length / events.length)} bytes/event; ` +
      `network events that are not lookups ${pc(netOther)}%, DNS ${pc(dnsAll)}% (lookup_requested ${pc(lookups)}%)`,
  );

  // ----- agreement -----
  const rule = api.compileRule({});
  const before = disagreements;
  const report = (what, i, detail) => {
    disagreements++;
    if (disagreements - before <= 10)
      console.error(`DISAGREEMENT (${mix}, ${what}) on event ${i + 1}: ${detail}\n  ${JSON.stringify(events[i])}`);
  };
  let expectedMatches = 0;
  const unmatched = [];
  for (let i = 0; i < events.length; i++) {
    const ours = api.matches(events[i]);
    const theirs = baselineMatches(events[i]);
    if (ours !== theirs) report('matches vs baseline', i, `matches=${ours}, baseline=${theirs}; ${rule.evaluate(events[i]).summary}`);
    const verdict = api.evaluate(events[i]);
    if (verdict.matched !== ours) report('evaluate vs matches', i, `evaluate=${verdict.matched}, matches=${ours}`);
    if (theirs) expectedMatches++;
    else if (unmatched.length < EVALUATE_SAMPLE) unmatched.push(events[i]);
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
    console.error(`DISAGREEMENT (${mix}): scanNdjson counts ${JSON.stringify(c)} for ${events.length} lines`);
  }
  console.log(
    `agreement: ${disagreements === before ? 'the baseline, matches, evaluate and scanNdjson agree on every event' : `${disagreements - before} disagreements`} ` +
      `(${expectedMatches} matches, ${((100 * expectedMatches) / events.length).toFixed(2)}%)`,
  );

  // ----- timings -----
  const cases = [
    {
      name: 'matches(obj)',
      n: events.length,
      ndjson: false,
      fn: () => {
        for (const e of events) if (api.matches(e)) sink++;
      },
    },
    {
      name: 'baseline: JS matcher (RegExp) on objects',
      n: events.length,
      ndjson: false,
      fn: () => {
        for (const e of events) if (baselineMatches(e)) sink++;
      },
    },
    {
      name: 'scanNdjson(bytes)',
      n: events.length,
      ndjson: true,
      fn: () => {
        sink += api.scanNdjson(ndjson).counts.matched;
      },
    },
    {
      name: 'baseline: JSON.parse per line + JS matcher',
      n: events.length,
      ndjson: true,
      fn: () => {
        sink += baselineScan(ndjson).counts.matched;
      },
    },
    {
      name: `evaluate(obj), ${unmatched.length} events that do not match`,
      key: 'evaluate',
      n: unmatched.length,
      ndjson: false,
      fn: () => {
        for (const e of unmatched) if (api.evaluate(e).matched) sink++;
      },
    },
    {
      name: `matches(obj), the same ${unmatched.length} events`,
      key: 'matchesUnmatched',
      n: unmatched.length,
      ndjson: false,
      fn: () => {
        for (const e of unmatched) if (api.matches(e)) sink++;
      },
    },
  ];
  for (const k of cases) k.ms = time(k.fn);

  const rows = cases.map((k) => [k.name, fmt((k.n / k.ms) * 1000), k.ndjson ? fmt((mb / k.ms) * 1000, 1) : '-', fmt(k.ms, 1)]);
  const header = ['case', 'events/s', 'MB/s', 'ms/pass'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join(' | ')} |`;
  console.log(`\ntimings: median of ${opts.rounds} passes after one warm-up pass`);
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));

  const byName = Object.fromEntries(cases.map((k) => [k.key ?? k.name, k.ms / k.n]));
  const r1 = byName['baseline: JS matcher (RegExp) on objects'] / byName['matches(obj)'];
  const r2 = byName['baseline: JSON.parse per line + JS matcher'] / byName['scanNdjson(bytes)'];
  const r3 = byName.matchesUnmatched / byName.evaluate;
  console.log(`\nratios, mix \`${mix}\` (speed of ours / speed of the other):`);
  console.log(`  matches(obj) vs plain JS matcher:              ${r1.toFixed(2)}x   (target >= 1x: ${verdictOf(r1, 1)})`);
  console.log(`  scanNdjson vs JSON.parse + JS matcher:         ${r2.toFixed(2)}x   (target >= 3x: ${verdictOf(r2, 3)})`);
  console.log(`  evaluate(obj) vs matches(obj), not matching:   ${r3.toFixed(3)}x  (target >= 0.1x: ${verdictOf(r3, 0.1)})`);
  return { mix, events, ndjson, mb, scanMs: byName['scanNdjson(bytes)'] * events.length, r1, r2, r3 };
}

const results = opts.mixes.map(benchMix);
console.log('\nall mixes, worst matches(obj) ratio first:');
for (const r of [...results].sort((a, b) => a.r1 - b.r1)) {
  console.log(
    `  ${r.mix.padEnd(9)} matches ${r.r1.toFixed(2)}x, scanNdjson ${r.r2.toFixed(2)}x, evaluate/matches (not matching) ${r.r3.toFixed(3)}x`,
  );
}
// The native scan, Python eql and the network-only figure below use the first mix.
const { events, ndjson, mb, scanMs } = results[0];

// ----- native scan and Python eql, on the same bytes --------------------------------------------
// The native figure comes from examples/scan_file.rs (cargo, release build), the eql one from
// bench/eql_speed.py in the differential test's virtualenv (.venv, made by scripts/differential.sh)
// or a python3 that has `eql`. Either is skipped, saying so, when its tool is missing.
const tmp = mkdtempSync(join(os.tmpdir(), 'eil-bench-'));
const file = join(tmp, 'events.ndjson');
writeFileSync(file, ndjson);
let nativeEps;
const build = spawnSync('cargo', ['build', '--quiet', '--release', '--example', 'scan_file'], { cwd: root, encoding: 'utf8' });
if (build.status === 0) {
  const target = JSON.parse(
    spawnSync('cargo', ['metadata', '--format-version', '1', '--no-deps'], { cwd: root, encoding: 'utf8' }).stdout,
  ).target_directory;
  const run = spawnSync(join(target, 'release', 'examples', 'scan_file'), [file, String(opts.rounds)], { encoding: 'utf8' });
  const native = JSON.parse(run.stdout);
  const nativeMbs = native.bytes / 1e6 / native.seconds;
  nativeEps = native.lines / native.seconds;
  const wasmMbs = (mb / scanMs) * 1000;
  console.log(`
native scan (Rust, one core): ${fmt(nativeMbs, 0)} MB/s, ${fmt(native.lines / native.seconds)} events/s (target >= 1000 MB/s: ${verdictOf(nativeMbs, 1000)})`);
  console.log(
    `  scanNdjson in wasm vs native:                 ${(wasmMbs / nativeMbs).toFixed(2)}x   (target >= 0.4x: ${verdictOf(wasmMbs / nativeMbs, 0.4)})`,
  );
  const wasmMatched = api.scanNdjson(ndjson).counts.matched;
  if (native.matched !== wasmMatched) {
    console.error(`DISAGREEMENT: native scan matched ${native.matched}, wasm ${wasmMatched}`);
    process.exitCode = 1;
  }
} else {
  console.log(`
native scan: skipped (cargo build failed: ${build.stderr.trim().split('\n').pop()})`);
}
const venv = join(root, '.venv', 'bin', 'python');
const python = existsSync(venv) ? venv : 'python3';
const eqlRun = spawnSync(python, [join(root, 'bench', 'eql_speed.py'), file, '3'], { cwd: root, encoding: 'utf8' });
if (eqlRun.status === 0) {
  const e = JSON.parse(eqlRun.stdout);
  const eqlEps = e.events / e.seconds;
  const scanEps = (events.length / scanMs) * 1000;
  console.log(`Python eql ${'1.0.1'} PythonEngine on parsed events: ${fmt(eqlEps)} events/s`);
  if (nativeEps !== undefined) {
    console.log(
      `  native scan (parsing included) vs eql (no parsing): ${(nativeEps / eqlEps).toFixed(2)}x   (target >= 10x: ${verdictOf(nativeEps / eqlEps, 10)})`,
    );
  }
  console.log(
    `  scanNdjson (parsing included) vs eql (no parsing): ${(scanEps / eqlEps).toFixed(2)}x   (target >= 10x: ${verdictOf(scanEps / eqlEps, 10)})`,
  );
  // eql's engine drops events that are not of category "network" by their type before it
  // evaluates anything: its speed on the events it does evaluate says what the query costs it.
  const netEps = e.network_events / e.network_seconds;
  // The same events as eql_speed.py's: the first category (or the only one) is "network".
  const typeOf = (cat) => (Array.isArray(cat) ? cat[0] : cat);
  const netLines = events.flatMap((ev, i) => (typeOf(ev.event?.category) === 'network' ? [i] : []));
  if (netLines.length !== e.network_events) console.error(`eql timed ${e.network_events} network events, this run ${netLines.length}`);
  const netNdjson = Buffer.from(netLines.map((i) => JSON.stringify(events[i])).join('\n'));
  const netMs = time(() => {
    sink += api.scanNdjson(netNdjson).counts.matched;
  });
  const netOurs = (netLines.length / netMs) * 1000;
  console.log(
    `  on the ${fmt(e.network_events)} network events alone: eql ${fmt(netEps)} events/s, scanNdjson ${fmt(netOurs)} events/s (${(netOurs / netEps).toFixed(2)}x)`,
  );
} else {
  console.log('Python eql: skipped (no python with the `eql` package; `bash scripts/differential.sh` makes .venv)');
}
rmSync(tmp, { recursive: true, force: true });

// ----- size ----------------------------------------------------------------------------------------
const wasmPath = join(root, 'pkg/web/external_ip_lookup_rule_bg.wasm');
const wasm = readFileSync(wasmPath);
const gz = gzipSync(wasm, { level: 9 }).length;
// Bytes, judged with 1 KB = 1,000 bytes (the stricter reading), compressed as a server's zlib would.
console.log(
  `\nsize: pkg/web/external_ip_lookup_rule_bg.wasm ${fmt(wasm.length)} bytes raw, ${fmt(gz)} bytes gzip (zlib level 9) (targets: <= 250 KB ${verdictOf(gz, 250_000, false)}, <= 200 KB ${verdictOf(gz, 200_000, false)})`,
);

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
  const startup = med('load') + med('compile');
  console.log(
    `cold start (fresh node, median of ${cold.length}): instantiate module ${med('load').toFixed(1)} ms + compile default rule ${med('compile').toFixed(1)} ms ` +
      `= ${(med('load') + med('compile')).toFixed(1)} ms; first matches() ${med('first').toFixed(2)} ms; whole process ${med('wall').toFixed(0)} ms`,
  );
  console.log(`  instantiate + compile the default rule < 20 ms: ${verdictOf(startup, 20, false)}`);
}

if (sink < 0) console.log(sink); // keep the work observable

// ----- the CLI on a large file ---------------------------------------------------------------------
if (opts.cliSize !== '0') {
  console.log(`\nCLI (bench/cli-1gb.mjs --size ${opts.cliSize}):`);
  const cli = spawnSync(process.execPath, [join(root, 'bench', 'cli-1gb.mjs'), '--size', opts.cliSize], { stdio: 'inherit' });
  if (cli.status !== 0) process.exitCode = 1;
}
if (disagreements > 0) {
  console.error(`\n${disagreements} disagreements between the baseline and the package`);
  process.exitCode = 1;
}

#!/usr/bin/env node
// Peak memory of the command line and the stream API on the inputs that used to make it grow
// (issue 19), not a test: each case generates its input in the temporary directory, runs
// `external-ip-lookup-rule scan` on it (or a stream in a child process), and prints the child's
// maximum resident set size (from /usr/bin/time -v, or /proc/<pid>/status VmHWM) beside the size
// of its input. Where a mode's memory grows with its input, two sizes show how.
//
//   node bench/cli-memory.mjs [--only NAME,...] [--keep]

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

import { runMeasured } from './peak-rss.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.join(here, '..');
const bin = path.join(repoRoot, 'bin', 'external-ip-lookup-rule.mjs');
const only = (() => {
  const i = process.argv.indexOf('--only');
  return i >= 0 ? new Set(process.argv[i + 1].split(',')) : null;
})();
const keep = process.argv.includes('--keep');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eilr-memory-'));

// A compact matching event (~330 bytes), numbered; `host` varies where distinct values matter.
function event(i, { host = 'WS-042', ingested } = {}) {
  const t = new Date(Date.UTC(2024, 4, 1) + i * 50).toISOString();
  return JSON.stringify({
    '@timestamp': t,
    event: { category: ['network'], action: 'lookup_requested', id: `e-${i}`, ingested: ingested ?? t },
    network: { protocol: 'dns' },
    host: { name: host },
    user: { id: 'S-1-5-21-1-2-3-1001', name: 'alice' },
    process: { name: 'powershell.exe', executable: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe' },
    dns: { question: { name: 'api.ipify.org' } },
  });
}

function writeLines(name, count, line) {
  const file = path.join(tmp, name);
  const fd = fs.openSync(file, 'w');
  let buf = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    buf.push(line(i));
    if (buf.length === 4096 || i === count - 1) {
      const s = `${buf.join('\n')}\n`;
      fs.writeSync(fd, s);
      bytes += Buffer.byteLength(s);
      buf = [];
    }
  }
  fs.closeSync(fd);
  return { file, bytes };
}

function writeBytes(name, data) {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, data);
  return { file, bytes: data.length };
}

async function run(argv) {
  const r = await runMeasured(argv);
  return { ...r, rssMb: r.peakKb / 1024 };
}

const cli = (args) => [bin, 'scan', '--no-progress', ...args];
const MB = (n) => `${(n / 1e6).toFixed(1)} MB`;

const cases = [
  {
    name: 'alerts',
    what: 'alerts, compact matching events (every line an alert of ~20 KB)',
    sizes: [15000, 60000],
    input: (n) => writeLines(`alerts-${n}.ndjson`, n, (i) => event(i)),
    argv: (f) => cli(['-o', '/dev/null', f]),
  },
  {
    name: 'alerts-workers',
    what: 'alerts, the same, --workers 2',
    sizes: [60000],
    input: (n) => writeLines(`alerts-${n}.ndjson`, n, (i) => event(i)),
    argv: (f) => cli(['-j2', '-o', '/dev/null', f]),
  },
  {
    name: 'verdicts',
    what: 'verdicts of `{}` lines (each ~6 KB of output)',
    sizes: [120000],
    input: (n) => writeLines(`empty-${n}.ndjson`, n, () => '{}'),
    argv: (f) => cli(['-f', 'verdicts', '-o', '/dev/null', f]),
  },
  {
    name: 'verdicts-workers',
    what: 'verdicts of `{}` lines, --workers 2',
    sizes: [120000],
    input: (n) => writeLines(`empty-${n}.ndjson`, n, () => '{}'),
    argv: (f) => cli(['-f', 'verdicts', '-j2', '-o', '/dev/null', f]),
  },
  {
    name: 'replay',
    what: '--replay, every line matching (held until the end)',
    sizes: [250000, 1000000],
    input: (n) => writeLines(`replay-${n}.ndjson`, n, (i) => event(i)),
    argv: (f) => cli(['--replay', '-f', 'summary', '-o', '/dev/null', f]),
  },
  {
    name: 'summary',
    what: 'summary, a distinct host name on every line',
    sizes: [250000, 1000000],
    input: (n) => writeLines(`distinct-${n}.ndjson`, n, (i) => event(i, { host: `host-${i}-${'x'.repeat(24)}` })),
    argv: (f) => cli(['-f', 'summary', '-o', '/dev/null', f]),
  },
  {
    name: 'long-key',
    what: 'a search response whose first key is 300 MB (gzip)',
    sizes: [300 << 20],
    input: (n) =>
      writeBytes(
        `long-key-${n}.json.gz`,
        zlib.gzipSync(
          Buffer.concat([
            Buffer.from('{\n  "took": 1,\n  "'),
            Buffer.alloc(n, 'k'),
            Buffer.from(`": 1,\n  "hits": {"hits": [\n{"_source": ${event(0)}}\n]}}\n`),
          ]),
          { level: 9 },
        ),
      ),
    argv: (f) => cli(['-o', '/dev/null', f]),
  },
  {
    name: 'bracket-bomb',
    what: 'a gzip of 100 MB of `[` (after a `[` line)',
    sizes: [100 << 20],
    input: (n) => writeBytes(`bomb-${n}.json.gz`, zlib.gzipSync(Buffer.concat([Buffer.from('[\n'), Buffer.alloc(n, '[')]), { level: 9 })),
    argv: (f) => cli(['-o', '/dev/null', f]),
  },
  {
    name: 'stream-head',
    what: 'stream API: a 60 KB first line written byte by byte',
    sizes: [60 << 10],
    input: (n) => ({ file: null, bytes: n }),
    argv: () => [
      '-e',
      `const { createScanner } = require(${JSON.stringify(path.join(repoRoot, 'js', 'node.cjs'))});
       const s = createScanner({ objectMode: true }); s.resume();
       const line = Buffer.from(JSON.stringify({ pad: 'x'.repeat(${60 << 10}) }) + '\\n');
       const t = Date.now(); for (const b of line) s.write(Buffer.from([b])); s.end();
       s.on('end', () => console.error('head detected and judged in ' + (Date.now() - t) + ' ms'));`,
    ],
  },
];

console.log(`node ${process.version}, ${os.cpus().length} CPUs, ${os.platform()} ${os.arch()}`);
console.log('case              input                          peak RSS     seconds  exit');
try {
  for (const c of cases) {
    if (only && !only.has(c.name)) continue;
    for (const n of c.sizes) {
      const { file, bytes } = c.input(n);
      const r = await run(c.argv(file));
      const input = `${n.toLocaleString('en-US')} (${MB(bytes)})`.padEnd(30);
      console.log(
        `${c.name.padEnd(16)}  ${input} ${`${r.rssMb.toFixed(0)} MB`.padStart(8)}  ${r.secs.toFixed(1).padStart(9)}  ${r.code}   ${c.what}`,
      );
      const note = /head detected.*/.exec(r.stderr);
      if (note) console.log(`${''.padEnd(18)}${note[0]}`);
      if (file && !keep) fs.rmSync(file, { force: true });
    }
  }
} finally {
  if (!keep) fs.rmSync(tmp, { recursive: true, force: true });
}

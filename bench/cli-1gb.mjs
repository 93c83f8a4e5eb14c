#!/usr/bin/env node
// Benchmark of the command line on a large file (not a test): generates an NDJSON file of
// Elastic Defend-like events in the temporary directory (1 GiB by default), runs
// `external-ip-lookup-rule scan` on it (alerts to /dev/null, then `--format summary`, which
// writes no per-alert output and so shows the CLI's floor) with 1 and with 2 worker threads,
// prints throughput and peak memory (maximum resident set size of the child process, from
// /usr/bin/time -v, or from /proc/<pid>/status VmHWM), and deletes the file.
//
//   node bench/cli-1gb.mjs [--size 1g] [--workers 1,2] [--formats alerts,summary] [--keep] [--limit-mb 200]
//
// About 2% of the events are lookups the rule alerts on; the rest are process starts, ordinary
// DNS lookups and network connections, the mix of a logs-endpoint.events.* index.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { runMeasured } from './peak-rss.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.join(here, '..');
const bin = path.join(repoRoot, 'bin', 'external-ip-lookup-rule.mjs');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)/i.exec(text);
  if (!m) throw new Error(`bad size ${text}`);
  return Math.round(Number(m[1]) * { '': 1, k: 1024, m: 1 << 20, g: 1 << 30 }[m[2].toLowerCase()]);
}

const size = parseSize(arg('--size', '1g'));
const workerCounts = arg('--workers', '1,2').split(',').map(Number);
const formats = arg('--formats', 'alerts,summary').split(',');
const keep = process.argv.includes('--keep');
const limitMb = Number(arg('--limit-mb', '200'));

// ---- Generation: a deterministic pseudo-random mix.
let seed = 42;
function rand() {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const pick = (a) => a[Math.floor(rand() * a.length)];
const hosts = Array.from({ length: 200 }, (_, i) => `WS-${String(i).padStart(4, '0')}`);
const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'SYSTEM', 'svc_backup'];
const procs = [
  ['chrome.exe', 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe'],
  ['svchost.exe', 'C:\\Windows\\System32\\svchost.exe'],
  ['outlook.exe', 'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE'],
  ['teams.exe', 'C:\\Users\\alice\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe'],
  ['powershell.exe', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe'],
];
const badProcs = [
  ['powershell.exe', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe'],
  ['curl.exe', 'C:\\Windows\\System32\\curl.exe'],
  ['wermgr.exe', 'C:\\Users\\alice\\AppData\\Local\\Temp\\wermgr.exe'],
  ['rundll32.exe', 'C:\\Windows\\System32\\rundll32.exe'],
];
const domains = ['www.google.com', 'login.microsoftonline.com', 'outlook.office365.com', 'github.com', 'update.example.org'];
const badDomains = ['api.ipify.org', 'ipinfo.io', 'checkip.amazonaws.com', 'icanhazip.com', 'ifconfig.me'];

function event(i) {
  const t = Date.UTC(2024, 4, 1) + i * 50;
  const ts = new Date(t).toISOString();
  const ingested = new Date(t + 2000).toISOString();
  const host = pick(hosts);
  const user = pick(users);
  const r = rand();
  const common = {
    '@timestamp': ts,
    agent: { type: 'endpoint', version: '8.13.0', id: '6d0cbbd2-2c2b-4d2c-9c5f-4a1d6c6f1e11' },
    ecs: { version: '8.11.0' },
    host: { name: host, hostname: host.toLowerCase(), os: { type: 'windows', family: 'windows', name: 'Windows', version: '22H2' } },
    user: { domain: 'CORP', id: `S-1-5-21-3541430928-2051711210-1391384369-${1000 + (i % 97)}`, name: user },
  };
  if (r < 0.7) {
    const [name, executable] = pick(procs);
    return {
      ...common,
      data_stream: { dataset: 'endpoint.events.process', namespace: 'default', type: 'logs' },
      event: {
        action: 'start',
        category: ['process'],
        type: ['start'],
        kind: 'event',
        module: 'endpoint',
        dataset: 'endpoint.events.process',
        ingested,
        id: `p${i}`,
      },
      process: {
        name,
        executable,
        pid: 1000 + (i % 30000),
        args: [executable, '--type=renderer', `--field-trial-handle=${i}`],
        command_line: `"${executable}" --type=renderer --field-trial-handle=${i}`,
        parent: { name: 'explorer.exe', executable: 'C:\\Windows\\explorer.exe', pid: 4120 },
        hash: { sha256: 'b7a1e0c2f1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4' },
        code_signature: { exists: true, trusted: true, subject_name: 'Microsoft Windows' },
      },
      message: 'Endpoint process event',
    };
  }
  const lookup = r < 0.98 ? pick(domains) : pick(badDomains);
  const [name, executable] = r < 0.98 ? pick(procs) : pick(badProcs);
  if (r < 0.9 || r >= 0.98) {
    return {
      ...common,
      data_stream: { dataset: 'endpoint.events.network', namespace: 'default', type: 'logs' },
      event: {
        action: 'lookup_requested',
        category: ['network'],
        type: ['protocol', 'info'],
        kind: 'event',
        module: 'endpoint',
        dataset: 'endpoint.events.network',
        ingested,
        id: `d${i}`,
      },
      network: { protocol: 'dns' },
      dns: { question: { name: lookup, type: 'A' } },
      process: { name, executable, pid: 1000 + (i % 30000), entity_id: `e${i}` },
      message: 'Endpoint DNS event',
    };
  }
  return {
    ...common,
    data_stream: { dataset: 'endpoint.events.network', namespace: 'default', type: 'logs' },
    event: {
      action: 'connection_attempted',
      category: ['network'],
      type: ['start'],
      kind: 'event',
      module: 'endpoint',
      dataset: 'endpoint.events.network',
      ingested,
      id: `n${i}`,
    },
    network: { transport: 'tcp', type: 'ipv4', direction: 'egress' },
    source: { ip: '10.1.2.3', port: 49152 + (i % 10000) },
    destination: { ip: '93.184.216.34', port: 443 },
    process: { name, executable, pid: 1000 + (i % 30000) },
    message: 'Endpoint network event',
  };
}

async function generate(file, bytes) {
  const out = fs.createWriteStream(file);
  let written = 0;
  let i = 0;
  while (written < bytes) {
    const parts = [];
    let len = 0;
    while (len < 1 << 20 && written + len < bytes) {
      const line = `${JSON.stringify(event(i++))}\n`;
      parts.push(line);
      len += line.length;
    }
    const chunk = parts.join('');
    written += chunk.length;
    if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r, j) => out.end((e) => (e ? j(e) : r())));
  return { bytes: written, events: i };
}

// ---- Running with peak memory.
const run = (args) => runMeasured([bin, ...args]);

const file = path.join(os.tmpdir(), `external-ip-lookup-rule-bench-${process.pid}.ndjson`);
const cleanup = () => {
  if (!keep) fs.rmSync(file, { force: true });
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

let failed = false;
try {
  console.log(`generating ${(size / (1 << 20)).toFixed(0)} MiB of NDJSON in ${file} ...`);
  const t0 = Date.now();
  const gen = await generate(file, size);
  console.log(
    `  ${gen.events.toLocaleString('en-US')} events, ${(gen.bytes / 1e6).toFixed(0)} MB, in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'})`);
  console.log('');
  // The native scan of the same file (examples/scan_file.rs), the figure the CLI is held to.
  let nativeMbs = NaN;
  const build = spawnSync('cargo', ['build', '--quiet', '--release', '--example', 'scan_file'], { cwd: repoRoot, encoding: 'utf8' });
  if (build.status === 0) {
    const target = JSON.parse(
      spawnSync('cargo', ['metadata', '--format-version', '1', '--no-deps'], { cwd: repoRoot, encoding: 'utf8' }).stdout,
    ).target_directory;
    const native = JSON.parse(
      spawnSync(path.join(target, 'release', 'examples', 'scan_file'), [file, '1'], { encoding: 'utf8', maxBuffer: 1 << 20 }).stdout,
    );
    nativeMbs = native.bytes / 1e6 / native.seconds;
    console.log(`native scan of the same file (Rust, one core, file in memory): ${nativeMbs.toFixed(0)} MB/s`);
  } else {
    console.log('native scan: skipped (cargo build failed)');
  }
  console.log('format   workers  seconds     MB/s   events/s     alerts  peak RSS (MB)  native/CLI  status');
  for (const format of formats) {
    for (const w of workerCounts) {
      const args = ['scan', '--no-progress', '--format', format, ...(w > 1 ? ['--workers', String(w)] : []), file];
      const r = await run(args);
      const summary = /([\d,]+) events read.*?: ([\d,]+) matched, ([\d,]+) not matched, ([\d,]+) rejected/.exec(r.stderr);
      const events = summary ? Number(summary[1].replace(/,/g, '')) : NaN;
      const alerts = summary ? summary[2] : '?';
      const mbs = gen.bytes / 1e6 / r.secs;
      const peakMb = r.peakKb / 1024;
      const ok = r.code === 0 && events === gen.events && peakMb < limitMb;
      if (!ok) failed = true;
      const ratio = Number.isFinite(nativeMbs) ? `${(nativeMbs / mbs).toFixed(2)}x` : '-';
      console.log(
        `${format.padEnd(7)}  ${String(w).padStart(7)}  ${r.secs.toFixed(1).padStart(7)}  ${mbs.toFixed(1).padStart(7)}  ${Math.round(
          events / r.secs,
        )
          .toLocaleString('en-US')
          .padStart(
            9,
          )}  ${alerts.padStart(9)}  ${peakMb.toFixed(0).padStart(13)}  ${ratio.padStart(10)}  ${ok ? 'ok' : `FAIL (exit ${r.code}, events ${events}, limit ${limitMb} MB)`}`,
      );
    }
  }
  console.log("native/CLI: the native scan's speed over the CLI's (target <= 1.5x)");
} finally {
  cleanup();
}
if (failed) process.exitCode = 1;

// Helpers of the CLI tests: run the bin as a child process, make temporary inputs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..', '..');
export const bin = path.join(root, 'bin', 'external-ip-lookup-rule.mjs');
export const fixtures = path.join(here, 'fixtures');
export const fixture = (name) => path.join(fixtures, name);
export const RULE_ID = '1d72d014-e2ab-4707-b056-9b96abe7b511';
export const NOW = '2024-06-01T12:00:00.000Z';

/**
 * Runs the CLI: resolves { status, stdout, stderr }. `input` (string or Buffer) is piped to
 * stdin; without it, stdin is closed empty (a pipe, never a terminal). `nodeArgs` go to node
 * (e.g. a heap limit, to show that memory stays bounded).
 */
export function run(args, { input, cwd = root, env, nodeArgs = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, bin, ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      resolve({ status, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => {});
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** The NDJSON records of an output. */
export function records(stdout) {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

/** The final summary's counts, from stderr. */
export function summaryCounts(stderr) {
  const m = /([\d,]+) events read .*?: ([\d,]+) matched, ([\d,]+) not matched, ([\d,]+) rejected/.exec(stderr);
  if (!m) throw new Error(`no summary in stderr:\n${stderr}`);
  const n = (s) => Number(s.replace(/,/g, ''));
  return { read: n(m[1]), matched: n(m[2]), unmatched: n(m[3]), rejected: n(m[4]) };
}

/** A fresh temporary directory, removed when the process exits. */
export function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eilr-cli-test-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The fixture events, parsed. */
export function fixtureEvents() {
  return fs
    .readFileSync(fixture('events.ndjson'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

/** The first matching event of the fixtures, as one NDJSON line (no line break). */
export function matchingLine() {
  return fs.readFileSync(fixture('events.ndjson'), 'utf8').split('\n')[0];
}

/** A matching event, with overrides of @timestamp, event.ingested, event.id and host.name. */
export function matchingEvent({ ts, ingested, id, host = 'WS-042' }) {
  const e = fixtureEvents()[0];
  e['@timestamp'] = ts;
  if (ingested === undefined) delete e.event.ingested;
  else e.event.ingested = ingested;
  e.event.id = id;
  e.host.name = host;
  return e;
}

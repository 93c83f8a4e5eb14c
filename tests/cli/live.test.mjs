// Live input: `tail -f log | external-ip-lookup-rule scan -` alerts as lines come (a pipe quiet
// for 100 ms has what it sent judged), and `--follow FILE` reads a growing file, across
// rotation and truncation, until interrupted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { bin, matchingLine, summaryCounts, tempDir } from './helpers.mjs';

const tmp = tempDir();
const line = (id) => matchingLine().replace('"ev-1"', `"${id}"`);

/** A running CLI whose stdout lines can be awaited one by one. */
function start(args) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = [];
  let waiter = null;
  let buf = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
    if (waiter) waiter();
  });
  child.stderr.on('data', (d) => (stderr += d));
  const closed = new Promise((resolve) => child.on('close', (status, signal) => resolve({ status, signal })));
  return {
    child,
    closed,
    stderr: () => stderr,
    /** Resolves with the n-th output line (1-based) once written. */
    async line(n) {
      while (lines.length < n) await new Promise((resolve) => (waiter = resolve));
      return JSON.parse(lines[n - 1]);
    },
  };
}

describe('a live pipe', () => {
  it('alerts on each line as it comes, long before the input ends', { timeout: 30000 }, async () => {
    const cli = start(['scan', '-']);
    cli.child.stdin.write(`${line('live-1')}\n`);
    // The pipe stays open: the alert must come anyway (a batch is 1 MB; this line is 1.3 KB).
    assert.equal((await cli.line(1))['event.id'], 'live-1');
    cli.child.stdin.write(`${line('live-2')}\n{"not":"a match"}\n`);
    assert.equal((await cli.line(2))['event.id'], 'live-2');
    // A line written in two parts is judged whole.
    const third = line('live-3');
    cli.child.stdin.write(third.slice(0, 100));
    await new Promise((resolve) => setTimeout(resolve, 300));
    cli.child.stdin.write(`${third.slice(100)}\n`);
    assert.equal((await cli.line(3))['event.id'], 'live-3');
    cli.child.stdin.end();
    const { status } = await cli.closed;
    assert.equal(status, 0);
    assert.deepEqual(summaryCounts(cli.stderr()), { read: 4, matched: 3, unmatched: 1, rejected: 0 });
  });

  it('with --workers, too', { timeout: 30000 }, async () => {
    const cli = start(['scan', '-j2', '-']);
    cli.child.stdin.write(`${line('w-1')}\n`);
    assert.equal((await cli.line(1))['event.id'], 'w-1');
    cli.child.stdin.end();
    assert.equal((await cli.closed).status, 0);
  });
});

describe('--follow FILE', () => {
  it('reads the file as it grows, across rotation and truncation, until interrupted', { timeout: 60000 }, async () => {
    const file = path.join(tmp, 'events.log');
    fs.writeFileSync(file, `${line('f-1')}\n`);
    const cli = start(['scan', '--follow', file]);
    const a1 = await cli.line(1);
    assert.equal(a1['event.id'], 'f-1');
    assert.equal(a1.external_ip_lookup_rule.source.line, 1);
    fs.appendFileSync(file, `${line('f-2')}\n`);
    const a2 = await cli.line(2);
    assert.equal(a2['event.id'], 'f-2');
    assert.equal(a2.external_ip_lookup_rule.source.line, 2);
    // Rotation: the file is renamed and a new one takes its name; lines count from 1 again.
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, `${line('f-3')}\n`);
    const a3 = await cli.line(3);
    assert.equal(a3['event.id'], 'f-3');
    assert.equal(a3.external_ip_lookup_rule.source.line, 1);
    // Truncation in place (copytruncate).
    fs.truncateSync(file, 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    fs.writeFileSync(file, `${line('f-4')}\n`);
    assert.equal((await cli.line(4))['event.id'], 'f-4');
    cli.child.kill('SIGINT');
    const { status, signal } = await cli.closed;
    assert.equal(signal, null);
    assert.equal(status, 0, cli.stderr());
    assert.deepEqual(summaryCounts(cli.stderr()), { read: 4, matched: 4, unmatched: 0, rejected: 0 });
  });

  it('refuses a missing file and compressed data', async () => {
    const missing = start(['scan', '--follow', path.join(tmp, 'nope.log')]);
    assert.equal((await missing.closed).status, 2);
    assert.match(missing.stderr(), /nope\.log: no such file/);
    const gz = path.join(tmp, 'x.log.gz');
    fs.writeFileSync(gz, Buffer.from('1f8b0800000000000003', 'hex'));
    const g = start(['scan', '--follow', gz]);
    assert.equal((await g.closed).status, 2);
    assert.match(g.stderr(), /gzip-compressed data cannot be followed/);
  });
});

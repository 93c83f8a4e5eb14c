// Output for people and for Elasticsearch: one compact (coloured) line per alert at a terminal,
// Kibana documents when piped, `-o FILE`, and `--format bulk`, the `_bulk` NDJSON that loads the
// alerts into a cluster as Kibana would have indexed them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { describe, it } from 'node:test';

import cli from '../../cli/main.cjs';
import { NOW, RULE_ID, fixture, records, run, tempDir } from './helpers.mjs';

const tmp = tempDir();

/** Runs the CLI in this process with a stdout that says it is a terminal (or not). */
async function inProcess(args, { tty = true, env = {} } = {}) {
  let out = '';
  let err = '';
  const stdout = new Writable({
    write(chunk, _enc, cb) {
      out += chunk;
      cb();
    },
  });
  stdout.isTTY = tty;
  const stderr = new Writable({
    write(chunk, _enc, cb) {
      err += chunk;
      cb();
    },
  });
  const stdin = Readable.from([]);
  const status = await cli.main(args, { stdin, stdout, stderr, env });
  return { status, stdout: out, stderr: err };
}

const ESC = '\u001b[';

describe('at a terminal', () => {
  it('writes one compact coloured line per alert: time, host, user, process, domain, entry, place', async () => {
    const r = await inProcess(['scan', fixture('events.ndjson')]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.ok(lines[0].includes(`${ESC}36mWS-042${ESC}0m`), lines[0]);
    const plain = lines.map((l) => l.replace(new RegExp(`${ESC.replace('[', '\\[')}[\\d;]*m`, 'g'), ''));
    assert.deepEqual(plain[0].split('  '), [
      '2024-03-01T09:00:01.000Z',
      'WS-042',
      'CORP\\alice',
      'powershell.exe',
      'api.ipify.org',
      '(*api.ipify.org)',
      `${fixture('events.ndjson')}:1`,
    ]);
    assert.deepEqual(plain[1].split('  ').slice(1, 6), ['SRV-DB1', 'CORP\\svc_sql', 'curl.exe', 'ifconfig.me', '(*ifconfig.*)']);
  });

  it('without colour when NO_COLOR is set, or with --color never', async () => {
    for (const [args, env] of [
      [[], { NO_COLOR: '1' }],
      [['--color', 'never'], {}],
    ]) {
      const r = await inProcess(['scan', ...args, fixture('events.ndjson')], { env });
      assert.equal(r.stdout.trimEnd().split('\n').length, 3);
      assert.ok(!r.stdout.includes(ESC), JSON.stringify(args));
    }
    // --color always colours a pipe too.
    const piped = await run(['scan', '-f', 'compact', '--color', 'always', fixture('events.ndjson')]);
    assert.ok(piped.stdout.includes(ESC));
  });

  it('never lets event text drive the terminal', async () => {
    const ev = JSON.parse(fs.readFileSync(fixture('events.ndjson'), 'utf8').split('\n')[0]);
    ev.host.name = 'evil\u001b]0;owned\u0007\u202ehost';
    const r = await run(['scan', '-f', 'compact'], { input: `${JSON.stringify(ev)}\n` });
    assert.ok(r.stdout.includes('evil\\u{1b}]0;owned\\u{7}\\u{202e}host'), r.stdout);
    assert.ok(!r.stdout.includes('\u001b'));
  });

  it('writes Kibana documents with --format alerts, or to a file with -o', async () => {
    const r = await inProcess(['scan', '-f', 'alerts', '--now', NOW, fixture('events.ndjson')]);
    assert.equal(records(r.stdout).length, 3);
    const file = path.join(tmp, 'alerts.ndjson');
    const o = await inProcess(['scan', '-o', file, '--now', NOW, fixture('events.ndjson')]);
    assert.equal(o.status, 0, o.stderr);
    assert.equal(o.stdout, '');
    const piped = await run(['scan', '--now', NOW, fixture('events.ndjson')]);
    assert.equal(fs.readFileSync(file, 'utf8'), piped.stdout);
    const bad = await run(['scan', '-o', path.join(tmp, 'no', 'such', 'dir', 'x'), fixture('events.ndjson')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /cannot write .*x: no such directory/);
  });

  it('when piped, the default is Kibana documents', async () => {
    const r = await inProcess(['scan', fixture('events.ndjson')], { tty: false });
    assert.equal(records(r.stdout)[0]['kibana.alert.rule.rule_id'], RULE_ID);
  });
});

/**
 * Reads `_bulk` NDJSON as Elasticsearch does: each line an action; `create` and `index` take
 * the next line as the document (action/metadata, then source: docs/reference/rest-api/bulk).
 */
function parseBulk(text) {
  assert.ok(text.endsWith('\n'), 'the body ends with a line break, as _bulk requires');
  const lines = text.slice(0, -1).split('\n');
  const ops = [];
  for (let i = 0; i < lines.length; i++) {
    const action = JSON.parse(lines[i]);
    const [type, ...more] = Object.keys(action);
    assert.equal(more.length, 0, `line ${i + 1}: one action per line`);
    assert.ok(['create', 'index', 'update', 'delete'].includes(type), `line ${i + 1}: ${type}`);
    const meta = action[type];
    const doc = type === 'delete' ? null : JSON.parse(lines[++i]);
    ops.push({ type, meta, doc });
  }
  return ops;
}

describe('--format bulk', () => {
  it('pairs a create action (the alerts index, the alert uuid as _id) with each alert document', async () => {
    const r = await run(['scan', '-f', 'bulk', '--now', NOW, fixture('events.ndjson'), fixture('alert-hit.json')]);
    assert.equal(r.status, 0, r.stderr);
    const ops = parseBulk(r.stdout);
    const alerts = records((await run(['scan', '--now', NOW, fixture('events.ndjson'), fixture('alert-hit.json')])).stdout);
    assert.equal(ops.length, alerts.length);
    assert.equal(ops.length, 4);
    ops.forEach((op, k) => {
      assert.equal(op.type, 'create');
      assert.deepEqual(Object.keys(op.meta).sort(), ['_id', '_index']);
      // Kibana's rule registry writes with { create: { _id: alert uuid } } to .alerts-security.alerts-<space>.
      assert.equal(op.meta._index, '.alerts-security.alerts-default');
      assert.equal(op.meta._id, op.doc['kibana.alert.uuid']);
      assert.deepEqual(op.doc, alerts[k]);
    });
    assert.equal(new Set(ops.map((o) => o.meta._id)).size, 4);
  });

  it("names the space's alerts index, or the one given", async () => {
    const soc = parseBulk((await run(['scan', '-f', 'bulk', '--space', 'soc', fixture('alert-hit.json')])).stdout);
    assert.equal(soc[0].meta._index, '.alerts-security.alerts-soc');
    assert.deepEqual(soc[0].doc['kibana.space_ids'], ['soc']);
    const own = parseBulk((await run(['scan', '-f', 'bulk', '--alerts-index', 'my-alerts', fixture('alert-hit.json')])).stdout);
    assert.equal(own[0].meta._index, 'my-alerts');
  });
});

describe('argument parsing (util.parseArgs)', () => {
  it('takes short options with their value attached, and --opt=value', async () => {
    const a = await run(['scan', '-fcsv', '-j2', fixture('events.ndjson')]);
    assert.equal(a.status, 0, a.stderr);
    assert.match(a.stdout, /^file,line,status,/);
    const b = await run(['scan', '--format=verdicts', fixture('events.ndjson')]);
    assert.equal(records(b.stdout).length, 5);
  });

  it('suggests the option meant', async () => {
    const r = await run(['scan', '--fromat', 'csv', fixture('events.ndjson')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown option --fromat \(did you mean --format\?\)/);
    const w = await run(['scan', '--worker', '2']);
    assert.match(w.stderr, /unknown option --worker \(did you mean --workers\?\)/);
    const x = await run(['scan', '--zzzzzz']);
    assert.match(x.stderr, /unknown option --zzzzzz\n/);
  });

  it("names a query file's error as file:line:column", async () => {
    const q = path.join(tmp, 'broken.eql');
    fs.writeFileSync(q, 'network where\n  dns.question.name = "x"\n');
    const r = await run(['scan', '--query-file', q, fixture('events.ndjson')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, new RegExp(`^${q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:21: expected \`==\`, found \`=\``, 'm'));
  });
});

// The CLI's output formats, exit statuses, help and usage errors.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { describe, it } from 'node:test';

import { NOW, RULE_ID, bin, fixture, records, run, summaryCounts } from './helpers.mjs';

/** Parses RFC 4180 CSV. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length) rows.push([...row, cell]);
  return rows;
}

describe('output formats', () => {
  it('alerts (default): one NDJSON alert document per matching event', async () => {
    const r = await run(['scan', '--now', NOW, fixture('events.ndjson')]);
    assert.equal(r.status, 0);
    const alerts = records(r.stdout);
    assert.equal(alerts.length, 3);
    for (const a of alerts) {
      assert.equal(a['@timestamp'], NOW);
      assert.equal(a['event.kind'], 'signal');
      assert.equal(a['kibana.alert.rule.rule_id'], RULE_ID);
      assert.match(a['kibana.alert.uuid'], /^[0-9a-f]{64}$/);
    }
    assert.equal(new Set(alerts.map((a) => a['kibana.alert.uuid'])).size, 3);
  });

  it('verdicts: one line per input event, non-matches and rejections included', async () => {
    const file = fixture('malformed.ndjson');
    const r = await run(['scan', '-f', 'verdicts', file]);
    assert.equal(r.status, 0);
    const v = records(r.stdout);
    const c = summaryCounts(r.stderr);
    assert.equal(v.length, c.read);
    assert.deepEqual(
      v.map((x) => [x.line, x.rejected ? 'rejected' : x.matched]),
      [
        [1, true],
        [2, 'rejected'],
        [4, 'rejected'],
        [5, false],
        [6, 'rejected'],
        [7, true],
        [8, 'rejected'],
        [9, true],
      ],
    );
    const ok = v.find((x) => x.line === 1);
    assert.equal(ok.file, file);
    assert.equal(ok.rule.id, RULE_ID);
    assert.match(ok.summary, /^powershell\.exe looked up api\.ipify\.org/);
    assert.equal(ok.reasons.op, 'and');
    assert.deepEqual(ok.missing_fields, []);
    const no = v.find((x) => x.line === 5);
    assert.match(no.summary, /^no alert: dns\.question\.name is "www\.example\.com"/);
    const bad = v.find((x) => x.line === 4);
    assert.equal(bad.error, 'an event must be a JSON object, not an array');
  });

  it('csv: a header and one row per input event, quoted as RFC 4180', async () => {
    const r = await run(['scan', '-f', 'csv', fixture('malformed.ndjson')]);
    assert.equal(r.status, 0);
    const rows = parseCsv(r.stdout);
    assert.deepEqual(rows[0], [
      'file',
      'line',
      'status',
      '@timestamp',
      'event.ingested',
      'host.name',
      'user.name',
      'process.name',
      'process.executable',
      'dns.question.name',
      'summary',
      'error',
    ]);
    assert.equal(rows.length - 1, 8);
    const byLine = Object.fromEntries(rows.slice(1).map((row) => [row[1], row]));
    assert.equal(byLine['1'][2], 'matched');
    assert.equal(byLine['1'][5], 'WS-042');
    assert.equal(byLine['1'][7], 'powershell.exe');
    assert.equal(byLine['1'][8], 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    assert.equal(byLine['1'][9], 'api.ipify.org');
    assert.match(byLine['1'][10], /looked up api\.ipify\.org \(matched \*api\.ipify\.org\); not an excluded user/);
    assert.equal(byLine['5'][2], 'not_matched');
    assert.equal(byLine['2'][2], 'rejected');
    assert.match(byLine['2'][11], /^invalid JSON/);
  });

  it('csv: defuses cells a spreadsheet would run as formulas', async () => {
    const ev = {
      event: { category: ['network'], action: 'lookup_requested' },
      network: { protocol: 'dns' },
      process: { name: '=HYPERLINK("http://x")', executable: 'C:\\Temp\\a.exe' },
      dns: { question: { name: 'api.ipify.org' } },
    };
    const r = await run(['scan', '-f', 'csv'], { input: `${JSON.stringify(ev)}\n` });
    const rows = parseCsv(r.stdout);
    assert.equal(rows[1][7], `'=HYPERLINK("http://x")`);
  });

  it('summary: a table of counts by host, user, process and domain', async () => {
    const r = await run(['scan', '-f', 'summary', fixture('events.ndjson'), fixture('events.json')]);
    assert.equal(r.status, 0);
    const out = r.stdout;
    assert.match(
      out,
      /^External IP Lookup from Non-Browser Process \(rule 1d72d014-e2ab-4707-b056-9b96abe7b511, version 102, severity low\)$/m,
    );
    assert.match(out, /^events read +10$/m);
    assert.match(out, /^matched +6$/m);
    assert.match(out, /^not matched +4$/m);
    assert.match(out, /^rejected +0$/m);
    const section = (title) => {
      const start = out.indexOf(title);
      assert.ok(start >= 0, title);
      const rest = out
        .slice(start)
        .split('\n\n')[0]
        .split('\n')
        .slice(2)
        .filter((l) => l.trim());
      return Object.fromEntries(rest.map((l) => l.trim().split(/\s{2,}/)).map(([n, name]) => [name, Number(n)]));
    };
    assert.deepEqual(section('Alerts by host'), { 'WS-042': 2, 'SRV-DB1': 2, 'WS-107': 2 });
    assert.deepEqual(section('Alerts by user'), { alice: 2, svc_sql: 2, bob: 2 });
    assert.deepEqual(section('Alerts by process'), { 'curl.exe': 2, 'powershell.exe': 2, 'rundll32.exe': 2 });
    assert.deepEqual(section('Alerts by domain'), { 'api.ipify.org': 2, 'ifconfig.me': 2, 'ipinfo.io': 2 });
  });

  it('a final summary on stderr in every format', async () => {
    for (const f of ['alerts', 'verdicts', 'csv', 'summary']) {
      const r = await run(['scan', '-f', f, fixture('events.ndjson')]);
      assert.deepEqual(summaryCounts(r.stderr), { read: 5, matched: 3, unmatched: 2, rejected: 0 }, f);
    }
  });

  it('--rule-version selects the rule version; --version VALUE still does, with a deprecation note', async () => {
    const r = await run(['scan', '--rule-version', '4', fixture('events.ndjson')]);
    const alerts = records(r.stdout);
    assert.equal(alerts[0]['kibana.alert.rule.version'], 4);
    assert.equal(alerts[0]['kibana.alert.rule.name'], 'External IP Lookup fron Non-Browser Process');
    assert.doesNotMatch(r.stderr, /deprecated/);
    for (const args of [['--version', '108'], ['--version=108']]) {
      const r108 = await run(['scan', ...args, fixture('events.ndjson')]);
      assert.equal(r108.status, 0, r108.stderr);
      assert.equal(records(r108.stdout)[0]['kibana.alert.building_block_type'], 'default');
      assert.match(r108.stderr, /note: --version VALUE is deprecated: use --rule-version VALUE/);
    }
  });

  it('--query-file replaces the query', async () => {
    const r = await run(['scan', '-f', 'verdicts', '--query-file', fixture('query.eql'), fixture('events.ndjson')]);
    assert.deepEqual(
      records(r.stdout)
        .filter((v) => v.matched)
        .map((v) => v.line),
      [5],
    );
    const a = records((await run(['scan', '--query-file', fixture('query.eql'), fixture('events.ndjson')])).stdout)[0];
    assert.match(a['kibana.alert.rule.parameters'].query, /www\.example\.com/);
    assert.equal(a['kibana.alert.rule.immutable'], false);
  });

  it('--progress draws a progress bar on stderr', async () => {
    const line = fs.readFileSync(fixture('events.ndjson'), 'utf8').split('\n')[0];
    const text = `${line}\n`.repeat(20000);
    const r = await run(['scan', '--progress', '-f', 'summary'], { input: text });
    assert.ok(r.stderr.includes('\r\u001b[K'), 'the bar redraws its line');
    assert.match(r.stderr, /events\/s +[\d,]+ alerts/);
    const quiet = await run(['scan', '-f', 'summary'], { input: text });
    assert.doesNotMatch(quiet.stderr, /events\/s +[\d,]+ alerts/);
  });
});

describe('exit status (as grep: 0 alerts found, 1 none, 2 error)', () => {
  it('is 0 with alerts, and with matches in verdicts and csv', async () => {
    assert.equal((await run(['scan', fixture('events.ndjson')])).status, 0);
    for (const f of ['verdicts', 'csv', 'summary', 'bulk', 'compact']) {
      assert.equal((await run(['scan', '-f', f, fixture('events.ndjson')])).status, 0, f);
    }
  });

  it('is 1 without alerts', async () => {
    const r = await run(['scan', fixture('no-match.ndjson')]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.equal((await run(['scan', '-f', 'verdicts', fixture('no-match.ndjson')])).status, 1);
  });

  it('is 1 for empty input', async () => {
    const r = await run(['scan'], { input: '' });
    assert.equal(r.status, 1);
    assert.deepEqual(summaryCounts(r.stderr), { read: 0, matched: 0, unmatched: 0, rejected: 0 });
  });

  it('works in a shell condition: `scan FILE && echo alerts`', async () => {
    const { spawnSync } = await import('node:child_process');
    const sh = (file) =>
      spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" scan -q "${file}" && echo alerts || echo none`], {
        encoding: 'utf8',
      }).stdout.trim();
    assert.equal(sh(fixture('events.ndjson')), 'alerts');
    assert.equal(sh(fixture('no-match.ndjson')), 'none');
  });

  it('is 2 for usage errors', async () => {
    for (const args of [
      [],
      ['scan', '--bogus'],
      ['frobnicate'],
      ['scan', '--format', 'xml'],
      ['scan', '--input-format', 'yaml'],
      ['scan', '--workers', 'many'],
      ['scan', '--workers', '0'],
      ['scan', '--rule-version'],
      ['scan', '--replay', '-f', 'csv'],
      ['scan', '--now', 'yesterday'],
      ['scan', '--color', 'sometimes'],
      ['scan', '--follow', 'x', 'y'],
    ]) {
      const r = await run(args, { input: '' });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /external-ip-lookup-rule: /);
    }
  });

  it('is 2 for input errors, after reading the other inputs, even with alerts', async () => {
    const r = await run(['scan', fixture('events.ndjson'), fixture('no-such-file.ndjson')]);
    assert.equal(r.status, 2);
    assert.equal(records(r.stdout).length, 3);
    assert.match(r.stderr, /no-such-file\.ndjson: no such file/);
  });

  it('is 2 for a rule that does not compile', async () => {
    const r = await run(['scan', '--rule-version', '999', fixture('events.ndjson')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /cannot compile the rule/);
  });

  it('-q writes nothing and stops at the first alert, with 0; 1 without alerts', async () => {
    const line = fs.readFileSync(fixture('events.ndjson'), 'utf8').split('\n')[0];
    // An alert, then a missing file: grep -q exits 0 on a match even if an error was detected.
    const r = await run(['scan', '-q', '-', fixture('no-such-file.ndjson')], { input: `${line}\n` });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
    const none = await run(['scan', '-q', fixture('no-match.ndjson')]);
    assert.equal(none.status, 1);
    assert.equal(none.stdout + none.stderr, '');
  });

  it('--help prints usage with examples and the exit statuses, exit 0', async () => {
    const r = await run(['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: external-ip-lookup-rule scan/);
    assert.match(r.stdout, /Examples:\n {2}external-ip-lookup-rule scan /);
    assert.match(r.stdout, /Exit status \(as grep\): 0 alerts found/);
    assert.equal((await run(['scan', '-h'])).status, 0);
  });

  it('-V and --version print the version of the tool, exit 0', async () => {
    const { version } = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    for (const args of [['-V'], ['--version'], ['scan', '--version']]) {
      const r = await run(args);
      assert.equal(r.status, 0, args.join(' '));
      assert.equal(r.stdout, `external-ip-lookup-rule ${version}\n`);
    }
  });

  it('stops quietly when standard output is closed', async () => {
    const line = fs.readFileSync(fixture('events.ndjson'), 'utf8').split('\n')[0];
    const child = spawn(process.execPath, [bin, 'scan'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    child.stdin.on('error', () => {});
    child.stdin.end(`${line}\n`.repeat(20000));
    const status = await new Promise((resolve) => child.on('close', (code) => resolve(code)));
    assert.equal(status, 0, `status ${status}: ${stderr}`);
    assert.doesNotMatch(stderr, /Error|at .*\.cjs/);
  });
});

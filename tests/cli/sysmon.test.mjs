// --input sysmon|auto: Sysmon DNS records (Event ID 22) read through the engine's adapter; the
// alerts carry the ECS fields the adapter mapped, and say how.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';

import { NOW, fixture, records, run, summaryCounts } from './helpers.mjs';

const F = fixture('sysmon-eid22.ndjson');

describe('--input', () => {
  it('ecs (default): Sysmon records never match as they are', async () => {
    const r = await run(['scan', F]);
    assert.equal(r.status, 1);
    assert.deepEqual(summaryCounts(r.stderr), { read: 3, matched: 0, unmatched: 3, rejected: 0 });
  });

  it('sysmon: alerts with the mapped ECS fields, the original record kept', async () => {
    const r = await run(['scan', '--input', 'sysmon', '--now', NOW, F]);
    assert.equal(r.status, 0, r.stderr);
    const alerts = records(r.stdout);
    assert.equal(alerts.length, 1);
    const a = alerts[0];
    const original = JSON.parse(fs.readFileSync(F, 'utf8').split('\n')[0]);
    assert.deepEqual(a.Event, original.Event);
    assert.deepEqual(a.process, { executable: 'C:\\Users\\alice\\AppData\\Local\\Temp\\stage2.exe', name: 'stage2.exe', pid: 4242 });
    assert.equal(a.dns.question.name, 'api.ipify.org');
    assert.equal(a.host.name, 'WS-042.corp.example');
    assert.equal(a['event.kind'], 'signal');
    assert.equal(a['kibana.alert.original_event.action'], 'lookup_requested');
    assert.equal(a['kibana.alert.original_time'], '2024-05-01T10:00:00.123Z');
    assert.equal(
      a['kibana.alert.reason'],
      'network event with process stage2.exe, by alice on WS-042.corp.example created low alert External IP Lookup from Non-Browser Process.',
    );
    const input = a.external_ip_lookup_rule.input;
    assert.equal(input.shape, 'evtx-json');
    assert.equal(input.status, 'mapped');
    assert.deepEqual(
      input.fields.find((f) => f.field === 'dns.question.name'),
      { field: 'dns.question.name', from: 'EventData.QueryName', value: 'api.ipify.org' },
    );
  });

  it('sysmon: the summary and the CSV show the mapped fields', async () => {
    const s = await run(['scan', '--input', 'sysmon', '-f', 'summary', F]);
    assert.match(s.stdout, /^ +1 +WS-042\.corp\.example$/m);
    assert.match(s.stdout, /^ +1 +stage2\.exe$/m);
    const c = await run(['scan', '--input', 'sysmon', '-f', 'csv', F]);
    const row = c.stdout.split('\r\n')[1].split(',');
    assert.deepEqual(row.slice(0, 4), [F, '1', 'matched', '2024-05-01T10:00:00.123Z']);
    assert.equal(row[5], 'WS-042.corp.example');
    assert.equal(row[7], 'stage2.exe');
  });

  it('auto: Sysmon records mapped, ECS events read as they are', async () => {
    const r = await run(['scan', '--input', 'auto', F, fixture('events.ndjson')]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(summaryCounts(r.stderr), { read: 8, matched: 4, unmatched: 4, rejected: 0 });
  });

  it('replays Sysmon records on their mapped @timestamp', async () => {
    const r = await run(['scan', '--input', 'sysmon', '--replay', F]);
    const alerts = records(r.stdout);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]['@timestamp'], '2024-05-01T10:05:00.000Z');
  });

  it('rejects an unknown mode', async () => {
    const r = await run(['scan', '--input', 'evtx', F]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--input must be ecs, sysmon or auto/);
  });
});

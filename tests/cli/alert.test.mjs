// One alert document checked field by field against Kibana's EQL alerts (see js/alert.cjs for
// the Kibana sources each field follows).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { describe, it } from 'node:test';

import { alertJson, buildAlert, makeAlertContext } from '../../js/alert.cjs';
import { compileRule } from '../../js/node.mjs';
import { NOW, RULE_ID, fixture, records, run } from './helpers.mjs';

const sha256 = (s) => createHash('sha256').update(s).digest('hex');
const hit = JSON.parse(fs.readFileSync(fixture('alert-hit.json'), 'utf8'));
const info = compileRule({}).info;

describe('alert document', () => {
  it('has the shape of a Kibana EQL alert, field by field', async () => {
    const r = await run(['scan', '--now', NOW, fixture('alert-hit.json')]);
    assert.equal(r.status, 1, r.stderr);
    const alerts = records(r.stdout);
    assert.equal(alerts.length, 1);
    const a = alerts[0];
    const src = hit._source;

    // The original ECS fields, with event.kind "signal" and @timestamp the alert's time.
    assert.equal(a['@timestamp'], NOW);
    assert.deepEqual(a.host, src.host);
    assert.deepEqual(a.user, src.user);
    assert.deepEqual(a.process, src.process);
    assert.deepEqual(a.dns, src.dns);
    assert.deepEqual(a.network, src.network);
    assert.deepEqual(a.source, src.source);
    assert.deepEqual(a.data_stream, src.data_stream);
    assert.deepEqual(a.event, { ...src.event, kind: 'signal' });
    assert.equal(a.message, src.message);

    // kibana.alert.*
    assert.deepEqual(a['kibana.space_ids'], ['default']);
    assert.equal(a['kibana.alert.original_time'], src['@timestamp']);
    assert.deepEqual(a['kibana.alert.ancestors'], [{ id: hit._id, type: 'event', index: hit._index, depth: 0 }]);
    assert.equal(a['kibana.alert.depth'], 1);
    assert.equal(a['kibana.alert.status'], 'active');
    assert.equal(a['kibana.alert.workflow_status'], 'open');
    assert.equal(a['kibana.alert.severity'], 'low');
    assert.equal(a['kibana.alert.risk_score'], 21);
    assert.equal(
      a['kibana.alert.reason'],
      'network event with process powershell.exe, parent process cmd.exe, source 10.0.0.5:53535, by alice on WS-042 created low alert External IP Lookup from Non-Browser Process.',
    );
    // sha256(index + id + String(version) + `${space}:${rule uuid}`), as generateId.
    assert.equal(a['kibana.alert.uuid'], sha256(`${hit._index}${hit._id}3default:${RULE_ID}`));

    // kibana.alert.original_event.*: the event's own event.* fields.
    for (const [k, v] of Object.entries(src.event)) assert.deepEqual(a[`kibana.alert.original_event.${k}`], v, k);
    assert.equal(a['kibana.alert.original_event.kind'], 'event');

    // kibana.alert.rule.*
    const rule = {
      rule_id: RULE_ID,
      name: 'External IP Lookup from Non-Browser Process',
      version: 102,
      type: 'eql',
      rule_type_id: 'siem.eqlRule',
      category: 'Event Correlation Rule',
      producer: 'siem',
      consumer: 'siem',
      severity: 'low',
      risk_score: 21,
      from: 'now-9m',
      to: 'now',
      interval: '5m',
      max_signals: 100,
      timestamp_override: 'event.ingested',
      enabled: true,
      immutable: true,
      uuid: RULE_ID,
      license: 'Elastic License v2',
      author: ['Elastic'],
      indices: ['logs-endpoint.events.*'],
    };
    for (const [k, v] of Object.entries(rule)) assert.deepEqual(a[`kibana.alert.rule.${k}`], v, k);
    assert.deepEqual(a['kibana.alert.rule.references'], info.references);
    assert.ok(a['kibana.alert.rule.references'].length >= 2);
    assert.deepEqual(a['kibana.alert.rule.tags'], info.tags);
    assert.ok(a['kibana.alert.rule.tags'].includes('Discovery'));
    assert.equal(a['kibana.alert.rule.note'], info.note);
    assert.match(a['kibana.alert.rule.note'], /^## Triage and analysis/);
    assert.equal(a['kibana.alert.rule.description'], info.description);
    // The MITRE ATT&CK mapping.
    const threat = a['kibana.alert.rule.threat'];
    assert.equal(threat.length, 1);
    assert.equal(threat[0].framework, 'MITRE ATT&CK');
    assert.deepEqual(threat[0].tactic, { id: 'TA0007', name: 'Discovery', reference: 'https://attack.mitre.org/tactics/TA0007/' });
    assert.deepEqual(
      threat[0].technique.map((t) => [t.id, t.subtechnique.map((s) => s.id)]),
      [
        ['T1614', []],
        ['T1016', ['T1016.001']],
      ],
    );
    const params = a['kibana.alert.rule.parameters'];
    assert.equal(params.rule_id, RULE_ID);
    assert.equal(params.query, info.query);
    assert.equal(params.language, 'eql');
    assert.deepEqual(params.threat, threat);

    // Our own namespace: the verdict's reasons and where the event came from.
    const ours = a.external_ip_lookup_rule;
    assert.match(ours.summary, /^powershell\.exe looked up api\.ipify\.org \(matched \*api\.ipify\.org\)/);
    assert.equal(ours.reasons.op, 'and');
    assert.equal(ours.reasons.held, true);
    assert.deepEqual(ours.missing_fields, []);
    assert.deepEqual(ours.rule, { id: RULE_ID, name: info.name, version: '102' });
    assert.deepEqual(ours.source, {
      file: fixture('alert-hit.json'),
      line: 1,
      index: hit._index,
      id: hit._id,
      index_derived: false,
      id_derived: false,
      rule_uuid_derived: true,
    });
  });

  it('takes the rule uuid and space of a Kibana install', async () => {
    const uuid = 'f3b9a2c0-0c1d-11ee-9a5b-1b2c3d4e5f60';
    const r = await run(['scan', '--rule-uuid', uuid, '--space', 'soc', fixture('alert-hit.json')]);
    assert.equal(r.status, 1, r.stderr);
    const a = records(r.stdout)[0];
    assert.equal(a['kibana.alert.rule.uuid'], uuid);
    assert.deepEqual(a['kibana.space_ids'], ['soc']);
    assert.equal(a['kibana.alert.uuid'], sha256(`${hit._index}${hit._id}3soc:${uuid}`));
    assert.equal(a.external_ip_lookup_rule.source.rule_uuid_derived, false);
  });

  it('derives _index and _id for an event read without its hit, and says so', async () => {
    const line = fs.readFileSync(fixture('events.ndjson'), 'utf8').split('\n')[0];
    const r = await run(['scan'], { input: `${line}\n` });
    const a = records(r.stdout)[0];
    const index = 'logs-endpoint.events.network-default';
    const id = sha256(line);
    assert.deepEqual(a['kibana.alert.ancestors'], [{ id, type: 'event', index, depth: 0 }]);
    // Kibana hashes String(hit._version): "undefined" for a hit without one.
    assert.equal(a['kibana.alert.uuid'], sha256(`${index}${id}undefineddefault:${RULE_ID}`));
    assert.equal(a.external_ip_lookup_rule.source.index_derived, true);
    assert.equal(a.external_ip_lookup_rule.source.id_derived, true);
    const r2 = await run(['scan', '--index', 'my-index'], { input: `${line}\n` });
    assert.equal(records(r2.stdout)[0]['kibana.alert.ancestors'][0].index, 'my-index');
  });

  it('builds the reason from the fields present, as Kibana\'s template', async () => {
    const ev = {
      event: { category: ['network'], action: 'lookup_requested' },
      network: { protocol: 'dns' },
      process: { name: 'nc.exe', executable: 'C:\\Temp\\nc.exe' },
      dns: { question: { name: 'ipinfo.io' } },
    };
    const r = await run(['scan'], { input: `${JSON.stringify(ev)}\n` });
    const a = records(r.stdout)[0];
    assert.equal(a['kibana.alert.reason'], 'network event with process nc.exe, created low alert External IP Lookup from Non-Browser Process.');
    assert.equal(a['kibana.alert.original_time'], undefined);
    // Dotted keys are ECS fields too.
    const dotted = { 'event.category': 'network', 'event.action': 'lookup_requested', 'network.protocol': 'dns', 'process.name': 'nc.exe', 'process.executable': 'C:\\Temp\\nc.exe', 'dns.question.name': 'ipinfo.io', 'host.name': 'H1', 'user.name': 'u1' };
    const r2 = await run(['scan'], { input: `${JSON.stringify(dotted)}\n` });
    const a2 = records(r2.stdout)[0];
    assert.equal(a2['kibana.alert.reason'], 'network event with process nc.exe, by u1 on H1 created low alert External IP Lookup from Non-Browser Process.');
    assert.equal(a2['event.kind'], 'signal');
    assert.equal(a2['kibana.alert.original_event.action'], 'lookup_requested');
  });

  it('serializes alerts exactly as JSON.stringify of the alert object', () => {
    const rule = compileRule({});
    const ctx = makeAlertContext(rule.info, {});
    const docs = [
      hit,
      hit._source,
      { ...hit._source, external_ip_lookup_rule: 'spoofed', 'kibana.alert.uuid': 'spoofed', 'kibana.space_ids': ['x'] },
      { 'event.action': 'lookup_requested', 'process.name': 'x.exe' },
    ];
    for (const doc of docs) {
      const o = { text: JSON.stringify(doc), verdict: rule.evaluate(doc), file: 'f', line: 1, now: NOW };
      const before = JSON.stringify(doc);
      const text = alertJson(ctx, doc, o);
      assert.equal(text, JSON.stringify(buildAlert(ctx, doc, o)));
      assert.equal(JSON.stringify(doc), before, 'the event is not changed');
      assert.notEqual(JSON.parse(text).external_ip_lookup_rule, 'spoofed');
      assert.match(JSON.parse(text)['kibana.alert.uuid'], /^[0-9a-f]{64}$/);
    }
  });
});

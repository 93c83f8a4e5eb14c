// One alert document checked field by field against Kibana's EQL alerts (see js/alert.cjs for
// the Kibana sources each field follows).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { alertJson, buildAlert, makeAlertContext } from '../../js/alert.cjs';
import { compileRule } from '../../js/node.mjs';
import { NOW, RULE_ID, fixture, records, run } from './helpers.mjs';

const sha256 = (s) => createHash('sha256').update(s).digest('hex');
const hit = JSON.parse(fs.readFileSync(fixture('alert-hit.json'), 'utf8'));
const info = compileRule({}).info;

// Kibana 8.6's sources, as read (elastic/kibana, x-pack/plugins/security_solution/server/lib/
// detection_engine/; the stored versions of the 8.5/8.6 layout, see js/alert.cjs):
const BULK_BODY = 'rule_types/factories/utils/build_bulk_body.ts';
const FILTER_SOURCE = 'rule_types/factories/utils/filter_source.ts';
const BUILD_ALERT = 'rule_types/factories/utils/build_alert.ts';
const CONVERTERS = 'rule_management/normalization/rule_converters.ts';
const WRAP_HITS = 'rule_types/factories/wrap_hits_factory.ts';
const COMMON = 'rule_registry/server/utils/get_common_alert_fields.ts';
const REASON = 'rule_types/utils/reason_formatters.ts';
const OURS = 'this tool (not a Kibana field)';

describe('alert document', () => {
  it('is the golden Kibana 8.6 EQL alert, field by field', async () => {
    const r = await run(['scan', '--now', NOW, fixture('alert-hit.json')]);
    assert.equal(r.status, 0, r.stderr);
    const alerts = records(r.stdout);
    assert.equal(alerts.length, 1);
    const a = alerts[0];
    const src = hit._source;
    const expected = {};
    const cite = {};
    const want = (key, value, source) => {
      expected[key] = value;
      cite[key] = source;
    };

    // The source without `event` (filterSource), with buildAlert's @timestamp (when the alert is
    // written) over the event's.
    for (const k of Object.keys(src)) if (k !== 'event') want(k, src[k], FILTER_SOURCE);
    want('@timestamp', NOW, `${BUILD_ALERT} [TIMESTAMP]: new Date().toISOString()`);
    // The event object as flat event.* keys (buildEventTypeAlert: flattenWithPrefix('event', ...)),
    // event.kind overwritten by buildAlert's [EVENT_KIND]: 'signal'.
    for (const [k, v] of Object.entries(src.event)) want(`event.${k}`, v, `${BULK_BODY} buildEventTypeAlert`);
    want('event.kind', 'signal', `${BUILD_ALERT} [EVENT_KIND]`);
    // buildAlert.
    want('kibana.space_ids', ['default'], `${BUILD_ALERT} [SPACE_IDS]: [spaceId]`);
    want('kibana.alert.original_time', src['@timestamp'], `${BUILD_ALERT} [ALERT_ORIGINAL_TIME]: getValidDateFromDoc(...).toISOString()`);
    want('kibana.alert.ancestors', [{ id: hit._id, type: 'event', index: hit._index, depth: 0 }], `${BUILD_ALERT} buildParent`);
    want('kibana.alert.status', 'active', `${BUILD_ALERT} ALERT_STATUS_ACTIVE`);
    want('kibana.alert.workflow_status', 'open', BUILD_ALERT);
    want('kibana.alert.depth', 1, `${BUILD_ALERT} max(parent depth) + 1`);
    want(
      'kibana.alert.reason',
      'network event with process powershell.exe, parent process cmd.exe, source 10.0.0.5:53535, by alice on WS-042 created low alert External IP Lookup from Non-Browser Process.',
      `${REASON} buildReasonMessageUtil`,
    );
    want('kibana.alert.severity', 'low', `${BUILD_ALERT} [ALERT_SEVERITY]: params.severity`);
    want('kibana.alert.risk_score', 21, `${BUILD_ALERT} [ALERT_RISK_SCORE]: params.riskScore`);
    const rule = {
      actions: [],
      author: ['Elastic'],
      consumer: 'siem',
      description: info.description,
      enabled: true,
      exceptions_list: [],
      false_positives: info.false_positives,
      from: 'now-9m',
      immutable: true,
      interval: '5m',
      indices: ['logs-endpoint.events.*'],
      license: 'Elastic License v2',
      max_signals: 100,
      name: 'External IP Lookup from Non-Browser Process',
      note: info.note,
      references: info.references,
      risk_score_mapping: [],
      rule_id: RULE_ID,
      severity_mapping: [],
      tags: info.tags,
      timestamp_override: 'event.ingested',
      to: 'now',
      type: 'eql',
      uuid: RULE_ID,
      version: 102,
      // "These fields don't exist in the mappings, but leaving here" (build_alert.ts)
      risk_score: 21,
      severity: 'low',
    };
    for (const [k, v] of Object.entries(rule)) want(`kibana.alert.rule.${k}`, v, `${BUILD_ALERT} [ALERT_RULE_${k.toUpperCase()}]`);
    // The rule's threat as the rules' JSON has it: a technique without sub-techniques has no
    // `subtechnique` key (prepackaged_rules/discovery_post_exploitation_external_ip_lookup.json).
    const threat = [
      {
        framework: 'MITRE ATT&CK',
        tactic: { id: 'TA0007', name: 'Discovery', reference: 'https://attack.mitre.org/tactics/TA0007/' },
        technique: [
          { id: 'T1614', name: 'System Location Discovery', reference: 'https://attack.mitre.org/techniques/T1614/' },
          {
            id: 'T1016',
            name: 'System Network Configuration Discovery',
            reference: 'https://attack.mitre.org/techniques/T1016/',
            subtechnique: [
              { id: 'T1016.001', name: 'Internet Connection Discovery', reference: 'https://attack.mitre.org/techniques/T1016/001/' },
            ],
          },
        ],
      },
    ];
    want('kibana.alert.rule.threat', threat, `${BUILD_ALERT} [ALERT_RULE_THREAT]: params.threat`);
    want(
      'kibana.alert.rule.parameters',
      {
        // commonParamsCamelToSnake (without output_index), then typeSpecificCamelToSnake (eql)
        description: info.description,
        risk_score: 21,
        severity: 'low',
        note: info.note,
        license: 'Elastic License v2',
        timestamp_override: 'event.ingested',
        author: ['Elastic'],
        false_positives: info.false_positives,
        from: 'now-9m',
        rule_id: RULE_ID,
        max_signals: 100,
        risk_score_mapping: [],
        severity_mapping: [],
        threat,
        to: 'now',
        references: info.references,
        version: 102,
        exceptions_list: [],
        immutable: true,
        related_integrations: [],
        // detection-rules' get_required_fields: the query's fields, sorted, with their ECS types
        required_fields: ['dns.question.name', 'event.action', 'network.protocol', 'process.executable', 'process.name', 'user.id'].map(
          (name) => ({ name, type: 'keyword', ecs: true }),
        ),
        setup: '',
        type: 'eql',
        language: 'eql',
        index: ['logs-endpoint.events.*'],
        query: info.query,
      },
      `${BUILD_ALERT} [ALERT_RULE_PARAMETERS], ${CONVERTERS}`,
    );
    // The rule registry's common fields.
    want('kibana.alert.rule.category', 'Event Correlation Rule', `${COMMON} ALERT_RULE_CATEGORY: the rule type's name`);
    want('kibana.alert.rule.producer', 'siem', `${COMMON} ALERT_RULE_PRODUCER`);
    want('kibana.alert.rule.rule_type_id', 'siem.eqlRule', `${COMMON} ALERT_RULE_TYPE_ID`);
    // wrap_hits_factory: sha256(index + id + String(version) + `${space}:${rule uuid}`), as generateId.
    want('kibana.alert.uuid', sha256(`${hit._index}${hit._id}3default:${RULE_ID}`), `${WRAP_HITS} [ALERT_UUID]: generateId(...)`);
    // additionalAlertFields: the event.* keys of the source and the flattened event.
    for (const [k, v] of Object.entries(src.event)) want(`kibana.alert.original_event.${k}`, v, `${BUILD_ALERT} additionalAlertFields`);
    want('external_ip_lookup_rule', a.external_ip_lookup_rule, OURS);

    // Exactly these keys: nothing 8.6 does not write (workflow_tags, workflow_assignee_ids, the
    // source's `event` object), nothing missing.
    assert.deepEqual(Object.keys(a).sort(), Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(a[k], v, `${k} (${cite[k]})`);
    assert.equal(a.event, undefined);
    assert.equal(a['kibana.alert.workflow_tags'], undefined);
    assert.equal(a['kibana.alert.workflow_assignee_ids'], undefined);

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

  it('writes kibana.alert.rule.exceptions_list from a Kibana exception-list export', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eilr-alert-'));
    const file = path.join(tmp, 'exceptions.ndjson');
    const list = {
      id: 'a1b2',
      list_id: 'ip-lookup-exceptions',
      name: 'IP lookup exceptions',
      namespace_type: 'single',
      type: 'detection',
      description: 'x',
    };
    const item = {
      item_id: 'i1',
      list_id: 'ip-lookup-exceptions',
      name: 'nobody',
      type: 'simple',
      namespace_type: 'single',
      entries: [{ field: 'user.name', operator: 'included', type: 'match', value: 'nobody' }],
    };
    fs.writeFileSync(
      file,
      `${JSON.stringify(list)}\n${JSON.stringify(item)}\n{"exported_exception_list_count":1,"exported_exception_list_item_count":1}\n`,
    );
    const r = await run(['scan', '--exceptions', file, fixture('alert-hit.json')]);
    fs.rmSync(tmp, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stderr);
    const a = records(r.stdout)[0];
    const refs = [{ id: 'a1b2', list_id: 'ip-lookup-exceptions', namespace_type: 'single', type: 'detection' }];
    assert.deepEqual(a['kibana.alert.rule.exceptions_list'], refs);
    assert.deepEqual(a['kibana.alert.rule.parameters'].exceptions_list, refs);
  });

  it('a customised rule is a custom rule: not immutable, no required_fields', async () => {
    const r = await run(['scan', '--add-domain', '*ident.me', fixture('alert-hit.json')]);
    const a = records(r.stdout)[0];
    assert.equal(a['kibana.alert.rule.immutable'], false);
    assert.deepEqual(a['kibana.alert.rule.parameters'].required_fields, []);
    // Version 4 (7.13) predates the fields: Kibana writes them as [] and '' (`?? []`).
    const v4 = records((await run(['scan', '--rule-version', '4', fixture('alert-hit.json')])).stdout)[0];
    assert.deepEqual(v4['kibana.alert.rule.parameters'].required_fields, []);
    assert.equal(v4['kibana.alert.rule.parameters'].setup, '');
    // Version 108 reads the signature: its boolean field has the ECS type boolean.
    const v108 = records((await run(['scan', '--rule-version', '108', fixture('alert-hit.json')])).stdout);
    assert.equal(v108.length, 1);
    assert.deepEqual(
      v108[0]['kibana.alert.rule.parameters'].required_fields.find((f) => f.name === 'process.code_signature.trusted'),
      { name: 'process.code_signature.trusted', type: 'boolean', ecs: true },
    );
  });

  it('takes the rule uuid and space of a Kibana install', async () => {
    const uuid = 'f3b9a2c0-0c1d-11ee-9a5b-1b2c3d4e5f60';
    const r = await run(['scan', '--rule-uuid', uuid, '--space', 'soc', fixture('alert-hit.json')]);
    assert.equal(r.status, 0, r.stderr);
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

  it("builds the reason from the fields present, as Kibana's template", async () => {
    const ev = {
      event: { category: ['network'], action: 'lookup_requested' },
      network: { protocol: 'dns' },
      process: { name: 'nc.exe', executable: 'C:\\Temp\\nc.exe' },
      dns: { question: { name: 'ipinfo.io' } },
    };
    const r = await run(['scan'], { input: `${JSON.stringify(ev)}\n` });
    const a = records(r.stdout)[0];
    assert.equal(
      a['kibana.alert.reason'],
      'network event with process nc.exe, created low alert External IP Lookup from Non-Browser Process.',
    );
    assert.equal(a['kibana.alert.original_time'], undefined);
    // Dotted keys are ECS fields too.
    const dotted = {
      'event.category': 'network',
      'event.action': 'lookup_requested',
      'network.protocol': 'dns',
      'process.name': 'nc.exe',
      'process.executable': 'C:\\Temp\\nc.exe',
      'dns.question.name': 'ipinfo.io',
      'host.name': 'H1',
      'user.name': 'u1',
    };
    const r2 = await run(['scan'], { input: `${JSON.stringify(dotted)}\n` });
    const a2 = records(r2.stdout)[0];
    assert.equal(
      a2['kibana.alert.reason'],
      'network event with process nc.exe, by u1 on H1 created low alert External IP Lookup from Non-Browser Process.',
    );
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

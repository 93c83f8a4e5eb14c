'use strict';
// Alert documents in the shape Kibana's detection engine writes for an EQL rule's event hits.
//
// Copied behaviours (elastic/kibana, x-pack/plugins/security_solution/server/lib/detection_engine/):
// - rule_types/factories/wrap_hits_factory.ts: the alert `_id` / `kibana.alert.uuid` is
//   generateId(hit._index, hit._id, String(hit._version), `${spaceId}:${rule.alertId}`).
// - signals/utils.ts (rule_types/utils/utils.ts in later releases): generateId is
//   sha256(docIndex + docId + version + ruleId), hex.
// - rule_types/factories/utils/build_alert.ts: the kibana.alert.* and kibana.alert.rule.* fields,
//   ancestors [{ id, type: 'event', index, depth: 0 }], depth 1, status active, workflow_status
//   open, original_time from the event's @timestamp, `@timestamp` = when the alert is written,
//   `event.kind: "signal"`.
// - rule_types/factories/utils/build_bulk_body.ts (additionalAlertFields): the event's `event.*`
//   fields copied to kibana.alert.original_event.*.
// - rule_types/utils/reason_formatters.ts (buildReasonMessageUtil): kibana.alert.reason.
// - rule_types/eql/create_eql_alert_type.ts and rule_registry/server/utils/get_common_alert_fields.ts:
//   rule type id "siem.eqlRule", category (the rule type's name) "Event Correlation Rule",
//   producer and consumer "siem".
//
// What a file of events cannot tell: the saved-object id of the rule in a Kibana install
// (`kibana.alert.rule.uuid`, which feeds the alert uuid) defaults to the rule_id, unless the
// caller passes the install's (`ruleUuid`); the Kibana space defaults to "default". An event read
// without its Elasticsearch hit has no `_index`/`_id`: `_index` is then derived from its
// data_stream fields (or given), `_id` from the sha256 of its JSON text; both are marked as
// derived under `external_ip_lookup_rule.source`. Fields only a Kibana install knows (created_at,
// created_by, updated_*, actions, kibana.version, execution uuid) are left out.

const { createHash } = require('node:crypto');
const { fieldValues, parseDate } = require('./fields.cjs');

const OUR_NAMESPACE = 'external_ip_lookup_rule';

/** sha256(docIndex + docId + version + ruleId), as Kibana's generateId. */
function generateId(docIndex, docId, version, ruleId) {
  return createHash('sha256').update(String(docIndex).concat(docId, version, ruleId)).digest('hex');
}

// reason_formatters.ts getFieldTemplateValue: null for no value or a lone "-"; arrays joined.
function templateValue(values) {
  const vals = values.filter((v) => typeof v !== 'object');
  if (vals.length === 0 || (vals.length === 1 && vals[0] === '-')) return null;
  const s = vals.join(', ');
  // The ICU `select` that consumes each value takes its `null` branch for the text "null" too.
  return s === 'null' ? null : s;
}

/**
 * Kibana's alert reason (buildReasonMessageUtil, the "alertReasonDescription" template), e.g.
 * "network event with process powershell.exe, by alice on WS-042 created low alert External IP
 * Lookup from Non-Browser Process." Values are read like the `fields` of an EQL hit.
 */
function buildReasonMessage({ name, severity, source }) {
  const get = (path) => templateValue(fieldValues(source, path));
  const eventCategory = get('event.category');
  const hostName = get('host.name');
  const userName = get('user.name');
  const interest = {
    processName: get('process.name'),
    processParentName: get('process.parent.name'),
    fileName: get('file.name'),
    sourceAddress: get('source.ip'),
    sourcePort: get('source.port'),
    destinationAddress: get('destination.ip'),
    destinationPort: get('destination.port'),
  };
  const hasFieldOfInterest = Object.values(interest).some((v) => v !== null);
  let s = eventCategory !== null ? `${eventCategory} event` : 'event';
  if (hasFieldOfInterest) s += ' with';
  if (interest.processName !== null) s += ` process ${interest.processName},`;
  if (interest.processParentName !== null) s += ` parent process ${interest.processParentName},`;
  if (interest.fileName !== null) s += ` file ${interest.fileName},`;
  if (interest.sourceAddress !== null) s += ` source ${interest.sourceAddress}`;
  if (interest.sourcePort !== null) s += `:${interest.sourcePort},`;
  if (interest.destinationAddress !== null) s += ` destination ${interest.destinationAddress}`;
  if (interest.destinationPort !== null) s += `:${interest.destinationPort},`;
  if (userName !== null) s += ` by ${userName}`;
  if (hostName !== null) s += ` on ${hostName}`;
  return `${s} created ${severity} alert ${name}.`;
}

/** Splits a parsed line into the event and, for an Elasticsearch hit, its metadata. */
function splitHit(doc) {
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
    const src = doc._source;
    if (src && typeof src === 'object' && !Array.isArray(src)) {
      return { source: src, index: str(doc._index), id: str(doc._id), version: doc._version };
    }
  }
  return { source: doc, index: undefined, id: undefined, version: undefined };
}

function str(v) {
  return typeof v === 'string' ? v : undefined;
}

/** The data stream an event names in its data_stream.* fields, e.g. logs-endpoint.events.network-default. */
function dataStreamName(source) {
  const part = (f) => {
    const v = fieldValues(source, `data_stream.${f}`);
    return typeof v[0] === 'string' && v[0] !== '' ? v[0] : undefined;
  };
  const type = part('type');
  const dataset = part('dataset');
  const namespace = part('namespace');
  return type && dataset && namespace ? `${type}-${dataset}-${namespace}` : undefined;
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The ECS event an alert is about. For a record the engine read through its Sysmon adapter
 * (`compileRule({ input: 'sysmon' | 'auto' })`), that is the record with the ECS fields the
 * verdict says were mapped (`verdict.input.fields`) added, every original field left in place;
 * otherwise the event itself. The given objects are not changed.
 */
function ecsSource(source, verdict) {
  const mapping = verdict && verdict.input;
  if (!mapping || mapping.status !== 'mapped' || !Array.isArray(mapping.fields) || !isPlainObject(source)) {
    return source;
  }
  const out = { ...source };
  for (const { field, value } of mapping.fields) {
    const parts = field.split('.');
    let node = out;
    let ok = true;
    for (let i = 0; i < parts.length - 1; i++) {
      const k = parts[i];
      if (node[k] === undefined) node[k] = {};
      else if (isPlainObject(node[k])) node[k] = { ...node[k] };
      else {
        ok = false;
        break;
      }
      node = node[k];
    }
    if (ok) node[parts[parts.length - 1]] = value;
    else out[field] = value;
  }
  return out;
}

/** Flattens plain objects (arrays are values), as Kibana's flattenWithPrefix. */
function flattenInto(out, prefix, value) {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flattenInto(out, `${prefix}.${k}`, v);
  } else if (value !== undefined) {
    out[prefix] = value;
  }
}

/**
 * What every alert of one rule shares: options and the kibana.alert.rule.* fields.
 * @param info rule.info (RuleInfo)
 * @param options { ruleUuid?, spaceId?, index?, customized? }
 */
function makeAlertContext(info, options = {}) {
  const spaceId = options.spaceId ?? 'default';
  const ruleUuid = options.ruleUuid ?? info.rule_id;
  const version = Number(info.version);
  const immutable = !options.customized;
  const params = {
    author: info.author,
    building_block_type: info.building_block_type ?? undefined,
    description: info.description,
    false_positives: info.false_positives,
    from: info.from,
    immutable,
    index: info.index,
    language: info.language,
    license: info.license,
    max_signals: info.max_signals,
    note: info.note ?? undefined,
    query: info.query,
    references: info.references,
    risk_score: info.risk_score,
    risk_score_mapping: [],
    rule_id: info.rule_id,
    severity: info.severity,
    severity_mapping: [],
    threat: info.threat,
    timestamp_override: info.timestamp_override ?? undefined,
    to: 'now',
    type: 'eql',
    version,
  };
  const rule = {
    'kibana.alert.rule.parameters': params,
    'kibana.alert.rule.actions': [],
    'kibana.alert.rule.author': info.author,
    'kibana.alert.rule.category': 'Event Correlation Rule',
    'kibana.alert.rule.consumer': 'siem',
    'kibana.alert.rule.description': info.description,
    'kibana.alert.rule.enabled': true,
    'kibana.alert.rule.false_positives': info.false_positives,
    'kibana.alert.rule.from': info.from,
    'kibana.alert.rule.immutable': immutable,
    'kibana.alert.rule.indices': info.index,
    'kibana.alert.rule.interval': info.interval,
    'kibana.alert.rule.license': info.license,
    'kibana.alert.rule.max_signals': info.max_signals,
    'kibana.alert.rule.name': info.name,
    'kibana.alert.rule.note': info.note ?? undefined,
    'kibana.alert.rule.producer': 'siem',
    'kibana.alert.rule.references': info.references,
    'kibana.alert.rule.risk_score': info.risk_score,
    'kibana.alert.rule.risk_score_mapping': [],
    'kibana.alert.rule.rule_id': info.rule_id,
    'kibana.alert.rule.rule_type_id': 'siem.eqlRule',
    'kibana.alert.rule.severity': info.severity,
    'kibana.alert.rule.severity_mapping': [],
    'kibana.alert.rule.tags': info.tags,
    'kibana.alert.rule.threat': info.threat,
    'kibana.alert.rule.timestamp_override': info.timestamp_override ?? undefined,
    'kibana.alert.rule.to': 'now',
    'kibana.alert.rule.type': 'eql',
    'kibana.alert.rule.uuid': ruleUuid,
    'kibana.alert.rule.version': version,
  };
  if (info.building_block_type) rule['kibana.alert.rule.building_block_type'] = info.building_block_type;
  return {
    info,
    spaceId,
    ruleUuid,
    ruleUuidDerived: options.ruleUuid === undefined,
    index: options.index,
    rule,
  };
}

// The parts of one alert: `head` (the event's fields and the alert's own kibana.alert.*), then
// the rule's constant kibana.alert.rule.* (ctx.rule), then `tail` (uuid, original_event, ours).
function alertParts(ctx, doc, o) {
  const { info } = ctx;
  const hit = splitHit(doc);
  const source = ecsSource(hit.source, o.verdict);
  const indexDerived = hit.index === undefined;
  const idDerived = hit.id === undefined;
  const index = hit.index ?? ctx.index ?? dataStreamName(source) ?? '';
  const id = hit.id ?? createHash('sha256').update(o.text ?? JSON.stringify(hit.source)).digest('hex');
  const uuid = generateId(index, id, String(hit.version), `${ctx.spaceId}:${ctx.ruleUuid}`);
  const originalTimeMs = parseDate(fieldValues(source, '@timestamp')[0]);
  const eventObject = source.event !== null && typeof source.event === 'object' && !Array.isArray(source.event);

  const head = { '@timestamp': o.now };
  for (const [k, v] of Object.entries(source)) {
    if (k === '@timestamp' || k === 'event.kind' || k === OUR_NAMESPACE || k === 'kibana.space_ids' || k.startsWith('kibana.alert.')) {
      continue;
    }
    head[k] = v;
  }
  if (eventObject) head.event = { ...source.event, kind: 'signal' };
  else head['event.kind'] = 'signal';
  head['kibana.space_ids'] = [ctx.spaceId];
  if (Number.isFinite(originalTimeMs)) head['kibana.alert.original_time'] = new Date(originalTimeMs).toISOString();
  head['kibana.alert.ancestors'] = [{ id, type: 'event', index, depth: 0 }];
  head['kibana.alert.status'] = 'active';
  head['kibana.alert.workflow_status'] = 'open';
  head['kibana.alert.workflow_tags'] = [];
  head['kibana.alert.workflow_assignee_ids'] = [];
  head['kibana.alert.depth'] = 1;
  head['kibana.alert.reason'] = buildReasonMessage({ name: info.name, severity: info.severity, source });
  if (info.building_block_type) head['kibana.alert.building_block_type'] = info.building_block_type;
  head['kibana.alert.severity'] = info.severity;
  head['kibana.alert.risk_score'] = info.risk_score;

  const tail = { 'kibana.alert.uuid': uuid };
  if (eventObject) flattenInto(tail, 'kibana.alert.original_event', source.event);
  for (const [k, v] of Object.entries(source)) {
    if (k.startsWith('event.')) tail[`kibana.alert.original_event.${k.slice(6)}`] = v;
  }
  const ours = {
    summary: o.verdict?.summary,
    reasons: o.verdict?.reasons,
    missing_fields: o.verdict?.missing_fields,
    rule: { id: info.rule_id, name: info.name, version: info.version },
    source: {
      file: o.file,
      line: o.line,
      index,
      id,
      index_derived: indexDerived,
      id_derived: idDerived,
      rule_uuid_derived: ctx.ruleUuidDerived,
    },
  };
  if (o.verdict && o.verdict.input) ours.input = o.verdict.input;
  if (o.execution) ours.execution = o.execution;
  tail[OUR_NAMESPACE] = ours;
  return { head, tail };
}

/**
 * One alert document.
 * @param ctx from makeAlertContext
 * @param doc the parsed event or Elasticsearch hit (not changed)
 * @param o { text (the event's JSON text, for a derived _id), verdict, file, line, now (ISO
 *   time the alert is written), execution? }
 */
function buildAlert(ctx, doc, o) {
  const { head, tail } = alertParts(ctx, doc, o);
  return Object.assign(head, ctx.rule, tail);
}

/**
 * The same alert as JSON text, equal to JSON.stringify(buildAlert(...)), with the rule's constant
 * fields serialized once per rule rather than once per alert (they are most of the document).
 */
function alertJson(ctx, doc, o) {
  const { head, tail } = alertParts(ctx, doc, o);
  if (ctx.ruleJson === undefined) ctx.ruleJson = JSON.stringify(ctx.rule).slice(1, -1);
  return `${JSON.stringify(head).slice(0, -1)},${ctx.ruleJson},${JSON.stringify(tail).slice(1)}`;
}

module.exports = {
  OUR_NAMESPACE,
  alertJson,
  buildAlert,
  buildReasonMessage,
  dataStreamName,
  ecsSource,
  generateId,
  makeAlertContext,
  splitHit,
};

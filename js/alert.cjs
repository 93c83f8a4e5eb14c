'use strict';
// Alert documents in the shape Kibana's detection engine writes for an EQL rule's event hits.
//
// Copied behaviours (elastic/kibana, x-pack/plugins/security_solution/server/lib/detection_engine/),
// read in the stored versions of the 8.5/8.6 layout (imports from ../../../rule_schema and
// ../../../rule_management; buildBulkBody takes indicesToQuery but not yet alertTimestampOverride,
// which 8.7 added, nor stripNonEcsFields, which 8.8 added):
// - rule_types/factories/utils/build_bulk_body.ts: the alert is the filtered source, then the
//   source's `event` object as flat `event.*` keys (buildEventTypeAlert: flattenWithPrefix),
//   then buildAlert's fields, then additionalAlertFields.
// - rule_types/factories/utils/filter_source.ts: the source without `event`, `threshold_result`
//   and `kibana.alert.threshold_result`.
// - rule_types/factories/utils/build_alert.ts (buildAlert): @timestamp (when the alert is
//   written), kibana.space_ids, event.kind "signal", kibana.alert.original_time (the event's
//   @timestamp when it is a valid date, else left out), ancestors [{ id, type: 'event', index,
//   depth: 0 }], status active, workflow_status open, depth 1, reason, building_block_type,
//   severity, risk_score, kibana.alert.rule.parameters (the rule's params in snake case, without
//   output_index), and the kibana.alert.rule.* fields; additionalAlertFields: every `event.*` key
//   of the source (and of the flattened event) copied to kibana.alert.original_event.*. It writes
//   no kibana.alert.workflow_tags nor workflow_assignee_ids (later versions do).
// - rule_management/normalization/rule_converters.ts (commonParamsCamelToSnake,
//   typeSpecificCamelToSnake for eql): the keys and order of kibana.alert.rule.parameters, with
//   related_integrations, required_fields and setup defaulting to [], [] and ''.
// - rule_types/factories/wrap_hits_factory.ts: the alert `_id` / `kibana.alert.uuid` is
//   generateId(hit._index, hit._id, String(hit._version), `${spaceId}:${rule.alertId}`).
// - signals/utils.ts (rule_types/utils/utils.ts in later releases): generateId is
//   sha256(docIndex + docId + version + ruleId), hex.
// - rule_types/utils/reason_formatters.ts (buildReasonMessageUtil): kibana.alert.reason.
// - rule_types/eql/create_eql_alert_type.ts and rule_registry/server/utils/get_common_alert_fields.ts:
//   rule type id "siem.eqlRule", category (the rule type's name) "Event Correlation Rule",
//   producer and consumer "siem".
// - rule_registry/server/utils/create_persistence_rule_type_wrapper.ts and
//   rule_registry/server/rule_data_plugin_service/index_info.ts: alerts are written with `_bulk`
//   `create` actions (`{ create: { _id } }` + the document) to the alias
//   `.alerts-security.alerts-<space>` (getPrimaryAlias): the `bulk` output.
//
// What a file of events cannot tell: the saved-object id of the rule in a Kibana install
// (`kibana.alert.rule.uuid`, which feeds the alert uuid) defaults to the rule_id, unless the
// caller passes the install's (`ruleUuid`); the Kibana space defaults to "default". An event read
// without its Elasticsearch hit has no `_index`/`_id`: `_index` is then derived from its
// data_stream fields (or given), `_id` from the sha256 of its JSON text; both are marked as
// derived under `external_ip_lookup_rule.source`. Fields only a Kibana install knows (created_at,
// created_by, updated_*, kibana.version, execution uuid) are left out. related_integrations is
// [] here: the package version ranges detection-rules writes there come from Fleet's package
// manifests at build time, which this repository does not have.

const { createHash } = require('node:crypto');
const { fieldValues, parseDate } = require('./fields.cjs');

const OUR_NAMESPACE = 'external_ip_lookup_rule';

/** sha256(docIndex + docId + version + ruleId), as Kibana's generateId. */
function generateId(docIndex, docId, version, ruleId) {
  return createHash('sha256')
    .update(String(docIndex).concat(docId, version, ruleId))
    .digest('hex');
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

/** Sets an own property, `__proto__` included (an assignment would set the prototype instead). */
function setOwn(obj, key, value) {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

/**
 * Flattens plain objects (arrays and other values are leaves; an empty object gives nothing), as
 * Kibana's flattenWithPrefix (kbn-securitysolution-rules, lodash isPlainObject).
 */
function flattenInto(out, prefix, value) {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flattenInto(out, `${prefix}.${k}`, v);
  } else {
    setOwn(out, prefix, value);
  }
}

// The largest time a Date holds: 8.64e15 ms either side of the epoch.
const MAX_TIME = 8.64e15;

/** An ISO time for milliseconds since the epoch, or undefined (NaN, or out of a Date's range). */
function isoTime(ms) {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_TIME ? new Date(ms).toISOString() : undefined;
}

// ECS types of the fields the rule's versions read (ECS 8.x field reference).
const ECS_TYPES = {
  '@timestamp': 'date',
  'dns.question.name': 'keyword',
  'event.action': 'keyword',
  'event.category': 'keyword',
  'host.os.type': 'keyword',
  'network.protocol': 'keyword',
  'process.code_signature.subject_name': 'keyword',
  'process.code_signature.trusted': 'boolean',
  'process.executable': 'keyword',
  'process.name': 'keyword',
  'user.id': 'keyword',
  'user.name': 'keyword',
};

/**
 * required_fields as detection-rules builds them for a published rule (rule.py,
 * get_required_fields): the fields the query names, sorted by name, each
 * { name, type (its ECS type, or "unknown"), ecs }. `network where` names no field.
 */
function requiredFields(fields, query) {
  const named = fields.filter((f) => f !== 'event.category' || /\bevent\.category\b/.test(query));
  return [...new Set(named)].sort().map((name) => ({ name, type: ECS_TYPES[name] ?? 'unknown', ecs: name in ECS_TYPES }));
}

/** The rule's threat, with `subtechnique` only on the techniques that have some (as the rules' JSON). */
function threatOf(info) {
  return (info.threat ?? []).map((t) => ({
    ...t,
    technique: (t.technique ?? []).map((tech) => {
      if (!Array.isArray(tech.subtechnique) || tech.subtechnique.length > 0) return tech;
      const rest = { ...tech };
      delete rest.subtechnique;
      return rest;
    }),
  }));
}

/** The index Kibana writes a space's alerts to (getPrimaryAlias). */
function alertsIndex(spaceId = 'default') {
  return `.alerts-security.alerts-${spaceId}`;
}

/**
 * What every alert of one rule shares: options and the kibana.alert.rule.* fields.
 * @param info rule.info (RuleInfo)
 * @param options { ruleUuid?, spaceId?, index?, customized?, fields? (rule.fields),
 *   exceptionsList? (references to the exception lists in use), alertsIndex? }
 */
function makeAlertContext(info, options = {}) {
  const spaceId = options.spaceId ?? 'default';
  const ruleUuid = options.ruleUuid ?? info.rule_id;
  const version = Number(info.version);
  const immutable = !options.customized;
  const threat = threatOf(info);
  const exceptionsList = options.exceptionsList ?? [];
  // A published rule's package carries required_fields from 8.3 on (the rules' min_stack_version);
  // a customised rule is a custom rule, created without them.
  const [major, minor] = String(info.stack).split('.').map(Number);
  const published = immutable && (major > 8 || (major === 8 && minor >= 3));
  const params = {
    // commonParamsCamelToSnake, without output_index (build_alert.ts leaves it out)
    description: info.description,
    risk_score: info.risk_score,
    severity: info.severity,
    building_block_type: info.building_block_type ?? undefined,
    note: info.note ?? undefined,
    license: info.license,
    timestamp_override: info.timestamp_override ?? undefined,
    author: info.author,
    false_positives: info.false_positives,
    from: info.from,
    rule_id: info.rule_id,
    max_signals: info.max_signals,
    risk_score_mapping: [],
    severity_mapping: [],
    threat,
    to: 'now',
    references: info.references,
    version,
    exceptions_list: exceptionsList,
    immutable,
    related_integrations: [],
    required_fields: published && options.fields ? requiredFields(options.fields, info.query) : [],
    setup: '',
    // typeSpecificCamelToSnake, eql
    type: 'eql',
    language: info.language,
    index: info.index,
    query: info.query,
  };
  const rule = {
    'kibana.alert.rule.parameters': params,
    'kibana.alert.rule.actions': [],
    'kibana.alert.rule.author': info.author,
    'kibana.alert.rule.category': 'Event Correlation Rule',
    'kibana.alert.rule.consumer': 'siem',
    'kibana.alert.rule.description': info.description,
    'kibana.alert.rule.enabled': true,
    'kibana.alert.rule.exceptions_list': exceptionsList,
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
    'kibana.alert.rule.threat': threat,
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
    alertsIndex: options.alertsIndex ?? alertsIndex(spaceId),
    rule,
  };
}

// Keys an event may not bring into its alert: the alert's own (an event claiming to be an alert
// does not choose its uuid, space or reasons) and those filter_source.ts removes.
function dropped(k) {
  return k === 'event' || k === 'threshold_result' || k === OUR_NAMESPACE || k === 'kibana.space_ids' || k.startsWith('kibana.alert.');
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
  const id =
    hit.id ??
    createHash('sha256')
      .update(o.text ?? JSON.stringify(hit.source))
      .digest('hex');
  const uuid = generateId(index, id, String(hit.version), `${ctx.spaceId}:${ctx.ruleUuid}`);
  const timestamp = source['@timestamp'];
  const originalTime = isoTime(parseDate(timestamp));
  const warnings = [];
  if (originalTime === undefined && timestamp !== undefined && timestamp !== null) {
    warnings.push(`@timestamp ${JSON.stringify(timestamp)} is not a date in range: kibana.alert.original_time is left out`);
  }

  // filter_source.ts, then buildEventTypeAlert (build_bulk_body.ts); the event.* keys of both go
  // to original_event (additionalAlertFields, on { ...source, ...eventFields }).
  const head = {};
  const tail = { 'kibana.alert.uuid': uuid };
  for (const k in source) {
    if (!Object.hasOwn(source, k) || dropped(k)) continue;
    const v = source[k];
    setOwn(head, k, v);
    if (k.startsWith('event.')) setOwn(tail, `kibana.alert.original_event.${k.slice(6)}`, v);
  }
  const ev = source.event;
  if (ev !== null && typeof ev === 'object') {
    const eventFields = {};
    flattenInto(eventFields, 'event', ev);
    for (const k in eventFields) {
      const v = eventFields[k];
      setOwn(head, k, v);
      if (k.startsWith('event.')) setOwn(tail, `kibana.alert.original_event.${k.slice(6)}`, v);
    }
  }
  // buildAlert (build_alert.ts).
  head['@timestamp'] = o.now;
  head['kibana.space_ids'] = [ctx.spaceId];
  head['event.kind'] = 'signal';
  if (originalTime !== undefined) head['kibana.alert.original_time'] = originalTime;
  head['kibana.alert.ancestors'] = [{ id, type: 'event', index, depth: 0 }];
  head['kibana.alert.status'] = 'active';
  head['kibana.alert.workflow_status'] = 'open';
  head['kibana.alert.depth'] = 1;
  head['kibana.alert.reason'] = buildReasonMessage({ name: info.name, severity: info.severity, source });
  if (info.building_block_type) head['kibana.alert.building_block_type'] = info.building_block_type;
  head['kibana.alert.severity'] = info.severity;
  head['kibana.alert.risk_score'] = info.risk_score;

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
  if (warnings.length) ours.warnings = warnings;
  if (o.verdict && o.verdict.input) ours.input = o.verdict.input;
  if (o.execution) ours.execution = o.execution;
  tail[OUR_NAMESPACE] = ours;
  return { head, tail, uuid };
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

function partsJson(ctx, { head, tail }) {
  if (ctx.ruleJson === undefined) ctx.ruleJson = JSON.stringify(ctx.rule).slice(1, -1);
  return `${JSON.stringify(head).slice(0, -1)},${ctx.ruleJson},${JSON.stringify(tail).slice(1)}`;
}

/**
 * The same alert as JSON text, equal to JSON.stringify(buildAlert(...)), with the rule's constant
 * fields serialized once per rule rather than once per alert (they are most of the document).
 */
function alertJson(ctx, doc, o) {
  return partsJson(ctx, alertParts(ctx, doc, o));
}

/**
 * The alert as Elasticsearch `_bulk` NDJSON, as Kibana writes it: a `create` action naming the
 * alerts index and the alert's uuid as `_id`, then the document (two lines).
 */
function bulkJson(ctx, doc, o) {
  const parts = alertParts(ctx, doc, o);
  const action = JSON.stringify({ create: { _index: ctx.alertsIndex, _id: parts.uuid } });
  return `${action}\n${partsJson(ctx, parts)}\n`;
}

// Event text shown at a terminal must not drive it: control characters (C0, DEL, C1), and
// the format characters that reorder text (bidi controls), are shown as \u{...}.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g; // eslint-disable-line no-control-regex
const MAX_SHOWN = 120;

function shown(values) {
  const vals = values.filter((v) => v === null || typeof v !== 'object');
  if (vals.length === 0) return '-';
  let s = vals.map(String).join(',');
  if (s.length > MAX_SHOWN) s = `${s.slice(0, MAX_SHOWN - 1)}\u2026`;
  return s.replace(UNSAFE, (c) => `\\u{${c.codePointAt(0).toString(16)}}`);
}

/** The list entries a verdict's domain clause matched (the first clause on dns.question.name). */
function matchedEntries(reason) {
  if (!reason || typeof reason !== 'object') return [];
  if (reason.field === 'dns.question.name' && Array.isArray(reason.matched) && reason.matched.length) return reason.matched;
  for (const c of reason.children ?? []) {
    const m = matchedEntries(c);
    if (m.length) return m;
  }
  return [];
}

const COLORS = { time: '2', host: '36', user: '32', process: '33', domain: '1;31', entry: '35', where: '2' };

/**
 * One line for a person at a terminal: time, host, user, process, domain, the list entry it
 * matched, and where the event is (file:line). Coloured with ANSI SGR codes when `color`.
 */
function compactLine(ctx, doc, o, color) {
  const source = ecsSource(splitHit(doc).source, o.verdict);
  const get = (path) => fieldValues(source, path);
  const userName = get('user.name');
  const userDomain = get('user.domain');
  const user =
    userName.length && userDomain.length === 1 && typeof userDomain[0] === 'string' ? [`${userDomain[0]}\\${userName[0]}`] : userName;
  let proc = get('process.name');
  if (proc.length === 0) proc = get('process.executable').map((x) => (typeof x === 'string' ? x.split(/[\\/]/).pop() : x));
  const entries = matchedEntries(o.verdict && o.verdict.reasons);
  const cells = [
    ['time', shown(get('@timestamp'))],
    ['host', shown(get('host.name'))],
    ['user', shown(user)],
    ['process', shown(proc)],
    ['domain', shown(get('dns.question.name'))],
    ['entry', entries.length ? `(${shown(entries)})` : '-'],
    ['where', `${shown([o.file])}:${o.line}`],
  ];
  return cells.map(([k, v]) => (color ? `\u001b[${COLORS[k]}m${v}\u001b[0m` : v)).join('  ');
}

module.exports = {
  OUR_NAMESPACE,
  alertJson,
  alertsIndex,
  buildAlert,
  bulkJson,
  compactLine,
  isoTime,
  requiredFields,
  buildReasonMessage,
  dataStreamName,
  ecsSource,
  generateId,
  makeAlertContext,
  splitHit,
};

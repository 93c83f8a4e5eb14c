'use strict';
// Command-line arguments of `external-ip-lookup-rule scan`.

const { FORMATS } = require('../js/framing.cjs');

const OUTPUT_FORMATS = ['alerts', 'verdicts', 'csv', 'summary'];
const INPUT_FORMATS = ['auto', ...FORMATS];

class UsageError extends Error {}

// name -> { key, value: true when the option takes a value, repeat: collects into an array }
const OPTIONS = {
  '--help': { key: 'help' },
  '-h': { key: 'help' },
  '--version': { key: 'version', value: true },
  '--query-file': { key: 'queryFile', value: true },
  '--exceptions': { key: 'exceptions', value: true },
  '--add-domain': { key: 'addDomains', value: true, repeat: true },
  '--exclude-executable': { key: 'excludeExecutables', value: true, repeat: true },
  '--input': { key: 'input', value: true },
  '--format': { key: 'format', value: true },
  '-f': { key: 'format', value: true },
  '--input-format': { key: 'inputFormat', value: true },
  '--workers': { key: 'workers', value: true },
  '-j': { key: 'workers', value: true },
  '--replay': { key: 'replay' },
  '--strict': { key: 'strict' },
  '--max-errors': { key: 'maxErrors', value: true },
  '--progress': { key: 'progress', set: true },
  '--no-progress': { key: 'progress', set: false },
  '--rule-uuid': { key: 'ruleUuid', value: true },
  '--space': { key: 'space', value: true },
  '--index': { key: 'index', value: true },
  '--batch-size': { key: 'batchSize', value: true },
  '--now': { key: 'now', value: true },
};

function parseSize(text, what) {
  const m = /^(\d+)\s*([kmg]?)i?b?$/i.exec(String(text).trim());
  if (!m) throw new UsageError(`${what} must be a size like 4m or 65536, not "${text}"`);
  const mult = { '': 1, k: 1024, m: 1 << 20, g: 1 << 30 }[m[2].toLowerCase()];
  return Number(m[1]) * mult;
}

function parseIntArg(text, what, min) {
  if (!/^\d+$/.test(String(text))) throw new UsageError(`${what} must be a whole number, not "${text}"`);
  const n = Number(text);
  if (n < min) throw new UsageError(`${what} must be at least ${min}`);
  return n;
}

/** Parses argv (without node and the script). */
function parseArgs(argv) {
  const opts = {
    command: null,
    files: [],
    addDomains: [],
    excludeExecutables: [],
    format: 'alerts',
    inputFormat: 'auto',
    workers: 1,
    maxErrors: 10,
    progress: undefined,
    space: 'default',
    batchSize: 1 << 20,
  };
  let onlyFiles = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (onlyFiles || arg === '-' || !arg.startsWith('-')) {
      if (opts.command === null && !opts.help) {
        opts.command = arg;
        continue;
      }
      opts.files.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyFiles = true;
      continue;
    }
    let name = arg;
    let inline;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      name = arg.slice(0, eq);
      inline = arg.slice(eq + 1);
    }
    const spec = OPTIONS[name];
    if (!spec) throw new UsageError(`unknown option ${name}`);
    if (!spec.value) {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
      opts[spec.key] = 'set' in spec ? spec.set : true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`${name} needs a value`);
      value = argv[++i];
    }
    if (spec.repeat) opts[spec.key].push(value);
    else opts[spec.key] = value;
  }
  if (opts.help) return opts;
  if (opts.command === null) throw new UsageError('no command given; the command is `scan`');
  if (opts.command !== 'scan') throw new UsageError(`unknown command "${opts.command}"; the command is \`scan\``);
  if (!OUTPUT_FORMATS.includes(opts.format)) {
    throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, not "${opts.format}"`);
  }
  if (!INPUT_FORMATS.includes(opts.inputFormat)) {
    throw new UsageError(`--input-format must be one of ${INPUT_FORMATS.join(', ')}, not "${opts.inputFormat}"`);
  }
  if (opts.input !== undefined && !['ecs', 'sysmon', 'auto'].includes(opts.input)) {
    throw new UsageError(`--input must be ecs, sysmon or auto, not "${opts.input}"`);
  }
  opts.workers = parseIntArg(opts.workers, '--workers', 1);
  opts.maxErrors = parseIntArg(opts.maxErrors, '--max-errors', 0);
  opts.batchSize = parseSize(opts.batchSize, '--batch-size');
  if (opts.batchSize < 1) throw new UsageError('--batch-size must be at least 1 byte');
  if (opts.now !== undefined) {
    const t = Date.parse(opts.now);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(opts.now) || Number.isNaN(t)) {
      throw new UsageError(`--now must be an ISO 8601 time such as 2024-05-01T12:00:00Z, not "${opts.now}"`);
    }
    opts.now = new Date(t).toISOString();
  }
  if (opts.replay && (opts.format === 'verdicts' || opts.format === 'csv')) {
    throw new UsageError(`--replay produces alerts: use it with --format alerts or summary, not ${opts.format}`);
  }
  return opts;
}

const HELP = `Usage: external-ip-lookup-rule scan [OPTIONS] [FILE...]

Evaluates Elastic's detection rule "External IP Lookup from Non-Browser Process"
(rule_id 1d72d014-e2ab-4707-b056-9b96abe7b511) on ECS events and writes alerts
shaped like the ones Kibana writes for it.

Input: FILEs, or standard input when there is none (or for "-"). Each input is
NDJSON, a JSON array of events, an Elasticsearch search response (the events
are hits.hits[]._source), or a stream of pretty-printed JSON values; any of
them may be gzip-compressed. The format is detected; --input-format forces it.

Rule:
  --version V              the rule version: 4, 102 (default), 104 or 108
  --query-file FILE        EQL text that replaces the published query
  --exceptions FILE        Elastic exception list items (a JSON array, or a
                           Kibana exception-list NDJSON export)
  --add-domain PATTERN     one more lookup domain, as an EQL wildcard such as
                           "*ip.example.com" (repeatable)
  --exclude-executable PATTERN
                           one more excluded program, as an EQL wildcard such as
                           "C:\\Tools\\*.exe" (repeatable)
  --input MODE             ecs (default): events as Elastic Defend writes them;
                           sysmon: Sysmon DNS records (Event ID 22: EVTX JSON,
                           NXLog, Wazuh, Winlogbeat) mapped to ECS first;
                           auto: Sysmon records mapped, the rest read as ECS

Output (standard output):
  -f, --format FORMAT      alerts (default): NDJSON alert documents, as Kibana
                             writes them (kibana.alert.*), with this tool's
                             reasons under external_ip_lookup_rule
                           verdicts: one NDJSON verdict per input event,
                             matched or not (rejected lines included)
                           csv: one row per input event
                           summary: a table of counts by host, user, process
                             and domain
  --replay                 replay Elastic's scheduling: executions every 5
                           minutes on event.ingested (@timestamp when absent),
                           each looking back 9 minutes and capped at 100 alerts
                           (max_signals); overlapping executions do not alert
                           twice on one event; reports each execution on stderr
  --rule-uuid ID           the rule's id in your Kibana (kibana.alert.rule.uuid,
                           which feeds kibana.alert.uuid); default: the rule_id
  --space ID               the Kibana space (default: default)
  --index NAME             the _index of events read without their hit
                           (default: their data stream, from data_stream.*)
  --now TIME               the alerts' @timestamp (default: now), for
                           reproducible output; --replay uses each execution's
                           time

Running:
  -j, --workers N          judge batches in N worker threads (output keeps
                           input order)
  --strict                 stop at the first rejected line (exit status 2)
  --max-errors N           rejections listed in the final summary (default 10)
  --progress, --no-progress
                           progress bar on stderr (default: when stderr is a
                           terminal and the work takes more than a second)
  --batch-size SIZE        bytes per batch (default 1m)
  -h, --help               this help

Every event read is counted as matched, not matched or rejected; a malformed
line is reported as FILE:LINE: reason, counted and skipped. A final summary goes
to stderr.

Exit status: 0 no alert, 1 alerts (or, with --format verdicts or csv, matches),
2 usage or input error.

Examples:
  external-ip-lookup-rule scan events.ndjson > alerts.ndjson
  zcat logs/*.ndjson.gz | external-ip-lookup-rule scan --format summary
  external-ip-lookup-rule scan --format csv search-response.json > events.csv
  external-ip-lookup-rule scan --version 108 --add-domain '*ip.example.com' \\
      --exclude-executable 'C:\\Tools\\inventory.exe' events.ndjson.gz
  external-ip-lookup-rule scan --input sysmon sysmon-eid22.ndjson
  external-ip-lookup-rule scan --replay --format summary day.ndjson.gz
  external-ip-lookup-rule scan --workers 4 big.ndjson | jq -r '."kibana.alert.reason"'
`;

module.exports = { HELP, INPUT_FORMATS, OUTPUT_FORMATS, UsageError, parseArgs, parseSize };

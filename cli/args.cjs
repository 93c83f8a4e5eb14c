'use strict';
// Command-line arguments of `external-ip-lookup-rule scan`, read with Node's util.parseArgs
// (so `-fcsv`, `-j2`, `--format=csv` and `--` work as in other tools), with did-you-mean hints.

const { parseArgs: nodeParseArgs } = require('node:util');
const { FORMATS } = require('../js/framing.cjs');

const OUTPUT_FORMATS = ['compact', 'alerts', 'bulk', 'verdicts', 'csv', 'summary'];
const INPUT_FORMATS = ['auto', ...FORMATS];
const COLORS = ['auto', 'always', 'never'];

class UsageError extends Error {}

// util.parseArgs options; `key` is the name in the result.
const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
  'rule-version': { type: 'string', key: 'ruleVersion' },
  'query-file': { type: 'string', key: 'queryFile' },
  exceptions: { type: 'string' },
  mapping: { type: 'string' },
  'add-domain': { type: 'string', multiple: true, key: 'addDomains' },
  'exclude-executable': { type: 'string', multiple: true, key: 'excludeExecutables' },
  input: { type: 'string' },
  format: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
  quiet: { type: 'boolean', short: 'q' },
  color: { type: 'string' },
  'input-format': { type: 'string', key: 'inputFormat' },
  follow: { type: 'string' },
  workers: { type: 'string', short: 'j' },
  replay: { type: 'boolean' },
  strict: { type: 'boolean' },
  'max-errors': { type: 'string', key: 'maxErrors' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean', key: 'noProgress' },
  'rule-uuid': { type: 'string', key: 'ruleUuid' },
  space: { type: 'string' },
  index: { type: 'string' },
  'alerts-index': { type: 'string', key: 'alertsIndex' },
  'batch-size': { type: 'string', key: 'batchSize' },
  now: { type: 'string' },
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

function editDistance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** The known option closest to `name` (`--fromat` -> `--format`), or null. */
function suggest(name) {
  const bare = name.replace(/^-+/, '').split('=')[0];
  let best = null;
  let bestScore = Infinity;
  for (const opt of Object.keys(OPTIONS)) {
    const dist = editDistance(bare, opt);
    const score = opt.startsWith(bare) && bare.length >= 2 ? 0.5 : dist;
    if (score < bestScore) {
      best = opt;
      bestScore = score;
    }
  }
  return bestScore <= Math.max(1, Math.floor(bare.length / 3)) ? `--${best}` : null;
}

/**
 * `--version VALUE` (and `--version=VALUE`) chose the rule version before `--rule-version`
 * existed: still accepted, with a note; `--version` alone prints the tool's version.
 */
function rewriteVersion(argv, notes) {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const eq = /^--version=(.*)$/.exec(a);
    if (eq) {
      notes.push('--version VALUE is deprecated: use --rule-version VALUE (--version alone prints the version of this tool)');
      out.push(`--rule-version=${eq[1]}`);
    } else if (a === '--version' && i + 1 < argv.length && /^\d+$/.test(argv[i + 1])) {
      notes.push('--version VALUE is deprecated: use --rule-version VALUE (--version alone prints the version of this tool)');
      out.push('--rule-version', argv[++i]);
    } else {
      out.push(a);
    }
  }
  return out;
}

/** Parses argv (without node and the script). Notes (deprecations) are pushed to `opts.notes`. */
function parseArgs(argv) {
  const notes = [];
  const config = {};
  for (const [name, spec] of Object.entries(OPTIONS)) {
    config[name] = { type: spec.type };
    if (spec.short) config[name].short = spec.short;
    if (spec.multiple) config[name].multiple = true;
  }
  let parsed;
  try {
    parsed = nodeParseArgs({ args: rewriteVersion(argv, notes), options: config, allowPositionals: true, strict: true });
  } catch (e) {
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const m = /option '([^']+)'/.exec(e.message);
      const name = m ? m[1] : '?';
      const hint = name.startsWith('--') ? suggest(name) : null;
      throw new UsageError(`unknown option ${name}${hint ? ` (did you mean ${hint}?)` : ''}`);
    }
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const m = /Option '(?:-\w, )?(--[\w-]+)/.exec(e.message);
      const name = m ? m[1] : 'an option';
      const spec = m ? OPTIONS[name.slice(2)] : null;
      throw new UsageError(spec && spec.type === 'boolean' ? `${name} takes no value` : `${name} needs a value`);
    }
    throw new UsageError(e.message);
  }
  const v = parsed.values;
  const get = (name) => v[name];
  const opts = { notes, files: [], command: null };
  for (const [name, spec] of Object.entries(OPTIONS)) opts[spec.key ?? name] = get(name);
  opts.addDomains = opts.addDomains ?? [];
  opts.excludeExecutables = opts.excludeExecutables ?? [];
  const positionals = [...parsed.positionals];
  if (opts.help || opts.version) return opts;
  opts.command = positionals.shift() ?? null;
  opts.files = positionals;
  if (opts.command === null) throw new UsageError('no command given; the command is `scan`');
  if (opts.command !== 'scan') throw new UsageError(`unknown command "${opts.command}"; the command is \`scan\``);
  opts.formatGiven = opts.format !== undefined;
  if (opts.format !== undefined && !OUTPUT_FORMATS.includes(opts.format)) {
    throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, not "${opts.format}"`);
  }
  opts.inputFormat = opts.inputFormat ?? 'auto';
  if (!INPUT_FORMATS.includes(opts.inputFormat)) {
    throw new UsageError(`--input-format must be one of ${INPUT_FORMATS.join(', ')}, not "${opts.inputFormat}"`);
  }
  if (opts.input !== undefined && !['ecs', 'sysmon', 'auto'].includes(opts.input)) {
    throw new UsageError(`--input must be ecs, sysmon or auto, not "${opts.input}"`);
  }
  opts.color = opts.color ?? 'auto';
  if (!COLORS.includes(opts.color)) throw new UsageError(`--color must be auto, always or never, not "${opts.color}"`);
  if (opts.progress && opts.noProgress) throw new UsageError('--progress and --no-progress contradict each other');
  opts.progress = opts.progress ? true : opts.noProgress ? false : undefined;
  opts.workers = parseIntArg(opts.workers ?? '1', '--workers', 1);
  opts.maxErrors = parseIntArg(opts.maxErrors ?? '10', '--max-errors', 0);
  opts.batchSize = parseSize(opts.batchSize ?? '1m', '--batch-size');
  if (opts.batchSize < 1) throw new UsageError('--batch-size must be at least 1 byte');
  opts.space = opts.space ?? 'default';
  if (opts.now !== undefined) {
    const t = Date.parse(opts.now);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(opts.now) || Number.isNaN(t)) {
      throw new UsageError(`--now must be an ISO 8601 time such as 2024-05-01T12:00:00Z, not "${opts.now}"`);
    }
    opts.now = new Date(t).toISOString();
  }
  if (opts.replay && ['verdicts', 'csv', 'bulk'].includes(opts.format)) {
    throw new UsageError(`--replay produces alerts: use it with --format alerts, compact or summary, not ${opts.format}`);
  }
  if (opts.follow !== undefined) {
    if (opts.files.length) throw new UsageError('--follow FILE reads that file only: give no other input');
    if (opts.replay) throw new UsageError('--follow never ends, --replay needs the end of the input: use one of them');
    if (opts.format === 'summary') throw new UsageError('--follow never ends, --format summary is written at the end: use another format');
  }
  return opts;
}

const HELP = `Usage: external-ip-lookup-rule scan [OPTIONS] [FILE|DIR|GLOB...]

Evaluates Elastic's detection rule "External IP Lookup from Non-Browser Process"
(rule_id 1d72d014-e2ab-4707-b056-9b96abe7b511) on ECS events and writes alerts
shaped like the ones Kibana 8.6 writes for it.

Input: FILEs, or standard input when there is none (or for "-"). A directory is
read recursively (hidden files skipped); a quoted glob ('logs/*.ndjson.gz',
'logs/**/*.json') is expanded. Each input is NDJSON, a JSON array of events, an
Elasticsearch search response (hits.hits[]) or EQL response (hits.events[]), or
a stream of pretty-printed JSON values; gzip is decompressed (zstd too, where
this Node.js has zstd). The format is detected; --input-format forces it. Input
that is not events at all (xz, bzip2, zip, EVTX, binary, CSV) is an error.

Rule:
  --rule-version V         the rule version: 4, 102 (default), 104 or 108
                           (--version V still works, with a deprecation note)
  --query-file FILE        EQL text that replaces the published query
  --exceptions FILE        Elastic exception list items (a JSON array, or a
                           Kibana exception-list NDJSON export)
  --mapping FILE           the index mapping (GET index/_mapping JSON): fields
                           compare by type; fields it lacks are errors
  --add-domain PATTERN     one more lookup domain, as an EQL wildcard such as
                           "*ip.example.com" (repeatable)
  --exclude-executable PATTERN
                           one more excluded program, as an EQL wildcard such as
                           "C:\\Tools\\*.exe" (repeatable)
  --input MODE             ecs (default): events as Elastic Defend writes them;
                           sysmon: Sysmon DNS records (Event ID 22: EVTX JSON,
                           NXLog, Wazuh, Winlogbeat) mapped to ECS first;
                           auto: Sysmon records mapped, the rest read as ECS

Output (standard output, or -o FILE):
  -f, --format FORMAT      compact (default at a terminal): one line per alert:
                             time, host, user, process, domain, matched entry
                           alerts (default otherwise): NDJSON alert documents
                             as Kibana writes them (kibana.alert.*), with this
                             tool's reasons under external_ip_lookup_rule
                           bulk: Elasticsearch _bulk NDJSON (a create action
                             and the alert, per alert), to load with
                             curl -H 'Content-Type: application/x-ndjson'
                             --data-binary @alerts.bulk .../_bulk
                           verdicts: one NDJSON verdict per input event,
                             matched or not (rejected lines included)
                           csv: one row per input event
                           summary: a table of counts by host, user, process
                             and domain
  -o, --output FILE        write the output to FILE
  -q, --quiet              write nothing; stop at the first alert (exit 0) as
                           grep -q does; errors still go to stderr
  --color WHEN             auto (default: at a terminal, unless NO_COLOR is
                           set), always or never: colours of compact lines
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
  --alerts-index NAME      the index of bulk actions (default:
                           .alerts-security.alerts-SPACE, Kibana's alias)
  --now TIME               the alerts' @timestamp (default: now), for
                           reproducible output; --replay uses each execution's
                           time

Running:
  --follow FILE            read FILE as it grows (as tail -F: a rotated or
                           truncated file is read again from its start) until
                           interrupted (Ctrl-C); alerts are written as they come
  -j, --workers N          judge batches in N worker threads (output keeps
                           input order)
  --strict                 stop at the first rejected line (exit status 2)
  --max-errors N           rejections listed in the final summary (default 10)
  --progress, --no-progress
                           progress bar on stderr (default: when stderr is a
                           terminal and the work takes more than a second)
  --batch-size SIZE        bytes per batch (default 1m); a pipe that goes quiet
                           for 100 ms is judged at once, whatever the size
  -h, --help               this help
  -V, --version            the version of this tool

Every event read is counted as matched, not matched or rejected; a malformed
line is reported as FILE:LINE:COLUMN: reason, counted and skipped. A final
summary goes to stderr.

Exit status (as grep): 0 alerts found (with --format verdicts or csv: matches),
1 no alert, 2 an error (usage, unreadable or corrupt input, input that is not
events at all, --strict stopping), even when alerts were found.

Examples:
  external-ip-lookup-rule scan events.ndjson > alerts.ndjson
  external-ip-lookup-rule scan logs/            # at a terminal: one line per alert
  zcat logs/*.ndjson.gz | external-ip-lookup-rule scan --format summary
  tail -F /var/log/events.ndjson | external-ip-lookup-rule scan -
  external-ip-lookup-rule scan --follow /var/log/events.ndjson -o alerts.ndjson
  external-ip-lookup-rule scan -f bulk events.ndjson > alerts.bulk
  external-ip-lookup-rule scan --format csv search-response.json > events.csv
  external-ip-lookup-rule scan --rule-version 108 --add-domain '*ip.example.com' \\
      --exclude-executable 'C:\\Tools\\inventory.exe' events.ndjson.gz
  external-ip-lookup-rule scan --input sysmon sysmon-eid22.ndjson
  external-ip-lookup-rule scan --replay --format summary day.ndjson.gz
  external-ip-lookup-rule scan -q events.ndjson && echo "alerts found"
  external-ip-lookup-rule scan -j4 big.ndjson | jq -r '."kibana.alert.reason"'
`;

module.exports = { HELP, INPUT_FORMATS, OUTPUT_FORMATS, UsageError, parseArgs, parseSize, suggest };

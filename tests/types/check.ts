// CommonJS user (`require` condition): every export and every result type, under strict mode.
import {
  compileRule,
  evaluate,
  matches,
  Rule,
  scanNdjson,
  versions,
  type CompileOptions,
  type Counts,
  type EcsEvent,
  type EsHit,
  type LineError,
  type Reason,
  type ReasonKind,
  type RuleError,
  type RuleInfo,
  type Sample,
  type ScanResult,
  type Threat,
  type Verdict,
  type VersionEntry,
  type Warning,
} from 'external-ip-lookup-rule';

const event: EcsEvent = {
  event: { category: ['network'], action: 'lookup_requested' },
  network: { protocol: 'dns' },
  process: { name: 'curl.exe', executable: 'C:\\Temp\\curl.exe', pid: 42 },
  user: { id: 'S-1-5-21-1' },
  dns: { question: { name: 'api.ipify.org' } },
};
const dotted: EcsEvent = { 'event.category': 'network', 'dns.question.name': ['a', null], 'process.pid': 1 };
const hit: EsHit = { _index: 'logs-endpoint.events.network-default', _id: 'abc', _source: event };

// A user's own interface (no index signature) is accepted.
interface MyDnsEvent {
  event: { category: string[]; action: string };
  dns: { question: { name: string } };
}
const mine: MyDnsEvent = { event: { category: ['network'], action: 'lookup_requested' }, dns: { question: { name: 'x' } } };

const verdict: Verdict = evaluate(event);
const matched: boolean = verdict.matched;
const summary: string = verdict.summary;
const missing: string[] = verdict.missing_fields;
const index: string | undefined = evaluate(hit)._index;
const id: string | undefined = evaluate(JSON.stringify(hit))._id;
const reason: Reason = verdict.reasons;
const kind: ReasonKind = reason.kind;
const children: Reason[] = reason.children ?? [];
const leafFields = children.map((c) => c.field ?? '').filter((f) => f !== '');
const bool: boolean = matches(event) && matches(dotted) && matches(mine) && matches(new TextEncoder().encode('{}')) && matches('{}');

const options: CompileOptions = { version: '104', limits: { maxEventDepth: 32 } };
const rule: Rule = compileRule(options);
const custom = compileRule({ query: 'network where dns.question.name : "*.example"' });
const dflt = compileRule();
const info: RuleInfo = rule.info;
const threat: readonly Threat[] = info.threat;
const subIds: string[] = threat.flatMap((t) => t.technique.flatMap((tq) => tq.subtechnique.map((s) => s.id)));
const note: string | null = info.note;
const fields: readonly string[] = rule.fields;
const warnings: readonly Warning[] = rule.warnings;
const warningKinds = warnings.map((w) => `${w.kind}@${w.line}:${w.column}`);
const query: string = custom.query;
const samples: Sample[] = dflt.samples();
const sampleOk = samples.every((s) => rule.matches(s.event) === (s.expect === 'match'));

const scan: ScanResult = scanNdjson(new TextEncoder().encode('{}\n'));
const scan2: ScanResult = rule.scanNdjson('{}\n');
const counts: Counts = scan.counts;
const firstError: LineError | undefined = scan2.errors[0];
const addsUp = counts.lines === counts.matched + counts.unmatched + counts.rejected;
const list: VersionEntry[] = versions();
const defaultVersion = list.find((v) => v.default)?.version;

try {
  compileRule({ query: 'network whre' });
} catch (e) {
  const err = e as RuleError;
  const where: string = `${err.code} ${err.line ?? 0}:${err.column ?? 0}\n${err.excerpt ?? ''}`;
  console.log(where, err instanceof Error);
}

console.log(
  matched,
  summary,
  missing,
  index,
  id,
  kind,
  leafFields,
  bool,
  subIds,
  note,
  fields,
  warningKinds,
  query,
  sampleOk,
  firstError?.message,
  addsUp,
  defaultVersion,
  rule instanceof Rule,
);

// These must not type-check.
// @ts-expect-error: an unknown version
compileRule({ version: '7' });
// @ts-expect-error: an unknown option
compileRule({ versoin: '102' });
// @ts-expect-error: a number is not an event
evaluate(42);
// @ts-expect-error: the constructor is not public
new Rule();
// @ts-expect-error: cached metadata is read-only
rule.fields.push('x');
// @ts-expect-error: a Reason kind is a closed set
const badKind: ReasonKind = 'nope';
console.log(badKind);

// Tuning: exceptions (objects with Kibana's extra fields, or export text), list edits, packs,
// suggested exceptions.
import { packs, suggestException, type ExceptionItem, type Pack, type Suggestion } from 'external-ip-lookup-rule';

const tuned = compileRule({
  exceptions: [
    {
      name: 'backup agent',
      list_id: 'external-ip-lookup-exceptions',
      os_types: ['windows'],
      entries: [
        { field: 'user.name', operator: 'included', type: 'match', value: 'svc_backup' },
        { field: 'host.name', operator: 'included', type: 'match_any', value: ['JUMP-01', 'JUMP-02'] },
        { field: 'process.executable', operator: 'excluded', type: 'wildcard', value: 'C:\\\\Backup\\\\*.exe' },
        { field: 'user.id', operator: 'excluded', type: 'exists' },
        {
          field: 'process.Ext.code_signature',
          type: 'nested',
          entries: [{ field: 'subject_name', operator: 'included', type: 'match', value: 'Contoso' }],
        },
      ],
    },
  ],
  addDomains: ['*ident.me'],
  removeDomains: ['*ipinfo.io'],
  addExcludedExecutables: ['C:\\Tools\\ok.exe'],
  removeExcludedExecutables: [],
  packs: ['sigma-ip-lookup-apis'],
});
const fromExport = compileRule({ exceptions: '{"entries":[]}\n' });
const items: ExceptionItem[] = tuned.exceptions;
const tunedVerdict = tuned.evaluate(event);
const suppressedBy: string | undefined = tunedVerdict.suppressed_by;
const queryMatched: boolean = tunedVerdict.query_matched;
const exceptionReasons: Reason[] = tunedVerdict.exceptions ?? [];
const allPacks: Pack[] = packs();
const suggestion: Suggestion = suggestException([event, JSON.stringify(event)], [hit], { version: '102' });
const fromRule: Suggestion = tuned.suggestException([event]);
const suggested: ExceptionItem | null = suggestion.item;
console.log(
  fromExport.query,
  items.length,
  suppressedBy,
  queryMatched,
  exceptionReasons.length,
  allPacks[0]?.patterns,
  suggested?.entries.length,
  fromRule.explanation,
  suggestion.suppressed,
  suggestion.not_firing,
);

// @ts-expect-error: a match_any value is a list
compileRule({ exceptions: [{ entries: [{ field: 'a', operator: 'included', type: 'match_any', value: 'x' }] }] });
// @ts-expect-error: list edits are lists of strings
compileRule({ addDomains: '*ident.me' });
// @ts-expect-error: an array is not an event
evaluate([event]);
// @ts-expect-error: nor is null
matches(null);

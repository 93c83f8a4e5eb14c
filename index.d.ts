// Type declarations for `external-ip-lookup-rule`: the API Node.js and browsers share. Nothing
// here needs Node's types (@types/node): the browser entry (`browser.d.mts`, the same API plus
// `init()`) imports its types from here. Node's entries add the stream API: `node.d.ts`
// (CommonJS `require`) and `node.d.mts` (ES `import`).
//
// This file is read as a CommonJS declaration (the package is `"type": "commonjs"`), so it has no
// `export default`.

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/** A published version of the rule. `"102"` (Elastic Stack 8.6) is the default. */
export type RuleVersion = '4' | '102' | '104' | '108';

/**
 * A value of a keyword field: text, or a number or boolean (indexed as its text); an array is a
 * multi-valued field; `null` is no value.
 */
export type Keyword = string | number | boolean | null | readonly Keyword[];

/** Any object: ECS events are open, and every property the rule does not read is ignored. */
export interface EcsObject {
  [key: string]: unknown;
}

/**
 * A group of fields: an object (its known fields typed for documentation, any other allowed), an
 * array of them (arrays of objects flatten: `process: [{ name: "a" }, { name: "b" }]` gives
 * `process.name` both values), or `null`.
 */
export type FieldGroup<Known> = Known | EcsObject | readonly (Known | EcsObject)[] | null;

/** The fields the rule's versions read, nested as ECS nests them. All optional. */
export interface EcsFields {
  '@timestamp'?: string | number;
  event?: FieldGroup<{ category?: Keyword; action?: Keyword; type?: Keyword }>;
  network?: FieldGroup<{ protocol?: Keyword }>;
  dns?: FieldGroup<{ question?: FieldGroup<{ name?: Keyword }> }>;
  process?: FieldGroup<{
    name?: Keyword;
    executable?: Keyword;
    code_signature?: FieldGroup<{ trusted?: Keyword; subject_name?: Keyword }>;
  }>;
  user?: FieldGroup<{ id?: Keyword; name?: Keyword }>;
  host?: FieldGroup<{ os?: FieldGroup<{ type?: Keyword }> }>;
}

/**
 * An ECS event as a plain object: nested objects (`{ dns: { question: { name } } }`), dotted keys
 * (`{ "dns.question.name": ... }`) or both, with arrays as multi-valued fields. `EcsFields` lists
 * the fields the rule reads (for documentation and completion); any object is accepted, and your
 * own event interfaces are accepted when they share a field with `EcsFields`.
 */
export type EcsEvent = EcsFields | EcsObject;

/**
 * An Elasticsearch search hit: the rule evaluates `_source`, and the verdict keeps `_index` and
 * `_id`.
 */
export interface EsHit<Source extends object = EcsEvent> {
  _index?: string;
  _id?: string;
  _source: Source;
  [meta: string]: unknown;
}

/**
 * What `evaluate` and `matches` take: an event object, an Elasticsearch hit, or the JSON text of
 * either as a string or as UTF-8 bytes (a `Buffer` is a `Uint8Array`).
 */
export type EventInput = EcsEvent | EsHit | string | Uint8Array;

/** What `scanNdjson` takes: NDJSON as bytes (a `Buffer` is a `Uint8Array`) or as text. */
export type NdjsonInput = Uint8Array | ArrayBuffer | string;

/**
 * Limits that protect the host from hostile queries and events. Every key is optional; an
 * exceeded limit is an error with `code: "limit"` whose message names it.
 */
export interface Limits {
  /** Largest query text, in bytes. Default: 1 MiB. */
  maxQueryBytes?: number;
  /** Most entries in one list (`in (...)`, `: (...)`). Default: 10,000. */
  maxListEntries?: number;
  /** Deepest nesting of parentheses and `not` in a query. Default: 200. */
  maxQueryDepth?: number;
  /** Most distinct fields one rule reads, its exceptions' included. Default: 1,000. */
  maxQueryFields?: number;
  /** Most dot-separated segments in one field name. Default: 32. */
  maxFieldSegments?: number;
  /** Deepest nesting of arrays and objects followed while reading one field. Default: 128. */
  maxEventDepth?: number;
  /** Longest NDJSON line, in bytes; a longer line is rejected. Default: 16 MiB. */
  maxLineBytes?: number;
  /** Most bytes of wildcard patterns (the query's lists and the exceptions' `wildcard` values). Default: 1 MiB. */
  maxPatternBytes?: number;
  /** Most exception items. Default: 1,000. */
  maxExceptionItems?: number;
  /** Most exception entries over all items (nested sub-entries and `match_any` values count). Default: 10,000. */
  maxExceptionEntries?: number;
}

/** Options of `compileRule`. An unknown key throws a `TypeError`. */
export interface CompileOptions {
  /** The catalog version whose metadata and query the rule carries. Default: `"102"`. */
  version?: RuleVersion;
  /** EQL text that replaces the version's query. */
  query?: string;
  /** Limits on the query and on events. */
  limits?: Limits;
  /**
   * The index mapping the rule runs against, as `GET index/_mapping` returns it (an object or its
   * JSON text; `{ mappings }` and `{ properties }` too). Fields compare by their mapped type, and
   * a field the mapping lacks throws a `RuleError` with `code: "verification"` ("Unknown column";
   * write `?field` for one that may be unmapped). Default: the ECS types, with an `unknown_field`
   * warning naming the closest ECS field for any other field.
   */
  mapping?: string | object;
  /**
   * Exception items that suppress alerts, as Kibana applies them (items ORed, entries ANDed):
   * an array of items, one item, `{ items }`, or the text of a Kibana exception-list export
   * (NDJSON) or of a JSON array. A bad item throws a `RuleError` with `code: "tuning"`.
   */
  exceptions?: ExceptionsInput;
  /** Wildcard patterns added to the `dns.question.name` list (e.g. `"*ident.me"`). */
  addDomains?: readonly string[];
  /** Entries removed from the `dns.question.name` list, by their exact text. */
  removeDomains?: readonly string[];
  /** Patterns added to the excluded `process.executable` list. */
  addExcludedExecutables?: readonly string[];
  /** Entries removed from the excluded `process.executable` list, by their exact text. */
  removeExcludedExecutables?: readonly string[];
  /** Coverage packs to switch on, by name (see `packs()`). */
  packs?: readonly string[];
  /**
   * Which input shapes events may have: `"ecs"` (default; Elastic's verdicts untouched),
   * `"sysmon"` (Sysmon DNS records, EID 22, in EVTX JSON, NXLog, Wazuh or Winlogbeat shape,
   * mapped to ECS; anything else is not matched), or `"auto"` (Sysmon records mapped, the rest
   * read as ECS).
   */
  input?: 'ecs' | 'sysmon' | 'auto';
}

/** One ECS field set by the Sysmon mapping. */
export interface MappedField {
  /** The ECS field, e.g. `dns.question.name`. */
  readonly field: string;
  /** The source field (`EventData.QueryName`), or a `constant (...)` note. */
  readonly from: string;
  /** The value set. */
  readonly value: Keyword | EcsObject;
}

/** How an input record was read (input modes `sysmon` and `auto`). */
export interface InputMapping {
  /** `evtx-json`, `nxlog-json`, `wazuh-json`, `winlogbeat-ecs`, `ecs` or `unknown`. */
  readonly shape: string;
  /** What became of the record: only `mapped` and `passed_through` records can match. */
  readonly status: 'mapped' | 'not_dns_query' | 'missing_query_name' | 'not_sysmon' | 'passed_through';
  /** For each ECS field set: where it came from. */
  readonly fields: readonly MappedField[];
  /** What a person auditing the mapping should know (the user caveat, fields Sysmon lacks). */
  readonly notes: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Exceptions (Kibana's exception-list items)
// ---------------------------------------------------------------------------------------------

/** `included`: the entry holds when the field has the value; `excluded`: when it does not. */
export type ExceptionOperator = 'included' | 'excluded';

/** An entry comparing one field; inside `nested`, `field` is relative and `operator` optional. */
export type ExceptionEntry =
  | { field: string; operator: ExceptionOperator; type: 'match'; value: string }
  | { field: string; operator: ExceptionOperator; type: 'match_any'; value: string[] }
  /** A Lucene wildcard: `*`, `?`, and `\` escaping the next character; case-sensitive. */
  | { field: string; operator: ExceptionOperator; type: 'wildcard'; value: string }
  | { field: string; operator: ExceptionOperator; type: 'exists' }
  /** Sub-entries that must all hold within one object of the array at `field` (no operator, as in Kibana). */
  | { field: string; type: 'nested'; entries: NestedExceptionEntry[] };

/** An entry inside a `nested` entry; without `operator`, `included`. */
export type NestedExceptionEntry =
  | { field: string; operator?: ExceptionOperator; type: 'match'; value: string }
  | { field: string; operator?: ExceptionOperator; type: 'match_any'; value: string[] }
  | { field: string; operator?: ExceptionOperator; type: 'wildcard'; value: string }
  | { field: string; operator?: ExceptionOperator; type: 'exists' };

/** One exception item, as Kibana exports it (the fields this engine reads). */
export interface ExceptionItem {
  /** Kibana's `item_id`. */
  item_id?: string;
  /** The item's name; a suppressed verdict names the item by it. */
  name?: string;
  /** Operating systems the item applies to (compared with `host.os.type`). */
  os_types?: ('linux' | 'macos' | 'windows')[];
  /** The entries, ANDed. Must not be empty. */
  entries: ExceptionEntry[];
}

/**
 * An item as given to `compileRule`: Kibana's other item keys (`list_id`, `comments`, `tags`, ...)
 * are ignored; any other key, entry type or operator is an error naming it.
 */
export interface ExceptionItemInput extends ExceptionItem {
  [kibanaField: string]: unknown;
}

/** What the `exceptions` option takes. */
export type ExceptionsInput = string | ExceptionItemInput | readonly ExceptionItemInput[] | { items: readonly ExceptionItemInput[] };

/** An exception item proposed by `suggestException`, with what it does to the events given. */
export interface Suggestion {
  /** The item, or `null` when no candidate suppresses every false positive and spares every true one. */
  item: ExceptionItem | null;
  /** What was done, or why nothing works, for people. */
  explanation: string;
  /** Indices of the false positives the item suppresses. */
  suppressed: number[];
  /** Indices of the false positives the rule does not raise anyway. */
  not_alerting: number[];
  /** Indices of the true positives that still fire with the item. */
  still_firing: number[];
  /** Indices of the true positives the rule does not raise even without the item. */
  not_firing: number[];
}

/** An opt-in coverage pack: extra `dns.question.name` patterns with their source. */
export interface Pack {
  /** The name to pass in `packs` (e.g. `"sigma-ip-lookup-apis"`). */
  name: string;
  title: string;
  /** Where the domains come from. */
  source: string;
  /** How the source's matching was kept. */
  semantics: string;
  /** EQL wildcard patterns. */
  patterns: string[];
}

/** Events as `suggestException` takes them: objects, hits or JSON text. */
export type EventList = readonly (EcsEvent | EsHit | string)[];

// ---------------------------------------------------------------------------------------------
// Verdicts
// ---------------------------------------------------------------------------------------------

/** Why a clause held or failed. */
export type ReasonKind =
  /** The clause held: a value matched, every part of an `and` held, or one of an `or`. */
  | 'matched'
  /** The field has no value (missing, `null`, `[]`, `[null]`). A negated clause holds for it. */
  | 'field_absent'
  /** The field has values and none matched. */
  | 'value_mismatch'
  /** No value matched a case-sensitive test, but one would if case were ignored. */
  | 'case_mismatch'
  /** The field holds an object where a value is expected: no value. */
  | 'object_value'
  /** The field's only values are longer than `ignore_above` (1024): not indexed, no value. */
  | 'value_too_long'
  /** The field's values nest deeper than the event depth limit: not read. */
  | 'too_deep'
  /** A `not`, `!=` or `not in` whose inner test held: the event is excluded. */
  | 'excluded'
  /** An `and` with a failed part, or an `or` with none held. */
  | 'clause_failed'
  /** A constant `true` or `false`. */
  | 'constant'
  /** An exception item matched, so the alert is suppressed. */
  | 'exception';

/** The operator of a clause in the reasons tree. */
export type ReasonOp =
  | 'and'
  | 'or'
  | 'not'
  /** The category test (`network where`): `event.category == "network"`. */
  | 'where'
  | '=='
  | '!='
  | 'in'
  | 'not in'
  | 'in~'
  | 'not in~'
  | ':'
  | 'like'
  | 'like~'
  | 'const'
  /** An exception item (in `Verdict.exceptions`), and its entries: */
  | 'exception'
  | 'os_types'
  | 'is'
  | 'is not'
  | 'is one of'
  | 'is not one of'
  | 'matches'
  | 'does not match'
  | 'exists'
  | 'does not exist'
  | 'nested';

/** One node of the reasons tree: a clause of the query and what became of it. */
export interface Reason {
  /** The clause's source text, exactly as written in the query. */
  clause: string;
  /** Start of the clause's byte range in the query text. */
  start: number;
  /** End (exclusive) of the clause's byte range. */
  end: number;
  op: ReasonOp;
  /** Whether the clause held. */
  held: boolean;
  kind: ReasonKind;
  /** The field a comparison reads. */
  field?: string;
  /** The values the event has in that field, as keyword text. */
  values?: string[];
  /** The list entries (terms or patterns) a value matched, e.g. `*api.ipify.org`. */
  matched?: string[];
  /** A sentence for people when the kind alone does not say enough. */
  note?: string;
  /** The parts of an `and`, `or` or `not`, in query order. */
  children?: Reason[];
}

/** The rule a verdict is about. */
export interface RuleRef {
  /** Elastic's rule_id. */
  id: string;
  name: string;
  version: RuleVersion;
}

/** The result of evaluating one event. */
export interface Verdict {
  /** Whether the rule raises an alert for the event: the query matched and no exception suppressed it. */
  matched: boolean;
  /** Whether the query itself matched (true with `matched` false when an exception suppressed it). */
  query_matched: boolean;
  /** The name (or position) of the exception item that suppressed the alert. */
  suppressed_by?: string;
  /** One reason per exception item of the rule (kind `exception` for an item that matched). */
  exceptions?: Reason[];
  rule: RuleRef;
  /** One line for people, e.g. `"powershell.exe looked up api.ipify.org (matched *api.ipify.org); ..."`. */
  summary: string;
  /** The query's clauses, as a tree. */
  reasons: Reason;
  /** Fields the rule reads that the event has no value for, in query order. */
  missing_fields: string[];
  /** How a Sysmon record was mapped to ECS (input modes `sysmon` and `auto`). */
  input?: InputMapping;
  /** `_index` of an Elasticsearch hit. */
  _index?: string;
  /** `_id` of an Elasticsearch hit. */
  _id?: string;
}

// ---------------------------------------------------------------------------------------------
// NDJSON scans
// ---------------------------------------------------------------------------------------------

/** A rejected NDJSON line. */
export interface LineError {
  /** 1-based line number. */
  line: number;
  /** Why it was rejected (invalid UTF-8 or JSON, not an object, too long). */
  message: string;
}

/** Counts of a scan: `lines === matched + unmatched + rejected`; blank lines are counted apart. */
export interface Counts {
  /** Events read (non-blank lines). */
  lines: number;
  matched: number;
  unmatched: number;
  /** Lines that are not events. */
  rejected: number;
  /** Blank lines, skipped. */
  blank: number;
}

/** What `scanNdjson` found. */
export interface ScanResult {
  /** 1-based line numbers of the events the rule matched. */
  matched: number[];
  /**
   * Where each matched line starts, as a byte offset into the scanned bytes (UTF-8 bytes when a
   * string was passed), in the order of `matched`.
   */
  offsets: number[];
  /** Rejected lines, with the reason. */
  errors: LineError[];
  counts: Counts;
}

// ---------------------------------------------------------------------------------------------
// Rule metadata
// ---------------------------------------------------------------------------------------------

/** A MITRE ATT&CK tactic or sub-technique. */
export interface AttackRef {
  /** `TA0007`, `T1016.001`. */
  readonly id: string;
  readonly name: string;
  /** Its page on attack.mitre.org. */
  readonly reference: string;
}

/** A MITRE ATT&CK technique with its sub-techniques. */
export interface Technique {
  /** `T1016`. */
  readonly id: string;
  readonly name: string;
  readonly reference: string;
  readonly subtechnique: readonly AttackRef[];
}

/** One MITRE ATT&CK mapping. */
export interface Threat {
  /** `"MITRE ATT&CK"`. */
  readonly framework: string;
  readonly tactic: AttackRef;
  readonly technique: readonly Technique[];
}

/** The `[metadata]` table of Elastic's rule file. */
export interface RuleMetadata {
  readonly creation_date?: string;
  readonly updated_date?: string;
  readonly maturity?: string;
  readonly min_stack_version?: string;
  readonly min_stack_comments?: string;
  readonly integration?: readonly string[];
  readonly [key: string]: unknown;
}

/** A rule version's metadata, as Elastic publishes it. */
export interface RuleInfo {
  /** Elastic's rule_id (the same for every version). */
  readonly rule_id: string;
  /** The rule's name (version 4 has the typo "fron"). */
  readonly name: string;
  readonly version: RuleVersion;
  /** The Elastic Stack release the version shipped with, e.g. `"8.6"`. */
  readonly stack: string;
  /** Whether this is the default version. */
  readonly default: boolean;
  readonly description: string;
  readonly severity: 'low' | 'medium' | 'high' | 'critical';
  /** 0-100. */
  readonly risk_score: number;
  /** Index patterns the rule searches. */
  readonly index: readonly string[];
  /** Look-back of each execution (`"now-9m"`). */
  readonly from: string;
  /** Time between executions (`"5m"`). */
  readonly interval: string;
  /** Most alerts per execution. */
  readonly max_signals: number;
  /** The timestamp field the rule's executions use (`"event.ingested"`). */
  readonly timestamp_override: string | null;
  readonly tags: readonly string[];
  readonly threat: readonly Threat[];
  readonly references: readonly string[];
  readonly false_positives: readonly string[];
  /** The investigation guide (Markdown); `null` for version 4. */
  readonly note: string | null;
  readonly license: string;
  readonly author: readonly string[];
  /** `"eql"`. */
  readonly language: string;
  /** `"eql"`. */
  readonly rule_type: string;
  /** `"default"` for a building-block rule (version 108), else `null`. */
  readonly building_block_type: string | null;
  /** The effective query text (the `query` option when given). */
  readonly query: string;
  /** Where the rule file was copied from. */
  readonly source: string;
  /** What changed in this version. */
  readonly changes: string;
  readonly metadata: RuleMetadata;
}

/** The kind of a compile-time warning. */
export type WarningKind =
  /** A list names the same entry twice. */
  | 'duplicate_entry'
  /** A list entry is already matched by a broader one. */
  | 'subsumed_entry'
  /** A domain entry has a character no DNS name has. */
  | 'cannot_match_dns_name'
  /** An exception item's entries contradict each other. */
  | 'exception_never_matches'
  /** An exception wildcard has `\\`, which Elasticsearch reads as an escape. */
  | 'exception_wildcard_backslash'
  /** A field the default ECS mapping lacks (read as a keyword); `suggestion` is the closest ECS field. */
  | 'unknown_field';

/** A compile-time warning: something suspicious that does not stop the rule from compiling. */
export interface Warning {
  readonly kind: WarningKind;
  /** What is wrong, quoting the entries. */
  readonly message: string;
  /** 1-based line of the entry in the query text; 0 for a warning about an exception item. */
  readonly line: number;
  /** 1-based column of the entry; 0 for a warning about an exception item. */
  readonly column: number;
  /** What to write instead, when there is one (`unknown_field`: the closest ECS field). */
  readonly suggestion?: string;
}

/** A sample event a version carries, with the verdict the published query must give it. */
export interface Sample {
  expect: 'match' | 'no_match';
  /** What the sample shows. */
  why: string;
  event: EcsEvent;
}

/** One entry of `versions()`. */
export interface VersionEntry {
  version: RuleVersion;
  /** The Elastic Stack release, e.g. `"8.6"`. */
  stack: string;
  default: boolean;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** A machine-readable error code. */
export type ErrorCode =
  /** The query text is not valid EQL. */
  | 'syntax'
  /** Valid EQL that this engine does not evaluate (sequences, pipes, functions, ...). */
  | 'unsupported'
  /** A configured limit was exceeded; the message names the limit. */
  | 'limit'
  /** A version the catalog does not hold; the message lists the known ones. */
  | 'unknown_version'
  /** An event that cannot be read (invalid JSON, not an object, nested too deep). */
  | 'event'
  /** An exception list or a tuning option that cannot be used. */
  | 'tuning'
  /** Valid EQL that Elasticsearch refuses against the rule's mapping ("Unknown column", mixed-type lists). */
  | 'verification'
  /** An argument of the wrong type (thrown as a `TypeError`). */
  | 'invalid_argument'
  /** The module trapped on this input (out of memory): a new instance answers the next calls. */
  | 'internal';

/**
 * What the API throws: an `Error` (a `TypeError` for arguments of the wrong type) with a `code`.
 * Errors about a query also say where: `line`, `column` (1-based, in code points), `offset`
 * (bytes) and `excerpt` (the line with a caret under the column).
 */
export interface RuleError extends Error {
  code: ErrorCode;
  line?: number;
  column?: number;
  offset?: number;
  excerpt?: string;
}

// ---------------------------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------------------------

/** A compiled rule: compile once with `compileRule`, evaluate many events. */
export declare class Rule {
  private constructor();
  /** The verdict with reasons for one event. Throws a `RuleError` for an unreadable event. */
  evaluate(event: EventInput): Verdict;
  /** Whether the rule matches one event: the fast path. */
  matches(event: EventInput): boolean;
  /** Scans NDJSON: the matching line numbers, the rejected lines and counts. */
  scanNdjson(bytes: NdjsonInput): ScanResult;
  /** The rule's metadata; shared between reads, so do not modify it. */
  readonly info: RuleInfo;
  /** The field paths the rule reads, in query order. */
  readonly fields: readonly string[];
  /** Compile-time warnings (duplicate and subsumed list entries). */
  readonly warnings: readonly Warning[];
  /** The effective EQL text. */
  readonly query: string;
  /** The limits in force (every key set). */
  readonly limits: Required<Limits>;
  /** The version's sample events with the verdicts the published query gives them. */
  samples(): Sample[];
  /** The exception items in force. */
  readonly exceptions: ExceptionItem[];
  /**
   * The narrowest exception item that suppresses every false positive this rule raises and keeps
   * every true positive firing (user + command line preferred, as the rule's guide advises).
   */
  suggestException(falsePositives: EventList, truePositives?: EventList | null): Suggestion;
}

/** Compiles a rule; without options, the default version (`"102"`) with its published query. */
export declare function compileRule(options?: CompileOptions | null): Rule;

/** The verdict of the default rule (version `"102"`) for one event. */
export declare function evaluate(event: EventInput): Verdict;

/** Whether the default rule matches one event: the fast path. */
export declare function matches(event: EventInput): boolean;

/** Scans NDJSON with the default rule. */
export declare function scanNdjson(bytes: NdjsonInput): ScanResult;

/** The published versions, oldest first. */
export declare function versions(): VersionEntry[];

/** The opt-in coverage packs. */
export declare function packs(): Pack[];

/** `compileRule(options).suggestException(falsePositives, truePositives)`. */
export declare function suggestException(
  falsePositives: EventList,
  truePositives?: EventList | null,
  options?: CompileOptions | null,
): Suggestion;

/**
 * The values of a field (a dotted path) in an event, as the engine reads them: the keyword text
 * of each value in document order (numbers and booleans as their text); objects, strings longer
 * than 1,024 UTF-16 units and what lies deeper than `maxEventDepth` are no values. A hit's
 * `_source` is read.
 */
export declare function fieldValues(event: EventInput, path: string): string[];

/** What a piece of query text is, for highlighting. */
export type TokenKind =
  'keyword' | 'atom' | 'category' | 'field' | 'string' | 'number' | 'operator' | 'punctuation' | 'comment' | 'unsupported' | 'invalid';

/** A token or comment of a query text; `from` and `to` in UTF-16 code units (string indices). */
export interface QueryToken {
  readonly kind: TokenKind;
  readonly from: number;
  readonly to: number;
}

/**
 * The tokens and comments of a query text, in order, as the engine's lexer reads them; what it
 * refuses is `invalid` and lexing resumes after it, so text being typed is highlighted as far as
 * it goes.
 */
export declare function queryTokens(query: string): QueryToken[];

/** One of the lists the tuning edits: its clause's span and its string entries. */
export interface TunableList {
  readonly from: number;
  readonly to: number;
  /** Each entry's span (quotes included) and value (escapes resolved). */
  readonly entries: readonly { readonly from: number; readonly to: number; readonly value: string }[];
}

/**
 * The lists that `addDomains` / `removeDomains` and `addExcludedExecutables` /
 * `removeExcludedExecutables` edit in a query text, as the edits find them (spans in UTF-16 code
 * units), or `null` where the query has none. Throws a `RuleError` for a query that does not parse.
 */
export declare function tunableLists(query: string): { domains: TunableList | null; executables: TunableList | null };

/** The fields of the default (ECS) mapping, in order: what an editor offers to complete a field name with. */
export declare function knownFields(): string[];

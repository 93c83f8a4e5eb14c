// Type declarations for `external-ip-lookup-rule` in browsers (the `browser` export condition).
//
// The same API as in Node.js, but the WebAssembly module must be fetched and instantiated first:
//
//   import init, { evaluate } from 'external-ip-lookup-rule';
//   await init();               // or init(urlOrResponseOrBytesOrModule)
//   evaluate(event);
//
// Before `init()` has resolved, every function throws an `Error`.

import type {
  CompileOptions,
  EventInput,
  EventList,
  NdjsonInput,
  Pack,
  QueryToken,
  Rule,
  ScanResult,
  Suggestion,
  TunableList,
  Verdict,
  VersionEntry,
} from './index.js';

export type {
  AttackRef,
  CompileOptions,
  Counts,
  EcsEvent,
  ErrorCode,
  EsHit,
  EventInput,
  EventList,
  ExceptionEntry,
  ExceptionItem,
  ExceptionItemInput,
  ExceptionOperator,
  ExceptionsInput,
  NestedExceptionEntry,
  Pack,
  Suggestion,
  WarningKind,
  Keyword,
  LineError,
  Limits,
  NdjsonInput,
  EcsFields,
  EcsObject,
  FieldGroup,
  Reason,
  ReasonKind,
  ReasonOp,
  Rule,
  RuleError,
  RuleInfo,
  RuleMetadata,
  RuleRef,
  RuleVersion,
  Sample,
  ScanResult,
  Technique,
  Threat,
  Verdict,
  VersionEntry,
  Warning,
} from './index.js';

/**
 * Where to load the WebAssembly module from: a URL (string or `URL`), a `Request`, a `Response`
 * (e.g. `fetch(...)`), the module's bytes, or a compiled `WebAssembly.Module`. Without it, the
 * `.wasm` file next to the glue is fetched (`new URL(..., import.meta.url)`).
 */
export type InitInput = string | URL | Request | Response | BufferSource | WebAssembly.Module;

/** The API once the module is loaded: what `init()` resolves to. */
export interface BrowserApi {
  /** The class of compiled rules (for `instanceof`). */
  Rule: typeof Rule;
  compileRule(options?: CompileOptions | null): Rule;
  evaluate(event: EventInput): Verdict;
  matches(event: EventInput): boolean;
  scanNdjson(bytes: NdjsonInput): ScanResult;
  versions(): VersionEntry[];
  packs(): Pack[];
  suggestException(falsePositives: EventList, truePositives?: EventList | null, options?: CompileOptions | null): Suggestion;
  fieldValues(event: EventInput, path: string): string[];
  queryTokens(query: string): QueryToken[];
  tunableLists(query: string): { domains: TunableList | null; executables: TunableList | null };
}

/** Loads the WebAssembly module, once; later calls return the same promise. */
export declare function init(input?: InitInput | Promise<InitInput>): Promise<BrowserApi>;

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

/** The values of a field in an event, as the engine reads them (see the Node declarations). */
export declare function fieldValues(event: EventInput, path: string): string[];

/** The tokens and comments of a query text, for highlighting (UTF-16 spans). */
export declare function queryTokens(query: string): QueryToken[];

/** The lists the tuning edits in a query text (UTF-16 spans), or `null` where there is none. */
export declare function tunableLists(query: string): { domains: TunableList | null; executables: TunableList | null };

export default init;

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
  knownFields(): string[];
}

/** Loads the WebAssembly module, once; later calls return the same promise. */
export declare function init(input?: InitInput | Promise<InitInput>): Promise<BrowserApi>;

// The functions of the shared API, as in Node (index.d.ts); here each throws until `init()` has
// resolved.
export {
  compileRule,
  evaluate,
  matches,
  scanNdjson,
  versions,
  packs,
  suggestException,
  fieldValues,
  queryTokens,
  tunableLists,
  knownFields,
} from './index.js';

export default init;

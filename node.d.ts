/// <reference types="node" />
// Type declarations for `external-ip-lookup-rule` in Node.js, CommonJS (`require`): the shared API
// (index.d.ts) and the stream API. ES modules (`import`) get the same from node.d.mts.

import type { CompileOptions, Counts, Rule } from './index.js';

export * from './index.js';

/** Options of `createScanner` (Node only): its own, plus any `compileRule` option. */
export interface ScannerOptions extends CompileOptions {
  /** A compiled rule; otherwise one is compiled from the `compileRule` options given here. */
  rule?: Rule;
  /** What the stream outputs: Kibana-shaped alert documents (default) or one verdict per event. */
  format?: 'alerts' | 'verdicts';
  /** Output objects instead of NDJSON text. Default: false. */
  objectMode?: boolean;
  /** Format of byte input; detected by default. */
  inputFormat?: 'auto' | 'ndjson' | 'array' | 'es' | 'json';
  /** The input's name in records and rejections. Default: `"<stream>"`. */
  source?: string;
  /** The alerts' `@timestamp`, for reproducible output. Default: the time of each batch. */
  now?: string;
  /** Fail the stream at the first rejected line. */
  strict?: boolean;
  /** `kibana.alert.rule.uuid`. Default: the rule_id. */
  ruleUuid?: string;
  /** The Kibana space. Default: `"default"`. */
  spaceId?: string;
  /** `_index` for events read without their hit. */
  index?: string;
  /** How many rejections `scanner.rejections` keeps. Default: 100. */
  maxRejections?: number;
  /** Bytes judged per call into the engine. Default: 4 MiB. */
  batchBytes?: number;
  /** The streams' high-water marks. */
  highWaterMark?: number;
}

/** A rejected input line, as the scanner reports it. */
export interface ScanRejection {
  readonly source: string;
  readonly line: number;
  /** The byte column (1-based) the error is at, 1 when it names none. */
  readonly column: number;
  readonly message: string;
}

type NodeTransform = import('node:stream').Transform;

/** The stream `createScanner` returns. */
export interface Scanner extends NodeTransform {
  /** Counts so far: read = matched + unmatched + rejected. */
  readonly counts: Counts;
  /** The first rejections. */
  readonly rejections: readonly ScanRejection[];
  /** The rule in use. */
  readonly rule: Rule;
}

/**
 * A Node `Transform`: Buffers (NDJSON, a JSON array, a search or EQL response) or event objects
 * in; alerts or verdicts out. The complete lines of each write are judged before the write
 * completes; honours backpressure; works in `stream.pipeline`; a source that fails still has what
 * it sent judged and counted. Emits `'rejected'` with a `ScanRejection` for each rejected line.
 */
export declare function createScanner(options?: ScannerOptions | null): Scanner;

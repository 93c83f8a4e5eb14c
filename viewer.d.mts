// Type declarations for `external-ip-lookup-rule/viewer`: the log-viewer plugin (browsers).
//
//   import { createViewerPlugin } from 'external-ip-lookup-rule/viewer';
//   const plugin = await createViewerPlugin();
//   plugin.markTable(tableElement, events);

import type { CompileOptions, EventInput, Rule, Verdict } from './index.js';
import type { BrowserApi, InitInput } from './browser.mjs';

/** Options of `createViewerPlugin`; all optional. */
export interface ViewerPluginOptions {
  /** An initialised API (what `init()` resolves to); without it, the plugin calls `init(wasm)`. */
  api?: BrowserApi;
  /** Where to load the WebAssembly module from when the plugin initialises it. */
  wasm?: InitInput;
  /** A compiled rule to use; without it, `api.compileRule(compileOptions)`. */
  rule?: Rule;
  /** Options of `compileRule`: version, query, exceptions, list edits, packs. */
  compileOptions?: CompileOptions;
  /** The badge's text. Default: `"alert"`. */
  badgeText?: string;
  /** The element the badge is prepended to. Default: the row's first cell. */
  badgeCell?: (row: HTMLElement) => HTMLElement;
  /** `false`: do not add the built-in style sheet (style the `.eil-*` classes yourself). */
  styles?: boolean;
  /** The document to render into. Default: `globalThis.document`. */
  document?: Document;
}

/** Options of `decorateRow`. */
export interface DecorateOptions {
  /** Whether the row is an alert, when already known (e.g. computed in a worker): no evaluation. */
  matched?: boolean;
  /** Names the row in the reasons panel's title, e.g. `"line 41"`. */
  label?: string;
}

/** Options of `showReasons`. */
export interface ShowReasonsOptions {
  /** Names the row the panel explains, in its title, e.g. `"line 41"`. */
  label?: string;
}

/** The plugin. Nothing it renders is HTML: event data is written as text. */
export interface ViewerPlugin {
  /** The compiled rule. */
  readonly rule: Rule;
  /** Whether the rule alerts on `event` (cached per event object; unreadable events: `false`). */
  matches(event: EventInput): boolean;
  /** The verdict for `event` (cached per event object). */
  verdict(event: EventInput): Verdict;
  /**
   * Adds a badge and the class `eil-alert` to `row` when the rule alerts on `event`, after
   * removing what an earlier call added (rows of virtualised lists are reused). Returns whether
   * the row is an alert. With `options.matched`, `event` may be a function that returns the event
   * (or a promise of it), called when the badge is clicked.
   */
  decorateRow(row: HTMLElement, event: EventInput | (() => EventInput | Promise<EventInput>), options?: DecorateOptions): boolean;
  /** Removes what `decorateRow` added. */
  clearRow(row: HTMLElement): void;
  /**
   * Flags the body rows of `table`: the i-th row shows `rows[i]`, or the row whose
   * `data-row-index` says which. Returns the number of alerts.
   */
  markTable(table: HTMLTableElement | HTMLElement, rows: readonly EventInput[]): number;
  /** Wraps a row-render callback so that the rows it returns are flagged. */
  wrapRowRenderer<Args extends unknown[], Row extends HTMLElement>(
    render: (event: EventInput, ...args: Args) => Row,
  ): (event: EventInput, ...args: Args) => Row;
  /**
   * Opens the reasons panel for `event` next to `anchor`; it follows the anchor while it is in
   * view and closes when it scrolls away or leaves the document.
   */
  showReasons(event: EventInput, anchor?: HTMLElement, options?: ShowReasonsOptions): HTMLElement;
  /** Closes the reasons panel, if open. */
  closePanel(): void;
  /** Closes the panel and lets go of the document's listeners. */
  destroy(): void;
}

/** Creates the plugin; loads the WebAssembly module unless `api` or `rule` is given. */
export declare function createViewerPlugin(options?: ViewerPluginOptions): Promise<ViewerPlugin>;

/** Renders a verdict (summary, reasons tree, missing fields, exceptions) as DOM, text only. */
export declare function renderVerdict(
  verdict: Verdict,
  options?: { document?: Document; onNode?: (li: HTMLLIElement, reason: Verdict['reasons']) => void },
): HTMLElement;

/** A clause of the reasons tree as one short line. */
export declare function clauseLabel(reason: Verdict['reasons'], max?: number): string;

/** What a reason's kind says, read with whether it held ("not in the list" for a held `not in`). */
export declare function kindText(reason: Verdict['reasons']): string;

/**
 * Event text as a `<bdi>` whose invisible and direction-changing characters are shown as marked
 * escapes (`<span class="eil-ctl">\u202E</span>`); `multiline` keeps line feeds and tabs.
 */
export declare function renderText(text: string, doc?: Document, options?: { multiline?: boolean }): HTMLElement;

/** `text` with every invisible or direction-changing character written as its escape. */
export declare function visibleText(text: string): string;

/** Whether `text` holds a character that `renderText` shows as an escape. */
export declare function hasInvisible(text: string): boolean;

/** Adds the plugin's style sheet to `doc` (once), as a constructed style sheet. */
export declare function installStyles(doc?: Document): void;

export default createViewerPlugin;

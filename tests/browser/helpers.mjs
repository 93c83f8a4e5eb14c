// Shared set-up of the browser tests: the static server (scripts/serve.mjs) on a free port,
// Debian's Chromium driven by playwright-core, and a page that records everything that would
// show a hostile event escaping: dialogs, requests leaving 127.0.0.1, CSP violations, errors.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

import { startServer } from '../../scripts/serve.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** Headless, and no background connections (they fail against this machine's closed network). */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const SHOTS = join(ROOT, 'test-results', 'screenshots');
export const DOC_SHOTS = join(ROOT, 'docs', 'screenshots');

/** Fails (never skips) when what the tests need is missing. */
export async function preflight() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the browser tests need Debian's Chromium ` +
        '(apt-get install -y chromium, or SETUP_BROWSER=1 bash scripts/setup.sh); set CHROMIUM_PATH to use another',
    );
  }
  for (const f of ['www/dist/playground.js', 'www/dist/viewer-demo.js', 'www/dist/worker.js', 'www/dist/external_ip_lookup_rule_bg.wasm']) {
    try {
      await stat(join(ROOT, f));
    } catch {
      throw new Error(`${f} is missing: build the pages first (npm run build:www)`);
    }
  }
}

/** Starts the server and the browser; `close()` stops both. */
export async function startBrowser() {
  await preflight();
  await mkdir(SHOTS, { recursive: true });
  await mkdir(DOC_SHOTS, { recursive: true });
  const server = await startServer({ port: 0 });
  // A fresh profile for every run (playwright-core also makes its own temporary one).
  const profile = await mkdtemp(join(tmpdir(), 'eil-chromium-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, `--disk-cache-dir=${join(profile, 'cache')}`],
  });
  return {
    server,
    browser,
    url: server.url,
    async close() {
      await browser.close().catch(() => {});
      await server.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A new page (its own context) that records what must not happen: `dialogs` (alert, confirm,
 * ...), `external` (requests to anything but the test server: aborted and recorded),
 * `cspViolations`, `pageErrors`, `consoleErrors`, and every `requests` URL.
 */
export async function openPage(env, path = '', { viewport = { width: 1440, height: 1000 }, downloads = false, permissions = [] } = {}) {
  const context = await env.browser.newContext({ viewport, acceptDownloads: downloads, serviceWorkers: 'block', permissions });
  const page = await context.newPage();
  const log = { dialogs: [], external: [], requests: [], cspViolations: [], pageErrors: [], consoleErrors: [] };
  const origin = new URL(env.url).origin;
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(origin + '/') || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
    log.external.push(u);
    return route.abort('blockedbyclient');
  });
  page.on('request', (r) => log.requests.push(r.url()));
  page.on('dialog', (d) => {
    log.dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => log.pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') log.consoleErrors.push(m.text());
  });
  await page.exposeFunction('__reportCsp', (v) => log.cspViolations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__reportCsp(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  await page.goto(new URL(path, env.url).href);
  return { page, context, log };
}

/** `openPage`, then waits until the page says it is ready (`body[data-ready="true"]`). */
export async function openReady(env, path = '', options = {}) {
  const opened = await openPage(env, path, options);
  await opened.page.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
  return opened;
}

/**
 * Screenshots go to test-results/screenshots/. With UPDATE_DOC_SCREENSHOTS=1, `doc` also writes
 * docs/screenshots/NAME.png (the README's pictures); a plain test run leaves the checkout clean,
 * since every render differs by a few bytes.
 */
export async function screenshot(page, name, { doc = false, fullPage = false } = {}) {
  const file = join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  if (doc && process.env.UPDATE_DOC_SCREENSHOTS === '1')
    await page.screenshot({ path: join(DOC_SHOTS, `${doc === true ? name : doc}.png`), fullPage });
  return file;
}

/** Replaces the whole text of a CodeMirror editor as typing would (no auto-closing). */
export async function setEditorText(page, selector, text) {
  const content = page.locator(`${selector} .cm-content`);
  await content.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

export async function editorTextFromDom(page, selector) {
  return page.evaluate((sel) => {
    const lines = [...document.querySelectorAll(`${sel} .cm-line`)];
    return lines.map((l) => l.textContent).join('\n');
  }, selector);
}

/** What must never happen on a page: a dialog, a request leaving the server, a CSP violation. */
export function assertClean(log) {
  assert.deepEqual(log.dialogs, [], 'no dialog opened');
  assert.deepEqual(log.external, [], 'no request left the page');
  assert.deepEqual(log.cspViolations, [], 'no Content-Security-Policy violation');
  assert.deepEqual(log.pageErrors, [], 'no uncaught error');
  assert.deepEqual(log.consoleErrors, [], 'no console error');
}

export { rm };

/**
 * A playground link's fragment (`s=` + base64url(deflate-raw(JSON))) for any value, made here
 * rather than by the page, so a test can hand the page what no page would write.
 */
export function linkFragment(value, { raw = false } = {}) {
  const bytes = raw ? Buffer.from(value) : Buffer.from(JSON.stringify(value));
  return `s=${deflateRawSync(bytes).toString('base64url')}`;
}

/** The state in a page's URL fragment (`#s=...`). */
export function linkState(url) {
  const hash = new URL(url).hash;
  assert.match(hash, /^#s=[A-Za-z0-9_-]*$/);
  return JSON.parse(inflateRawSync(Buffer.from(hash.slice(3), 'base64url')).toString('utf8'));
}

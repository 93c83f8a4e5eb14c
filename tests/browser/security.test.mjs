// Event data is attacker-controlled. A hostile sample (markup and `javascript:` URLs in
// dns.question.name, process.executable and user.name) must render as inert text on every page:
// no dialog, no request, no script, no element made from it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openPage, screenshot, setEditorText, startBrowser } from './helpers.mjs';
import { HOSTILE, hostileEvent, generateEvents } from '../../www/src/generate.mjs';

let env;
let dir;
before(async () => {
  env = await startBrowser();
  dir = await mkdtemp(join(tmpdir(), 'eil-hostile-'));
});
after(async () => {
  await env?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Nothing ran, nothing was requested, nothing was built from the payloads. */
async function assertInert(page, log, label) {
  // Let any image, frame or handler that slipped through have its chance to fire.
  await page.waitForTimeout(300);
  assert.deepEqual(log.dialogs, [], `${label}: no dialog`);
  assert.deepEqual(log.external, [], `${label}: no request left the page`);
  const paths = log.requests.map((u) => new URL(u).pathname);
  const allowed = /^\/(|index\.html|viewer\.html|embed\.html|style\.css|dist\/[\w.-]+\.(js|wasm))$/;
  assert.deepEqual(paths.filter((p) => !allowed.test(p)), [], `${label}: only the page's own files were requested`);
  assert.deepEqual(log.cspViolations, [], `${label}: no CSP violation`);
  assert.deepEqual(log.pageErrors, [], `${label}: no uncaught error`);
  const dom = await page.evaluate(() => {
    const all = [...document.querySelectorAll('*')];
    const roots = all.filter((e) => e.shadowRoot).map((e) => e.shadowRoot);
    const inShadow = roots.flatMap((r) => [...r.querySelectorAll('*')]);
    const every = [...all, ...inShadow];
    return {
      pwned: window.__pwned ?? null,
      handlers: every.flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName}[${a.name}]`)),
      dangerous: every
        .filter((e) => /^(IMG|IFRAME|OBJECT|EMBED|SVG|SCRIPT)$/i.test(e.tagName) && !(e.tagName === 'SCRIPT' && e.src))
        .map((e) => e.tagName),
      // `<b onmouseover=...>WS-666</b>` parsed as markup would be an element with just that text.
      parsedMarkup: every.filter((e) => e.textContent === 'WS-666').length,
      inlineScripts: [...document.scripts].filter((s) => !s.src).length,
      jsLinks: every.filter((e) => /^\s*javascript:/i.test(e.getAttribute('href') ?? e.getAttribute('src') ?? '')).length,
    };
  });
  assert.equal(dom.pwned, null, `${label}: no payload script ran`);
  assert.deepEqual(dom.handlers, [], `${label}: no inline event handler attribute`);
  assert.deepEqual(dom.dangerous, [], `${label}: no element made from the payloads`);
  assert.equal(dom.parsedMarkup, 0, `${label}: no markup parsed from the payloads`);
  assert.equal(dom.inlineScripts, 0, `${label}: no inline script`);
  assert.equal(dom.jsLinks, 0, `${label}: no javascript: link`);
}

describe('hostile event data renders inert', () => {
  test('playground: the event editor, the verdict, tuning, exceptions and the suggestion', { timeout: 90000 }, async () => {
    const { page, log, context } = await openPage(env, '');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
    await setEditorText(page, '#event-editor', JSON.stringify(hostileEvent(), null, 2));
    await page.waitForSelector('#verdict-banner[data-state="alert"]');
    const verdict = await page.locator('#verdict').textContent();
    assert.ok(verdict.includes(HOSTILE.name), 'the domain is shown as text');
    assert.ok(verdict.includes(HOSTILE.executable), 'the executable is shown as text');
    // Payloads in the lists and in an exception, as an analyst might paste them.
    await page.fill('#add-domain-input', HOSTILE.name);
    await page.click('#add-domain button[type="submit"]');
    await page.fill('#add-exe-input', HOSTILE.executable);
    await page.click('#add-exe button[type="submit"]');
    await page.waitForSelector('#verdict-banner[data-state="no-alert"]');
    await page.click('#add-item');
    const item = page.locator('#exception-items .item').first();
    await item.locator('.item-name').fill(HOSTILE.user);
    await item.locator('.entry-field').fill('user.name');
    await item.locator('.entry-value').fill(HOSTILE.user);
    // The suggestion quotes the event's values.
    await page.locator('#exe-list .chip.added .chip-x').click();
    await page.waitForSelector('#verdict-banner[data-state="suppressed"]');
    assert.ok((await page.locator('#verdict-banner').textContent()).includes(HOSTILE.user));
    await item.locator('button', { hasText: 'Remove item' }).click();
    await page.waitForSelector('#verdict-banner[data-state="alert"]');
    await page.click('#suggest');
    await page.waitForSelector('.suggest-explanation');
    assert.ok((await page.locator('#suggestion').textContent()).includes(HOSTILE.user));
    await screenshot(page, 'hostile-playground', { fullPage: true });
    await assertInert(page, log, 'playground');

    // The same state from a link: restored, still inert.
    await page.waitForFunction(() => location.hash.slice(1) === document.body.dataset.saved);
    await page.waitForTimeout(300);
    const url = page.url();
    await context.close();
    const again = await openPage(env, url);
    await again.page.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
    await again.page.waitForSelector('#verdict-banner[data-state="alert"]');
    const restored = JSON.parse(await again.page.evaluate(() => window.__playground.eventText()));
    assert.equal(restored.dns.question.name, HOSTILE.name);
    assert.ok((await again.page.locator('#verdict').textContent()).includes(HOSTILE.name));
    await assertInert(again.page, again.log, 'playground from a link');
    await again.context.close();
  });

  test('log viewer: rows, badge and reasons panel', { timeout: 90000 }, async () => {
    const events = [...generateEvents(40, 5), hostileEvent(), ...generateEvents(40, 6), hostileEvent()];
    const file = join(dir, 'hostile.ndjson');
    await writeFile(file, events.map((e) => JSON.stringify(e)).join('\n'));
    const { page, log, context } = await openPage(env, 'viewer.html');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
    await page.setInputFiles('#file', file);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
    await page.check('#only-alerts');
    const row = page.locator('#log-body [data-line="41"]');
    await row.waitFor();
    const cells = await row.locator('[role="cell"]').allTextContents();
    assert.ok(cells.some((c) => c === HOSTILE.user), 'user.name as text');
    assert.ok(cells.some((c) => c === HOSTILE.name), 'dns.question.name as text');
    assert.ok(cells.some((c) => c === HOSTILE.executable), 'process.executable as text');
    await row.locator('.eil-badge').click();
    const panel = page.locator('.eil-panel');
    await panel.waitFor();
    const text = await panel.textContent();
    assert.ok(text.includes(HOSTILE.name) && text.includes(HOSTILE.executable));
    await screenshot(page, 'hostile-viewer');
    await assertInert(page, log, 'viewer');
    await context.close();
  });

  test('embed example: a host table with a hostile row', { timeout: 60000 }, async () => {
    const { page, log, context } = await openPage(env, 'embed.html');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
    const last = page.locator('#host-table tbody tr').last();
    assert.ok((await last.textContent()).includes(HOSTILE.user));
    await last.locator('.eil-badge').click();
    await page.locator('.eil-panel').waitFor();
    await assertInert(page, log, 'embed');
    await context.close();
  });
});

/** A raw GET (the path sent as it is, not normalised by a URL parser): { status, headers }. */
function rawGet(base, path) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the server and the pages\' policies', () => {
  test('a directory redirect never leaves the server, whatever the request path', async () => {
    const origin = new URL(env.url).origin;
    for (const path of ['/%2F%2Fevil.example%2F..%2Fdist', '//evil.example/../dist', '/%5C%5Cevil.example%2F..%2Fdist', '/%2F%2Fevil.example/%2E%2E/dist', '/dist']) {
      const { status, headers } = await rawGet(env.url, path);
      assert.equal(status, 301, `${path}: a redirect to the directory`);
      assert.equal(headers.location, '/dist/', `${path}: to the directory's own path`);
      assert.equal(new URL(headers.location, `${origin}${path.startsWith('//') ? '/' : path}`).origin, origin, `${path}: same origin`);
    }
    // In the browser too: the navigation ends on the server.
    const { page, context } = await openPage(env, '%2F%2Fevil.example%2F..%2Fdist');
    assert.equal(new URL(page.url()).origin, origin);
    assert.equal(new URL(page.url()).pathname, '/dist/');
    await context.close();
  });

  test('every page requires Trusted Types for script sinks', { timeout: 60000 }, async () => {
    const header = (await rawGet(env.url, '/')).headers['content-security-policy'];
    assert.match(header, /require-trusted-types-for 'script'/);
    for (const path of ['', 'viewer.html', 'embed.html']) {
      const { page, log, context } = await openPage(env, path);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
      const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
      assert.match(meta, /require-trusted-types-for 'script'; trusted-types /, `${path || 'index.html'}: in the <meta> too`);
      // A string written to an HTML sink is refused, and reported as a violation.
      const probe = await page.evaluate(() => {
        try {
          document.createElement('div').innerHTML = '<b>x</b>';
          return 'accepted';
        } catch (err) {
          return err.constructor.name;
        }
      });
      assert.equal(probe, 'TypeError', `${path || 'index.html'}: innerHTML with a string is refused`);
      const policy = await page.evaluate(() => {
        try {
          trustedTypes.createPolicy('attacker', { createHTML: (s) => s });
          return 'created';
        } catch (err) {
          return err.constructor.name;
        }
      });
      assert.equal(policy, 'TypeError', `${path || 'index.html'}: no other policy can be made`);
      await page.waitForTimeout(100);
      assert.ok(log.cspViolations.length >= 1 && log.cspViolations.every((v) => /^(require-trusted-types-for|trusted-types) /.test(v)), log.cspViolations.join('\n'));
      assert.deepEqual(log.pageErrors, []);
      await context.close();
    }
  });
});

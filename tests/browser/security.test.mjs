// Event data is attacker-controlled. A hostile sample (markup and `javascript:` URLs in
// dns.question.name, process.executable and user.name) must render as inert text on every page:
// no dialog, no request, no script, no element made from it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

import { assertClean, linkFragment, linkState, openPage, openReady, screenshot, setEditorText, startBrowser } from './helpers.mjs';
import { HOSTILE, hostileEvent, generateEvents } from '../../www/src/generate.mjs';

const rules = createRequire(import.meta.url)('external-ip-lookup-rule');

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
  assert.deepEqual(
    paths.filter((p) => !allowed.test(p)),
    [],
    `${label}: only the page's own files were requested`,
  );
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
        // CodeMirror's own cursor helpers beside a widget: an <img> with no source.
        .filter((e) => !(e.tagName === 'IMG' && e.classList.contains('cm-widgetBuffer') && !e.hasAttribute('src')))
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
    const { page, log, context } = await openReady(env, '');
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
    const again = await openReady(env, url);
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
    const { page, log, context } = await openReady(env, 'viewer.html');
    await page.setInputFiles('#file', file);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
    await page.check('#only-alerts');
    const row = page.locator('#log-body [data-line="41"]');
    await row.waitFor();
    const cells = await row.locator('[role="cell"]').allTextContents();
    assert.ok(
      cells.some((c) => c === HOSTILE.user),
      'user.name as text',
    );
    assert.ok(
      cells.some((c) => c === HOSTILE.name),
      'dns.question.name as text',
    );
    assert.ok(
      cells.some((c) => c === HOSTILE.executable),
      'process.executable as text',
    );
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
    const { page, log, context } = await openReady(env, 'embed.html');
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

describe("the server and the pages' policies", () => {
  test('a directory redirect never leaves the server, whatever the request path', async () => {
    const origin = new URL(env.url).origin;
    for (const path of [
      '/%2F%2Fevil.example%2F..%2Fdist',
      '//evil.example/../dist',
      '/%5C%5Cevil.example%2F..%2Fdist',
      '/%2F%2Fevil.example/%2E%2E/dist',
      '/dist',
    ]) {
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
      const { page, log, context } = await openReady(env, path);
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
      assert.ok(
        log.cspViolations.length >= 1 && log.cspViolations.every((v) => /^(require-trusted-types-for|trusted-types) /.test(v)),
        log.cspViolations.join('\n'),
      );
      assert.deepEqual(log.pageErrors, []);
      await context.close();
    }
  });
});

// U+202E (RIGHT-TO-LEFT OVERRIDE) and a reversed path: shown raw, it reads
// "C:\Program Files (x86)\Google\Chrome\Application\chrome.exe", an excluded browser; it is not.
const RLO = '\u202E';
const SPOOFED = `${RLO}exe.emorhc\\noitacilppA\\emorhC\\elgooG\\)68x( seliF margorP\\:C`;
function spoofEvent() {
  return {
    '@timestamp': '2024-05-02T10:00:00.000Z',
    event: { category: ['network'], action: 'lookup_requested' },
    network: { protocol: 'dns' },
    host: { name: 'WS-7', os: { type: 'windows' } },
    process: { name: `${RLO}exe.emorhc`, executable: SPOOFED },
    user: { id: 'S-1-5-21-1-2-3-1001', name: 'bob' },
    dns: { question: { name: 'api.ipify.org' } },
  };
}

/** What the DOM under `selector` shows: no raw direction override, and where its escapes are. */
async function directionInDom(page, selector) {
  return page.evaluate(
    ([sel, rlo]) => {
      const root = document.querySelector(sel);
      const marks = [...root.querySelectorAll('.eil-ctl')];
      return {
        raw: root.textContent.includes(rlo),
        marks: marks.map((m) => m.textContent),
        isolated: marks.every((m) => getComputedStyle(m.closest('bdi')).unicodeBidi === 'isolate'),
        text: root.textContent,
      };
    },
    [selector, RLO],
  );
}

describe('direction-override characters are shown, not obeyed', () => {
  test('the engine notes them and the event still alerts', () => {
    const v = rules.compileRule({}).evaluate(spoofEvent());
    assert.equal(v.matched, true, 'not an excluded browser');
    const notes = JSON.stringify(v.reasons).match(/contains direction-override characters \(U\+202E\)/g) ?? [];
    assert.ok(notes.length >= 2, 'process.name and process.executable are flagged');
  });

  test('viewer: the cell, the reasons panel and the JSON show \\u202E as a marked escape', { timeout: 60000 }, async () => {
    const file = join(dir, 'spoof.ndjson');
    await writeFile(file, [...generateEvents(4, 3), spoofEvent()].map((e) => JSON.stringify(e)).join('\n'));
    const { page, log, context } = await openReady(env, 'viewer.html');
    await page.setInputFiles('#file', file);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
    const cell = await directionInDom(page, '#log-body [data-line="5"] .col-proc');
    assert.equal(cell.raw, false, 'no raw U+202E in the cell');
    assert.deepEqual(cell.marks, ['\\u202E'], 'the override shown as an escape');
    assert.equal(cell.isolated, true, 'inside an isolated <bdi>');
    assert.equal(cell.text, SPOOFED.replace(RLO, '\\u202E'));
    assert.equal(await page.locator('#log-body [data-line="5"] .col-proc').getAttribute('title'), SPOOFED.replace(RLO, '\\u202E'));
    await page.locator('#log-body [data-line="5"] .eil-badge').click();
    await page.locator('.eil-panel').waitFor();
    const panel = await directionInDom(page, '.eil-panel');
    assert.equal(panel.raw, false, 'no raw U+202E in the panel');
    assert.ok(panel.marks.length >= 3, 'summary and values marked');
    assert.match(await page.locator('.eil-panel [data-role="summary"]').textContent(), /^\\u202Eexe\.emorhc looked up api\.ipify\.org/);
    assert.match(panel.text, /contains direction-override characters \(U\+202E\)/);
    await page.keyboard.press('Escape');
    await page.locator('#log-body [data-line="5"] .col-dns').click();
    await page.locator('#raw:not([hidden])').waitFor();
    const raw = await directionInDom(page, '#raw-json');
    assert.equal(raw.raw, false);
    assert.deepEqual(raw.marks, ['\\u202E', '\\u202E']);
    assert.equal(await page.evaluate((c) => document.body.innerText.includes(c), RLO), false, 'nowhere on the page');
    await screenshot(page, 'bidi-viewer');
    await assertInert(page, log, 'viewer, direction override');
    await context.close();
  });

  test('playground: the summary, the reasons and the suggestion show it as a marked escape', { timeout: 60000 }, async () => {
    const { page, log, context } = await openReady(env, '');
    await setEditorText(page, '#event-editor', JSON.stringify(spoofEvent(), null, 2));
    await page.waitForSelector('#verdict-banner[data-state="alert"]');
    const verdict = await directionInDom(page, '#verdict');
    assert.equal(verdict.raw, false);
    assert.ok(verdict.marks.length >= 3);
    assert.match(await page.locator('#verdict [data-role="summary"]').textContent(), /^\\u202Eexe\.emorhc looked up/);
    assert.match(verdict.text, /contains direction-override characters \(U\+202E\)/);
    // The event editor (CodeMirror) shows it as a special character, not as a reordering.
    assert.ok((await page.locator('#event-editor .cm-specialChar').count()) >= 1);
    await page.click('#suggest');
    await page.waitForSelector('.suggest-explanation');
    assert.equal((await directionInDom(page, '#suggestion')).raw, false);
    await assertInert(page, log, 'playground, direction override');
    await context.close();
  });
});

describe('share links are data from anyone', () => {
  const open = async (fragment, path = '') => {
    const opened = await openReady(env, `${path}#${fragment}`);
    return opened;
  };

  test('a crafted exception (`{x:[{entries:[null]}]}`) gives a message and the default state', { timeout: 60000 }, async () => {
    const { page, log, context } = await open(linkFragment({ x: [{ entries: [null] }] }));
    const status = page.locator('#link-status');
    assert.equal(await status.getAttribute('data-state'), 'partial');
    assert.match(await status.textContent(), /exception item 1\.entries\[0\] is not an exception entry \(null\): the item is left out/);
    assert.equal(await page.locator('#exception-items .item').count(), 0);
    await page.waitForSelector('#verdict-banner[data-state="alert"]');
    assert.equal(await page.locator('#version').inputValue(), '102');
    assertClean(log);
    await context.close();
  });

  test('every field of the wrong type is named, and the rest of the link is used', { timeout: 60000 }, async () => {
    const state = {
      v: 5,
      q: { x: 1 },
      k: 'x',
      t: { addDomains: [1], packs: ['no-such-pack'], bogus: [] },
      x: [
        { entries: [{ field: 'a', operator: 'maybe', type: 'match', value: 'b' }] },
        { name: 'ok', entries: [{ field: 'user.name', operator: 'included', type: 'match', value: 'bob' }] },
      ],
      i: 'xml',
      e: 7,
      z: 1,
    };
    const { page, log, context } = await open(linkFragment(state));
    const text = await page.locator('#link-status').textContent();
    for (const want of [
      'unknown field `z`',
      'version 5 is not one of',
      'the query is not text',
      'kept queries are not a list',
      'tuning `addDomains`',
      'pack "no-such-pack"',
      'unknown tuning `bogus`',
      'entries[0].operator "maybe"',
      'input shape "xml"',
      'the event is not text (7)',
    ]) {
      assert.ok(text.includes(want), `${want} in: ${text}`);
    }
    // The valid exception item is used: the default event (bob) is suppressed.
    await page.waitForSelector('#verdict-banner[data-state="suppressed"]');
    assert.equal(await page.locator('#exception-items .item').count(), 1);
    assertClean(log);
    await context.close();
  });

  test('an unreadable link, and one that unpacks to too much, start from the defaults', { timeout: 60000 }, async () => {
    for (const [fragment, message] of [
      ['s=%%%not-base64', /cannot be read: the link is not base64url/],
      ['s=AAAA', /cannot be read/],
      [linkFragment('[1, 2]', { raw: true }), /Parts of this link were not used.*holds an array/],
      [linkFragment(' '.repeat(9 * 1024 * 1024), { raw: true }), /cannot be read: the link unpacks to more than 8 MB/],
    ]) {
      const { page, log, context } = await open(fragment);
      assert.match(await page.locator('#link-status').textContent(), message);
      await page.waitForSelector('#verdict-banner[data-state="alert"]');
      assertClean(log);
      await context.close();
    }
  });

  test('the log viewer takes the same links: a crafted one changes nothing it should not', { timeout: 60000 }, async () => {
    const { page, log, context } = await open(linkFragment({ v: '108', x: [{ entries: [null] }, 'x'], q: 42 }), 'viewer.html');
    const status = await page.locator('#rule-status').textContent();
    assert.match(status, /version 108, the published query, 0 exception item\(s\)/);
    assert.match(status, /exception item 1\.entries\[0\] is not an exception entry/);
    assert.match(status, /the query is not text/);
    assertClean(log);
    await context.close();
  });

  test('a link longer than browsers open keeps all but the event, and says so', { timeout: 120000 }, async () => {
    const { page, log, context } = await openReady(env, '', { permissions: ['clipboard-read', 'clipboard-write'] });
    // An event with 1.1 MB of random text: deflate cannot shrink it below what browsers open.
    const big = { ...spoofEvent(), message: randomBytes(850 * 1024).toString('base64') };
    big.process = { name: 'curl.exe', executable: 'C:\\Windows\\System32\\curl.exe' };
    await setEditorText(page, '#event-editor', JSON.stringify(big));
    await page.waitForSelector('#link-note[data-level="too-long"]', { timeout: 30000 });
    assert.match(await page.locator('#link-note').textContent(), /longer than browsers open.*keeps everything but the event/);
    await page.waitForFunction(() => location.hash.slice(1) === document.body.dataset.saved);
    assert.ok(page.url().length < 1024 * 1024, `the address is ${page.url().length} characters`);
    const saved = linkState(page.url());
    assert.equal(saved.e, undefined, 'no event in the link');
    assert.equal(saved.v, '102');
    await page.click('#copy-link');
    // The click handler saves the state and writes the clipboard before it says anything.
    await page.waitForSelector('#copy-link[data-said]');
    assert.equal(await page.locator('#copy-link').getAttribute('data-said'), 'Link copied, without the event (too big for a link)');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), page.url());
    // 40 KB of random text: the link opens, with a warning that tools may cut it.
    await setEditorText(page, '#event-editor', JSON.stringify({ ...big, message: randomBytes(40 * 1024).toString('base64') }));
    await page.waitForSelector('#link-note[data-level="long"]', { timeout: 30000 });
    await page.waitForFunction(() => location.hash.slice(1) === document.body.dataset.saved);
    assert.ok(linkState(page.url()).e.length > 50000, 'the event is in the link');
    assertClean(log);
    await context.close();
  });
});

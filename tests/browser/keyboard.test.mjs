// Keyboard-only use of both pages in Debian's Chromium: every control reached with Tab, the
// table walked with the arrow keys (focus stays on a row while rows are recycled), panels opened
// with Enter and closed with Escape, and the editors left with Escape then Tab.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { assertClean, openPage, openReady, startBrowser } from './helpers.mjs';
import { generateEvents, toNdjson } from '../../www/src/generate.mjs';

let env;
let dir;
before(async () => {
  env = await startBrowser();
  dir = await mkdtemp(join(tmpdir(), 'eil-keys-'));
});
after(async () => {
  await env?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What has focus: the element's id, classes, row line and tag (a shadow host for the editors). */
const focused = (page) =>
  page.evaluate(() => {
    const e = document.activeElement;
    const row = e?.closest?.('[data-line]');
    return {
      tag: e?.tagName,
      id: e?.id ?? '',
      cls: e?.className ?? '',
      line: row ? Number(row.dataset.line) : null,
      inLog: Boolean(e?.closest?.('#log')),
    };
  });

/** Presses Tab until `test(focus)` holds; fails after `max` presses. */
async function tabTo(page, test, what, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (test(f)) return f;
  }
  throw new Error(`Tab never reached ${what}`);
}

describe('keyboard only', () => {
  test('viewer: open a file, walk the rows, open and close reasons and JSON', { timeout: 90000 }, async () => {
    const events = generateEvents(2000, 21);
    const file = join(dir, 'keys.ndjson');
    await writeFile(file, toNdjson(events));
    const { page, log, context } = await openPage(env, 'viewer.html', { viewport: { width: 1280, height: 800 } });
    // Listen for the file chooser well before it opens: playwright intercepts it from then on.
    const chooser = page.waitForEvent('filechooser', { timeout: 20000 });
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
    // "Open file" is the first control Tab reaches, and Enter opens the file chooser.
    const first = await tabTo(page, (f) => f.tag !== 'A' && f.tag !== 'BODY', 'a control');
    assert.equal(first.id, 'open-file');
    await page.keyboard.press('Enter');
    await (await chooser).setFiles(file);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });

    // On to the table, then down the rows: one row a press, focus always on a row, also while
    // the rows scroll out and their nodes are reused for others.
    await tabTo(page, (f) => f.id === 'log', 'the table');
    let line = 0;
    for (let i = 0; i < 45; i++) {
      await page.keyboard.press('ArrowDown');
      const f = await focused(page);
      assert.ok(f.inLog && f.line !== null, `press ${i + 1}: focus on a row, not ${f.tag}#${f.id}`);
      assert.equal(f.line, line + 1, `press ${i + 1}: the next row`);
      line = f.line;
    }
    assert.ok(Number(await page.locator('#log').evaluate((b) => b.scrollTop)) > 0, 'the table scrolled to follow');
    await page.keyboard.press('End');
    assert.equal((await focused(page)).line, 2000);
    await page.keyboard.press('Home');
    assert.equal((await focused(page)).line, 1);

    // The first alert: Tab from its row to its badge, then ArrowDown from the badge.
    const firstAlert =
      events.findIndex((e, i) => i > 0 && e.dns.question.name === 'api.ipify.org' && e.process.executable.includes('powershell')) + 1;
    for (let l = 1; l < firstAlert; l++) await page.keyboard.press('ArrowDown');
    const onAlert = await focused(page);
    assert.equal(onAlert.line, firstAlert);
    await page.keyboard.press('Tab');
    const onBadge = await focused(page);
    assert.match(onBadge.cls, /eil-badge/);
    assert.equal(onBadge.line, firstAlert);
    // Enter on the badge: the reasons, focused; Escape: back on the badge.
    await page.keyboard.press('Enter');
    await page.locator('.eil-panel').waitFor();
    assert.match((await focused(page)).cls, /eil-panel/);
    assert.equal(await page.locator('.eil-panel').getAttribute('data-row'), `line ${firstAlert}`);
    await page.keyboard.press('Escape');
    await page.locator('.eil-panel').waitFor({ state: 'detached' });
    assert.match((await focused(page)).cls, /eil-badge/);
    // ArrowDown from a badge: the next row keeps focus (its badge, if it has one).
    for (let i = 1; i <= 30; i++) {
      await page.keyboard.press('ArrowDown');
      const f = await focused(page);
      assert.ok(
        f.inLog && f.line === firstAlert + i,
        `from the badge, press ${i}: row ${firstAlert + i}, not ${f.tag}#${f.id} line ${f.line}`,
      );
    }
    // Enter on a row that is not an alert: its JSON; Escape: back on the row.
    let f = await focused(page);
    while (/eil-badge/.test(f.cls) || (await page.locator(`#log-body [data-line="${f.line}"] .eil-badge`).count())) {
      await page.keyboard.press('ArrowDown');
      f = await focused(page);
    }
    if (/eil-badge/.test(f.cls)) await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await page.locator('#raw:not([hidden])').waitFor();
    assert.equal(Number(await page.locator('#raw').getAttribute('data-line')), f.line);
    assert.equal((await focused(page)).id, 'raw');
    await page.keyboard.press('Escape');
    await page.locator('#raw').waitFor({ state: 'hidden' });
    assert.equal((await focused(page)).line, f.line);
    assertClean(log);
    await context.close();
  });

  test('playground: into the query editor and out again, and clause lines by keyboard', { timeout: 60000 }, async () => {
    const { page, log, context } = await openReady(env, '');
    await page.waitForSelector('#verdict-banner[data-state="alert"]');
    await tabTo(page, (f) => f.id === 'query-editor', 'the query editor');
    assert.match(await page.locator('#query-keys').textContent(), /press Esc, then Tab/);
    // Tab indents: focus stays in the editor.
    const before = await page.evaluate(() => window.__playground.queryText());
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).id, 'query-editor');
    assert.notEqual(await page.evaluate(() => window.__playground.queryText()), before);
    await page.keyboard.press('ControlOrMeta+z');
    // Escape, then Tab: out of the editor, on to the next control.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    const out = await focused(page);
    assert.notEqual(out.id, 'query-editor');
    assert.notEqual(out.tag, 'BODY');

    // The event editor, then out of it: the verdict's clause lines come next, each selectable.
    await tabTo(page, (f) => f.id === 'event-editor', 'the event editor');
    await page.keyboard.press('Escape');
    await tabTo(page, (f) => /eil-line/.test(f.cls), 'a clause line', 10);
    await page.keyboard.press('Tab');
    const clause = await page.evaluate(() => document.activeElement.closest('.eil-node').dataset);
    await page.keyboard.press('Enter');
    assert.equal((await focused(page)).id, 'query-editor');
    const q = await page.evaluate(() => window.__playground.queryText());
    const selected = await page.evaluate(() => window.__playground.selection());
    assert.equal(selected, Buffer.from(q).subarray(Number(clause.start), Number(clause.end)).toString());
    assert.ok(selected.length > 3, `the clause is selected: ${selected}`);
    assertClean(log);
    await context.close();
  });
});

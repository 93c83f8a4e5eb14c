// End-to-end tests of the log-viewer plugin and its demo page (www/viewer.html, www/embed.html)
// in Debian's Chromium. The rows the page flags are compared with what the Node build of the
// package says about the same events.
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { assertClean, openPage, screenshot, startBrowser } from './helpers.mjs';
import { generateEvents, toNdjson } from '../../www/src/generate.mjs';

const require = createRequire(import.meta.url);
const rules = require('external-ip-lookup-rule');

let env;
let dir;
before(async () => {
  env = await startBrowser();
  dir = await mkdtemp(join(tmpdir(), 'eil-viewer-'));
});
after(async () => {
  await env?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * A 10,000-event NDJSON file, the same every run, with blank lines, CRLF endings, dotted keys
 * and two lines that are not events; and the 1-based line numbers the Node build flags.
 */
function tenThousand() {
  const events = generateEvents(10000, 2024);
  const rule = rules.compileRule({});
  const lines = [];
  const expected = [];
  const rejected = [];
  events.forEach((e, i) => {
    if (i === 2500 || i === 7500) lines.push('');
    if (i === 5000) {
      lines.push('{"event": {"category": "network"}, not json');
      rejected.push(lines.length);
    }
    if (i === 6000) {
      lines.push('[1, 2, 3]');
      rejected.push(lines.length);
    }
    // Some events with dotted keys: the same fields.
    const ev = i % 50 === 7 ? { 'event.category': e.event.category, 'event.action': e.event.action, 'network.protocol': e.network.protocol, 'process.name': e.process.name, 'process.executable': e.process.executable, 'user.id': e.user.id, 'dns.question.name': e.dns.question.name } : e;
    lines.push(JSON.stringify(ev) + (i % 333 === 0 ? '\r' : ''));
    if (rule.matches(ev)) expected.push(lines.length);
  });
  return { text: lines.join('\n') + '\n', expected, rejected };
}

async function openViewer(path = 'viewer.html', options = {}) {
  const opened = await openPage(env, path, options);
  await opened.page.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
  return opened;
}

/** Every row the virtualised table shows from top to bottom: [{ line, alert, rejected }]. */
async function collectRows(page) {
  return page.evaluate(async () => {
    const box = document.querySelector('#log');
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const seen = new Map();
    box.scrollTop = 0;
    await frame();
    for (;;) {
      for (const row of document.querySelectorAll('#log-body [data-line]')) {
        // Rows are placed, not ordered, in the DOM: aria-rowindex says where each one shows.
        seen.set(Number(row.getAttribute('aria-rowindex')), { line: Number(row.dataset.line), alert: row.querySelector('.eil-badge') !== null, rejected: row.classList.contains('rejected') });
      }
      if (box.scrollTop + box.clientHeight >= box.scrollHeight - 1) break;
      box.scrollTop += Math.floor(box.clientHeight * 0.9);
      await frame();
    }
    return [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  });
}

describe('log viewer', () => {
  test('flags exactly the rows the rule matches in a 10,000-event file', { timeout: 120000 }, async () => {
    const { text, expected, rejected } = tenThousand();
    assert.ok(expected.length > 300 && expected.length < 1500, `a realistic share of alerts (${expected.length})`);
    const file = join(dir, 'events-10k.ndjson');
    await writeFile(file, text);
    // A tall window: fewer scroll steps to read every row.
    const { page, log, context } = await openViewer('viewer.html', { viewport: { width: 1280, height: 2400 } });
    await page.setInputFiles('#file', file);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
    const counts = page.locator('#counts');
    assert.equal(await counts.getAttribute('data-events'), '10002');
    assert.equal(await counts.getAttribute('data-alerts'), String(expected.length));
    assert.equal(await counts.getAttribute('data-rejected'), '2');

    // Virtualised: only the rows in view are in the DOM.
    const inDom = await page.locator('#log-body [data-line]').count();
    assert.ok(inDom > 10 && inDom < 200, `rows in the DOM: ${inDom}`);

    // "only alerts": exactly the expected lines, each with a badge.
    await page.check('#only-alerts');
    assert.equal(await counts.getAttribute('data-shown'), String(expected.length));
    const alerts = await collectRows(page);
    assert.deepEqual(alerts.map((r) => r.line), expected);
    assert.ok(alerts.every((r) => r.alert), 'every row shown has a badge');

    // All rows: a badge on exactly the expected ones, the rejected lines marked as such.
    await page.uncheck('#only-alerts');
    const all = await collectRows(page);
    assert.equal(all.length, 10002);
    const want = new Set(expected);
    const wrong = all.filter((r) => r.alert !== want.has(r.line));
    assert.deepEqual(wrong, [], 'rows flagged differently from the Node build');
    assert.deepEqual(all.filter((r) => r.rejected).map((r) => r.line), rejected, 'the lines that are not events');
    assertClean(log);
    await context.close();
  });

  test('a badge shows the reasons on click, and the panel closes with Escape', { timeout: 60000 }, async () => {
    const { page, log, context } = await openViewer();
    await page.click('#generate'); // 10,000 events
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
    const first = page.locator('#log-body .eil-badge').first();
    const line = Number(await first.evaluate((b) => b.closest('[data-line]').dataset.line));
    // Bring that row near the top (the table re-renders the rows in view), then click its badge.
    await page.locator('#log').evaluate((box, l) => {
      const row = box.querySelector(`[data-line="${l}"]`);
      box.scrollTop += row.getBoundingClientRect().top - box.getBoundingClientRect().top - 3 * row.offsetHeight;
    }, line);
    const badge = page.locator(`#log-body [data-line="${line}"] .eil-badge`);
    await badge.click();
    const panel = page.locator('.eil-panel');
    await panel.waitFor();
    assert.equal(await panel.getAttribute('role'), 'dialog');
    assert.match(await panel.locator('[data-role="summary"]').textContent(), / looked up .* \(matched /);
    assert.ok((await panel.locator('.eil-node.eil-held').count()) >= 7);
    assert.ok((await panel.locator('.eil-pattern').count()) >= 1);
    // The panel explains the row that was clicked.
    const event = generateEvents(10000, 42, { hostileEvery: 997 })[line - 1];
    assert.ok((await panel.textContent()).includes(event.dns.question.name));
    await screenshot(page, 'viewer', { doc: true });
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    assertClean(log);
    await context.close();
  });

  test('a JSON array dropped on the page is evaluated too', { timeout: 60000 }, async () => {
    const events = generateEvents(500, 99);
    const rule = rules.compileRule({ version: '108' });
    const expected = events.filter((e) => rule.matches(e)).length;
    const { page, log, context } = await openViewer();
    await page.selectOption('#version', '108');
    const dataTransfer = await page.evaluateHandle((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'events.json', { type: 'application/json' }));
      return dt;
    }, JSON.stringify(events, null, 2));
    await page.dispatchEvent('#drop', 'dragover', { dataTransfer });
    await page.dispatchEvent('#drop', 'drop', { dataTransfer });
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
    assert.equal(await page.locator('#counts').getAttribute('data-events'), '500');
    assert.equal(await page.locator('#counts').getAttribute('data-alerts'), String(expected));
    assert.match(await page.locator('#counts').textContent(), /JSON array/);
    assertClean(log);
    await context.close();
  });

  test('a dropped Sysmon file is recognised by its shape, mapped, and says which shape it used', { timeout: 60000 }, async () => {
    const text = readFileSync(new URL('../cli/fixtures/sysmon-eid22.ndjson', import.meta.url), 'utf8');
    const auto = rules.compileRule({ input: 'auto' });
    const lines = text.split('\n').filter((l) => l.trim());
    const expected = lines.filter((l) => auto.matches(l)).length;
    assert.ok(expected > 0, 'the fixture has a Sysmon lookup that fires');
    const { page, log, context } = await openViewer();
    const dataTransfer = await page.evaluateHandle((t) => {
      const dt = new DataTransfer();
      dt.items.add(new File([t], 'sysmon.ndjson', { type: 'application/x-ndjson' }));
      return dt;
    }, text);
    await page.dispatchEvent('#drop', 'dragover', { dataTransfer });
    await page.dispatchEvent('#drop', 'drop', { dataTransfer });
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
    assert.equal(await page.locator('#shape').getAttribute('data-shape'), 'evtx-json');
    assert.match(await page.locator('#shape').textContent(), /Sysmon DNS events \(EVTX as JSON\)/);
    assert.equal(await page.locator('#counts').getAttribute('data-alerts'), String(expected));
    assertClean(log);
    await context.close();
  });

  test('stays responsive with 100,000 events: a worker with progress, virtualised rows', { timeout: 180000 }, async () => {
    const file = join(dir, 'events-100k.ndjson');
    await writeFile(file, toNdjson(generateEvents(100000, 7)));
    const { page, log, context } = await openViewer();
    await page.setInputFiles('#file', file);
    // While the worker evaluates, the page keeps painting frames and the progress bar moves.
    const progress = [];
    const frameGaps = [];
    while ((await page.locator('body').getAttribute('data-state')) !== 'ready') {
      const sample = await page.evaluate(async () => {
        const t = performance.now();
        await new Promise((r) => requestAnimationFrame(r));
        const p = document.querySelector('#progress');
        return { gap: performance.now() - t, value: p.value, max: p.max, state: document.body.dataset.state };
      });
      if (sample.state === 'scanning') {
        frameGaps.push(sample.gap);
        progress.push(sample.value / sample.max);
      }
      await page.waitForTimeout(50);
    }
    assert.ok(progress.some((p) => p > 0 && p < 1), `progress was shown (${progress.map((p) => p.toFixed(2)).join(' ')})`);
    assert.ok(Math.max(...frameGaps) < 1000, `frames kept coming while scanning (${Math.round(Math.max(...frameGaps))} ms at worst)`);
    assert.equal(await page.locator('#counts').getAttribute('data-events'), '100000');
    const inDom = await page.locator('#log-body [role="row"]').count();
    assert.ok(inDom < 150, `rows in the DOM: ${inDom}`);
    // Jump to the end: the last line is there, quickly.
    const t = await page.evaluate(async () => {
      const box = document.querySelector('#log');
      const start = performance.now();
      box.scrollTop = box.scrollHeight;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const lines = [...document.querySelectorAll('#log-body [data-line]')].map((row) => Number(row.dataset.line));
      return { ms: performance.now() - start, last: Math.max(...lines) };
    });
    assert.equal(t.last, 100000);
    assert.ok(t.ms < 500, `scrolling to the end took ${Math.round(t.ms)} ms`);
    await page.check('#only-alerts');
    const alerts = Number(await page.locator('#counts').getAttribute('data-alerts'));
    assert.equal(await page.locator('#counts').getAttribute('data-shown'), String(alerts));
    await screenshot(page, 'viewer-100k');
    assertClean(log);
    await context.close();
  });

  test('markTable flags a host table it does not otherwise touch (embed example)', { timeout: 60000 }, async () => {
    const { page, log, context } = await openViewer('embed.html');
    const status = page.locator('#embed-status');
    // Presets that match: hit, missing user.id, dotted keys, category array, false positive; and the hostile one.
    assert.equal(await status.getAttribute('data-alerts'), '6');
    const rows = page.locator('#host-table tbody tr');
    assert.equal(await rows.count(), 10);
    const flagged = await rows.evaluateAll((trs) => trs.map((tr) => tr.classList.contains('eil-alert')));
    assert.deepEqual(flagged, [true, false, false, false, true, true, true, false, true, true]);
    // The host's cells are unchanged but for the badge in the first one.
    const cells = await rows.nth(1).locator('td').allTextContents();
    assert.equal(cells.length, 4);
    assert.equal(cells[1], 'chrome.exe');
    await rows.nth(0).locator('.eil-badge').click();
    await page.locator('.eil-panel').waitFor();
    await screenshot(page, 'embed');
    assertClean(log);
    await context.close();
  });
});


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

import { assertClean, linkFragment, openReady, screenshot, startBrowser } from './helpers.mjs';
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
    const ev =
      i % 50 === 7
        ? {
            'event.category': e.event.category,
            'event.action': e.event.action,
            'network.protocol': e.network.protocol,
            'process.name': e.process.name,
            'process.executable': e.process.executable,
            'user.id': e.user.id,
            'dns.question.name': e.dns.question.name,
          }
        : e;
    lines.push(JSON.stringify(ev) + (i % 333 === 0 ? '\r' : ''));
    if (rule.matches(ev)) expected.push(lines.length);
  });
  return { text: lines.join('\n') + '\n', expected, rejected };
}

async function openViewer(path = 'viewer.html', options = {}) {
  const opened = await openReady(env, path, options);
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
        seen.set(Number(row.getAttribute('aria-rowindex')), {
          line: Number(row.dataset.line),
          alert: row.querySelector('.eil-badge') !== null,
          rejected: row.classList.contains('rejected'),
        });
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
    assert.deepEqual(
      alerts.map((r) => r.line),
      expected,
    );
    assert.ok(
      alerts.every((r) => r.alert),
      'every row shown has a badge',
    );

    // All rows: a badge on exactly the expected ones, the rejected lines marked as such.
    await page.uncheck('#only-alerts');
    const all = await collectRows(page);
    assert.equal(all.length, 10002);
    const want = new Set(expected);
    const wrong = all.filter((r) => r.alert !== want.has(r.line));
    assert.deepEqual(wrong, [], 'rows flagged differently from the Node build');
    assert.deepEqual(
      all.filter((r) => r.rejected).map((r) => r.line),
      rejected,
      'the lines that are not events',
    );
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
    const dataTransfer = await page.evaluateHandle(
      (text) => {
        const dt = new DataTransfer();
        dt.items.add(new File([text], 'events.json', { type: 'application/json' }));
        return dt;
      },
      JSON.stringify(events, null, 2),
    );
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

  test('stays responsive with 100,000 events: rows streamed from a worker with progress, virtualised', { timeout: 180000 }, async () => {
    const file = join(dir, 'events-100k.ndjson');
    await writeFile(file, toNdjson(generateEvents(100000, 7)));
    const { page, log, context } = await openViewer();
    await page.setInputFiles('#file', file);
    // The first rows are on screen before the scan has ended: the worker streams them.
    await page.waitForSelector('body[data-first-rows]', { timeout: 60000 });
    const early = await page.evaluate(() => ({
      state: document.body.dataset.state,
      rows: document.querySelectorAll('#log-body [data-line]').length,
      events: Number(document.querySelector('#counts').dataset.events ?? 0),
    }));
    assert.equal(early.state, 'scanning', 'rows were shown while scanning');
    assert.ok(early.rows > 10, `rows on screen: ${early.rows}`);
    assert.ok(early.events < 100000, `only part of the file so far: ${early.events}`);
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
    assert.ok(
      progress.some((p) => p > 0 && p < 1),
      `progress was shown (${progress.map((p) => p.toFixed(2)).join(' ')})`,
    );
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

  test('a bad file clears the previous rows', { timeout: 60000 }, async () => {
    const { page, log, context } = await openViewer();
    await page.click('#generate');
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
    assert.ok((await page.locator('#log-body [data-line]').count()) > 10);
    // A file that is not JSON at all: no rows of the previous file stay, and the page says why.
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '[{"event": {"category": "network"}}, oops');
    await page.setInputFiles('#file', bad);
    await page.waitForSelector('body[data-state="error"]');
    assert.equal(await page.locator('#log-body [data-line]').count(), 0, 'the previous rows are gone');
    assert.match(await page.locator('#counts').textContent(), /^Cannot read bad\.json: the file is not valid JSON/);
    assert.equal(await page.locator('#counts').getAttribute('data-events'), null);
    assert.equal(await page.locator('#export-csv').isDisabled(), true);
    assertClean(log);
    await context.close();
  });

  test("search, sort by a column, a row's JSON, and the alerts exported as NDJSON and CSV", { timeout: 120000 }, async () => {
    const events = generateEvents(3000, 77);
    // A value that a spreadsheet would run as a formula, in an alerting row.
    events[5] = {
      ...events[5],
      event: { category: ['network'], action: 'lookup_requested' },
      network: { protocol: 'dns' },
      process: { name: 'x.exe', executable: '=HYPERLINK("http://attacker.example","x")' },
      user: { id: 'S-1-5-21-9', name: 'mallory, "the" user' },
      dns: { question: { name: 'api.ipify.org' } },
    };
    const text = toNdjson(events);
    const file = join(dir, 'events-3k.ndjson');
    await writeFile(file, text);
    const rule = rules.compileRule({});
    const alertLines = events.flatMap((e, i) => (rule.matches(e) ? [i + 1] : []));
    const { page, log, context } = await openViewer('viewer.html', { downloads: true });
    await page.setInputFiles('#file', file);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
    const counts = page.locator('#counts');
    assert.equal(await counts.getAttribute('data-alerts'), String(alertLines.length));

    // Search: the rows whose columns hold the text, whatever the case.
    await page.fill('#search', 'IFCONFIG.ME');
    const want = events.filter((e) => e.dns.question.name.includes('ifconfig.me')).length;
    await page.waitForFunction((n) => document.querySelector('#counts').dataset.shown === String(n), want);
    const shown = await collectRows(page);
    assert.equal(shown.length, want);
    for (const r of shown) assert.match(events[r.line - 1].dns.question.name, /ifconfig\.me/);
    await page.fill('#search', '');
    await page.waitForFunction(() => document.querySelector('#counts').dataset.shown === '3000');

    // Sort by user.name, then the other way.
    await page.click('#log-head button[data-column="3"]');
    assert.equal(await page.locator('#log-head [role="columnheader"]').nth(3).getAttribute('aria-sort'), 'ascending');
    const names = async () =>
      page.evaluate(() =>
        [...document.querySelectorAll('#log-body [data-line]')]
          .sort((a, b) => a.getAttribute('aria-rowindex') - b.getAttribute('aria-rowindex'))
          .map((r) => r.querySelector('.col-user').textContent),
      );
    const asc = await names();
    assert.deepEqual(asc, [...asc].sort(), 'ascending');
    const sortedAll = events.map((e) => e.user.name).sort();
    assert.equal(asc[0], sortedAll[0]);
    await page.click('#log-head button[data-column="3"]');
    const desc = await names();
    assert.equal(desc[0], sortedAll.at(-1), 'descending');
    await page.click('#log-head button[data-column="0"]'); // back to file order

    // A row's JSON: the event as it is in the file.
    await page.locator('#log-body [data-line="3"] .col-dns').click();
    await page.locator('#raw:not([hidden])').waitFor();
    assert.equal(await page.locator('#raw').getAttribute('data-line'), '3');
    assert.deepEqual(JSON.parse(await page.locator('#raw-json').textContent()), events[2]);
    await page.keyboard.press('Escape');
    await page.locator('#raw').waitFor({ state: 'hidden' });

    // Export: NDJSON is the alert lines exactly as in the file; CSV has a row per alert.
    const lines = text.split('\n');
    let download = page.waitForEvent('download');
    await page.click('#export-ndjson');
    const ndjson = readFileSync(await (await download).path(), 'utf8');
    assert.equal((await download).suggestedFilename(), 'events-3k-alerts.ndjson');
    assert.deepEqual(
      ndjson.trimEnd().split('\n'),
      alertLines.map((l) => lines[l - 1]),
    );
    download = page.waitForEvent('download');
    await page.click('#export-csv');
    const csv = readFileSync(await (await download).path(), 'utf8')
      .trimEnd()
      .split('\r\n');
    assert.equal(csv[0], 'line,@timestamp,host.name,user.name,event.action,process.executable,dns.question.name');
    assert.equal(csv.length, alertLines.length + 1);
    assert.deepEqual(
      csv.slice(1).map((r) => Number(r.split(',')[0])),
      alertLines,
    );
    // The formula is defused and quoted; quotes and commas are escaped.
    const row6 = csv.find((r) => r.startsWith('6,'));
    assert.ok(row6.includes('"\'=HYPERLINK(""http://attacker.example"",""x"")"'), row6);
    assert.ok(row6.includes('"mallory, ""the"" user"'), row6);
    assertClean(log);
    await context.close();
  });

  test('the reasons panel names its row, follows it, and closes when it scrolls away', { timeout: 60000 }, async () => {
    const { page, log, context } = await openViewer();
    await page.click('#generate');
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
    const badge = page.locator('#log-body .eil-badge').first();
    const line = await badge.evaluate((b) => b.closest('[data-line]').dataset.line);
    await badge.click();
    const panel = page.locator('.eil-panel');
    await panel.waitFor();
    assert.equal(await panel.getAttribute('data-row'), `line ${line}`);
    assert.match(await panel.locator('.eil-panel-title').textContent(), new RegExp(`· line ${line}$`));
    // A small scroll: the row is still in view, the panel moves with it.
    const top = async () => panel.evaluate((p) => p.getBoundingClientRect().top);
    const before = await top();
    await page.locator('#log').evaluate((box) => (box.scrollTop += 40));
    await page.waitForFunction((t) => Math.abs(document.querySelector('.eil-panel').getBoundingClientRect().top - (t - 40)) < 2, before);
    // Scrolled far away: the panel closes rather than explain a row no longer shown.
    await page.locator('#log').evaluate((box) => (box.scrollTop += 5000));
    await panel.waitFor({ state: 'detached' });
    assertClean(log);
    await context.close();
  });

  test('a playground link sets the rule: its query, tuning and exceptions', { timeout: 60000 }, async () => {
    const events = generateEvents(2000, 5);
    const file = join(dir, 'events-2k.ndjson');
    await writeFile(file, toNdjson(events));
    const exceptions = [
      { name: 'svc_backup', entries: [{ field: 'user.name', operator: 'included', type: 'match', value: 'svc_backup' }] },
    ];
    const state = {
      v: '104',
      t: { addDomains: ['*.corp.local'] },
      x: [...exceptions, { name: 'incomplete', entries: [{ field: '', operator: 'included', type: 'match', value: '' }] }],
    };
    const options = { version: '104', addDomains: ['*.corp.local'], exceptions };
    const expected = events.filter((e) => rules.compileRule(options).matches(e)).length;
    assert.notEqual(expected, events.filter((e) => rules.compileRule({}).matches(e)).length, 'the link changes the alerts');
    // Handed over in the address (as the playground's "Triage logs with this rule" link does).
    const { page, log, context } = await openViewer(`viewer.html#${linkFragment(state)}`);
    assert.equal(await page.locator('#rule-status').getAttribute('data-rule'), 'link');
    assert.match(
      await page.locator('#rule-status').textContent(),
      /version 104, the published query, 1 list edit\(s\), 1 exception item\(s\)/,
    );
    assert.equal(await page.locator('#version').isDisabled(), true);
    await page.setInputFiles('#file', file);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
    assert.equal(await page.locator('#counts').getAttribute('data-alerts'), String(expected));
    // Back to the published rule: the file is evaluated again.
    await page.click('#rule-reset');
    await page.waitForFunction(
      (n) => document.body.dataset.state === 'ready' && document.querySelector('#counts').dataset.alerts === String(n),
      events.filter((e) => rules.compileRule({}).matches(e)).length,
    );
    // Pasted: a query that does not compile leaves the rule as it is, and says why.
    await page.fill('#rule-link', `http://example.invalid/#${linkFragment({ v: '102', q: 'network where (' })}`);
    await page.click('#link-form button[type="submit"]');
    await page.waitForSelector('#rule-status.error');
    assert.match(await page.locator('#rule-status').textContent(), /does not compile: .*The rule is unchanged/);
    assert.equal(await page.locator('#version').isDisabled(), false);
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

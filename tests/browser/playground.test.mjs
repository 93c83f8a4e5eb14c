// End-to-end tests of the playground (www/index.html) in Debian's Chromium.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { assertClean, openPage, screenshot, setEditorText, startBrowser } from './helpers.mjs';

let env;
before(async () => {
  env = await startBrowser();
});
after(async () => {
  await env?.close();
});

async function openPlayground(path = '') {
  const opened = await openPage(env, path);
  await opened.page.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
  return opened;
}

const banner = (page) => page.locator('#verdict-banner');
const summary = (page) => page.locator('#verdict [data-role="summary"]').textContent();
const queryText = (page) => page.evaluate(() => window.__playground.queryText());
const eventText = (page) => page.evaluate(() => window.__playground.eventText());

async function waitForBanner(page, state) {
  await page.waitForSelector(`#verdict-banner[data-state="${state}"]`, { timeout: 5000 });
}

describe('playground', () => {
  test('loads with the default version, the hit preset and its verdict', { timeout: 60000 }, async () => {
    const { page, log, context } = await openPlayground();
    await waitForBanner(page, 'alert');
    assert.equal(await page.locator('#version').inputValue(), '102');
    assert.match(await summary(page), /^powershell\.exe looked up api\.ipify\.org \(matched \*api\.ipify\.org\)/);
    // The reasons tree: every clause held, the matched pattern shown and highlighted in the query.
    // The test inside `not` did not match, which is why the `not` holds: it reads as a negated
    // test, not as a failure, and nothing in an alert is marked failed.
    assert.equal(await page.locator('#verdict .eil-node.eil-negated').count(), 1, 'the inner test of `not`');
    assert.equal(await page.locator('#verdict .eil-node.eil-negated .eil-mark').textContent(), 'false');
    assert.equal(await page.locator('#verdict .eil-node.eil-failed').count(), 0, 'no clause of an alert reads failed');
    assert.equal(await page.locator('#verdict .eil-tree > .eil-node').getAttribute('data-held'), 'true');
    assert.equal(await page.locator('#verdict .eil-pattern', { hasText: '*api.ipify.org' }).count(), 1);
    assert.equal(await page.locator('#query-editor .cm-matched-entry', { hasText: '"*api.ipify.org"' }).count(), 1);
    assert.match(await page.locator('#verdict .eil-values').first().textContent(), /values seen: network/);
    assert.match(await page.locator('#query-status').textContent(), /^Compiles/);
    // The query's warnings are marked in the editor.
    assert.ok((await page.locator('#query-warnings li').count()) >= 1);
    const headers = (await page.request.get(env.url)).headers();
    assert.match(headers['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/);
    assert.match(headers['content-security-policy'], /style-src 'self'(;|$)/);
    await screenshot(page, 'playground', { doc: true });
    assertClean(log);
    await context.close();
  });

  test('editing the query changes the verdict on every keystroke', { timeout: 60000 }, async () => {
    const { page, log, context } = await openPlayground();
    await waitForBanner(page, 'alert');
    await setEditorText(page, '#query-editor', 'network where dns.question.name : "*api.ipify.org" and process.name != "powershell.exe"');
    await waitForBanner(page, 'no-alert');
    assert.match(await summary(page), /^no alert: process\.name/);
    // One more keystroke: `!=` becomes `==`.
    const q = await queryText(page);
    const at = q.indexOf('!=');
    await page.locator('#query-editor .cm-content').click();
    await page.keyboard.press('ControlOrMeta+Home');
    for (let i = 0; i < at; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Delete');
    await page.keyboard.type('=');
    assert.equal(await queryText(page), q.replace('!=', '=='));
    await waitForBanner(page, 'alert');
    assert.match(await summary(page), /powershell\.exe looked up api\.ipify\.org/);
    // Typing made the text the query: it is kept in the URL.
    assert.equal(await page.locator('#reset-query').isDisabled(), false);
    await screenshot(page, 'playground-edited-query');
    assertClean(log);
    await context.close();
  });

  test('a parse error is marked where it is, also after multi-byte text', { timeout: 60000 }, async () => {
    const { page, log, context } = await openPlayground();
    // `ü` is two bytes in UTF-8: the engine's byte offset must land on the editor's character.
    const bad = 'network where process.name == "ü" and\n  dns.question.name : ("a" and';
    await setEditorText(page, '#query-editor', bad);
    await page.waitForSelector('#query-status[data-state="error"]');
    const status = page.locator('#query-status');
    const expectedChar = bad.lastIndexOf('and');
    const expectedByte = Buffer.byteLength(bad.slice(0, expectedChar));
    assert.equal(await status.getAttribute('data-offset'), String(expectedByte));
    assert.equal(await status.getAttribute('data-line'), '2');
    assert.equal(await status.getAttribute('data-column'), String(expectedChar - bad.indexOf('\n')));
    assert.match(await status.textContent(), /line 2, column 28: expected `,` or `\)`, found `and`/);
    // The editor marks the same place: the range starts at the `a` of `and` on line 2.
    const mark = page.locator('#query-editor .cm-lintRange-error');
    await mark.first().waitFor();
    assert.equal(await mark.count(), 1);
    assert.equal(await mark.textContent(), 'a');
    const line = await mark.evaluate((el) => el.closest('.cm-line').textContent);
    assert.equal(line, '  dns.question.name : ("a" and');
    const before = await mark.evaluate((el) => {
      const lineEl = el.closest('.cm-line');
      const range = document.createRange();
      range.setStart(lineEl, 0);
      range.setEndBefore(el);
      return range.toString();
    });
    assert.equal(before, '  dns.question.name : ("a" ');
    await waitForBanner(page, 'no-rule');
    await screenshot(page, 'playground-parse-error');
    // Fixing it clears the error.
    await page.keyboard.press('End');
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.insertText(')');
    await page.waitForSelector('#query-status[data-state="ok"]');
    assert.equal(await page.locator('#query-editor .cm-lintRange-error').count(), 0);
    assertClean(log);
    await context.close();
  });

  test('presets teach the rule, and an event that is not JSON is marked', { timeout: 60000 }, async () => {
    const { page, log, context } = await openPlayground();
    const expectations = {
      'p:hit': 'alert',
      'p:browser': 'no-alert',
      'p:service-sid': 'no-alert',
      'p:dns-capitals': 'no-alert',
      'p:missing-user-id': 'alert',
      'p:dotted-keys': 'alert',
      'p:category-array': 'alert',
      'p:near-miss': 'no-alert',
    };
    for (const [preset, state] of Object.entries(expectations)) {
      await page.selectOption('#preset', preset);
      await waitForBanner(page, state);
    }
    await page.selectOption('#preset', 'p:missing-user-id');
    assert.match(await page.locator('#verdict .eil-missing').textContent(), /missing fields: user\.id/);
    await page.selectOption('#preset', 'p:dns-capitals');
    assert.match(await summary(page), /only the case differs/);
    // Break the JSON: no verdict, and the editor marks the error.
    await page.locator('#event-editor .cm-content').click();
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.press('Backspace');
    await waitForBanner(page, 'bad-event');
    await page.locator('#event-editor .cm-lintRange-error, #event-editor .cm-lintPoint-error').first().waitFor({ state: 'attached' });
    assert.equal(await page.locator('#event-editor .cm-lint-marker-error').count(), 1);
    assert.match(await page.locator('#event-status').textContent(), /^Not an event: /);
    await page.keyboard.insertText('}');
    await waitForBanner(page, 'no-alert');
    assertClean(log);
    await context.close();
  });

  test('switching the version changes the query, shows what changed, and the verdict follows', { timeout: 60000 }, async () => {
    const { page, log, context } = await openPlayground();
    // A Linux host: version 102 has no host.os.type test, 104 adds it.
    const event = JSON.parse(await eventText(page));
    event.host.os.type = 'linux';
    await setEditorText(page, '#event-editor', JSON.stringify(event, null, 2));
    await waitForBanner(page, 'alert');
    await page.selectOption('#version', '104');
    await waitForBanner(page, 'no-alert');
    assert.match(await queryText(page), /^network where host\.os\.type == "windows"/);
    assert.match(await page.locator('#version-changes').textContent(), /adds host\.os\.type == "windows"/);
    assert.match(await summary(page), /host\.os\.type/);
    await page.locator('#version-diff-box summary').click();
    assert.ok((await page.locator('#version-diff .add').count()) >= 1);
    assert.match(await page.locator('#version-diff .add').first().textContent(), /host\.os\.type == "windows"/);
    assert.equal(await page.locator('#verdict .eil-failed[data-field="host.os.type"]').count(), 1);

    await page.selectOption('#version', '108');
    assert.match(await queryText(page), /process\.code_signature\.trusted == true/);
    assert.match(await page.locator('#version-changes').textContent(), /building-block/);
    assert.match(await page.locator('#version-diff').textContent(), /building block/);
    await page.selectOption('#version', '4');
    assert.match(await page.locator('#version-diff').textContent(), /fron/);
    await waitForBanner(page, 'alert');
    await screenshot(page, 'playground-version-4');
    assertClean(log);
    await context.close();
  });

  test('list tuning edits the query text and the verdict', { timeout: 60000 }, async () => {
    const { page, log, context } = await openPlayground();
    await page.selectOption('#preset', 'p:near-miss');
    await waitForBanner(page, 'no-alert');
    await page.fill('#add-domain-input', '*ipify.org');
    await page.click('#add-domain button[type="submit"]');
    await waitForBanner(page, 'alert');
    assert.match(await queryText(page), /"\*ipstack\.com",\n {8}"\*ipify\.org"\n/);
    assert.equal(await page.locator('#domain-list .chip.added').textContent(), '*ipify.org×');
    // Remove it again with its chip, and exclude the executable instead.
    await page.locator('#domain-list .chip.added .chip-x').click();
    await waitForBanner(page, 'no-alert');
    assert.doesNotMatch(await queryText(page), /"\*ipify\.org"/);
    await page.selectOption('#preset', 'p:hit');
    await waitForBanner(page, 'alert');
    await page.fill('#add-exe-input', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    await page.click('#add-exe button[type="submit"]');
    await waitForBanner(page, 'no-alert');
    assert.match(await queryText(page), /"C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1\.0\\\\powershell\.exe"/);
    // A pack adds its domains.
    await page.locator('[data-pack="sigma-ip-lookup-apis"]').check();
    assert.match(await page.locator('#tuning-json').textContent(), /"packs": \[\s*"sigma-ip-lookup-apis"/);
    assertClean(log);
    await context.close();
  });

  test('an exception item suppresses a hit', { timeout: 60000 }, async () => {
    const { page, log, context } = await openPlayground();
    await waitForBanner(page, 'alert');
    await page.click('#add-item');
    const item = page.locator('#exception-items .item').first();
    await item.locator('.item-name').fill('Bob checks his IP');
    await item.locator('.entry-field').fill('user.name');
    await item.locator('.entry-value').fill('bob');
    await waitForBanner(page, 'suppressed');
    assert.match(await banner(page).textContent(), /SUPPRESSED by exception "Bob checks his IP"/);
    assert.equal(await page.locator('#verdict .eil-exceptions .eil-node').first().getAttribute('data-held'), 'true');
    // AND a second entry that does not hold: the item no longer applies.
    await item.locator('.add-entry').click();
    const second = item.locator('.entry').nth(1);
    await second.locator('.entry-field').fill('host.name');
    await second.locator('.entry-op').selectOption('is_one_of');
    await second.locator('.entry-value').fill('SRV-1\nSRV-2');
    await waitForBanner(page, 'alert');
    // "does not exist" on a field the event lacks holds again.
    await second.locator('.entry-op').selectOption('does_not_exist');
    await second.locator('.entry-field').fill('process.parent.executable');
    await waitForBanner(page, 'suppressed');
    assert.match(await page.locator('#exceptions-json').inputValue(), /"operator": "excluded",\s*"type": "exists"/);
    await screenshot(page, 'playground-exception');
    assertClean(log);
    await context.close();
  });

  test('a suggested exception silences the false positive and the sample true positives still fire', { timeout: 60000 }, async () => {
    const { page, log, context } = await openPlayground();
    await page.selectOption('#preset', 'p:false-positive');
    await waitForBanner(page, 'alert');
    await page.click('#suggest');
    await page.waitForSelector('#apply-suggestion');
    assert.match(await page.locator('.suggest-explanation').textContent(), /suppresses 1 false positive/);
    assert.match(await page.locator('.suggested-item').textContent(), /user\.name is "svc_inventory"/);
    const rows = page.locator('.tp-table tr');
    const n = await rows.count();
    assert.ok(n >= 5, `sample true positives listed (${n})`);
    for (let i = 0; i < n; i++) assert.equal(await rows.nth(i).locator('.tp-status').textContent(), 'still fires');
    await screenshot(page, 'playground-suggestion');
    await page.click('#apply-suggestion');
    await waitForBanner(page, 'suppressed');
    // The item is in the exceptions editor, in Elastic's terms.
    assert.equal(await page.locator('#exception-items .entry-field').first().inputValue(), 'user.name');
    // A true positive still fires with it.
    await page.selectOption('#preset', 'p:hit');
    await waitForBanner(page, 'alert');
    // A true positive as the "false positive": nothing can separate it from the samples.
    await page.selectOption('#preset', 's:0');
    await page.click('#suggest');
    await page.waitForSelector('.suggest-explanation.error');
    assertClean(log);
    await context.close();
  });

  test('a shared URL restores query, version, tuning, exceptions and event', { timeout: 60000 }, async () => {
    const { page, log, context } = await openPlayground();
    await page.selectOption('#version', '104');
    await page.fill('#add-domain-input', '*ident.me');
    await page.click('#add-domain button[type="submit"]');
    await page.click('#add-item');
    const item = page.locator('#exception-items .item').first();
    await item.locator('.entry-field').fill('host.name');
    await item.locator('.entry-op').selectOption('matches');
    await item.locator('.entry-value').fill('WS-*');
    const event = { event: { category: 'network', action: 'lookup_requested' }, network: { protocol: 'dns' }, host: { name: 'WS-9', os: { type: 'windows' } }, process: { name: 'curl.exe' }, dns: { question: { name: 'ident.me' } } };
    await setEditorText(page, '#event-editor', JSON.stringify(event, null, 2));
    await waitForBanner(page, 'suppressed');
    await page.waitForFunction(() => location.hash.length > 3 && location.hash.slice(1) === document.body.dataset.saved);
    await page.waitForTimeout(300); // the fragment is saved 150 ms after the last change
    const url = page.url();
    const q = await queryText(page);
    const e = await eventText(page);
    assert.match(url, /#s=[A-Za-z0-9_-]+$/);
    await context.close();

    const again = await openPlayground(url);
    const p2 = again.page;
    await waitForBanner(p2, 'suppressed');
    assert.equal(await p2.locator('#version').inputValue(), '104');
    assert.equal(await queryText(p2), q);
    assert.match(q, /"\*ident\.me"/);
    assert.equal(await eventText(p2), e);
    assert.equal(await p2.locator('#exception-items .entry-value').inputValue(), 'WS-*');
    assert.equal(await p2.locator('#exception-items .entry-op').inputValue(), 'matches');
    assert.equal(await p2.locator('#domain-list .chip.added').textContent(), '*ident.me×');
    assertClean(log);
    assertClean(again.log);
    await again.context.close();
  });
});

// End-to-end tests of the playground (www/index.html) in Debian's Chromium.
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

import { assertClean, linkState, openReady, screenshot, setEditorText, startBrowser } from './helpers.mjs';
import { PRESETS } from '../../www/src/presets.mjs';

const rules = createRequire(import.meta.url)('external-ip-lookup-rule');
const preset = (id) => PRESETS.find((p) => p.id === id).event;

let env;
before(async () => {
  env = await startBrowser();
});
after(async () => {
  await env?.close();
});

async function openPlayground(path = '') {
  const opened = await openReady(env, path);
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
    const event = {
      event: { category: 'network', action: 'lookup_requested' },
      network: { protocol: 'dns' },
      host: { name: 'WS-9', os: { type: 'windows' } },
      process: { name: 'curl.exe' },
      dns: { question: { name: 'ident.me' } },
    };
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

  test('switching version keeps an edited query as an entry of the version list', { timeout: 60000 }, async () => {
    const { page, log, context } = await openPlayground();
    const mine = 'network where dns.question.name : "*ipify.org" and process.name : "powershell.exe"';
    await setEditorText(page, '#query-editor', mine);
    await waitForBanner(page, 'alert');
    assert.equal(await page.locator('#version').inputValue(), 'edited');
    await page.selectOption('#version', '104');
    assert.match(await queryText(page), /^network where host\.os\.type == "windows"/);
    assert.match(await page.locator('#version-status').textContent(), /Your edited query is kept: choose "Kept edit 1"/);
    const kept = page.locator('#version option[value="draft:0"]');
    assert.match(await kept.textContent(), /^Kept edit 1 \(from 102\): network where dns\.question\.name/);
    // The kept edit is in the link too.
    await page.waitForFunction(() => location.hash.slice(1) === document.body.dataset.saved);
    await page.waitForTimeout(300);
    assert.deepEqual(linkState(page.url()).k, [{ v: '102', q: mine }]);
    // And back: the edit is the query again, on its version.
    await page.selectOption('#version', 'draft:0');
    assert.equal(await queryText(page), mine);
    assert.equal(await page.locator('#version').inputValue(), 'edited');
    assert.match(await page.locator('#rule-meta').textContent(), /Elastic Stack 8\.6/);
    assert.equal(await page.locator('#version option[value^="draft:"]').count(), 0);
    await waitForBanner(page, 'alert');
    assertClean(log);
    await context.close();
  });

  test('several events, as a JSON array or NDJSON, get a verdict each; the input shape is a choice', { timeout: 60000 }, async () => {
    const { page, log, context } = await openPlayground();
    await setEditorText(page, '#event-editor', JSON.stringify([preset('hit'), preset('browser'), preset('service-sid')], null, 2));
    await page.waitForSelector('#event-verdicts .event-pick');
    const picks = page.locator('#event-verdicts .event-pick');
    assert.equal(await picks.count(), 3);
    assert.deepEqual(await picks.evaluateAll((b) => b.map((x) => x.dataset.state)), ['alert', 'none', 'none']);
    assert.match(await page.locator('#event-verdicts p').textContent(), /^3 events: 1 alert\(s\), 0 suppressed, 2 no alert/);
    await picks.nth(1).click();
    await waitForBanner(page, 'no-alert');
    assert.match(await banner(page).textContent(), /^Event 2 of 3: NO ALERT/);
    assert.equal(await picks.nth(1).getAttribute('aria-pressed'), 'true');
    assert.match(await summary(page), /excluded/);
    // NDJSON, with a line that is not an event.
    const ndjson = [JSON.stringify(preset('browser')), JSON.stringify(preset('hit')), '{"oops": '].join('\n');
    await setEditorText(page, '#event-editor', ndjson);
    await page.waitForFunction(() => document.querySelectorAll('#event-verdicts .event-pick').length === 3);
    assert.deepEqual(await picks.evaluateAll((b) => b.map((x) => x.dataset.state)), ['none', 'alert', 'unknown']);
    assert.match(await page.locator('#event-status').textContent(), /3 events \(NDJSON\); 1 not an event: line 3: /);
    await page.locator('#event-editor .cm-lint-marker-error').first().waitFor();
    // Sysmon DNS records: read as ECS they miss the rule's fields; as Sysmon or auto they alert.
    const line = readFileSync(new URL('../cli/fixtures/sysmon-eid22.ndjson', import.meta.url), 'utf8')
      .split('\n')
      .find((l) => l.trim() && rules.compileRule({ input: 'auto' }).matches(l));
    await setEditorText(page, '#event-editor', JSON.stringify(JSON.parse(line), null, 2));
    await waitForBanner(page, 'no-alert');
    for (const [shape, state] of [
      ['sysmon', 'alert'],
      ['ecs', 'no-alert'],
      ['auto', 'alert'],
    ]) {
      await page.selectOption('#input-shape', shape);
      await waitForBanner(page, state);
    }
    await page.waitForFunction(() => location.hash.slice(1) === document.body.dataset.saved);
    await page.waitForTimeout(300);
    assert.equal(linkState(page.url()).i, 'auto');
    await screenshot(page, 'playground-several-events');
    assertClean(log);
    await context.close();
  });

  test('the editor completes field names and operators, and explains a clause on hover', { timeout: 60000 }, async () => {
    const { page, log, context } = await openPlayground();
    await waitForBanner(page, 'alert');
    await setEditorText(page, '#query-editor', 'network where ');
    await page.keyboard.type('dns.quest');
    const option = page.locator('#query-editor .cm-tooltip-autocomplete li', { hasText: 'dns.question.name' });
    await option.first().waitFor();
    // The engine's ECS field names, not only the rule's own.
    assert.ok(
      (await page.locator('#query-editor .cm-tooltip-autocomplete li', { hasText: 'dns.question.registered_domain' }).count()) === 1,
    );
    await page.waitForTimeout(150); // CodeMirror takes Enter only once the list has been shown a moment
    await page.keyboard.press('Enter');
    assert.equal(await queryText(page), 'network where dns.question.name');
    // After a field and a space: the operators, with what each does.
    await page.keyboard.type(' ');
    await page.keyboard.press('Control+Space');
    const ops = page.locator('#query-editor .cm-tooltip-autocomplete li');
    await ops.first().waitFor();
    await page.waitForTimeout(150);
    const labels = await ops.allTextContents();
    for (const op of [':', '==', 'not in', 'like~'])
      assert.ok(
        labels.some((l) => l.startsWith(op)),
        `${op} offered: ${labels.join(' | ')}`,
      );
    await page.keyboard.press('Escape');

    // Hover over the published query's `user.id not in (...)`: its result and what `not in` does.
    await page.click('#reset-query');
    await waitForBanner(page, 'alert');
    const at = await page.evaluate(() => {
      const root = document.querySelector('#query-editor').shadowRoot;
      const walker = document.createTreeWalker(root.querySelector('.cm-content'), NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const i = n.textContent.indexOf('user.id');
        if (i >= 0) {
          const r = document.createRange();
          r.setStart(n, i + 2);
          r.setEnd(n, i + 3);
          const b = r.getBoundingClientRect();
          return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
        }
      }
      return null;
    });
    await page.mouse.move(at.x - 6, at.y);
    await page.mouse.move(at.x, at.y, { steps: 3 });
    const tip = page.locator('#query-editor .cm-tooltip-hover .eql-help');
    await tip.waitFor();
    const text = await tip.textContent();
    assert.match(text, /^held user\.id not in \("S-1-5-19", "S-1-5-20"\) — not in the list/);
    assert.match(text, /values seen: S-1-5-21-/);
    assert.match(text, /None of the list: holds when no value is in the list, and when the field is missing/);
    await screenshot(page, 'playground-hover');
    assertClean(log);
    await context.close();
  });

  test('in an alert nothing reads failed: the `not` is tinted held and held negations say why', { timeout: 60000 }, async () => {
    const { page, log, context } = await openPlayground();
    await waitForBanner(page, 'alert');
    assert.equal(await page.locator('#query-editor .cm-clause-failed').count(), 0, 'no clause tinted red');
    const notRange = await page.locator('#query-editor .cm-clause-held', { hasText: 'not' }).allTextContents();
    assert.ok(
      notRange.some((t) => t.startsWith('not')),
      'the `not ...` clause is tinted held as a whole',
    );
    const heldKinds = await page.locator('#verdict .eil-held > .eil-line .eil-kind').allTextContents();
    assert.ok(!heldKinds.includes('no value matched'), `held clauses: ${heldKinds.join(', ')}`);
    assert.equal(await page.locator('#verdict .eil-node[data-op="not in"] > .eil-line .eil-kind').textContent(), 'not in the list');
    assert.equal(
      await page.locator('#verdict .eil-tree > .eil-node > ul > .eil-node[data-op="not"] > .eil-line .eil-kind').textContent(),
      'not in the list',
    );
    // A missing user.id: the exclusion holds because the field is absent.
    await page.selectOption('#preset', 'p:missing-user-id');
    await waitForBanner(page, 'alert');
    assert.equal(
      await page.locator('#verdict .eil-node[data-op="not in"] > .eil-line .eil-kind').textContent(),
      'field absent, so it holds',
    );
    // An excluded browser: now the `not` fails, tinted red, and its list entry is highlighted.
    await page.selectOption('#preset', 'p:browser');
    await waitForBanner(page, 'no-alert');
    assert.ok((await page.locator('#query-editor .cm-clause-failed').allTextContents()).some((t) => t.startsWith('not')));
    assert.equal(await page.locator('#query-editor .cm-matched-entry', { hasText: 'Program Files' }).count(), 1);
    assertClean(log);
    await context.close();
  });

  test('an unclosed list blames the missing `)`; unknown fields warn with the closest ECS field', { timeout: 60000 }, async () => {
    const { page, log, context } = await openPlayground();
    const unclosed = 'network where dns.question.name : ("*ipify.org", "*ident.me"';
    await setEditorText(page, '#query-editor', unclosed);
    await page.waitForSelector('#query-status[data-state="error"]');
    const status = page.locator('#query-status');
    assert.match(await status.textContent(), /missing `\)` to close the `\(`/);
    const message = await status.evaluate((el) =>
      [...el.childNodes]
        .filter((n) => n.nodeName !== 'PRE')
        .map((n) => n.textContent)
        .join(''),
    );
    assert.doesNotMatch(message, /ident\.me/, 'the valid second entry is not blamed');
    assert.match(message, /^Query error: line 1, column 61: /);
    assert.equal(await status.getAttribute('data-offset'), String(Buffer.byteLength(unclosed)), 'at the end, where the `)` is missing');
    await page.locator('#query-editor .cm-lintPoint-error, #query-editor .cm-lintRange-error').first().waitFor({ state: 'attached' });

    // A misspelt field in the query: a warning on the field itself, and a fix to apply.
    await setEditorText(page, '#query-editor', 'network where dns.question.nmae : "*ipify.org"');
    await page.waitForSelector('#query-status[data-state="ok"]');
    assert.match(
      await page.locator('#query-warnings').textContent(),
      /`dns\.question\.nmae` is not an ECS field.*the closest ECS field is `dns\.question\.name`/,
    );
    const range = page.locator('#query-editor .cm-lintRange-warning');
    await range.first().waitFor();
    assert.equal(await range.textContent(), 'dns.question.nmae');
    await range.hover();
    const fix = page.locator('#query-editor .cm-tooltip-lint .cm-diagnosticAction', { hasText: 'Use dns.question.name' });
    await fix.waitFor();
    await fix.click();
    assert.equal(await queryText(page), 'network where dns.question.name : "*ipify.org"');
    await page.waitForFunction(() => document.querySelectorAll('#query-warnings li').length === 0);

    // An exception on a misspelt field: the same warning, under the exceptions.
    await page.click('#reset-query');
    await page.click('#add-item');
    const item = page.locator('#exception-items .item').first();
    await item.locator('.item-name').fill('bob');
    await item.locator('.entry-field').fill('user.nmae');
    await item.locator('.entry-value').fill('bob');
    await page.waitForFunction(() => /user\.nmae/.test(document.querySelector('#exceptions-warnings').textContent));
    assert.match(
      await page.locator('#exceptions-warnings').textContent(),
      /exception "bob": `user\.nmae` is not an ECS field; the closest ECS field is `user\.name`/,
    );
    await waitForBanner(page, 'alert');
    assertClean(log);
    await context.close();
  });
});

// Both pages laid out for a phone (390 px) and a laptop (1440 px) in Debian's Chromium: no
// sideways scrolling, nothing sticking out of its card, the viewer's rows readable on a phone
// (each event on a few lines, not three cut-off columns), and screenshots at both widths.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { createRequire } from 'node:module';

import { assertClean, openReady, screenshot, startBrowser } from './helpers.mjs';
import { generateEvents } from '../../www/src/generate.mjs';

const rules = createRequire(import.meta.url)('external-ip-lookup-rule');

let env;
before(async () => {
  env = await startBrowser();
});
after(async () => {
  await env?.close();
});

const WIDTHS = [
  { name: 'phone', viewport: { width: 390, height: 844 } },
  { name: 'laptop', viewport: { width: 1440, height: 900 } },
];

/**
 * What sticks out: the page's sideways overflow, and every element whose right edge passes the
 * right edge of its card (elements inside their own scrolling box, such as the editors, excepted).
 */
async function overflow(page, boxes) {
  return page.evaluate((selector) => {
    const out = { page: document.documentElement.scrollWidth - document.documentElement.clientWidth, items: [] };
    for (const box of document.querySelectorAll(selector)) {
      if (!box.getClientRects().length) continue;
      const right = box.getBoundingClientRect().right;
      const walk = (el) => {
        for (const c of el.children) {
          const style = getComputedStyle(c);
          if (style.display === 'none' || c.closest('[hidden]')) continue;
          const r = c.getBoundingClientRect();
          if (r.width && r.right > right + 1)
            out.items.push(
              `${c.tagName.toLowerCase()}${c.id ? `#${c.id}` : ''}.${c.className} in ${box.id || box.className}: ${Math.round(r.right - right)} px`,
            );
          if (style.overflowX === 'visible') walk(c);
        }
      };
      walk(box);
    }
    return out;
  }, boxes);
}

describe('layout at 390 px and 1440 px', () => {
  for (const { name, viewport } of WIDTHS) {
    test(`playground, ${name} (${viewport.width} px): no sideways scroll, nothing outside its card`, { timeout: 60000 }, async () => {
      const { page, log, context } = await openReady(env, '', { viewport });
      // Version 108: its samples' long labels made the preset select wider than its card.
      await page.selectOption('#version', '108');
      await page.click('#add-item');
      await page.waitForSelector('#exception-items .item');
      const o = await overflow(page, '.card, .top');
      assert.equal(o.page, 0, 'the page does not scroll sideways');
      assert.deepEqual(o.items, [], 'everything inside its card');
      const preset = await page.evaluate(() => [
        document.querySelector('#preset').getBoundingClientRect().right,
        document.querySelector('#preset').closest('.card').getBoundingClientRect().right,
      ]);
      assert.ok(preset[0] <= preset[1], `the preset select ends at ${preset[0]}, its card at ${preset[1]}`);
      if (name === 'phone') {
        // One column: the event card below the rule's.
        const [q, e] = await page.evaluate(() =>
          ['#query-editor', '#event-editor'].map((s) => document.querySelector(s).getBoundingClientRect().left),
        );
        assert.equal(Math.round(q), Math.round(e), 'the cards stack');
      }
      await page.evaluate(() => window.scrollTo(0, 0));
      await screenshot(page, `playground-${name}`, { doc: name === 'phone' ? 'playground-phone' : false });
      assertClean(log);
      await context.close();
    });

    test(`viewer, ${name} (${viewport.width} px): no sideways scroll, every event readable`, { timeout: 60000 }, async () => {
      const { page, log, context } = await openReady(env, 'viewer.html', { viewport });
      await page.click('#generate');
      await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
      const o = await overflow(page, '.top, .drop, .rule-bar, .table-tools, .counts');
      assert.equal(o.page, 0, 'the page does not scroll sideways');
      assert.deepEqual(o.items, [], 'nothing sticks out');
      const table = await page.evaluate(() => {
        const log = document.querySelector('#log');
        const row = document.querySelector('#log-body [data-line="1"]');
        const box = (s) => row.querySelector(s).getBoundingClientRect();
        return {
          sideways: log.scrollWidth - log.clientWidth,
          shown: [...row.children]
            .filter((c) => c.getClientRects().length && getComputedStyle(c).display !== 'none')
            .map((c) => c.className.replace('cell ', '')),
          proc: box('.col-proc'),
          dns: box('.col-dns'),
          rowRight: row.getBoundingClientRect().right,
          logRight: log.getBoundingClientRect().right,
        };
      });
      if (name === 'phone') {
        assert.equal(table.sideways, 0, 'the table does not scroll sideways either');
        assert.ok(table.dns.top > table.proc.top, 'the domain under the program: an event on several lines');
        for (const c of ['col-n', 'col-proc', 'col-dns', 'col-ts', 'col-user']) assert.ok(table.shown.includes(c), `${c} is shown`);
        assert.ok(table.proc.right <= table.logRight + 1 && table.dns.right <= table.logRight + 1);
      } else {
        assert.deepEqual(table.shown, ['col-n', 'col-ts', 'col-host', 'col-user', 'col-act', 'col-proc', 'col-dns'], 'every column');
        assert.equal(table.sideways, 0, 'all columns fit');
        assert.equal(Math.round(table.dns.top), Math.round(table.proc.top), 'one line an event');
      }
      // The counts and the table in view, with an alert among the rows.
      const rule = rules.compileRule({});
      const firstAlert = generateEvents(10000, 42, { hostileEvery: 997 }).findIndex((e) => rule.matches(e));
      await page.locator('#log').evaluate((box, at) => {
        const row = box.querySelector('#log-body [data-line]');
        box.scrollTop = Math.max(0, at - 2) * row.offsetHeight;
      }, firstAlert);
      await page.waitForSelector('#log-body .eil-alert');
      await page.locator('#counts').evaluate((c) => c.scrollIntoView({ block: 'start' }));
      await screenshot(page, `viewer-${name}`, { doc: name === 'phone' ? 'viewer-phone' : false });
      assertClean(log);
      await context.close();
    });
  }
});

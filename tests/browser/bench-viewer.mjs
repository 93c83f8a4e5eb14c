// Benchmark (not a test: it asserts nothing, it prints figures): the log-viewer demo with a
// 100,000-event NDJSON file in Debian's Chromium. Prints the time from choosing the file to the
// first rows on screen and to the end of the scan, the frame times while scrolling the table,
// the layout and script time per frame (CDP Performance.getMetrics), and the memory the file
// costs the renderer (JS heap from CDP, the renderer's resident memory from /proc) against the
// file's size.
//
//   npm run build:www && node tests/browser/bench-viewer.mjs [events]
//   WWW_ROOT=/path/to/another/checkout/www node tests/browser/bench-viewer.mjs
//     (compares another build, served by that checkout's own scripts/serve.mjs)
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS, preflight } from './helpers.mjs';
import { generateEvents, toNdjson } from '../../www/src/generate.mjs';

const EVENTS = Number(process.argv[2] ?? 100000);
const SCROLL_FRAMES = 240;

/** Resident and proportional memory (bytes) of each Chromium renderer this process started. */
function rendererMemory() {
  const parent = new Map();
  const cmd = new Map();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(pid, st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      cmd.set(pid, readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      // gone
    }
  }
  const mine = (pid) => {
    for (let p = pid, i = 0; p && p !== '0' && i < 20; p = parent.get(p), i++) if (p === String(process.pid)) return true;
    return false;
  };
  const out = [];
  for (const [pid, c] of cmd) {
    if (!c.includes('--type=renderer') || !mine(pid)) continue;
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0) * 1024;
      out.push({ pid, rss: kb('Rss'), pss: kb('Pss') });
    } catch {
      // gone
    }
  }
  return out.sort((a, b) => b.rss - a.rss);
}

const mb = (b) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function metrics(cdp) {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

async function main() {
  const root = process.env.WWW_ROOT;
  if (!root) await preflight();
  const dir = await mkdtemp(join(tmpdir(), 'eil-bench-'));
  const file = join(dir, `events-${EVENTS}.ndjson`);
  await writeFile(file, toNdjson(generateEvents(EVENTS, 7)));
  const size = (await stat(file)).size;
  const serve = root ? pathToFileURL(join(root, '..', 'scripts', 'serve.mjs')).href : '../../scripts/serve.mjs';
  const { startServer } = await import(serve);
  const server = await startServer({ port: 0, ...(root ? { root } : {}) });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(`${server.url}viewer.html`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
    await cdp.send('HeapProfiler.collectGarbage');
    const before = { heap: (await metrics(cdp)).JSHeapUsedSize, renderer: rendererMemory()[0] };

    // Time to first rows: from the file input's change event to the first frame with a row.
    await page.evaluate(() => {
      window.__bench = {};
      document.querySelector('#file').addEventListener(
        'change',
        () => {
          const t0 = performance.now();
          window.__bench.chosen = t0;
          const poll = () => {
            if (document.querySelector('#log-body [data-line]')) window.__bench.firstRows = performance.now() - t0;
            else requestAnimationFrame(poll);
          };
          requestAnimationFrame(poll);
        },
        { capture: true },
      );
    });
    await page.setInputFiles('#file', file);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 120000 });
    const firstRows = await page.evaluate(() => window.__bench.firstRows);
    const scanned = await page.evaluate(() => performance.now() - window.__bench.chosen);
    const events = Number(await page.locator('#counts').getAttribute('data-events'));

    await page.waitForTimeout(500);
    const results = [];
    await cdp.send('HeapProfiler.collectGarbage');
    const after = { heap: (await metrics(cdp)).JSHeapUsedSize, renderer: rendererMemory()[0] };

    // Scrolling: a steady scroll of a few rows a frame, then long jumps, timing every frame;
    // once at full speed and once with the CPU slowed 4 times (a modest laptop on battery).
    for (const rate of [1, 4]) {
      await cdp.send('Emulation.setCPUThrottlingRate', { rate });
      await page.evaluate(() => (document.querySelector('#log').scrollTop = 0));
      await page.waitForTimeout(200);
      const m0 = await metrics(cdp);
      const frames = await page.evaluate(async (n) => {
        const box = document.querySelector('#log');
        const gaps = [];
        let last = await new Promise((r) => requestAnimationFrame(r));
        for (let i = 0; i < n; i++) {
          box.scrollTop += i < n / 2 ? 90 : (box.scrollHeight / n) * 0.9;
          const t = await new Promise((r) => requestAnimationFrame(r));
          gaps.push(t - last);
          last = t;
        }
        return gaps;
      }, SCROLL_FRAMES);
      const m1 = await metrics(cdp);
      const per = (k) => ((m1[k] - m0[k]) * 1000) / SCROLL_FRAMES;
      const steady = frames.slice(5, SCROLL_FRAMES / 2);
      const jumps = frames.slice(SCROLL_FRAMES / 2);
      const line = (label, xs) =>
        `median ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms (${xs.filter((x) => x > 17.5).length} of ${xs.length} frames over 16.7 ms)`;
      results.push(`  scrolling, CPU ${rate}x, 90 px a frame: ${line('steady', steady)}`);
      results.push(`  scrolling, CPU ${rate}x, long jumps:    ${line('jumps', jumps)}`);
      results.push(
        `  per frame (CDP), CPU ${rate}x: layout ${per('LayoutDuration').toFixed(2)} ms, style ${per('RecalcStyleDuration').toFixed(2)} ms, script ${per('ScriptDuration').toFixed(2)} ms, ${((m1.LayoutCount - m0.LayoutCount) / SCROLL_FRAMES).toFixed(2)} layouts`,
      );
    }
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });

    console.log(`viewer benchmark: ${events.toLocaleString('en')} events, ${mb(size)} NDJSON, Chromium ${browser.version()}`);
    console.log(`  first rows on screen:   ${Math.round(firstRows)} ms after choosing the file`);
    console.log(`  whole file evaluated:   ${Math.round(scanned)} ms`);
    for (const r of results) console.log(r);
    const heap = after.heap - before.heap;
    console.log(
      `  JS heap (page):   ${mb(before.heap)} before, ${mb(after.heap)} after: +${mb(heap)} = ${(heap / size).toFixed(2)}x the file`,
    );
    if (before.renderer && after.renderer) {
      const rss = after.renderer.rss - before.renderer.rss;
      const pss = after.renderer.pss - before.renderer.pss;
      console.log(
        `  renderer (RSS):   ${mb(before.renderer.rss)} before, ${mb(after.renderer.rss)} after: +${mb(rss)} = ${(rss / size).toFixed(2)}x the file (PSS +${mb(pss)}); ${mb(after.renderer.rss)} in all = ${(after.renderer.rss / size).toFixed(2)}x`,
      );
    }
    await context.close();
  } finally {
    await browser.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();

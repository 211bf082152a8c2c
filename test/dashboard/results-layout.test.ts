import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../../bench/live/live-server.js';
import { runBench } from '../../bench/run.js';
import type { BenchResult, ProgressEvent } from '../../bench/report/types.js';
import type { WirelabServer } from '../../servers/app.js';
import { SHORT } from '../bench/report/helpers.js';
import { builtDashboard, launchBrowser, newPage, REPO, screenshot, startFeedServer } from './helpers.js';

/** Every protocol, a short run each (no autocannon), its files written to the results folder. */
const RUN = { ...SHORT, writeFiles: true };

const scrollWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

/** Tick labels like `200kB`: each a whole number of its (SI) unit, evenly stepped from 0. */
function expectRoundByteTicks(labels: string[]): void {
  expect(labels.length).toBeGreaterThanOrEqual(2);
  const values = labels.map((label) => {
    const match = /^(\d+(?:\.\d+)?)(B|kB|MB|GB)$/.exec(label);
    expect(match, label).not.toBeNull();
    const number = Number(match![1]);
    expect(Number.isInteger(number), `${label} is a round number of its unit`).toBe(true);
    return Math.round(number * { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[match![2] as 'B']);
  });
  expect(values[0]).toBe(0);
  const step = values[1]! - values[0]!;
  for (let i = 1; i < values.length; i++) expect(values[i]! - values[i - 1]!).toBe(step);
}

describe('results and live views as a newcomer meets them', () => {
  let browser: Browser;
  let dashboardDir: string;
  let resultsDir: string;
  /** The older run: the network left alone. Its progress events are kept to replay into a live server. */
  let older: BenchResult;
  let olderEvents: ProgressEvent[];
  /** The newer run: 20 ms added each way, so latency is worse. */
  let newer: BenchResult;
  let feed: { server: WirelabServer; url: string };

  beforeAll(async () => {
    [dashboardDir, browser] = await Promise.all([builtDashboard(), launchBrowser()]);
    resultsDir = await mkdtemp(path.join(tmpdir(), 'wirelab-dash-layout-'));
    olderEvents = [];
    older = await runBench({ ...RUN, outDir: resultsDir }, { onProgress: (event) => olderEvents.push(event) });
    newer = await runBench({ ...RUN, outDir: resultsDir, network: { latencyMs: 20 } });
    feed = await startFeedServer({ dashboardDir, resultsDir });
  }, 150_000);

  afterAll(async () => {
    await feed?.server.close();
    await browser?.close();
    if (resultsDir !== undefined) await rm(resultsDir, { recursive: true, force: true });
  });

  it('reads a change from the older run to the newer, whatever order the runs are opened in', async () => {
    for (const order of [`${newer.id},${older.id}`, `${older.id},${newer.id}`]) {
      const { page, errors } = await newPage(browser, { width: 1400, height: 900 });
      try {
        await page.goto(`${feed.url}/#results/${order}`);
        const delta = await page.waitForSelector('[data-testid="delta-panel"]');
        expect(await delta.getAttribute('data-base')).toBe(older.id);
        expect(await delta.getAttribute('data-other')).toBe(newer.id);
        expect(await delta.$eval('h3', (n) => n.textContent)).toBe(`Change, older → newer: ${newer.id} against ${older.id} (Δ %)`);
        // The panels are in time order too.
        expect(await page.$$eval('[data-testid="run-panel"]', (panels) => panels.map((p) => p.getAttribute('data-run-id')))).toEqual([
          older.id,
          newer.id,
        ]);
        // 20 ms more each way: worse latency for every push protocol, never green.
        for (const protocol of ['ws', 'sse', 'long-poll']) {
          const cell = await delta.$(`tr[data-metric="latency.p50"] td[data-protocol="${protocol}"]`);
          expect(await cell!.getAttribute('data-verdict'), protocol).toBe('worse');
          expect(await cell!.getAttribute('class')).toContain('spread-unknown');
        }
        expect(await delta.$eval('[data-testid="settings-differ"]', (n) => n.textContent)).toContain('network none → +20ms one-way');
        expect(await delta.$eval('.chart-help', (n) => n.textContent)).toContain('the spread is unknown');
        expect(errors).toEqual([]);
      } finally {
        await page.context().close();
      }
    }
  }, 60_000);

  it('at 1280 px the compare view shows every protocol column of every table', async () => {
    const { page, errors } = await newPage(browser, { width: 1280, height: 900 });
    try {
      await page.goto(`${feed.url}/#results/${older.id},${newer.id}`);
      await page.waitForSelector('[data-testid="delta-panel"]');
      await page.waitForSelector('[data-testid="chart-percentiles"] canvas');
      expect(await scrollWidth(page)).toBeLessThanOrEqual(1280);
      const clipped = await page.evaluate(() =>
        [...document.querySelectorAll('.run-panel .metrics-table, .delta-panel .metrics-table')].flatMap((table) => {
          const box = table.closest('.table-scroll')!.getBoundingClientRect();
          const headers = [...table.querySelectorAll('thead th')];
          return headers.filter((th) => th.getBoundingClientRect().right > box.right + 0.5).map((th) => th.textContent);
        }),
      );
      expect(clipped).toEqual([]);
      // …and every figure on one line, not broken into "13.9" over "ms" to squeeze a column in.
      const wrapped = await page.evaluate(
        () =>
          [...document.querySelectorAll('.run-panel .metrics-table td.num')].filter((td) => {
            const range = document.createRange();
            range.selectNodeContents(td);
            return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size > 1;
          }).length,
      );
      expect(wrapped).toBe(0);
      const columns = await page.$$eval('.delta-panel thead th', (cells) => cells.map((c) => c.textContent));
      expect(columns).toEqual(['Metric', 'WebSocket', 'SSE', 'Long polling', 'Short polling']);
      await screenshot(page, 'results-compare-1280');
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it('no results view overflows at 390 px', async () => {
    const { page, errors } = await newPage(browser, { width: 390, height: 900 });
    try {
      await page.goto(`${feed.url}/#results`);
      await page.waitForSelector(`tr[data-run-id="${older.id}"]`);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
      await screenshot(page, 'results-list-390');
      await page.goto(`${feed.url}/#results/${older.id}`);
      await page.waitForSelector('[data-testid="chart-percentiles"] canvas');
      expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
      await screenshot(page, 'results-one-run-390');
      await page.goto(`${feed.url}/#results/${older.id},${newer.id}`);
      await page.waitForSelector('[data-testid="delta-panel"]');
      expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
      // A table wider than the phone scrolls inside its own box, its metric names staying in view.
      const sticky = await page.$eval('.delta-panel tbody th', (th) => getComputedStyle(th).position);
      expect(sticky).toBe('sticky');
      await screenshot(page, 'results-compare-390');
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it('byte axes tick at round kB/MB, and the requests-per-event help says why a WebSocket shows 0', async () => {
    const { page, errors } = await newPage(browser, { width: 1400, height: 900 });
    try {
      await page.goto(`${feed.url}/#results/${older.id}`);
      for (const chart of ['bytes-per-event', 'server-rss']) {
        await page.waitForSelector(`[data-testid="chart-${chart}"] canvas[data-y-ticks]`);
        expectRoundByteTicks((await page.getAttribute(`[data-testid="chart-${chart}"] canvas`, 'data-y-ticks'))!.split('|'));
      }
      // The upgrade comes before the window: the figure is 0, and the help says so instead of promising 1.
      const ws = older.protocols.find((p) => p.protocol === 'ws')!;
      expect(ws.bandwidth.requestsPerEvent).toBe(0);
      const cells = await page.$$eval('[data-testid="metrics-table"] tr[data-metric="bandwidth.requestsPerEvent"] td', (tds) =>
        tds.map((td) => td.textContent),
      );
      expect(cells[0]).toBe('0');
      const help = await page.textContent('[data-testid="chart-requests-per-event"] .chart-help');
      expect(help).toContain('before the window, so they show 0');
      expect(help).not.toMatch(/makes one\b/);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it('docs/dashboard.md names the buttons the page shows', async () => {
    const docs = await readFile(path.join(REPO, 'docs', 'dashboard.md'), 'utf8');
    const { page } = await newPage(browser, { width: 1400, height: 900 });
    try {
      await page.goto(`${feed.url}/#results`);
      await page.waitForSelector(`tr[data-run-id="${older.id}"]`);
      const idle = await page.textContent('[data-testid="open-selected"]');
      await page.check(`tr[data-run-id="${older.id}"] input[type="checkbox"]`);
      const one = await page.textContent('[data-testid="open-selected"]');
      await page.check(`tr[data-run-id="${newer.id}"] input[type="checkbox"]`);
      const two = await page.textContent('[data-testid="open-selected"]');
      expect([idle, one, two]).toEqual(['Open selected', 'Open selected', 'Compare selected (2)']);
      expect(docs).toContain('**Open selected**');
      expect(docs).toContain('**Compare selected (N)**');
      expect(docs).not.toMatch(/press \*\*Compare selected\*\*/);
    } finally {
      await page.context().close();
    }
  });

  describe('the live view of a finished run', () => {
    let live: LiveServer;

    beforeAll(async () => {
      live = await startLiveServer({ resultsDir, dashboardDir });
    });
    afterAll(async () => {
      await live?.close();
    });

    it('waits for the first second, ticks round, fits 390 px, and after the run clears the strip, drops the dead link and draws no storm', async () => {
      const { page, errors } = await newPage(browser, { width: 390, height: 900 });
      try {
        await page.goto(`${live.url}#live`);
        await page.waitForSelector('body[data-ready="true"][data-view="live"]');
        // The run's real events, replayed: first only its start.
        const [start, ...rest] = olderEvents;
        expect(start?.type).toBe('start');
        live.publish(start!);
        await page.waitForSelector('[data-testid="live-status"][data-state="starting"]');
        await page.waitForSelector('[data-testid="live-chart-bytes"][data-state="waiting"] [data-testid="chart-waiting"]:visible');
        expect(await page.textContent('[data-testid="live-chart-bytes"] [data-testid="chart-waiting"]')).toBe(
          'Waiting for the first second…',
        );
        expect(await page.isVisible('[data-testid="live-chart-bytes"] canvas')).toBe(false);
        await screenshot(page, 'live-waiting-390');

        const firstDone = rest.findIndex((event) => event.type === 'protocol-done');
        for (const event of rest.slice(0, firstDone)) live.publish(event);
        await page.waitForSelector('[data-testid="live-chart-bytes"][data-state="drawn"] canvas[data-y-ticks]');
        await page.waitForSelector('[data-testid="live-status"][data-state="running"]');
        expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
        await screenshot(page, 'live-running-390');

        for (const event of rest.slice(firstDone)) live.publish(event);
        await page.waitForSelector('[data-testid="live-status"][data-state="done"]');
        expect(await page.isHidden('[data-testid="live-now"]')).toBe(true);
        // A broadcast run: long polling's ordinary requests are not a reconnect storm.
        expect(await page.isHidden('[data-testid="live-chart-storm"]')).toBe(true);
        expectRoundByteTicks(
          (await page.getAttribute('[data-testid="live-chart-bytes"] canvas', 'data-y-ticks'))!
            .split('|')
            .map((label) => label.replace(/\/s$/, '')),
        );
        // While the live server is there, the result is one click away.
        await page.click('[data-testid="open-result"]');
        await page.waitForSelector(`[data-testid="run-panel"][data-run-id="${older.id}"]`);
        await page.goto(`${live.url}#live`);
        await page.waitForSelector('[data-testid="live-status"][data-state="done"]');
        expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
        await screenshot(page, 'live-done-390');

        await live.close();
        await page.waitForSelector('[data-testid="result-saved"]');
        expect(await page.textContent('[data-testid="result-saved"]')).toContain(`${older.id}.json`);
        expect(await page.$('[data-testid="open-result"]')).toBeNull();
        await page.waitForSelector('[data-testid="server-note"][data-state="down"]');
        expect(await page.textContent('[data-testid="server-note"]')).toBe('live server closed');
        await screenshot(page, 'live-after-server-closed-390');
        expect(errors).toEqual([]);
      } finally {
        await page.context().close();
      }
    }, 60_000);
  });
});

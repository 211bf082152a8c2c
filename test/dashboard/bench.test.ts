import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTable } from '../../bench/cli/print.js';
import { CSV_COLUMNS } from '../../bench/report/csv.js';
import { formatMetric } from '../../bench/report/format.js';
import { findMetric } from '../../bench/report/metrics.js';
import { startLiveServer, type LiveServer } from '../../bench/live/live-server.js';
import { runBench } from '../../bench/run.js';
import type { BenchResult } from '../../bench/report/types.js';
import type { WirelabServer } from '../../servers/app.js';
import { builtDashboard, elementShot, launchBrowser, newPage, screenshot, startFeedServer } from './helpers.js';

/** A short real bench: every protocol, a few clients, about a second of measuring each. */
const SHORT_RUN = {
  clients: 10,
  durationMs: 1500,
  warmupMs: 300,
  idleMs: 500,
  longPollTimeoutMs: 1000,
  capacityDurationMs: 500,
  rate: 20,
  workers: 1,
} as const;

/**
 * `onFiles` is passed only because bench/run.ts calls `hooks.onFiles?.(await writeResultFiles(…))`:
 * without the hook, optional chaining skips the write too (reported).
 */
const writeFiles = { onFiles: () => undefined };

const liveTicks = (page: Page) => page.evaluate(() => window.__wirelabLive?.ticks ?? 0);

describe('live view and results view against a real short bench', () => {
  let browser: Browser;
  let dashboardDir: string;
  let resultsDir: string;
  let live: LiveServer;
  let first: BenchResult;
  let second: BenchResult;

  beforeAll(async () => {
    [dashboardDir, browser] = await Promise.all([builtDashboard(), launchBrowser()]);
    resultsDir = await mkdtemp(path.join(tmpdir(), 'wirelab-dash-results-'));
    live = await startLiveServer({ resultsDir, dashboardDir });
  }, 120_000);

  afterAll(async () => {
    await live?.close();
    await browser?.close();
    if (resultsDir !== undefined) await rm(resultsDir, { recursive: true, force: true });
  });

  it('the live view draws a running bench, also on a page opened mid-run', async () => {
    const { page, errors } = await newPage(browser);
    const late = await newPage(browser);
    try {
      await page.goto(live.url);
      // Served by the live server, the page opens on the live view.
      await page.waitForSelector('body[data-ready="true"][data-view="live"]');
      await page.waitForFunction(() =>
        document.querySelector('[data-testid="live-status"]')?.textContent?.includes('Waiting for a bench run'),
      );

      const running = runBench({ ...SHORT_RUN, outDir: resultsDir }, { ...writeFiles, onProgress: (event) => live.publish(event) });
      await page.waitForFunction(() => (window.__wirelabLive?.ticks ?? 0) >= 3, undefined, { timeout: 30_000 });
      await page.waitForSelector('[data-testid="live-status"][data-state="running"]');
      expect(await page.textContent('[data-testid="live-status"]')).toMatch(/Run \S+.*phase: \w+/);
      // The "now" strip shows figures with units once a tick has been drawn.
      await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid="now-connected"]')?.textContent ?? ''));
      await screenshot(page, 'live-running');

      // A page opened now catches up with the run so far.
      const ticksSoFar = await liveTicks(page);
      await late.page.goto(`${live.url}#live`);
      await late.page.waitForFunction((n) => (window.__wirelabLive?.ticks ?? 0) >= n, ticksSoFar);
      // …and draws it at once, without waiting for the next tick.
      await late.page.waitForFunction(
        () => /\d/.test(document.querySelector('[data-testid="now-connected"]')?.textContent ?? ''),
        undefined,
        { timeout: 2000 },
      );
      expect(await late.page.evaluate(() => window.__wirelabLive?.runId)).toBe(await page.evaluate(() => window.__wirelabLive?.runId));
      await screenshot(late.page, 'live-opened-mid-run');

      first = await running;
      await page.waitForSelector('[data-testid="live-status"][data-state="done"]');
      await page.waitForFunction(
        (n) => document.querySelectorAll('[data-testid="live-done"] tbody tr').length === n,
        first.protocols.length,
      );
      // Each chart has one line (or two) per protocol that ran.
      const datasets = await page.evaluate(() => document.querySelectorAll('[data-testid^="live-chart-"] canvas').length);
      expect(datasets).toBe(8);
      await screenshot(page, 'live-done');
      await elementShot(page, '[data-testid="live-chart-latency"]', 'live-done-latency-chart');
      expect(errors).toEqual([]);
      expect(late.errors).toEqual([]);
    } finally {
      await page.context().close();
      await late.page.context().close();
    }
  }, 120_000);

  describe('results view', () => {
    let server: WirelabServer;
    let url: string;

    beforeAll(async () => {
      // A second, smaller real run to compare against.
      second ??= await runBench({ ...SHORT_RUN, protocols: ['ws', 'sse'], clients: 20, outDir: resultsDir }, writeFiles);
      ({ server, url } = await startFeedServer({ dashboardDir, resultsDir }));
    }, 90_000);

    afterAll(async () => {
      await server?.close();
    });

    it("lists the runs, opens one with its table and charts, and Export CSV downloads the CLI's CSV", async () => {
      expect(first).toBeDefined();
      const { page, errors } = await newPage(browser);
      try {
        await page.goto(`${url}/#results`);
        await page.waitForSelector(`[data-testid="run-list"] tr[data-run-id="${first.id}"]`);
        await page.waitForSelector(`[data-testid="run-list"] tr[data-run-id="${second.id}"]`);
        await screenshot(page, 'results-list');
        await page.click(`tr[data-run-id="${first.id}"] [data-testid="run-link"]`);
        const panel = await page.waitForSelector(`[data-testid="run-panel"][data-run-id="${first.id}"]`);
        // One column per protocol, every figure with a value or a dash.
        const headers = await panel.$$eval('[data-testid="metrics-table"] thead th', (cells) => cells.map((c) => c.textContent));
        expect(headers).toEqual(['Metric', 'WebSocket', 'SSE', 'Long polling', 'Short polling']);
        // The terminal and the results view write the same figure the same way (bench/report/format.ts).
        const row = (metric: string) =>
          panel.$eval(`tr[data-metric="${metric}"]`, (tr) => [...tr.querySelectorAll('td')].map((c) => c.textContent));
        const terminal = formatTable(first);
        for (const key of ['latency.p50', 'server.rss', 'bandwidth.bytesPerEvent']) {
          const metric = findMetric(key)!;
          const cells = await row(key);
          expect(cells).toEqual(first.protocols.map((p) => formatMetric(metric.get(p), metric.unit)));
          expect(terminal).toMatch(
            new RegExp(`${metric.label}\\s+${cells.map((cell) => cell!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+')}`),
          );
        }
        for (const cell of await row('latency.p50')) expect(cell).toMatch(/^[\d.]+(µs|ms|s)$/);
        // The percentile chart is drawn from the stored HDR histograms, decoded in the browser.
        await page.waitForSelector('[data-testid="chart-percentiles"][data-source="histogram"]');
        await page.waitForSelector('[data-testid="chart-bytes-per-event"] canvas');
        await screenshot(page, 'results-one-run');
        await elementShot(page, '[data-testid="chart-percentiles"]', 'results-percentile-chart');

        const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-csv"]')]);
        expect(download.suggestedFilename()).toBe(`${first.id}.csv`);
        const file = await download.path();
        const exported = await readFile(file, 'utf8');
        expect(exported.split('\n')[0]).toBe(CSV_COLUMNS.join(','));
        expect(exported.split('\n')[0]).toMatch(/^run_id,started_at,protocol,/);
        expect(exported).toBe(await readFile(path.join(resultsDir, `${first.id}.csv`), 'utf8'));
        expect(errors).toEqual([]);
      } finally {
        await page.context().close();
      }
    }, 60_000);

    it('compares two runs side by side with the change per metric', async () => {
      const { page, errors } = await newPage(browser);
      try {
        await page.goto(`${url}/#results`);
        await page.check(`tr[data-run-id="${first.id}"] input[type="checkbox"]`);
        await page.check(`tr[data-run-id="${second.id}"] input[type="checkbox"]`);
        expect(await page.textContent('[data-testid="open-selected"]')).toBe('Compare selected (2)');
        await page.click('[data-testid="open-selected"]');
        await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-panel"]').length === 2);
        const delta = await page.waitForSelector('[data-testid="delta-panel"]');
        // Only the protocols both runs measured are compared.
        const columns = await delta.$$eval('thead th', (cells) => cells.map((c) => c.textContent));
        expect(columns.slice(1).sort()).toEqual(['SSE', 'WebSocket']);
        const cells = await delta.$$eval('[data-testid="delta"]', (spans) => spans.map((s) => s.textContent ?? ''));
        expect(cells.length).toBeGreaterThan(10);
        for (const cell of cells) expect(cell).toMatch(/^([+−][\d,]+(\.\d)?%\??|±0%|from 0\??|–)$/);
        expect(cells.some((c) => /^[+−]/.test(c))).toBe(true);
        // The second run had twice the clients: the comparison says so.
        expect(await delta.$eval('[data-testid="settings-differ"]', (n) => n.textContent)).toContain('clients 10 → 20');
        await screenshot(page, 'results-compare');
        await elementShot(page, '[data-testid="delta-panel"]', 'results-compare-delta');
        expect(errors).toEqual([]);
      } finally {
        await page.context().close();
      }
    }, 60_000);

    it('shows a clear state when the server is gone', async () => {
      const { page } = await newPage(browser);
      try {
        await page.goto(`${url}/#results`);
        await page.waitForSelector('[data-testid="run-list"] table');
        await server.close();
        await page.click('[data-testid="refresh"]');
        await page.waitForSelector('[data-testid="results-error"]');
        expect(await page.textContent('[data-testid="results-error"]')).toMatch(/does not answer/);
        await screenshot(page, 'results-server-down');
      } finally {
        await page.context().close();
      }
    }, 30_000);
  });
});

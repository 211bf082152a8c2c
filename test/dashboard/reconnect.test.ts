import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../../bench/live/live-server.js';
import { runBench } from '../../bench/run.js';
import type { BenchResult } from '../../bench/report/types.js';
import { formatCount, formatMicros } from '../../bench/report/format.js';
import type { WirelabServer } from '../../servers/app.js';
import { builtDashboard, elementShot, launchBrowser, newPage, screenshot, startFeedServer } from './helpers.js';

/** A short real reconnect run: two protocols, five clients, two drops in a 3 s window. */
const RECONNECT_RUN = {
  scenario: 'reconnect',
  protocols: ['ws', 'sse'],
  clients: 5,
  durationMs: 3000,
  warmupMs: 300,
  rate: 20,
  workers: 1,
  dropAtMs: [1000, 2000],
  reconnect: { initialDelayMs: 300, maxDelayMs: 1000 },
} as const;

describe('reconnect timeline against a real reconnect bench', () => {
  let browser: Browser;
  let dashboardDir: string;
  let resultsDir: string;
  let live: LiveServer;
  let feed: { server: WirelabServer; url: string } | undefined;
  let result: BenchResult;

  beforeAll(async () => {
    [dashboardDir, browser] = await Promise.all([builtDashboard(), launchBrowser()]);
    resultsDir = await mkdtemp(path.join(tmpdir(), 'wirelab-dash-reconnect-'));
    live = await startLiveServer({ resultsDir, dashboardDir });
  }, 120_000);

  afterAll(async () => {
    await feed?.server.close();
    await live?.close();
    await browser?.close();
    if (resultsDir !== undefined) await rm(resultsDir, { recursive: true, force: true });
  });

  it('the live view marks each drop and draws the storm', async () => {
    const { page, errors } = await newPage(browser);
    try {
      await page.goto(`${live.url}#live`);
      await page.waitForSelector('body[data-ready="true"][data-view="live"]');
      result = await runBench({ ...RECONNECT_RUN, outDir: resultsDir }, { onProgress: (event) => live.publish(event) });
      await page.waitForSelector('[data-testid="live-status"][data-state="done"]');
      // Two drops per protocol, each a progress event, each a dashed line on both charts.
      const drops = result.protocols.reduce((n, p) => n + (p.reconnect?.events.length ?? 0), 0);
      expect(drops).toBe(4);
      await page.waitForFunction((n) => window.__wirelabLive?.drops === n, drops);
      for (const chart of ['storm', 'connected']) {
        await page.waitForFunction(
          ([key, n]) => document.querySelector(`[data-testid="live-chart-${key}"] canvas`)?.getAttribute('data-drop-markers') === String(n),
          [chart, drops] as const,
        );
      }
      await elementShot(page, '[data-testid="live-chart-storm"]', 'live-reconnect-storm');
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 90_000);

  it('the results view draws a timeline per protocol with its drops and the reconnect figures', async () => {
    expect(result).toBeDefined();
    // What the page gets is the file the harness wrote.
    const stored = JSON.parse(await readFile(path.join(resultsDir, `${result.id}.json`), 'utf8')) as BenchResult;
    feed = await startFeedServer({ dashboardDir, resultsDir });
    const { page, errors } = await newPage(browser);
    try {
      await page.goto(`${feed.url}/#results/${result.id}`);
      const section = await page.waitForSelector('[data-testid="reconnect-section"]');
      for (const p of stored.protocols) {
        const figures = p.reconnect;
        expect(figures).not.toBeNull();
        if (figures === null) continue;
        expect(figures.drops).toBe(2);
        const box = `[data-testid="reconnect-timeline-${p.protocol}"]`;
        expect(await page.getAttribute(box, 'data-drops')).toBe('2');
        // Both drops fall inside the time axis and were drawn.
        await page.waitForSelector(`${box} canvas[data-drop-markers="2"]`);
        const cell = async (metric: string) =>
          section.$eval(`tr[data-metric="${metric}"] td[data-protocol="${p.protocol}"]`, (td) => td.textContent);
        expect(await cell('reconnect.drops')).toBe('2');
        expect(await cell('reconnect.recovered')).toBe(formatCount(figures.recovered));
        expect(await cell('reconnect.notRecovered')).toBe(formatCount(figures.notRecovered));
        expect(await cell('reconnect.recoveredByResume')).toBe(formatCount(figures.recoveredByResume));
        expect(await cell('reconnect.missedInOutage')).toBe(formatCount(figures.missedInOutage));
        expect(await cell('reconnect.resets')).toBe(formatCount(figures.resets));
        expect(await cell('reconnect.recovery.p99')).toBe(formatMicros(figures.recovery.p99));
        expect(await cell('reconnect.recovery.max')).toBe(formatMicros(figures.recovery.max));
        // Every client came back after every drop, and resume lost nothing.
        expect(figures.recovered).toBe(2 * RECONNECT_RUN.clients);
        expect(figures.missedInOutage).toBe(0);
      }
      // Each row names its unit and carries the harness's help text.
      const help = await section.$eval('tr[data-metric="reconnect.recoveredByResume"] .help', (n) => n.getAttribute('title'));
      expect(help).toBe('Outage updates that reached clients through resume');
      await screenshot(page, 'results-reconnect');
      await elementShot(page, '[data-testid="reconnect-section"]', 'results-reconnect-section');
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 60_000);
});

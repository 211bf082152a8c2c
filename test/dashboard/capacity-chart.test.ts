import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHtmlReport } from '../../bench/cli/html-report-file.js';
import { runBench } from '../../bench/run.js';
import type { BenchResult } from '../../bench/report/types.js';
import type { WirelabServer } from '../../servers/app.js';
import { builtDashboard, elementShot, launchBrowser, screenshot, startFeedServer } from './helpers.js';

/**
 * A real capacity search, small: WebSocket and SSE climb 10 → 20 → 40 clients; short polls
 * every second fail a 100 ms SLO at their first step. Its result is drawn in the results view
 * and in the HTML report, on a phone's width.
 */
const CAPACITY = {
  scenario: 'capacity',
  protocols: ['ws', 'sse', 'short-poll'],
  clients: 10,
  maxClients: 40,
  sloP99Ms: 100,
  pollIntervalMs: 1000,
  rate: 5,
  durationMs: 1000,
  warmupMs: 400,
  workers: 1,
} as const;

const LABELS = ['WebSocket', 'SSE', 'Short polling'];

async function pageAt(browser: Browser, width: number, offline = false): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, offline });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return { page, errors };
}

/** What the two capacity charts show, read from the probes their plugins leave on the canvases. */
async function readCharts(page: Page) {
  const latency = '[data-testid="chart-capacity-latency"] canvas[data-drawn="true"]';
  const cpu = '[data-testid="chart-capacity-cpu"] canvas[data-drawn="true"]';
  await page.waitForSelector(latency);
  await page.waitForSelector(cpu);
  const read = (selector: string) =>
    page.$eval(selector, (node) => {
      const canvas = node as HTMLCanvasElement;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted += 1;
      return {
        legend: (canvas.dataset.legend ?? '').split('|'),
        points: Number(canvas.dataset.points),
        markers: canvas.dataset.capacityMarkers === undefined ? null : Number(canvas.dataset.capacityMarkers),
        painted,
        width: canvas.getBoundingClientRect().width,
      };
    });
  return { latency: await read(latency), cpu: await read(cpu) };
}

/** The points the latency chart must draw: p50 and p99 of every step, and the SLO line's two ends. */
function expectedLatencyPoints(result: BenchResult): number {
  let count = 2;
  for (const p of result.protocols)
    for (const point of p.capacitySearch?.curve ?? []) count += (point.latencyP50Us > 0 ? 1 : 0) + (point.latencyP99Us > 0 ? 1 : 0);
  return count;
}

function expectCharts(charts: Awaited<ReturnType<typeof readCharts>>, result: BenchResult, width: number): void {
  const searches = result.protocols.map((p) => p.capacitySearch!);
  // The legend names each protocol once (its p50 and p99 share an entry), the SLO and the capacity lines.
  expect(charts.latency.legend.slice(0, 3)).toEqual(LABELS);
  expect(charts.latency.legend).toContain('SLO: p99 < 100ms');
  expect(charts.latency.points).toBe(expectedLatencyPoints(result));
  // One capacity line per protocol that passed a step (short polling did not).
  expect(charts.latency.markers).toBe(searches.filter((s) => s.capacity > 0).length);
  expect(charts.latency.painted).toBeGreaterThan(2000);
  expect(charts.cpu.legend).toEqual(LABELS);
  const cpuPoints = searches.flatMap((s) => s.curve).filter((point) => point.serverCpuMicrosPerClientUpdate !== null).length;
  expect(cpuPoints).toBeGreaterThan(0);
  expect(charts.cpu.points).toBe(cpuPoints);
  expect(charts.cpu.painted).toBeGreaterThan(2000);
  for (const chart of [charts.latency, charts.cpu]) expect(chart.width).toBeLessThanOrEqual(width);
}

describe('the capacity curve, drawn', () => {
  let browser: Browser;
  let dashboardDir: string;
  let resultsDir: string;
  let result: BenchResult;
  let feed: { server: WirelabServer; url: string };

  beforeAll(async () => {
    [dashboardDir, browser] = await Promise.all([builtDashboard(), launchBrowser()]);
    resultsDir = await mkdtemp(path.join(tmpdir(), 'wirelab-capacity-chart-'));
    result = await runBench({ ...CAPACITY, protocols: [...CAPACITY.protocols], outDir: resultsDir });
    feed = await startFeedServer({ dashboardDir, resultsDir });
  }, 150_000);

  afterAll(async () => {
    await feed?.server.close();
    await browser?.close();
    if (resultsDir !== undefined) await rm(resultsDir, { recursive: true, force: true });
  });

  it('the run is a capacity search of every protocol, short polling failing at its first step', () => {
    expect(result.failures).toEqual([]);
    expect(result.protocols.map((p) => p.protocol)).toEqual(['ws', 'sse', 'short-poll']);
    const shortPoll = result.protocols[2]!.capacitySearch!;
    expect(shortPoll).toMatchObject({ capacity: 0, stoppedBy: 'failed-at-start' });
  });

  it('the results view draws clients → latency per protocol with the SLO and the capacities, and the CPU per client per update, within 390 px', async () => {
    const { page, errors } = await pageAt(browser, 390);
    try {
      await page.goto(`${feed.url}/#results/${result.id}`);
      const charts = await readCharts(page);
      expectCharts(charts, result, 390);
      const verdicts = await page.$$eval('[data-testid="capacity-verdicts"] li', (items) =>
        items.map((li) => ({ protocol: li.getAttribute('data-protocol'), text: li.textContent ?? '' })),
      );
      expect(verdicts.map((v) => v.protocol)).toEqual(['ws', 'sse', 'short-poll']);
      expect(verdicts[2]!.text).toContain('0 clients (10 failed:');
      expect(verdicts[2]!.text).toContain('the first step failed');
      for (const v of verdicts) expect(v.text).toMatch(/server CPU .+ per client per update/);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await screenshot(page, 'results-capacity-390');
      await elementShot(page, '[data-testid="capacity-section"]', 'results-capacity-section-390');
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it('the HTML report draws the same two charts, offline, within 390 px', async () => {
    const file = await writeHtmlReport(result, path.join(resultsDir, `${result.id}.html`));
    const { page, errors } = await pageAt(browser, 390, true);
    try {
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-ready="true"]');
      const probe = await page.evaluate(() => window.__wirelabReport);
      expect(probe?.errors).toEqual([]);
      expect(probe?.charts).toEqual(expect.arrayContaining(['chart-capacity-latency', 'chart-capacity-cpu']));
      expectCharts(await readCharts(page), result, 390);
      expect(await page.$$eval('[data-testid="capacity-verdicts"] li', (items) => items.length)).toBe(3);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await screenshot(page, 'report-capacity-390');
      await elementShot(page, '[data-testid="capacity-section"]', 'report-capacity-section-390');
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 60_000);
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBench } from '../../../bench/run.js';
import type { BenchResult } from '../../../bench/report/types.js';
import { launchBrowser, screenshot } from '../../dashboard/helpers.js';
import { runScript } from '../../helpers/run-cli.js';
import { repeatedRun, saveResult, SHORT } from './helpers.js';

const REPORT = 'bench/cli/report.ts';

/** A real reconnect run (two drops) of WebSocket and long polling, measured twice. */
const RECONNECT = {
  ...SHORT,
  scenario: 'reconnect',
  protocols: ['ws', 'long-poll'],
  durationMs: 2400,
  dropAtMs: [700, 1600],
  reconnect: { initialDelayMs: 200, maxDelayMs: 800 },
} as const;

/**
 * Opens a report from disk in a context with the network off, and records every request the
 * page makes (the file itself is the only one allowed).
 */
async function openReport(browser: Browser, file: string, width: number): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, offline: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') errors.push(`console ${message.type()}: ${message.text()}`);
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-ready="true"]');
  return { page, requests, errors };
}

/** Pixels of the canvas that are not transparent: a drawn chart has thousands. */
const paintedPixels = (page: Page, id: string) =>
  page.$eval(`canvas[data-chart="${id}"]`, (canvas) => {
    const c = canvas as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted += 1;
    return painted;
  });

describe('npm run report: one self-contained HTML file', () => {
  let dir: string;
  let browser: Browser;
  let repeated: BenchResult;
  let broadcast: BenchResult;
  let files: { repeated: string; broadcast: string };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wirelab-report-'));
    browser = await launchBrowser();
    repeated = await repeatedRun({ ...RECONNECT, protocols: [...RECONNECT.protocols], dropAtMs: [...RECONNECT.dropAtMs] }, 2);
    broadcast = await runBench({ ...SHORT, protocols: ['ws'] });
    files = { repeated: await saveResult(dir, repeated), broadcast: await saveResult(dir, broadcast) };
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('writes RUN.html next to RUN.json, readable offline from file:// with every chart drawn and no request leaving the page', async () => {
    const { code, stdout, stderr } = await runScript(REPORT, [files.repeated]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const html = path.join(dir, `${repeated.id}.html`);
    expect(stdout).toBe(`report ${html}\n`);
    const text = await readFile(html, 'utf8');
    // Nothing to fetch: no external script, style, image or font.
    expect(text).not.toMatch(/\b(src|href)="(https?:)?\/\//);
    expect(text).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'`);

    const { page, requests, errors } = await openReport(browser, html, 1280);
    try {
      const drawn = await page.evaluate(() => window.__wirelabReport!);
      expect(drawn.errors).toEqual([]);
      expect(drawn.charts).toEqual([
        'chart-percentiles',
        'series-latency',
        'series-messages',
        'series-bytes',
        'series-connected',
        'series-cpu',
        'series-rss',
        'timeline-ws',
        'timeline-long-poll',
      ]);
      for (const id of drawn.charts) {
        expect(await page.getAttribute(`canvas[data-chart="${id}"]`, 'data-drawn'), id).toBe('true');
        expect(await paintedPixels(page, id), id).toBeGreaterThan(2000);
      }
      // The reconnect timelines mark every drop of both repetitions (two each) inside their axes.
      for (const protocol of ['ws', 'long-poll']) {
        expect(repeated.protocols.find((p) => p.protocol === protocol)!.reconnect!.events).toHaveLength(4);
        expect(await page.getAttribute(`canvas[data-chart="timeline-${protocol}"]`, 'data-drop-markers')).toBe('4');
      }
      // Repetitions: each figure with its [min–max]; the best protocol of a row marked.
      const p50 = await page.$$eval('[data-testid="report-table"] tr[data-metric="latency.p50"] td', (tds) =>
        tds.map((td) => ({ standing: td.getAttribute('data-standing'), range: td.querySelector('.range')?.textContent ?? null })),
      );
      expect(p50).toHaveLength(2);
      for (const cell of p50) expect(cell.range).toMatch(/^\S+–\S+$/);
      expect(p50.map((c) => c.standing)).toContain('best');
      // p99.9 of a few hundred updates rests on less than one: marked.
      expect(
        await page.$$eval(
          '[data-testid="report-table"] tr[data-metric="latency.p999"] td[data-few-samples="true"] sup.few',
          (marks) => marks.length,
        ),
      ).toBe(2);
      expect(await page.textContent('.report-notes')).toContain('median of 2 repetitions');
      await screenshot(page, 'report-1280');
      expect(requests).toEqual([pathToFileURL(html).href]);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it('fits a 390 px screen', async () => {
    await runScript(REPORT, [files.repeated]);
    const { page, requests, errors } = await openReport(browser, path.join(dir, `${repeated.id}.html`), 390);
    try {
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await screenshot(page, 'report-390');
      expect(requests).toHaveLength(1);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it('a broadcast run measured once: spread unknown, no reconnect timeline, the rest drawn; --out chooses the file', async () => {
    const out = path.join(dir, 'chosen-name.html');
    const { code, stdout } = await runScript(REPORT, [files.broadcast, '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toBe(`report ${out}\n`);
    const { page, requests, errors } = await openReport(browser, out, 1280);
    try {
      const drawn = await page.evaluate(() => window.__wirelabReport!);
      expect(drawn.charts).toContain('chart-percentiles');
      expect(drawn.charts).toContain('series-connected');
      expect(drawn.charts.some((id) => id.startsWith('timeline-'))).toBe(false);
      expect(await page.textContent('[data-testid="no-reconnect"]')).toContain('No drops in this run (scenario broadcast)');
      expect(await page.textContent('.report-notes')).toContain('measured once, so the spread of each figure is unknown');
      expect(await page.$$eval('[data-testid="report-table"] .range', (ranges) => ranges.length)).toBe(0);
      expect(requests).toHaveLength(1);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it.each([
    [[], /wirelab-report: bad option: arguments need at least one result file/],
    [['a.json', 'b.json', '--out', 'x.html'], /wirelab-report: bad option: --out names one file, but 2 results were given/],
    [['--frobnicate', 'a.json'], /wirelab-report: bad option: --frobnicate is not an option of wirelab-report/],
    [['does-not-exist.json'], /wirelab-report: bad option: does-not-exist\.json cannot be read: no such file/],
  ])('exits 2 on bad usage %j', async (args, message) => {
    const { code, stdout, stderr } = await runScript(REPORT, args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });
});

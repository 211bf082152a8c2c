import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startLiveServer } from '../../bench/live/live-server.js';
import { NOT_MEASURED } from '../../bench/report/format.js';
import { chooseProtocol, dashboardInBrowser, newPage, REPO, screenshot, startFeedServer } from './helpers.js';

const stat = async (page: Page, key: string) => (await page.textContent(`[data-testid="stat-${key}"]`)) ?? '';

describe('the demo page and the docs, as a newcomer meets them', () => {
  const ui = dashboardInBrowser();

  it('a protocol switch starts the counters again; the resume point carries over with no gap', async () => {
    const { server, url } = await startFeedServer({ dashboardDir: ui.dashboardDir });
    const { page, errors } = await newPage(ui.browser, { width: 1280, height: 900 });
    try {
      await page.goto(`${url}/#demo`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.click('[data-testid="connect"]');
      await page.waitForSelector('[data-testid="status"][data-state="connected"]');
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="stat-messages"]')?.textContent) >= 15);
      await page.click('[data-testid="ping"]');
      await page.waitForFunction(() =>
        /^\d+(\.\d+)?(µs|ms|s)$/.test(document.querySelector('[data-testid="stat-rtt"]')?.textContent ?? ''),
      );
      const before = Number(await stat(page, 'messages'));
      const seqBefore = Number(await stat(page, 'lastSeq'));
      await chooseProtocol(page, 'long-poll');
      await page.waitForSelector('[data-testid="status"][data-state="connected"]');
      // The new protocol's own count: well under what the WebSocket had received.
      const after = Number(await stat(page, 'messages'));
      expect(after).toBeLessThan(before);
      expect(await stat(page, 'rtt')).toBe(NOT_MEASURED);
      expect(await stat(page, 'reconnects')).toBe('0');
      await page.waitForFunction((seq) => Number(document.querySelector('[data-testid="stat-lastSeq"]')?.textContent) > seq + 2, seqBefore);
      // Long polling: one request per answer, counted from the switch on.
      const requests = Number(await stat(page, 'requests'));
      const messages = Number(await stat(page, 'messages'));
      expect(requests).toBeGreaterThanOrEqual(1);
      expect(requests).toBeLessThanOrEqual(messages + 2);
      expect(await stat(page, 'gaps')).toBe('0');
      expect(await page.evaluate(() => window.__wirelabDemo!.gaps)).toBe(0);
      // Switching while disconnected resets them too.
      await page.click('[data-testid="disconnect"]');
      await page.waitForSelector('[data-testid="status"][data-state="disconnected"]');
      await chooseProtocol(page, 'sse');
      expect(await stat(page, 'messages')).toBe('0');
      expect(await stat(page, 'requests')).toBe('0');
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
      await server.close();
    }
  }, 45_000);

  it('fits 390 px, and when the server is gone the scores are marked stale and the header says so', async () => {
    let { server, url } = await startFeedServer({ dashboardDir: ui.dashboardDir, epoch: 'stalescores' });
    const port = Number(new URL(url).port);
    const { page, errors } = await newPage(ui.browser, { width: 390, height: 900 });
    try {
      await page.goto(`${url}/#demo`);
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.textContent('[data-testid="server-note"]')).toBe('feed server · demo mode');
      await page.click('[data-testid="connect"]');
      await page.waitForSelector('.event-card >> nth=4');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      expect(await page.isHidden('[data-testid="stale-note"]')).toBe(true);
      await screenshot(page, 'demo-390');

      await server.close();
      await page.waitForSelector('[data-testid="events"][data-stale="true"]');
      expect(await page.textContent('[data-testid="stale-note"]')).toMatch(
        /^Connection lost at \d\d:\d\d:\d\d: these scores are as of then, not live/,
      );
      // Once a reconnect attempt has failed, the header no longer claims a server in demo mode.
      await page.waitForSelector('[data-testid="server-note"][data-state="down"]', { timeout: 20_000 });
      expect(await page.textContent('[data-testid="server-note"]')).toBe('feed server not reachable');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await screenshot(page, 'demo-server-gone-390');

      ({ server, url } = await startFeedServer({ dashboardDir: ui.dashboardDir, epoch: 'stalescores', port }));
      await page.waitForSelector('[data-testid="status"][data-state="connected"]', { timeout: 25_000 });
      await page.waitForSelector('[data-testid="events"][data-stale="false"]');
      expect(await page.isHidden('[data-testid="stale-note"]')).toBe(true);
      expect(await page.textContent('[data-testid="server-note"]')).toBe('feed server · demo mode');
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
      await server.close();
    }
  }, 60_000);

  it('docs/dashboard.md documents every member /api/info answers, on both servers', async () => {
    const docs = await readFile(path.join(REPO, 'docs', 'dashboard.md'), 'utf8');
    const row = docs.split('\n').find((line) => line.startsWith('| `GET /api/info` |'));
    expect(row).toBeDefined();
    const feed = await startFeedServer({ dashboardDir: ui.dashboardDir, accessToken: 'sesame-sesame-1234' });
    const live = await startLiveServer({ resultsDir: path.join(REPO, 'results'), dashboardDir: ui.dashboardDir });
    try {
      const feedInfo = (await (await fetch(`${feed.url}/api/info?token=sesame-sesame-1234`)).json()) as Record<string, unknown>;
      const liveInfo = (await (await fetch(`${live.url}api/info`)).json()) as Record<string, unknown>;
      expect(feedInfo.protected).toBe(true);
      for (const key of [...Object.keys(feedInfo), ...Object.keys(liveInfo)]) expect(row, key).toContain(`"${key}"`);
      expect(row).toMatch(/`protected` true when the server was started with an access token/);
    } finally {
      await feed.server.close();
      await live.close();
    }
  });

  it("the feed server's banner shows long and short polling with the epoch", async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'servers/main.ts', '--host', '127.0.0.1', '--port', '0'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let banner = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner within 20 s: ${banner}`)), 20_000);
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          banner += chunk;
          if (banner.includes('Press Ctrl+C')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`server exited ${code}: ${banner}`)));
      });
      const epoch = /epoch ([a-z0-9]+)\)/.exec(banner)?.[1];
      expect(epoch).toMatch(/^[a-z0-9]+$/);
      const longPoll = /long polling +(\S+)/.exec(banner)?.[1];
      const shortPoll = /short polling +(\S+)/.exec(banner)?.[1];
      expect(longPoll).toMatch(new RegExp(`/long-poll\\?since=0&epoch=${epoch}$`));
      expect(shortPoll).toMatch(new RegExp(`/poll\\?since=0&epoch=${epoch}$`));
      // What the banner advertises works as it stands.
      const answer = await fetch(shortPoll!);
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { epoch: string }).epoch).toBe(epoch);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    }
  }, 30_000);
});

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoProbe } from '../../dashboard/src/demo/connection.js';
import type { WirelabServer } from '../../servers/app.js';
import type { EmbeddedFeed } from '../../servers/feed.js';
import { chooseProtocol, dashboardInBrowser, newPage, screenshot, startFeedServer } from './helpers.js';

const PROTOCOLS = ['ws', 'sse', 'long-poll', 'short-poll'] as const;

const probe = (page: Page): Promise<DemoProbe> => page.evaluate(() => window.__wirelabDemo!);

describe('demo page in headless Chromium', () => {
  const ui = dashboardInBrowser();

  describe('each protocol', () => {
    let server: WirelabServer;
    let url: string;

    beforeAll(async () => {
      ({ server, url } = await startFeedServer({ dashboardDir: ui.dashboardDir }));
    });
    afterAll(async () => {
      await server?.close();
    });

    for (const protocol of PROTOCOLS) {
      it(`${protocol}: receives live updates and Send PING shows an RTT`, async () => {
        const { page, errors } = await newPage(ui.browser);
        try {
          await page.goto(`${url}/`);
          // Served by the feed server: the default view is the demo.
          await page.waitForSelector('body[data-ready="true"][data-view="demo"]');
          await chooseProtocol(page, protocol);
          if (protocol === 'short-poll') await page.selectOption('[data-testid="poll-interval"]', '250');
          await page.click('[data-testid="connect"]');
          await page.waitForSelector('[data-testid="status"][data-state="connected"]');
          await page.waitForSelector('.event-card >> nth=4');
          expect(await page.locator('.event-card').count()).toBe(5);
          // Updates arrive and change the cards in place.
          await page.waitForFunction(() => (window.__wirelabDemo!.seqs.length ?? 0) >= 5);
          await page.click('[data-testid="ping"]');
          const pong = await page.waitForSelector('.log-entry.pong');
          const rtt = Number(await pong.getAttribute('data-rtt'));
          expect(rtt).toBeGreaterThan(0);
          expect(rtt).toBeLessThan(2000);
          expect(await pong.textContent()).toMatch(/RTT \d+(\.\d+)?(µs|ms|s)$/);
          await page.waitForFunction(() =>
            /^\d+(\.\d+)?(µs|ms|s)$/.test(document.querySelector('[data-testid="stat-rtt"]')?.textContent ?? ''),
          );
          const state = await probe(page);
          expect(state.gaps).toBe(0);
          expect(state.duplicates).toBe(0);
          for (let i = 1; i < state.seqs.length; i++) expect(state.seqs[i]).toBe(state.seqs[i - 1]! + 1);
          expect(Number(await page.textContent('[data-testid="stat-messages"]'))).toBeGreaterThanOrEqual(6);
          expect(Number(await page.textContent('[data-testid="stat-requests"]'))).toBeGreaterThanOrEqual(protocol === 'ws' ? 1 : 2);
          expect(await page.getAttribute('[data-testid="status"]', 'data-colour')).toBe('connected');
          await screenshot(page, `demo-${protocol}`);
          await page.click('[data-testid="disconnect"]');
          await page.waitForSelector('[data-testid="status"][data-state="disconnected"]');
          expect(errors).toEqual([]);
        } finally {
          await page.context().close();
        }
      });
    }
  });

  it('the live view on the feed server explains where live runs are shown', async () => {
    const { server, url } = await startFeedServer({ dashboardDir: ui.dashboardDir });
    const { page, errors } = await newPage(ui.browser);
    try {
      await page.goto(`${url}/#live`);
      await page.waitForSelector('[data-testid="live-note"]:not([hidden])');
      expect(await page.textContent('[data-testid="live-note"]')).toContain('npm run bench');
      await screenshot(page, 'live-on-feed-server');
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
      await server.close();
    }
  });

  describe('server restart', () => {
    for (const protocol of PROTOCOLS) {
      it(`${protocol}: reconnects to a restarted server on the same port and resumes with no gap in seq`, async () => {
        const epoch = `restart${protocol.replace('-', '')}`.slice(0, 16);
        let { server, url } = await startFeedServer({ dashboardDir: ui.dashboardDir, epoch });
        const port = Number(new URL(url).port);
        const { page, errors } = await newPage(ui.browser);
        try {
          await page.goto(`${url}/#demo`);
          await page.waitForSelector('body[data-ready="true"]');
          await chooseProtocol(page, protocol);
          if (protocol === 'short-poll') await page.selectOption('[data-testid="poll-interval"]', '250');
          await page.click('[data-testid="connect"]');
          await page.waitForSelector('[data-testid="status"][data-state="connected"]');
          await page.waitForFunction(() => window.__wirelabDemo!.seqs.length >= 5);

          // Stop the server. A restarted server that kept its feed (same epoch, same history)
          // is simulated by replaying the old feed's updates into the new one before it listens.
          const history = (server.context.feed as EmbeddedFeed)
            .after(0)
            .map((message) => (JSON.parse(message.json) as { data: unknown }).data);
          const headBefore = server.context.feed.head;
          await server.close();
          await page.waitForSelector('[data-testid="status"][data-state="reconnecting"]');
          await page.waitForFunction(() =>
            /Reconnecting in \d+ s/.test(document.querySelector('[data-testid="status"]')?.textContent ?? ''),
          );
          expect(await page.getAttribute('[data-testid="status"]', 'data-colour')).toBe('connecting');
          await screenshot(page, `restart-${protocol}-reconnecting`);

          ({ server, url } = await startFeedServer({ dashboardDir: ui.dashboardDir, epoch, port }));
          for (const data of history) server.context.feed.publish(data);
          expect(server.context.feed.head).toBe(headBefore);

          await page.waitForSelector('[data-testid="status"][data-state="connected"]', { timeout: 20_000 });
          // Updates published after the restart arrive, continuing the same numbering.
          await page.waitForFunction((head) => {
            const seqs = window.__wirelabDemo!.seqs;
            return (seqs.at(-1) ?? 0) >= head + 3;
          }, headBefore);
          const state = await probe(page);
          expect(state.gaps).toBe(0);
          expect(state.duplicates).toBe(0);
          for (let i = 1; i < state.seqs.length; i++) expect(state.seqs[i]).toBe(state.seqs[i - 1]! + 1);
          expect(Number(await page.textContent('[data-testid="stat-reconnects"]'))).toBeGreaterThanOrEqual(1);
          expect(await page.locator('.log-entry', { hasText: 'reconnected' }).count()).toBeGreaterThanOrEqual(1);
          await screenshot(page, `restart-${protocol}-resumed`);
          expect(errors).toEqual([]);
        } finally {
          await page.context().close();
          await server.close();
        }
      }, 45_000);
    }
  });
});

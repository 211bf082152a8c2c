import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { buildServer, type WirelabServer } from '../../servers/app.js';
import type { ServerOptions } from '../../servers/config.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const ARTIFACTS = path.join(REPO, 'test-artifacts', 'dashboard');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Sources that end up in the bundle (folders are walked): a change to any of them means a new build. */
const BUNDLE_INPUTS = ['dashboard', 'bench/report', 'wire', 'netem'];

async function filesUnder(entry: string): Promise<string[]> {
  const full = path.join(REPO, entry);
  if (!existsSync(full)) return [];
  if (!(await stat(full)).isDirectory()) return [full];
  const found: string[] = [];
  const walk = async (dir: string) => {
    for (const item of await readdir(dir, { withFileTypes: true })) {
      if (item.name === 'dist' || item.name === 'node_modules') continue;
      const child = path.join(dir, item.name);
      if (item.isDirectory()) await walk(child);
      else found.push(child);
    }
  };
  await walk(full);
  return found.sort();
}

let building: Promise<string> | undefined;

/**
 * Builds the dashboard with Vite's `build()` API into a temporary folder named by a hash of
 * its sources, once: test files running in parallel (and later runs) share the same build.
 * The build goes to a fresh folder first and is renamed into place, so nobody sees half of it.
 */
export function builtDashboard(): Promise<string> {
  building ??= (async () => {
    const hash = createHash('sha256');
    for (const entry of BUNDLE_INPUTS) for (const file of await filesUnder(entry)) hash.update(file).update(await readFile(file));
    const root = path.join(tmpdir(), 'wirelab-dashboard-test');
    const target = path.join(root, hash.digest('hex').slice(0, 16));
    if (existsSync(path.join(target, 'index.html'))) return target;
    await mkdir(root, { recursive: true });
    const scratch = await mkdtemp(path.join(root, 'build-'));
    const { build } = await import('vite');
    await build({
      configFile: path.join(REPO, 'dashboard', 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: scratch, emptyOutDir: true },
    });
    try {
      await rename(scratch, target);
    } catch {
      // Another worker got there first: its build is the same.
      await rm(scratch, { recursive: true, force: true });
    }
    return target;
  })();
  return building;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
    timeout: 20_000,
  });
}

/**
 * The built dashboard and one Chromium for the `describe` this is called in: ready before its
 * tests, the browser closed after them. Read the members inside hooks and tests.
 */
export function dashboardInBrowser(): { readonly dashboardDir: string; readonly browser: Browser } {
  const suite = {} as { dashboardDir: string; browser: Browser };
  beforeAll(async () => {
    [suite.dashboardDir, suite.browser] = await Promise.all([builtDashboard(), launchBrowser()]);
  }, 120_000);
  afterAll(async () => {
    await suite.browser?.close();
  });
  return suite;
}

/** A page with a console/page-error collector, so a test can assert the page threw nothing. */
export async function newPage(
  browser: Browser,
  viewport: { width: number; height: number } = { width: 1400, height: 1000 },
): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A screenshot of one element (a chart, a table), for a closer look than the full page. */
export async function elementShot(page: Page, selector: string, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.locator(selector).first().screenshot({ path: file });
  return file;
}

/** Picks `protocol` on the demo page and waits until its radio button is checked. */
export async function chooseProtocol(page: Page, protocol: string): Promise<void> {
  await page.locator(`label:has([data-testid="protocol-${protocol}"])`).click();
  await page.waitForFunction((p) => (document.querySelector(`[data-testid="protocol-${p}"]`) as HTMLInputElement).checked, protocol);
}

/** A real feed server on 127.0.0.1, demo mode with fast updates unless told otherwise. */
export async function startFeedServer(options: ServerOptions): Promise<{ server: WirelabServer; url: string }> {
  const server = await buildServer({ host: '127.0.0.1', port: 0, demoIntervalMs: [50, 150], ...options });
  const url = await server.listen();
  return { server, url };
}

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayBuffer, startLiveServer, type LiveServer } from '../../bench/live/live-server.js';
import type { ProgressEvent, TimeseriesPoint } from '../../bench/report/types.js';
import type { WirelabServer } from '../../servers/app.js';
import { builtDashboard, startFeedServer } from './helpers.js';

const RESULT = {
  schema: 'wirelab.result/1',
  id: 'run-a',
  startedAt: '2025-01-02T03:04:05.000Z',
  finishedAt: '2025-01-02T03:05:05.000Z',
  durationMs: 60000,
  target: { url: 'http://127.0.0.1:1', spawned: true },
  options: { clients: 50 },
  protocols: [{ protocol: 'ws', scenario: 'broadcast', clients: { requested: 50 } }],
  passed: true,
  suspect: false,
};

function point(t: number): TimeseriesPoint {
  return {
    t,
    protocol: 'ws',
    phase: 'measuring',
    connected: 10,
    messagesPerSecond: 100,
    bytesPerSecond: 5000,
    latencyP50: 800,
    latencyP99: 2400,
    reconnects: 0,
    serverCpuPercent: 12.5,
    serverRssBytes: 80e6,
    serverAcceptedPerSecond: 0,
    generatorCpuPercent: 20,
    generatorLoopDelayMs: 1,
  };
}
const tick = (t: number): ProgressEvent => ({ type: 'tick', point: point(t), windowP99: null, windowMessages: 0 });
const start = (runId: string): ProgressEvent => ({
  type: 'start',
  runId,
  startedAt: new Date().toISOString(),
  target: 'http://127.0.0.1:1',
  spawned: true,
  options: { clients: 10 } as never,
  protocols: ['ws'],
});

/** Reads SSE messages from `url` until `until` says stop (or 5 s pass). */
async function readEvents(
  url: string,
  until: (messages: EventSourceMessage[]) => boolean,
  headers: Record<string, string> = {},
): Promise<EventSourceMessage[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 5000);
  const messages: EventSourceMessage[] = [];
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const parser = createParser({ onEvent: (message) => messages.push(message) });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      if (until(messages)) break;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return messages;
}

describe('dashboard routes on the feed server', () => {
  let dir: string;
  let resultsDir: string;
  let dashboardDir: string;
  let server: WirelabServer;
  let url: string;

  beforeAll(async () => {
    dashboardDir = await builtDashboard();
    dir = await mkdtemp(path.join(tmpdir(), 'wirelab-dash-api-'));
    resultsDir = path.join(dir, 'results');
    await mkdir(resultsDir);
    await writeFile(path.join(resultsDir, 'run-a.json'), JSON.stringify(RESULT));
    await writeFile(path.join(resultsDir, 'run-a.csv'), 'run_id\nrun-a\n');
    await writeFile(path.join(resultsDir, 'run-a.timeseries.csv'), 'timestamp\n');
    await writeFile(path.join(resultsDir, 'broken.json'), '{"schema": "wirelab.result/1", ');
    await writeFile(path.join(resultsDir, 'other.json'), JSON.stringify({ hello: 'world' }));
    await writeFile(path.join(dir, 'secret.json'), JSON.stringify({ ...RESULT, id: 'secret' }));
    ({ server, url } = await startFeedServer({ dashboardDir, resultsDir }));
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the built dashboard at / and its hashed assets for good', async () => {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('<main id="app">');
    const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const script = await fetch(`${url}/${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toContain('immutable');
    const missing = await fetch(`${url}/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'WL_NOT_FOUND' } });
  });

  it('says who serves the page', async () => {
    expect(await (await fetch(`${url}/api/info`)).json()).toMatchObject({ service: 'wirelab-server', live: false, mode: 'demo' });
  });

  it('lists result files, newest first, with unreadable ones marked instead of failing', async () => {
    const response = await fetch(`${url}/api/results`);
    expect(response.status).toBe(200);
    const { runs } = (await response.json()) as { runs: Array<Record<string, unknown>> };
    expect(runs.map((r) => r.id).sort()).toEqual(['broken', 'other', 'run-a']);
    expect(runs.find((r) => r.id === 'run-a')).toMatchObject({
      startedAt: RESULT.startedAt,
      protocols: ['ws'],
      clients: 50,
      scenario: 'broadcast',
      passed: true,
      suspect: false,
      durationMs: 60000,
    });
    expect(runs.find((r) => r.id === 'run-a')).not.toHaveProperty('error');
    expect(runs.find((r) => r.id === 'broken')?.error).toMatch(/not valid JSON/);
    expect(runs.find((r) => r.id === 'other')?.error).toMatch(/not a wirelab result/);
  });

  it('serves one result by id', async () => {
    const response = await fetch(`${url}/api/results/run-a`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(RESULT);
  });

  it('refuses ids that could leave the results folder', async () => {
    for (const id of ['..%2Fsecret', '%2e%2e%2fsecret', '.hidden', 'a%2Fb', 'a%00b', 'a b']) {
      const response = await fetch(`${url}/api/results/${id}`);
      expect(response.status, id).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'WL_BAD_QUERY' } });
    }
    // fetch resolves `..` itself; over-long ids never match the route.
    expect((await fetch(`${url}/api/results/../secret`)).status).toBe(404);
    expect((await fetch(`${url}/api/results/${'x'.repeat(200)}`)).status).toBe(404);
  });

  it('answers 404 for an unknown run and 500 for a file that is not a result', async () => {
    const missing = await fetch(`${url}/api/results/no-such-run`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'WL_NOT_FOUND', message: expect.stringContaining('no result "no-such-run"') } });
    const broken = await fetch(`${url}/api/results/broken`);
    expect(broken.status).toBe(500);
    expect(await broken.json()).toMatchObject({ error: { code: 'WL_INTERNAL', message: expect.stringContaining('not valid JSON') } });
  });
});

describe('dashboard routes without a build or results', () => {
  it('explains how to build the dashboard and lists no runs', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'wirelab-dash-empty-'));
    const { server, url } = await startFeedServer({ dashboardDir: path.join(dir, 'dist'), resultsDir: path.join(dir, 'results') });
    try {
      const html = await fetch(`${url}/`, { headers: { accept: 'text/html' } });
      expect(html.status).toBe(404);
      expect(await html.text()).toContain('npm run build:dashboard');
      const json = await fetch(`${url}/`, { headers: { accept: 'application/json' } });
      expect(await json.json()).toMatchObject({
        error: { code: 'WL_NOT_FOUND', message: expect.stringContaining('dashboard not built: run npm run build:dashboard') },
      });
      expect(await (await fetch(`${url}/api/results`)).json()).toEqual({ runs: [] });
      // The feed itself still works.
      expect((await fetch(`${url}/poll`)).status).toBe(200);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('ReplayBuffer', () => {
  it('keeps start, phases and the last ticks, in order, and starts over on a new run', () => {
    const buffer = new ReplayBuffer(10);
    buffer.add(start('one'));
    buffer.add({ type: 'phase', protocol: 'ws', phase: 'connecting', t: 0 });
    for (let i = 0; i < 100; i++) buffer.add(tick(i * 1000));
    buffer.add({ type: 'phase', protocol: 'ws', phase: 'draining', t: 100_000 });
    const all = buffer.since(undefined).map((entry) => JSON.parse(entry.block.split('data: ')[1]!) as ProgressEvent);
    expect(all[0]?.type).toBe('start');
    expect(all[1]).toMatchObject({ type: 'phase', phase: 'connecting' });
    expect(all.at(-1)).toMatchObject({ type: 'phase', phase: 'draining' });
    const ticks = all.filter((e): e is Extract<ProgressEvent, { type: 'tick' }> => e.type === 'tick');
    expect(ticks.length).toBeGreaterThanOrEqual(10);
    expect(ticks.length).toBeLessThanOrEqual(11);
    expect(ticks.at(-1)?.point.t).toBe(99_000);
    // A page that reconnects gets only what it missed.
    const entries = buffer.since(undefined);
    expect(buffer.since(entries.at(-3)!.id)).toEqual(entries.slice(-2));
    // A new run replaces the old one.
    buffer.add(start('two'));
    expect(buffer.since(undefined)).toHaveLength(1);
  });
});

describe('bench live server', () => {
  let live: LiveServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wirelab-live-'));
    await writeFile(path.join(dir, 'run-a.json'), JSON.stringify(RESULT));
    live = await startLiveServer({ resultsDir: dir, dashboardDir: await builtDashboard(), replayTicks: 5, maxBufferedBytes: 64 * 1024 });
  }, 120_000);

  afterAll(async () => {
    await live?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on loopback and serves the dashboard, the results API and /api/info', async () => {
    expect(live.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await fetch(live.url)).status).toBe(200);
    expect(await (await fetch(`${live.url}api/info`)).json()).toMatchObject({ service: 'wirelab-bench', live: true });
    const { runs } = (await (await fetch(`${live.url}api/results`)).json()) as { runs: Array<{ id: string }> };
    expect(runs.map((r) => r.id)).toEqual(['run-a']);
    expect((await fetch(`${live.url}nope`)).status).toBe(404);
  });

  it('streams progress events and replays the run so far to a page that opens late', async () => {
    live.publish(start('live-1'));
    live.publish({ type: 'phase', protocol: 'ws', phase: 'measuring', t: 10 });
    for (let i = 0; i < 20; i++) live.publish(tick(i * 1000));
    const late = await readEvents(`${live.url}live/events`, (m) =>
      m.some(
        (e) =>
          (JSON.parse(e.data) as ProgressEvent).type === 'tick' && (JSON.parse(e.data) as { point: TimeseriesPoint }).point.t === 19_000,
      ),
    );
    const events = late.map((m) => JSON.parse(m.data) as ProgressEvent);
    expect(events[0]).toMatchObject({ type: 'start', runId: 'live-1' });
    expect(events[1]).toMatchObject({ type: 'phase', phase: 'measuring' });
    expect(events.filter((e) => e.type === 'tick').length).toBeLessThanOrEqual(6);

    // Live: events published while a page is connected reach it; Last-Event-ID resumes.
    const lastId = late.at(-1)!.id!;
    const reader = readEvents(`${live.url}live/events`, (m) => m.some((e) => (JSON.parse(e.data) as ProgressEvent).type === 'done'), {
      'last-event-id': lastId,
    });
    await expect.poll(() => live.clients).toBeGreaterThanOrEqual(1);
    live.publish(tick(20_000));
    live.publish({ type: 'done', result: RESULT as never });
    const resumed = (await reader).map((m) => JSON.parse(m.data) as ProgressEvent);
    expect(resumed.map((e) => e.type)).toEqual(['tick', 'done']);
  });

  it('cuts off a page that stops reading, and keeps serving the others', async () => {
    live.publish(start('flood'));
    // Pages of the earlier tests are gone.
    await expect.poll(() => live.clients).toBe(0);
    const before = 0;
    const socket = connect(Number(new URL(live.url).port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /live/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
    socket.pause();
    await expect.poll(() => live.clients).toBe(before + 1);
    const big = { ...RESULT, pad: 'x'.repeat(200_000) };
    for (let i = 0; i < 200 && live.clients > before; i++) live.publish({ type: 'done', result: big as never });
    expect(live.clients).toBe(before);
    socket.destroy();
    // Others still get events.
    live.publish(start('live-2'));
    const reader = readEvents(`${live.url}live/events`, (m) =>
      m.some((e) => (JSON.parse(e.data) as { point?: TimeseriesPoint }).point?.t === 1234),
    );
    await expect.poll(() => live.clients).toBeGreaterThanOrEqual(1);
    live.publish(tick(1234));
    const events = (await reader).map((m) => JSON.parse(m.data) as ProgressEvent);
    expect(events[0]).toMatchObject({ type: 'start', runId: 'live-2' });
    expect(events.at(-1)).toMatchObject({ type: 'tick' });
  });
});

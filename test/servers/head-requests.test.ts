import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../../bench/live/live-server.js';
import { getJson, startServer, type TestServer } from './helpers.js';
import { exchange, rawRequest, type RawResponse } from './raw-http.js';

/** HEAD on a streaming or held route is answered with the head alone and holds nothing open. */

let server: TestServer | undefined;
let live: LiveServer | undefined;
let tempDir: string | undefined;
afterEach(async () => {
  await server?.close();
  await live?.close();
  if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
  server = live = tempDir = undefined;
});

/**
 * `HEAD target` with `GET /stats` pipelined behind it on the same connection: both must be
 * answered. Returns the HEAD answer and the transports' counters read once both are in (the
 * pipelined answer may have been taken before the HEAD's handler ran).
 */
async function headThenStats(baseUrl: string, target: string): Promise<[RawResponse, Record<string, Record<string, number>>]> {
  const text = rawRequest('HEAD', target) + rawRequest('GET', '/stats', { Connection: 'close' });
  const responses = await exchange(baseUrl, text, ['head', 'whole']);
  expect(
    responses.map((r) => r.status),
    `HEAD ${target} then GET /stats`,
  ).toHaveLength(2);
  expect(responses[1]!.status, 'the request pipelined behind the HEAD').toBe(200);
  const { body } = await getJson<{ transports: Record<string, Record<string, number>> }>(`${baseUrl}/stats`);
  return [responses[0]!, body.transports];
}

describe('HEAD on the streaming and held routes', () => {
  it('HEAD /sse answers the stream headers with no stream, and is not a connection', async () => {
    server = await startServer();
    server.publish(3);
    const [head, transports] = await headThenStats(server.url, '/sse?since=0');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(head.headers['cache-control']).toBe('no-cache, no-transform');
    expect(transports.sse).toMatchObject({ connections: 0, accepted: 0, messagesSent: 0, requests: 1 });
  });

  it('HEAD /sse still checks the cursor', async () => {
    server = await startServer();
    const [head] = await headThenStats(server.url, '/sse?since=5');
    expect(head.status).toBe(400);
  });

  it('HEAD /long-poll is answered at once, never held', async () => {
    server = await startServer({ longPollTimeoutMs: 60_000 });
    const [head, transports] = await headThenStats(server.url, '/long-poll?since=0');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('application/json; charset=utf-8');
    const emptyAnswer = `{"epoch":"${server.server.context.feed.epoch}","next":0,"events":[]}`;
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(emptyAnswer)));
    expect(transports['long-poll']).toMatchObject({ connections: 0, accepted: 0, messagesSent: 0, requests: 1 });
  });

  it('HEAD /poll counts no messages sent', async () => {
    server = await startServer();
    server.publish(4);
    const [head, transports] = await headThenStats(server.url, '/poll?since=0');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(transports['short-poll']).toMatchObject({ accepted: 0, messagesSent: 0, requests: 1 });
  });

  it('HEAD /ws is answered, not held', async () => {
    server = await startServer();
    const [head, transports] = await headThenStats(server.url, '/ws');
    expect(head.status).toBe(404);
    expect(transports.ws).toMatchObject({ connections: 0, accepted: 0 });
  });

  it("HEAD on the bench live server's event stream answers the headers with no stream", async () => {
    tempDir = await mkdtemp(path.join(tmpdir(), 'wirelab-live-head-'));
    live = await startLiveServer({ resultsDir: tempDir, dashboardDir: tempDir });
    const text = rawRequest('HEAD', '/live/events') + rawRequest('GET', '/api/info', { Connection: 'close' });
    const responses = await exchange(live.url, text, ['head', 'whole']);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    expect(responses[0]!.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(JSON.parse(responses[1]!.body)).toMatchObject({ service: 'wirelab-bench', live: true });
    expect(live.clients).toBe(0);
  });
});

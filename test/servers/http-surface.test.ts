import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { once } from 'node:events';
import { getJson, openSse, openWs, startServer, type TestServer } from './helpers.js';

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

type ErrorBody = { error: { code: string; message: string } };
const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe('POST /ping', () => {
  it('answers the same pong as the WebSocket', async () => {
    server = await startServer();
    const { status, body } = await getJson<Record<string, unknown>>(`${server.url}/ping`, json({ id: 'h1', ts: 99 }));
    expect(status).toBe(200);
    expect(body).toMatchObject({ type: 'pong', id: 'h1', ts: 99 });
    expect(Number.isSafeInteger(body.serverTs)).toBe(true);
    expect(server.server.context.stats.pings).toBe(1);
  });

  it('refuses malformed pings and bodies with 400, and oversized ones with 413', async () => {
    server = await startServer({ maxMessageBytes: 256 });
    const bad = await getJson<ErrorBody>(`${server.url}/ping`, json({ id: '', ts: 1 }));
    expect([bad.status, bad.body.error.code]).toEqual([400, 'WL_BAD_MESSAGE']);
    const notJson = await getJson<ErrorBody>(`${server.url}/ping`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect([notJson.status, notJson.body.error.code]).toEqual([400, 'WL_BAD_BODY']);
    const big = await getJson<ErrorBody>(`${server.url}/ping`, json({ id: 'x', ts: 1, pad: 'y'.repeat(1000) }));
    expect([big.status, big.body.error.code]).toEqual([413, 'WL_TOO_LARGE']);
  });
});

describe('errors', () => {
  it('answers unknown routes 404 in the error shape', async () => {
    server = await startServer();
    const { status, body } = await getJson<ErrorBody>(`${server.url}/nowhere?x=1`);
    expect(status).toBe(404);
    expect(body.error).toEqual({ code: 'WL_NOT_FOUND', message: 'no route GET /nowhere' });
  });

  it('answers 503 while shutting down', async () => {
    server = await startServer();
    server.server.context.shuttingDown = true;
    const { status, body } = await getJson<ErrorBody>(`${server.url}/poll?since=0`);
    expect([status, body.error.code]).toEqual([503, 'WL_SHUTTING_DOWN']);
    server.server.context.shuttingDown = false;
  });
});

describe('stats and metrics', () => {
  it('counts connections, messages and socket bytes per transport', async () => {
    server = await startServer();
    const ws = await openWs(`${server.wsUrl}/ws`);
    const sse = await openSse(`${server.url}/sse`);
    server.publish(5);
    await ws.inbox.until(() => ws.inbox.seqsOf().length === 5);
    await sse.inbox.until(() => sse.inbox.seqsOf().length === 5);
    const { body } = await getJson<any>(`${server.url}/stats`);
    expect(body.feed).toMatchObject({ head: 5, published: 5, mode: 'idle' });
    expect(body.transports.ws).toMatchObject({ connections: 1, accepted: 1, requests: 1, messagesSent: 6 });
    expect(body.transports.sse).toMatchObject({ connections: 1, accepted: 1, messagesSent: 6 });
    expect(body.transports.ws.bytesSent).toBe((ws.ws as unknown as { _socket: { bytesRead: number } })._socket.bytesRead);
    expect(body.process.rssBytes).toBeGreaterThan(0);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('wirelab_connections{transport="ws"} 1');
    expect(metrics).toContain('wirelab_feed_head 5');
    expect(metrics).toMatch(/# TYPE wirelab_bytes_sent_total counter/);
    ws.ws.close();
    sse.close();
  });
});

describe('control', () => {
  it('does not exist without a control token', async () => {
    server = await startServer();
    const { status, body } = await getJson<ErrorBody>(`${server.url}/control/feed`, json({ mode: 'idle' }));
    expect([status, body.error.code]).toEqual([404, 'WL_CONTROL_DISABLED']);
  });

  it('refuses calls without the right token', async () => {
    server = await startServer({ controlToken: 'secret' });
    const { status, body } = await getJson<ErrorBody>(
      `${server.url}/control/feed`,
      json({ mode: 'idle' }, { authorization: 'Bearer wrong' }),
    );
    expect([status, body.error.code]).toEqual([401, 'WL_CONTROL_UNAUTHORIZED']);
  });

  it('sets the feed, validates it, drops connections and resets counters', async () => {
    server = await startServer({ controlToken: 'secret' });
    const auth = { authorization: 'Bearer secret' };
    const bad = await getJson<ErrorBody>(`${server.url}/control/feed`, json({ mode: 'bench', rate: -1 }, auth));
    expect([bad.status, bad.body.error.code]).toEqual([400, 'WL_BAD_BODY']);
    const peer = await openWs(`${server.wsUrl}/ws`);
    const set = await getJson<any>(`${server.url}/control/feed`, json({ mode: 'bench', rate: 200, payload: 300 }, auth));
    expect(set.body.feed).toMatchObject({ mode: 'bench', rate: 200, payload: 300 });
    await peer.inbox.until(() => peer.inbox.seqsOf().length >= 20);
    const update = peer.inbox.messages.find((m) => m.type === 'update')!;
    expect(Buffer.byteLength(JSON.stringify(update))).toBe(300);
    await getJson(`${server.url}/control/feed`, json({ mode: 'idle' }, auth));
    const dropped = await getJson<any>(`${server.url}/control/drop`, json({ transport: 'ws' }, auth));
    expect(dropped.body.dropped).toEqual({ ws: 1 });
    expect((await peer.closed).code).toBe(4000);
    await getJson(`${server.url}/control/reset-counters`, json({}, auth));
    const { body } = await getJson<any>(`${server.url}/stats`);
    expect(body.transports.ws.messagesSent).toBe(0);
  });
});

describe('access token and origin allow-list', () => {
  it('refuses a WebSocket upgrade and an SSE stream without the token, accepts them with it', async () => {
    server = await startServer({ accessToken: 'tok', allowedOrigins: ['http://ok.example'] });
    const refused = new WebSocket(`${server.wsUrl}/ws`);
    const [, response] = (await once(refused, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage];
    expect(response.statusCode).toBe(401);
    response.destroy();
    await expect(openSse(`${server.url}/sse`)).rejects.toMatchObject({ status: 401 });
    const wrongOrigin = await getJson<ErrorBody>(`${server.url}/poll?token=tok`, { headers: { origin: 'http://evil.example' } });
    expect([wrongOrigin.status, wrongOrigin.body.error.code]).toEqual([403, 'WL_FORBIDDEN_ORIGIN']);
    const peer = await openWs(`${server.wsUrl}/ws?token=tok`, { headers: { origin: 'http://ok.example' } });
    await peer.inbox.until((m) => m.length >= 1);
    const sse = await openSse(`${server.url}/sse`, { authorization: 'Bearer tok' });
    await sse.inbox.until((m) => m.length >= 1);
    peer.ws.close();
    sse.close();
  });
});

describe('POST /ping from a browser', () => {
  it('accepts the JSON body sent as text/plain, and names a body that is not JSON', async () => {
    server = await startServer();
    const ok = await getJson<Record<string, unknown>>(`${server.url}/ping`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"id":"b1","ts":5}',
    });
    expect(ok.body).toMatchObject({ type: 'pong', id: 'b1', ts: 5 });
    const bad = await getJson<ErrorBody>(`${server.url}/ping`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'WL_BAD_BODY']);
  });
});

import { once } from 'node:events';
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import https from 'node:https';
import net, { type Socket } from 'node:net';
import nodeTls, { type TLSSocket } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ServerOptions } from '../../servers/config.js';
import { range, startServer, type TestServer } from './helpers.js';
import { makeCertificate } from './tls-cert.js';

let tls: { key: Buffer; cert: Buffer };
let server: TestServer;
const sessions: ClientHttp2Session[] = [];

beforeAll(() => {
  tls = makeCertificate();
});

afterEach(async () => {
  for (const session of sessions.splice(0)) session.destroy();
  await server?.close();
});

async function start(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  server = await startServer({ h2cPort: 0, tlsPort: 0, tlsKey: tls.key, tlsCert: tls.cert, ...options });
  return server;
}

function connect(url: string, options: http2.SecureClientSessionOptions = {}): ClientHttp2Session {
  const session = http2.connect(url, options);
  session.on('error', () => {});
  sessions.push(session);
  return session;
}

/** One request on `session`, its whole answer. */
async function fetchH2(
  session: ClientHttp2Session,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ headers: IncomingHttpHeaders; body: string }> {
  const stream = session.request({ ':path': path, ...headers });
  const [responseHeaders] = (await once(stream, 'response')) as [IncomingHttpHeaders];
  let body = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) body += chunk as string;
  return { headers: responseHeaders, body };
}

/** An SSE stream on `session`, its events' data parsed, awaitable. */
async function openSseStream(session: ClientHttp2Session, path = '/sse') {
  const stream = session.request({ ':path': path, accept: 'text/event-stream' });
  const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders];
  const messages: Array<{ seq: number; type: string }> = [];
  let text = '';
  let waiter: { test: () => boolean; resolve: () => void } | undefined;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text += chunk;
    for (let end = text.indexOf('\n\n'); end !== -1; end = text.indexOf('\n\n')) {
      const data = text
        .slice(0, end)
        .split('\n')
        .find((line) => line.startsWith('data: '));
      if (data !== undefined) messages.push(JSON.parse(data.slice(6)));
      text = text.slice(end + 2);
    }
    if (waiter?.test() === true) waiter.resolve();
  });
  const ended = new Promise<void>((resolve) => stream.once('end', resolve));
  stream.resume();
  return {
    stream: stream as ClientHttp2Stream,
    headers,
    messages,
    ended,
    /** Resolves once `test` holds on the messages received, woken by their arrival. */
    until(test: () => boolean, timeoutMs = 5000): Promise<void> {
      if (test()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out with ${JSON.stringify(messages.map((m) => m.seq))}`)), timeoutMs);
        waiter = {
          test,
          resolve: () => {
            clearTimeout(timer);
            waiter = undefined;
            resolve();
          },
        };
      });
    },
  };
}

/** Waits for a server-side condition by checking on each turn of the event loop. */
async function until(test: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('HTTP/2 cleartext (h2c, prior knowledge)', () => {
  it('streams SSE and answers polls as streams of one session, and counts the session socket once', async () => {
    await start();
    const { port } = new URL(server.server.http2Urls.h2c!);
    let socket: Socket | undefined;
    const session = connect(server.server.http2Urls.h2c!, { createConnection: () => (socket = net.connect(Number(port), '127.0.0.1')) });
    const sse = await openSseStream(session);
    expect(sse.headers[':status']).toBe(200);
    expect(sse.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(sse.headers.connection).toBeUndefined();
    server.publish(20);
    await sse.until(() => sse.messages.filter((m) => m.type === 'update').length === 20);
    expect(sse.messages.filter((m) => m.type === 'update').map((m) => m.seq)).toEqual(range(1, 20));

    const poll = await fetchH2(session, '/poll?since=10');
    expect(JSON.parse(poll.body).events.map((event: { seq: number }) => event.seq)).toEqual(range(11, 20));
    const epoch = server.server.context.feed.epoch;
    const held = fetchH2(session, `/long-poll?since=20&epoch=${epoch}&timeout=5000`);
    await until(() => server.server.context.stats.transports['long-poll'].connections === 1);
    server.publish(1);
    expect(JSON.parse((await held).body).events.map((event: { seq: number }) => event.seq)).toEqual([21]);
    expect(server.server.context.stats.transports.sse.connections).toBe(1);

    // One socket, attributed to the transport of its first request, counted once whatever the streams.
    sse.stream.close(http2.constants.NGHTTP2_CANCEL);
    session.close();
    await once(session, 'close');
    const stats = server.server.context.stats;
    await until(() => stats.bytes('sse').bytesSent === socket!.bytesRead);
    expect(stats.bytes('sse').bytesReceived).toBe(socket!.bytesWritten);
    expect(stats.bytes('short-poll').bytesSent + stats.bytes('long-poll').bytesSent).toBe(0);
  });

  it('lets HPACK shrink a repeated request: the same headers cost far fewer bytes the second time', async () => {
    await start();
    const session = connect(server.server.http2Urls.h2c!);
    await fetchH2(session, '/poll?since=0');
    const headers = {
      'user-agent': `wirelab-test/1.0 ${'x'.repeat(80)}`,
      accept: 'application/json',
      'accept-language': 'en-GB,en;q=0.9,de;q=0.8',
    };
    const written: number[] = [];
    for (let round = 0; round < 3; round++) {
      const before = session.socket.bytesWritten;
      await fetchH2(session, '/poll?since=0', headers);
      written.push(session.socket.bytesWritten - before);
    }
    expect(written[1]!).toBeLessThan(written[0]! / 3);
    expect(written[2]!).toBe(written[1]!);
  });

  it('releases a held long poll when the client cancels its stream', async () => {
    await start();
    const session = connect(server.server.http2Urls.h2c!);
    const stream = session.request({ ':path': `/long-poll?since=0&epoch=${server.server.context.feed.epoch}&timeout=30000` });
    stream.on('error', () => {});
    await until(() => server.server.context.stats.transports['long-poll'].connections === 1);
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await until(() => server.server.context.stats.transports['long-poll'].connections === 0);
  });

  it('answers errors in the same JSON with the same codes, and applies the access token', async () => {
    await start({ accessToken: 'secret' });
    const session = connect(server.server.http2Urls.h2c!);
    const refused = await fetchH2(session, '/poll?since=0');
    expect(refused.headers[':status']).toBe(401);
    expect(JSON.parse(refused.body).error.code).toBe('WL_UNAUTHORIZED');
    const bad = await fetchH2(session, '/poll?since=abc', { authorization: 'Bearer secret' });
    expect(bad.headers[':status']).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe('WL_BAD_CURSOR');
  });

  it('does not offer WebSocket over HTTP/2: no extended CONNECT (RFC 8441) in its settings', async () => {
    await start();
    const session = connect(server.server.http2Urls.h2c!);
    await once(session, 'remoteSettings');
    expect(session.remoteSettings.enableConnectProtocol).toBe(false);
  });

  it('ends SSE streams and closes sessions on shutdown, and a drop of polls cuts the session', async () => {
    await start();
    const session = connect(server.server.http2Urls.h2c!);
    const held = session.request({ ':path': `/long-poll?since=0&epoch=${server.server.context.feed.epoch}&timeout=30000` });
    held.on('error', () => {});
    await until(() => server.server.context.stats.transports['long-poll'].connections === 1);
    expect(server.server.context.transports.get('long-poll')!.drop()).toBe(1);
    await once(session, 'close');

    const again = connect(server.server.http2Urls.h2c!);
    const sse = await openSseStream(again);
    await sse.until(() => sse.messages.length === 1);
    await server.close();
    await sse.ended;
  });
});

describe('HTTP/2 over TLS with ALPN', () => {
  it('negotiates h2 and streams SSE to a client that trusts the test certificate', async () => {
    await start();
    const session = connect(server.server.http2Urls.https!, { ca: tls.cert });
    const sse = await openSseStream(session);
    expect(session.alpnProtocol).toBe('h2');
    server.publish(5);
    await sse.until(() => sse.messages.filter((m) => m.type === 'update').length === 5);
  });

  it('falls back to HTTP/1.1 for a client that offers only http/1.1, WebSocket upgrades included', async () => {
    await start();
    server.publish(2);
    const answer = await new Promise<{ status: number; version: string; alpn: string | false | null; body: string }>((resolve, reject) => {
      const options: https.RequestOptions & { ALPNProtocols: string[] } = { ca: tls.cert, ALPNProtocols: ['http/1.1'], agent: false };
      https
        .get(`${server.server.http2Urls.https!}/poll?since=0`, options, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              version: response.httpVersion,
              alpn: (response.socket as TLSSocket).alpnProtocol,
              body,
            }),
          );
        })
        .on('error', reject);
    });
    expect(answer).toMatchObject({ status: 200, version: '1.1', alpn: 'http/1.1' });
    expect(JSON.parse(answer.body).events).toHaveLength(2);

    const ws = new WebSocket(`${server.server.http2Urls.https!.replace(/^https/, 'wss')}/ws`, { ca: tls.cert });
    const [message] = (await once(ws, 'message')) as [Buffer];
    expect(JSON.parse(message.toString('utf8'))).toMatchObject({ type: 'initial', seq: 2 });
    ws.close();
    await once(ws, 'close');
  });

  it('holds its HTTP/1.1 connections to the same header timeout as the main listener: 408 WL_REQUEST_TIMEOUT, then closed', async () => {
    await start({ headersTimeoutMs: 300, requestTimeoutMs: 1000, timeoutCheckIntervalMs: 50 });
    const { port } = new URL(server.server.http2Urls.https!);
    const socket = nodeTls.connect({ host: '127.0.0.1', port: Number(port), ca: tls.cert, ALPNProtocols: ['http/1.1'] });
    await once(socket, 'secureConnect');
    socket.write('GET /poll HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    await once(socket, 'close');
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('WL_REQUEST_TIMEOUT');
  });
});

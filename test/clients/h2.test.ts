import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, H2Connection } from '../../clients/index.js';
import type { FeedClient, FeedClientOptions } from '../../clients/types.js';
import type { ServerOptions } from '../../servers/config.js';
import { makeCertificate } from '../servers/tls-cert.js';
import { fastOptions, range, Recorder, startServer, type TestServer } from './helpers.js';

let tls: { key: Buffer; cert: Buffer };
const clients: FeedClient[] = [];
const connections: H2Connection[] = [];
const servers: TestServer[] = [];

beforeAll(() => {
  tls = makeCertificate();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(connections.splice(0).map((connection) => connection.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(options: Omit<Partial<ServerOptions>, 'port'> = {}): Promise<TestServer> {
  const started = await startServer({ h2cPort: 0, tlsPort: 0, tlsKey: tls.key, tlsCert: tls.cert, ...options });
  servers.push(started);
  return started;
}

function client(options: FeedClientOptions): FeedClient {
  const created = createClient(options);
  clients.push(created);
  return created;
}

/** Waits for a server-side condition by checking on each turn of the event loop. */
async function until(test: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const PROTOCOLS = ['sse', 'long-poll', 'short-poll'] as const;

describe.each(PROTOCOLS)('%s client over HTTP/2 (h2c) against the real server', (protocol) => {
  it('gets the snapshot and every update in order, answers PING, and counts exactly the bytes the server counts', async () => {
    const s = await server();
    const recorder = new Recorder();
    const c = client(fastOptions(protocol, s.server.http2Urls.h2c!, recorder, { http2: true }));
    await c.connect();
    s.publish(30);
    await recorder.untilSeq(30);
    expect(recorder.seqs).toEqual(range(1, 30));
    expect(recorder.snapshots.map((snapshot) => snapshot.kind)).toEqual(['initial']);
    expect((await c.ping()).rttMicros).toBeGreaterThan(0);
    if (protocol === 'sse') expect(c.counters.requests).toBe(2);
    // One connection, counted at its socket on both sides (compared while open: the client's
    // last GOAWAY on close may never be read by the server).
    const bytes = (): { bytesSent: number; bytesReceived: number } => s.server.context.stats.bytes(protocol);
    await until(() => bytes().bytesSent === c.counters.bytesRead && bytes().bytesReceived === c.counters.bytesWritten);
    expect(c.counters.bytesRead).toBeGreaterThan(0);
  });

  it('decodes gzip over HTTP/2', async () => {
    const s = await server({ httpCompression: 'gzip' });
    const recorder = new Recorder();
    const c = client(fastOptions(protocol, s.server.http2Urls.h2c!, recorder, { http2: true, acceptEncoding: 'gzip' }));
    await c.connect();
    for (let index = 0; index < 40; index++) s.server.context.feed.publish({ note: 'goal goal goal goal goal' });
    await recorder.untilSeq(40);
    expect(recorder.seqs.slice(-40)).toEqual(range(1, 40));
    expect(c.counters.decompressedBytes).toBeGreaterThan(c.counters.compressedBytes);
  });

  it('reconnects after a drop and resumes without a gap', async () => {
    const s = await server();
    const recorder = new Recorder();
    const c = client(fastOptions(protocol, s.server.http2Urls.h2c!, recorder, { http2: true }));
    await c.connect();
    s.publish(5);
    await recorder.untilSeq(5);
    s.server.context.transports.get(protocol)!.drop();
    s.publish(5);
    await recorder.untilSeq(10);
    expect(recorder.seqs).toEqual(range(1, 10));
    expect(recorder.snapshots.map((snapshot) => snapshot.kind)).toEqual(['initial']);
  });
});

describe('many HTTP/2 clients on one connection', () => {
  it('carries 20 SSE clients as 20 streams of one session, each getting every update', async () => {
    const s = await server();
    const shared = new H2Connection(s.server.http2Urls.h2c!);
    connections.push(shared);
    const recorders = Array.from({ length: 20 }, () => new Recorder());
    const many = recorders.map((recorder, index) =>
      client(fastOptions('sse', s.server.http2Urls.h2c!, recorder, { http2: shared, id: `c${index}` })),
    );
    await Promise.all(many.map((c) => c.connect()));
    expect(s.server.context.stats.transports.sse.connections).toBe(20);
    s.publish(50);
    await Promise.all(recorders.map((recorder) => recorder.untilSeq(50)));
    for (const recorder of recorders) expect(recorder.seqs).toEqual(range(1, 50));
    // The bytes are the connection's, not any one client's.
    expect(many.every((c) => c.counters.bytesRead === 0)).toBe(true);
    expect(shared.bytesRead).toBeGreaterThan(0);
    await Promise.all(many.map((c) => c.close()));
    await shared.close();
    await until(() => s.server.context.stats.bytes('sse').bytesSent === shared.bytesRead);
  });
});

describe('HTTP/2 over TLS', () => {
  it('long-polls over h2 negotiated by ALPN with the test certificate trusted', async () => {
    const s = await server();
    const recorder = new Recorder();
    const c = client(fastOptions('long-poll', s.server.http2Urls.https!, recorder, { http2: true, ca: tls.cert }));
    await c.connect();
    s.publish(10);
    await recorder.untilSeq(10);
    expect(recorder.seqs).toEqual(range(1, 10));
  });

  it('refuses WebSocket over HTTP/2 at once', () => {
    expect(() => createClient({ url: 'http://127.0.0.1:1', protocol: 'ws', handlers: new Recorder(), http2: true })).toThrow(/RFC 8441/);
  });
});

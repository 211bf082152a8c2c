import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../clients/index.js';
import type { FeedClient, FeedClientOptions } from '../../clients/types.js';
import { eventually, fastOptions, range, Recorder, startServer, type TestServer } from './helpers.js';

const clients: FeedClient[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

function client(options: FeedClientOptions): FeedClient {
  const created = createClient(options);
  clients.push(created);
  return created;
}

async function realServer(options: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const server = await startServer(options);
  cleanups.push(() => server.close());
  return server;
}

/** A scripted HTTP server: `handle` answers each request; returns its base URL. */
async function fakeServer(
  handle: (req: IncomingMessage, res: ServerResponse, index: number) => void,
): Promise<{ url: string; server: Server }> {
  let index = 0;
  const server = createServer((req, res) => handle(req, res, index++));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`, server };
}

const INITIAL = '{"seq":0,"ts":1,"type":"initial","epoch":"fake","data":{"events":[]}}';
const update = (seq: number): string => `{"seq":${seq},"ts":${1000 + seq},"type":"update","data":{"k":"v"}}`;
const unavailable = (res: ServerResponse): void => {
  res.writeHead(503, { 'content-type': 'application/json' });
  res.end('{"error":{"code":"WL_SHUTTING_DOWN","message":"the server is shutting down"}}');
};

describe('retryable answers', () => {
  it('short polling retries 503 with backoff, then polls on', async () => {
    const fake = await fakeServer((req, res, index) => {
      if (index < 2) return unavailable(res);
      const since = new URL(req.url!, 'http://x').searchParams.get('since');
      res.writeHead(200, { 'content-type': 'application/json' });
      if (since === null) res.end(`{"epoch":"fake","next":0,"events":[${INITIAL}]}`);
      else if (since === '0') res.end(`{"epoch":"fake","next":2,"events":[${update(1)},${update(2)}]}`);
      else res.end(`{"epoch":"fake","next":${since},"events":[]}`);
    });
    const recorder = new Recorder();
    const c = client(fastOptions('short-poll', fake.url, recorder, { reconnect: { initialDelayMs: 5, jitter: 0 } }));
    await c.connect();
    expect(recorder.closes.map((close) => [close.code, close.delayMs, close.willReconnect])).toEqual([
      [503, 5, true],
      [503, 10, true],
    ]);
    expect(c.counters.reconnects).toBe(2);
    await recorder.untilSeq(2);
    expect(recorder.seqs).toEqual([1, 2]);
    await eventually(
      () => c.counters.emptyPolls,
      (n) => n >= 2,
    );
    expect(c.counters.emptyPolls).toBeGreaterThanOrEqual(2);
    expect(c.lastSeq).toBe(2);
  });

  it('SSE retries 503, then streams', async () => {
    const fake = await fakeServer((req, res, index) => {
      if (index < 1) return unavailable(res);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`retry: 1000\n\nid: fake:0\ndata: ${INITIAL}\n\n`);
      res.write(`id: fake:1\ndata: ${update(1)}\n\n: hb\n\n`);
    });
    const recorder = new Recorder();
    const c = client(fastOptions('sse', fake.url, recorder));
    await c.connect();
    await recorder.untilSeq(1);
    expect(recorder.closes).toEqual([expect.objectContaining({ code: 503, willReconnect: true, delayMs: 20 })]);
    expect((c as unknown as { lastEventId: string }).lastEventId).toBe('fake:1');
  });

  it("SSE takes the stream's retry: as the first delay when none is configured", async () => {
    let requests = 0;
    const fake = await fakeServer((req, res) => {
      requests += 1;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`retry: 30\n\nid: fake:0\ndata: ${INITIAL}\n\n`);
    });
    const recorder = new Recorder();
    const c = client({ url: fake.url, protocol: 'sse', handlers: recorder, reconnect: { jitter: 0 } });
    await c.connect();
    await recorder.until((r) => r.closes.length >= 1);
    expect(recorder.closes[0]).toMatchObject({ willReconnect: true, delayMs: 30 });
    await recorder.until((r) => r.opens.length >= 2);
    expect(requests).toBeGreaterThanOrEqual(2);
  });
});

describe('answers that stop the client', () => {
  it('SSE stops on 204 and on a wrong content type', async () => {
    const noContent = await fakeServer((req, res) => {
      res.writeHead(204);
      res.end();
    });
    const a = client(fastOptions('sse', noContent.url, new Recorder()));
    await expect(a.connect()).rejects.toMatchObject({ status: 204 });
    const html = await fakeServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html></html>');
    });
    const b = client(fastOptions('sse', html.url, new Recorder()));
    await expect(b.connect()).rejects.toThrow(/text\/event-stream/);
    expect(a.counters.reconnects + b.counters.reconnects).toBe(0);
  });

  it('a malformed poll answer is a lost connection, retried', async () => {
    const fake = await fakeServer((req, res, index) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(index === 0 ? '{"epoch":"fake","events":[' : `{"epoch":"fake","next":0,"events":[${INITIAL}]}`);
    });
    const recorder = new Recorder();
    const c = client(fastOptions('long-poll', fake.url, recorder));
    await c.connect();
    expect(recorder.closes[0]!.reason).toMatch(/bad answer/);
    expect(c.counters.reconnects).toBe(1);
  });
});

describe('PING errors', () => {
  it('WebSocket: an error message is reported and the PING times out', async () => {
    const s = await realServer();
    const recorder = new Recorder();
    const c = client(fastOptions('ws', s.url, recorder, { pingTimeoutMs: 300 }));
    await c.connect();
    await expect(c.ping('x'.repeat(100))).rejects.toThrow(/not answered within 300 ms/);
    expect(recorder.errors.map((error) => (error as { code?: string }).code)).toEqual(['WL_BAD_MESSAGE']);
    expect(c.state).toBe('open');
    await c.ping();
  });

  it('HTTP: a refused PING rejects with the server’s code', async () => {
    const s = await realServer();
    const c = client(fastOptions('long-poll', s.url, new Recorder()));
    await c.connect();
    await expect(c.ping('x'.repeat(100))).rejects.toMatchObject({ status: 400, code: 'WL_BAD_MESSAGE' });
    await expect(c.ping('dup')).resolves.toMatchObject({ serverTs: expect.any(Number) });
  });

  it('WebSocket: PING before the connection is open rejects', async () => {
    const s = await realServer();
    const c = client(fastOptions('ws', s.url, new Recorder()));
    await expect(c.ping()).rejects.toThrow(/not open/);
  });
});

describe('short polling schedule', () => {
  it('requests on a fixed schedule', async () => {
    const arrivals: number[] = [];
    const fake = await fakeServer((req, res) => {
      arrivals.push(performance.now());
      const since = new URL(req.url!, 'http://x').searchParams.get('since');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(since === null ? `{"epoch":"fake","next":0,"events":[${INITIAL}]}` : '{"epoch":"fake","next":0,"events":[]}');
    });
    let connections = 0;
    fake.server.on('connection', () => (connections += 1));
    const c = client(fastOptions('short-poll', fake.url, new Recorder(), { pollIntervalMs: 40 }));
    await c.connect();
    await eventually(
      () => arrivals.length,
      (n) => n >= 11,
      5000,
    );
    const mean = (arrivals[10]! - arrivals[0]!) / 10;
    expect(mean).toBeGreaterThan(30);
    expect(mean).toBeLessThan(75);
    expect(c.counters.emptyPolls).toBeGreaterThanOrEqual(9);
    // One keep-alive connection carried every poll.
    expect(c.counters.requests).toBeGreaterThanOrEqual(11);
    expect(connections).toBe(1);
  });

  it('never overlaps requests when answers are slower than the interval', async () => {
    let open = 0;
    let maxOpen = 0;
    let answered = 0;
    const fake = await fakeServer((req, res) => {
      open += 1;
      maxOpen = Math.max(maxOpen, open);
      setTimeout(() => {
        open -= 1;
        answered += 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"epoch":"fake","next":0,"events":[${answered === 1 ? INITIAL : ''}]}`);
      }, 60);
    });
    const c = client(fastOptions('short-poll', fake.url, new Recorder(), { pollIntervalMs: 20 }));
    await c.connect();
    await eventually(
      () => answered,
      (n) => n >= 5,
      5000,
    );
    expect(maxOpen).toBe(1);
  });
});

describe('long polling', () => {
  it('asks for its timeout and counts empty answers', async () => {
    const s = await realServer();
    const recorder = new Recorder();
    const c = client(fastOptions('long-poll', s.url, recorder, { longPollTimeoutMs: 30 }));
    await c.connect();
    await eventually(
      () => c.counters.emptyPolls,
      (n) => n >= 3,
    );
    expect(c.counters.emptyPolls).toBeGreaterThanOrEqual(3);
    s.publish(3);
    await recorder.untilSeq(3);
    expect(recorder.seqs).toEqual(range(1, 3));
  });
});

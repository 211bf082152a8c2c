import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { scriptedTestbed } from './scripted.js';
import { eventually, fastOptions, range, Recorder } from './helpers.js';
import { bytewise, chunked, randomSplits } from './wire.js';

/**
 * The polling clients against scripted servers speaking raw TCP: keep-alive reuse, answers
 * split anywhere, idle connections closed by the server, polls cut mid-hold, error answers.
 */

const { client, track } = scriptedTestbed();

interface Request {
  /** Index among all requests the server read. */
  index: number;
  /** Index of the connection it came on, and of the request on that connection. */
  connection: number;
  onConnection: number;
  head: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
}

interface RawServer {
  url: string;
  requests: Request[];
  /** Every server-side socket, with its byte counts once closed. */
  sockets: Socket[];
}

/** A raw keep-alive server: reads request heads one after another on each connection and hands each to `handle`. */
async function pollServer(handle: (socket: Socket, request: Request) => void): Promise<RawServer> {
  const requests: Request[] = [];
  const all: Socket[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    const connection = all.length;
    all.push(socket);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = Buffer.alloc(0);
    let onConnection = 0;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = pending.toString('latin1', 0, end);
        pending = pending.subarray(end + 4);
        const [requestLine, ...lines] = head.split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
        }
        const path = requestLine!.split(' ')[1]!;
        const request = {
          index: requests.length,
          connection,
          onConnection: onConnection++,
          head,
          path,
          query: new URL(path, 'http://x').searchParams,
          headers,
        };
        requests.push(request);
        handle(socket, request);
      }
    });
  });
  (server as Server & { sockets?: Set<Socket> }).sockets = sockets;
  track(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`, requests, sockets: all };
}

const INITIAL = '{"seq":0,"ts":1,"type":"initial","epoch":"fake","data":{"events":[]}}';
const update = (seq: number): string => `{"seq":${seq},"ts":${1000 + seq},"type":"update","data":{"k":"v"}}`;
const answerBody = (next: number, events: string[]): string => `{"epoch":"fake","next":${next},"events":[${events.join(',')}]}`;

/** A 200 answer with a Content-Length body. */
function sized(body: string, extra = ''): Buffer {
  return Buffer.from(
    `HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
  );
}

/** A 200 answer with a chunked body cut into pieces of 7 bytes. */
function chunkedAnswer(body: string): Buffer {
  const pieces: string[] = [];
  for (let i = 0; i < body.length; i += 7) pieces.push(body.slice(i, i + 7));
  return Buffer.concat([
    Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n'),
    chunked(pieces),
  ]);
}

/** The answer a feed server gives: the initial snapshot first, then updates since `since`, up to `upTo`. */
function feedBody(request: Request, upTo: number): string {
  const since = request.query.get('since');
  if (since === null) return answerBody(0, [INITIAL]);
  const from = Number(since);
  return answerBody(Math.max(from, upTo), range(from + 1, upTo).map(update));
}

async function trickle(socket: Socket, pieces: Buffer[]): Promise<void> {
  for (const piece of pieces) {
    if (socket.destroyed) return;
    socket.write(piece);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('polling on a raw keep-alive connection', () => {
  it('carries many polls on one socket, with exact byte counts', async () => {
    let published = 0;
    const server = await pollServer((socket, request) => {
      if (request.index >= 40) return; // held: nothing in flight towards the client at close()
      published += request.index % 3 === 0 ? 0 : 1;
      socket.write(sized(feedBody(request, published)));
    });
    const recorder = new Recorder();
    const c = client(fastOptions('short-poll', server.url, recorder, { pollIntervalMs: 2, token: 'sekret' }));
    await c.connect();
    await eventually(
      () => server.requests.length,
      (n) => n >= 41,
      5000,
    );
    await c.close();
    expect(server.sockets).toHaveLength(1);
    expect(server.requests.map((r) => r.connection)).toEqual(server.requests.map(() => 0));
    const [first, second] = server.requests;
    expect(first!.head.split('\r\n')[0]).toBe('GET /poll HTTP/1.1');
    expect(first!.headers).toMatchObject({
      host: server.url.slice('http://'.length),
      authorization: 'Bearer sekret',
      connection: 'keep-alive',
    });
    expect(second!.path).toBe('/poll?since=0&epoch=fake');
    // Every update once, in order, and the cursor followed each answer's next.
    expect(recorder.seqs).toEqual(range(1, recorder.seqs.length));
    expect(c.counters.requests).toBe(server.requests.length);
    expect(c.counters.emptyPolls).toBeGreaterThan(0);
    expect(c.counters.errors).toBe(0);
    const socket = server.sockets[0]!;
    await eventually(
      () => socket.destroyed,
      (d) => d,
    );
    expect(c.counters.bytesRead).toBe(socket.bytesWritten);
    expect(c.counters.bytesWritten).toBe(socket.bytesRead);
  });

  it('long polls back to back on one socket', async () => {
    const server = await pollServer((socket, request) => {
      const since = request.query.get('since');
      expect(request.query.get('timeout')).toBe('2000');
      setTimeout(() => socket.write(sized(feedBody(request, since === null ? 0 : Number(since) + 2))), 1);
    });
    const recorder = new Recorder();
    const c = client(fastOptions('long-poll', server.url, recorder));
    await c.connect();
    await recorder.untilSeq(30);
    expect(recorder.seqs.slice(0, 30)).toEqual(range(1, 30));
    expect(new Set(server.requests.map((r) => r.connection))).toEqual(new Set([0]));
    expect(c.counters.emptyPolls).toBe(0);
  });

  it('opens a new connection when the server closed the idle one between polls', async () => {
    const server = await pollServer((socket, request) => {
      socket.write(sized(feedBody(request, request.index)));
      // Every connection serves two polls, then the server closes it while it is idle.
      if (request.onConnection === 1) setTimeout(() => socket.end(), 1);
    });
    const recorder = new Recorder();
    const c = client(fastOptions('short-poll', server.url, recorder, { pollIntervalMs: 15 }));
    await c.connect();
    await eventually(
      () => server.requests.length,
      (n) => n >= 8,
      5000,
    );
    expect(server.sockets.length).toBeGreaterThanOrEqual(4);
    expect(recorder.closes).toEqual([]);
    expect(c.counters.errors).toBe(0);
    expect(c.counters.reconnects).toBe(0);
    expect(recorder.seqs).toEqual(range(1, recorder.seqs.length));
  });

  it('short poll: a request the server drops on a reused socket before answering is retried once, at once', async () => {
    const server = await pollServer((socket, request) => {
      // The second request of each connection meets a server that just closed it.
      if (request.onConnection === 1) {
        socket.destroy();
        return;
      }
      socket.write(sized(feedBody(request, request.index)));
    });
    const recorder = new Recorder();
    const c = client(fastOptions('short-poll', server.url, recorder, { pollIntervalMs: 10 }));
    await c.connect();
    await eventually(
      () => server.requests.length,
      (n) => n >= 9,
      5000,
    );
    expect(recorder.closes).toEqual([]);
    expect(c.counters.errors).toBe(0);
    expect(c.counters.reconnects).toBe(0);
    // Each dropped request went out again with the same cursor on the next connection.
    for (const dropped of server.requests.filter((r) => r.onConnection === 1)) {
      const retry = server.requests[dropped.index + 1];
      if (retry === undefined) continue;
      expect(retry).toMatchObject({ connection: dropped.connection + 1, onConnection: 0, path: dropped.path });
    }
    // Every request counted, the retries included (one may still be on its way to the server).
    expect(c.counters.requests - server.requests.length).toBeGreaterThanOrEqual(0);
    expect(c.counters.requests - server.requests.length).toBeLessThanOrEqual(1);
  });

  it('short poll: a retry that fails too is a lost connection', async () => {
    const server = await pollServer((socket, request) => {
      if (request.index === 0) socket.write(sized(feedBody(request, 0)));
      else if (request.index === 1 || request.index === 2) socket.destroy();
      else socket.write(sized(feedBody(request, 1)));
    });
    const recorder = new Recorder();
    const c = client(fastOptions('short-poll', server.url, recorder));
    await c.connect();
    await recorder.untilSeq(1);
    // Request 1 failed on the reused socket and was retried at once (request 2, on a new
    // connection); that failure was not on a reused socket: a drop.
    expect(recorder.closes).toHaveLength(1);
    expect(recorder.closes[0]).toMatchObject({ willReconnect: true });
    expect(c.counters.reconnects).toBe(1);
  });

  it('long poll: a poll cut mid-hold is a drop; the client reconnects and resumes', async () => {
    const server = await pollServer((socket, request) => {
      if (request.index === 0) socket.write(sized(feedBody(request, 0)));
      else if (request.index === 1) setTimeout(() => socket.destroy(), 30);
      else if (request.index === 2) setTimeout(() => socket.write(sized(feedBody(request, 3))), 5);
      // later polls are held until the test ends
    });
    const recorder = new Recorder();
    const c = client(fastOptions('long-poll', server.url, recorder));
    await c.connect();
    await recorder.untilSeq(3);
    expect(recorder.closes).toEqual([expect.objectContaining({ willReconnect: true, delayMs: 20 })]);
    expect(c.counters.reconnects).toBe(1);
    expect(c.counters.errors).toBe(1);
    expect(server.requests[2]).toMatchObject({ connection: 1, path: '/long-poll?since=0&epoch=fake&timeout=2000' });
    expect(recorder.seqs).toEqual([1, 2, 3]);
  });

  it('reads chunked answers split at every byte, keeping the connection', async () => {
    const server = await pollServer((socket, request) => {
      const since = request.query.get('since');
      if (since !== null && Number(since) >= 6) return; // hold
      void trickle(socket, bytewise(chunkedAnswer(feedBody(request, since === null ? 0 : Number(since) + 2))));
    });
    const recorder = new Recorder();
    const c = client(fastOptions('long-poll', server.url, recorder));
    await c.connect();
    await recorder.untilSeq(6);
    expect(recorder.seqs).toEqual(range(1, 6));
    expect(recorder.updates.map((u) => u.bytes)).toEqual(range(1, 6).map((seq) => Buffer.byteLength(update(seq))));
    expect(server.sockets).toHaveLength(1);
    expect(c.counters.errors).toBe(0);
  });

  it('reads sized and chunked answers split at random places', async () => {
    const server = await pollServer((socket, request) => {
      const since = request.query.get('since');
      if (since !== null && Number(since) >= 40) return;
      const body = feedBody(request, since === null ? 0 : Number(since) + 4);
      const answer = request.index % 2 === 0 ? chunkedAnswer(body) : sized(body, 'x-pad: yes\r\n');
      void trickle(socket, randomSplits(answer, request.index + 1, 40));
    });
    const recorder = new Recorder();
    const c = client(fastOptions('long-poll', server.url, recorder));
    await c.connect();
    await recorder.untilSeq(40);
    expect(recorder.seqs).toEqual(range(1, 40));
    expect(server.sockets).toHaveLength(1);
  });

  it('retries a 503 with backoff on the same connection, then polls on', async () => {
    const server = await pollServer((socket, request) => {
      if (request.index === 0) {
        const body = '{"error":{"code":"WL_SHUTTING_DOWN","message":"the server is shutting down"}}';
        socket.write(`HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
        return;
      }
      socket.write(sized(feedBody(request, 2)));
    });
    const recorder = new Recorder();
    const c = client(fastOptions('short-poll', server.url, recorder));
    await c.connect();
    await recorder.untilSeq(2);
    expect(recorder.closes).toEqual([
      expect.objectContaining({ code: 503, willReconnect: true, delayMs: 20, reason: expect.stringMatching(/HTTP 503 WL_SHUTTING_DOWN/) }),
    ]);
    expect(c.counters.reconnects).toBe(1);
    expect(server.sockets).toHaveLength(1);
  });

  it('stops on a 4xx answer', async () => {
    const server = await pollServer((socket) => {
      const body = '{"error":{"code":"WL_BAD_CURSOR","message":"nope"}}';
      socket.write(
        `HTTP/1.1 400 Bad Request\r\ntransfer-encoding: chunked\r\n\r\n${chunked([body.slice(0, 10), body.slice(10)]).toString()}`,
      );
    });
    const c = client(fastOptions('long-poll', server.url, new Recorder()));
    await expect(c.connect()).rejects.toMatchObject({ status: 400, code: 'WL_BAD_CURSOR' });
    expect(c.state).toBe('closed');
  });

  it('follows Connection: close and close-delimited answers with a new connection per poll', async () => {
    const server = await pollServer((socket, request) => {
      const body = feedBody(request, request.index);
      if (request.index % 2 === 0) socket.end(sized(body, 'connection: close\r\n'));
      else socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n${body}`);
    });
    const recorder = new Recorder();
    const c = client(fastOptions('short-poll', server.url, recorder, { pollIntervalMs: 5 }));
    await c.connect();
    await eventually(
      () => server.requests.length,
      (n) => n >= 6,
      5000,
    );
    expect(server.requests.every((r) => r.onConnection === 0)).toBe(true);
    expect(recorder.closes).toEqual([]);
    expect(recorder.seqs).toEqual(range(1, recorder.seqs.length));
  });

  it('times out a poll that gets no answer', async () => {
    const server = await pollServer((socket, request) => {
      if (request.index === 0) socket.write(sized(feedBody(request, 0)));
      else if (request.index === 2) socket.write(sized(feedBody(request, 1)));
    });
    const recorder = new Recorder();
    const c = client(fastOptions('short-poll', server.url, recorder, { requestTimeoutMs: 100 }));
    await c.connect();
    await recorder.untilSeq(1);
    expect(recorder.closes).toEqual([
      expect.objectContaining({ willReconnect: true, reason: expect.stringMatching(/no answer from GET \/poll within 100 ms/) }),
    ]);
    expect(server.requests[2]!.connection).toBe(1);
  });
});

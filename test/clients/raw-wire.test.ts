import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { acceptFor, closePayload, OPCODE } from '../../clients/codecs/ws-frames.js';
import { scriptedTestbed } from './scripted.js';
import { fastOptions, range, Recorder } from './helpers.js';
import { chunked, randomSplits, readClientFrames, serverFrame, textFrame, type ClientFrame } from './wire.js';

/**
 * The WebSocket and SSE clients against scripted servers speaking raw TCP, so that the bytes
 * on the wire (splits, fragments, framing, odd answers) are exactly what each test says.
 */

const { client, track } = scriptedTestbed();

interface Request {
  index: number;
  head: string;
  path: string;
  headers: Record<string, string>;
}

/** A raw TCP server: reads each request head, then hands the socket to `handle`. */
async function rawServer(handle: (socket: Socket, request: Request, after: Buffer) => void): Promise<{ url: string; requests: Request[] }> {
  const requests: Request[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      pending = Buffer.concat([pending, chunk]);
      const end = pending.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      const head = pending.toString('latin1', 0, end);
      const [requestLine, ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const request = { index: requests.length, head, path: requestLine!.split(' ')[1]!, headers };
      requests.push(request);
      handle(socket, request, pending.subarray(end + 4));
    };
    socket.on('data', onData);
  });
  (server as Server & { sockets?: Set<Socket> }).sockets = sockets;
  track(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`, requests };
}

/** Writes `pieces` one per turn of the event loop (each its own TCP segment, most likely). */
async function trickle(socket: Socket, pieces: Buffer[]): Promise<void> {
  for (const piece of pieces) {
    if (socket.destroyed) return;
    socket.write(piece);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Collects the client frames a socket receives after the handshake. */
function clientFrames(
  socket: Socket,
  after: Buffer,
): { frames: ClientFrame[]; until(test: (frames: ClientFrame[]) => boolean): Promise<void> } {
  let pending = after;
  const frames: ClientFrame[] = [];
  const waiters: Array<{ test: (frames: ClientFrame[]) => boolean; resolve: () => void }> = [];
  const wake = (): void => {
    for (const waiter of [...waiters]) {
      if (waiter.test(frames)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const take = (chunk: Buffer): void => {
    pending = Buffer.concat([pending, chunk]);
    const read = readClientFrames(pending);
    frames.push(...read.frames);
    pending = Buffer.from(read.rest);
    wake();
  };
  socket.on('data', take);
  take(Buffer.alloc(0));
  return {
    frames,
    until: (test) =>
      new Promise<void>((resolve, reject) => {
        if (test(frames)) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`timed out; frames ${JSON.stringify(frames.map((f) => [f.opcode, f.payload.toString()]))}`)),
          5000,
        );
        waiters.push({ test, resolve: () => (clearTimeout(timer), resolve()) });
      }),
  };
}

const INITIAL = '{"seq":0,"ts":1,"type":"initial","epoch":"fake","data":{"events":[]}}';
const update = (seq: number, pad = ''): string => `{"seq":${seq},"ts":${1000 + seq},"type":"update","data":{"k":"${pad}"}}`;

function upgradeAnswer(request: Request, accept = acceptFor(request.headers['sec-websocket-key']!)): string {
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
}

describe('WebSocket client on the wire', () => {
  it('sends a proper upgrade request with the caller’s headers', async () => {
    const fake = await rawServer((socket, request) => socket.end(`${upgradeAnswer(request)}`));
    const c = client(
      fastOptions('ws', fake.url, new Recorder(), {
        token: 'tok',
        headers: { 'x-test': '1', Upgrade: 'h2c' },
        reconnect: { enabled: false },
      }),
    );
    await c.connect().catch(() => undefined);
    const [request] = fake.requests;
    expect(request!.head.split('\r\n')[0]).toBe('GET /ws HTTP/1.1');
    expect(request!.headers).toMatchObject({
      host: new URL(fake.url).host,
      'sec-websocket-version': '13',
      upgrade: 'websocket',
      connection: 'Upgrade',
      authorization: 'Bearer tok',
      'x-test': '1',
    });
    expect(request!.head).not.toMatch(/h2c/);
    expect(Buffer.from(request!.headers['sec-websocket-key']!, 'base64')).toHaveLength(16);
    expect(c.counters.requests).toBe(1);
  });

  it('refuses a 101 answer with a wrong Sec-WebSocket-Accept', async () => {
    const fake = await rawServer((socket, request) =>
      socket.write(upgradeAnswer(request, acceptFor('not the key')) + textFrame(INITIAL).toString('latin1'), 'latin1'),
    );
    const recorder = new Recorder();
    const c = client(fastOptions('ws', fake.url, recorder, { reconnect: { enabled: false } }));
    await expect(c.connect()).rejects.toThrow(/Sec-WebSocket-Accept/);
    expect(recorder.closes).toEqual([
      expect.objectContaining({ code: 1006, willReconnect: false, reason: 'Invalid Sec-WebSocket-Accept header' }),
    ]);
    expect(recorder.snapshots).toEqual([]);
  });

  it('reads frames split anywhere, answers pings, and echoes the server’s close before reconnecting', async () => {
    const big = update(3, 'b'.repeat(70_000));
    const stream = Buffer.concat([
      textFrame(update(1)),
      serverFrame(OPCODE.ping, 'are you there'),
      serverFrame(OPCODE.text, update(2).slice(0, 10), { fin: false }),
      serverFrame(OPCODE.ping, 'again'),
      serverFrame(OPCODE.continuation, update(2).slice(10)),
      textFrame(big),
      ...range(4, 40).map((seq) => textFrame(update(seq))),
      serverFrame(OPCODE.close, closePayload(4000, 'dropped by control')),
    ]);
    const seen: ClientFrame[][] = [];
    const fake = await rawServer((socket, request, after) => {
      const frames = clientFrames(socket, after);
      seen.push(frames.frames);
      if (request.index === 0) {
        // The first frame comes in the same write as the 101.
        socket.write(Buffer.concat([Buffer.from(upgradeAnswer(request)), textFrame(INITIAL)]));
        void trickle(socket, randomSplits(stream, 7, 300))
          .then(() => frames.until((f) => f.some((frame) => frame.opcode === OPCODE.close)))
          .then(() => socket.end());
      } else {
        socket.write(Buffer.concat([Buffer.from(upgradeAnswer(request)), textFrame(update(41))]));
      }
    });
    const recorder = new Recorder();
    const c = client(fastOptions('ws', fake.url, recorder));
    await c.connect();
    await recorder.untilSeq(41);
    expect(recorder.seqs).toEqual(range(1, 41));
    expect(recorder.updates[2]!.bytes).toBe(Buffer.byteLength(big));
    expect(recorder.closes).toEqual([{ code: 4000, reason: 'dropped by control', willReconnect: true, delayMs: 20 }]);
    expect(fake.requests[1]!.path).toBe('/ws?since=40&epoch=fake');

    const first = seen[0]!;
    expect(first.every((frame) => frame.masked && frame.fin)).toBe(true);
    expect(first.map((frame) => [frame.opcode, frame.payload.toString('latin1')])).toEqual([
      [OPCODE.pong, 'are you there'],
      [OPCODE.pong, 'again'],
      [OPCODE.close, closePayload(4000, 'dropped by control').toString('latin1')],
    ]);
  });

  it('sends PING as a masked text frame and settles it with the pong', async () => {
    let frames: ReturnType<typeof clientFrames> | undefined;
    const fake = await rawServer((socket, request, after) => {
      socket.write(Buffer.concat([Buffer.from(upgradeAnswer(request)), textFrame(INITIAL)]));
      frames = clientFrames(socket, after);
      socket.on('data', () => {
        for (const frame of frames!.frames.splice(0)) {
          if (frame.opcode !== OPCODE.text) continue;
          const ping = JSON.parse(frame.payload.toString()) as { id: string; ts: number };
          socket.write(textFrame(JSON.stringify({ type: 'pong', id: ping.id, ts: ping.ts, serverTs: ping.ts + 1 })));
        }
      });
    });
    const c = client(fastOptions('ws', fake.url, new Recorder()));
    await c.connect();
    const result = await c.ping('p-1');
    expect(result.serverTs).toBe(result.sentAt + 1);
  });

  it('closes with 1002 on a protocol error and reconnects', async () => {
    const closes: ClientFrame[] = [];
    const fake = await rawServer((socket, request, after) => {
      const frames = clientFrames(socket, after);
      socket.write(Buffer.concat([Buffer.from(upgradeAnswer(request)), textFrame(INITIAL)]));
      if (request.index === 0) {
        socket.write(serverFrame(OPCODE.text, update(1), { mask: true }));
        void frames
          .until((f) => f.some((frame) => frame.opcode === OPCODE.close))
          .then(() => {
            closes.push(...frames.frames);
            socket.end();
          });
      }
    });
    const recorder = new Recorder();
    const c = client(fastOptions('ws', fake.url, recorder));
    await c.connect();
    await recorder.until((r) => r.opens.length >= 2, 5000, 'a reconnect');
    expect(recorder.closes[0]).toMatchObject({ code: 1002, willReconnect: true, reason: expect.stringMatching(/masked/) });
    expect(closes.map((frame) => [frame.opcode, frame.masked, frame.payload.readUInt16BE(0)])).toEqual([[OPCODE.close, true, 1002]]);
    expect(recorder.seqs).toEqual([]);
  });

  it('takes a non-101 answer as an HTTP error: 503 (chunked) is retried, 400 stops', async () => {
    const fake = await rawServer((socket, request) => {
      if (request.index === 0) {
        socket.write('HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
        void trickle(socket, [chunked(['{"error":{"code":"WL_SHUTTING_DOWN",', '"message":"later"}}'])]);
      } else {
        const body = Buffer.from('{"error":{"code":"WL_BAD_CURSOR","message":"bad cursor"}}');
        socket.write(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
        void trickle(socket, [body.subarray(0, 10), body.subarray(10)]);
      }
    });
    const recorder = new Recorder();
    const c = client(fastOptions('ws', fake.url, recorder));
    await expect(c.connect()).rejects.toMatchObject({ status: 400, code: 'WL_BAD_CURSOR' });
    expect(recorder.closes.map((close) => [close.code, close.willReconnect])).toEqual([
      [503, true],
      [400, false],
    ]);
    expect(recorder.closes[0]!.reason).toMatch(/WL_SHUTTING_DOWN: later/);
  });

  it('gives up a handshake that gets no answer', async () => {
    const fake = await rawServer(() => {});
    const recorder = new Recorder();
    const c = client(fastOptions('ws', fake.url, recorder, { requestTimeoutMs: 150, reconnect: { enabled: false } }));
    await expect(c.connect()).rejects.toThrow(/Opening handshake has timed out/);
  });

  it('close() sends a masked close 1000 and waits for the server’s answer', async () => {
    let frames: ReturnType<typeof clientFrames> | undefined;
    let serverSawEnd = false;
    const fake = await rawServer((socket, request, after) => {
      frames = clientFrames(socket, after);
      socket.write(Buffer.concat([Buffer.from(upgradeAnswer(request)), textFrame(INITIAL)]));
      socket.on('end', () => (serverSawEnd = true));
      void frames
        .until((f) => f.some((frame) => frame.opcode === OPCODE.close))
        .then(() => socket.end(serverFrame(OPCODE.close, closePayload(1000))));
    });
    const recorder = new Recorder();
    const c = client(fastOptions('ws', fake.url, recorder));
    await c.connect();
    const started = Date.now();
    await c.close();
    expect(Date.now() - started).toBeLessThan(900);
    expect(frames!.frames.map((frame) => [frame.opcode, frame.masked, frame.payload.toString('latin1')])).toEqual([
      [OPCODE.close, true, closePayload(1000, 'client close').toString('latin1')],
    ]);
    expect(serverSawEnd).toBe(true);
    expect(recorder.closes).toEqual([{ reason: 'closed by the client', willReconnect: false }]);
  });

  it('close() cuts the socket when the server does not answer the close', async () => {
    const fake = await rawServer((socket, request) =>
      socket.write(Buffer.concat([Buffer.from(upgradeAnswer(request)), textFrame(INITIAL)])),
    );
    const c = client(fastOptions('ws', fake.url, new Recorder()));
    await c.connect();
    const started = Date.now();
    await c.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});

describe('SSE client on the wire', () => {
  const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n';
  const event = (seq: number, message = update(seq)): string => `id: fake:${seq}\ndata: ${message}\n\n`;

  it('reads a chunked stream written a byte at a time, then resumes with Last-Event-ID after its end', async () => {
    const fake = await rawServer((socket, request) => {
      if (request.index === 0) {
        const body = chunked(['retry: 30\n\n', event(0, INITIAL), event(1), `${event(2)}: hb\n\n`], {
          extension: ';x=1',
          trailers: ['X-End: yes'],
        });
        void trickle(
          socket,
          [...Buffer.concat([Buffer.from(head), body])].map((byte) => Buffer.of(byte)),
        );
      } else {
        socket.write(
          head +
            chunked([event(3)])
              .toString()
              .replace(/0\r\n\r\n$/, ''),
        );
      }
    });
    const recorder = new Recorder();
    const c = client({ url: fake.url, protocol: 'sse', handlers: recorder, reconnect: { jitter: 0 } });
    await c.connect();
    await recorder.untilSeq(3);
    expect(recorder.seqs).toEqual([1, 2, 3]);
    expect(recorder.closes).toEqual([{ reason: 'the server ended the stream', willReconnect: true, delayMs: 30 }]);
    expect(fake.requests[0]!.headers).toMatchObject({ accept: 'text/event-stream', 'cache-control': 'no-cache' });
    expect(fake.requests[0]!.headers['last-event-id']).toBeUndefined();
    expect(fake.requests[1]!.headers['last-event-id']).toBe('fake:2');
    expect((c as unknown as { lastEventId: string }).lastEventId).toBe('fake:3');
    expect(c.counters.requests).toBe(2);
  });

  it('reads a stream delimited by the close of the connection', async () => {
    const fake = await rawServer((socket, request) => {
      if (request.index === 0)
        socket.end(
          `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n${event(0, INITIAL)}${event(1)}${event(2)}`,
        );
    });
    const recorder = new Recorder();
    const c = client(fastOptions('sse', fake.url, recorder));
    await c.connect();
    await recorder.until((r) => r.closes.length > 0, 5000, 'the end of the stream');
    expect(recorder.seqs).toEqual([1, 2]);
    expect(recorder.closes[0]).toMatchObject({ reason: 'the server ended the stream', willReconnect: true });
  });

  it('takes a cut-off chunked stream as lost', async () => {
    const fake = await rawServer((socket, request) => {
      if (request.index === 0)
        socket.end(
          `${head}${chunked([event(0, INITIAL), event(1)])
            .toString()
            .replace(/0\r\n\r\n$/, '')}5\r\nid: `,
        );
    });
    const recorder = new Recorder();
    const c = client(fastOptions('sse', fake.url, recorder));
    await c.connect();
    await recorder.until((r) => r.closes.length > 0, 5000, 'the end of the stream');
    expect(recorder.closes[0]).toMatchObject({ reason: 'the stream was cut off', willReconnect: true });
  });

  it('retries a 503 whose body is chunked, stops on a 401 with a Content-Length body', async () => {
    const fake = await rawServer((socket, request) => {
      if (request.index === 0) {
        socket.write('HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
        void trickle(socket, [chunked(['{"error":{"code":"WL_SHUTTING_DOWN",', '"message":"later"}}'])]);
      } else {
        const body = '{"error":{"code":"WL_UNAUTHORIZED","message":"no token"}}';
        socket.write(`HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      }
    });
    const recorder = new Recorder();
    const c = client(fastOptions('sse', fake.url, recorder));
    await expect(c.connect()).rejects.toMatchObject({ status: 401, code: 'WL_UNAUTHORIZED' });
    expect(recorder.closes.map((close) => [close.code, close.willReconnect])).toEqual([
      [503, true],
      [401, false],
    ]);
  });

  it('takes a garbled answer as a lost connection', async () => {
    const fake = await rawServer((socket, request) => {
      if (request.index === 0) socket.end('HTTP/9 what\r\n\r\n');
      else
        socket.write(
          `${head}${chunked([event(0, INITIAL)])
            .toString()
            .replace(/0\r\n\r\n$/, '')}`,
        );
    });
    const recorder = new Recorder();
    const c = client(fastOptions('sse', fake.url, recorder));
    await c.connect();
    expect(recorder.closes[0]).toMatchObject({
      willReconnect: true,
      reason: expect.stringMatching(/^GET \/sse: not an HTTP\/1.x status line/),
    });
  });
});

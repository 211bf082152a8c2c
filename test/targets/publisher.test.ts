import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MarkerScanner } from '../../clients/codecs/marker.js';
import { HttpPublishTransport } from '../../bench/target/publish-http.js';
import { Publisher, type PublisherOptions } from '../../bench/target/publisher.js';
import { closedPort } from '../clients/helpers.js';

const RUN = 'c0de';

interface Sink {
  url: string;
  bodies: string[];
  maxConcurrent: number;
  server: Server;
}

/** A real HTTP endpoint that records each body; `answer` decides how (and when) to reply. */
async function startSink(answer: (body: string, res: ServerResponse, index: number) => void = (_, res) => res.end('ok')): Promise<Sink> {
  let concurrent = 0;
  const sink: Sink = { url: '', bodies: [], maxConcurrent: 0, server: undefined as unknown as Server };
  sink.server = createServer((req: IncomingMessage, res) => {
    concurrent += 1;
    sink.maxConcurrent = Math.max(sink.maxConcurrent, concurrent);
    res.on('finish', () => {
      concurrent -= 1;
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      sink.bodies.push(body);
      answer(body, res, sink.bodies.length - 1);
    });
  });
  sink.server.listen(0, '127.0.0.1');
  await once(sink.server, 'listening');
  sink.url = `http://127.0.0.1:${(sink.server.address() as AddressInfo).port}/pub`;
  return sink;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function publisher(url: string, options: Partial<PublisherOptions> = {}): Publisher {
  const transport = new HttpPublishTransport({ url, maxSockets: options.maxInFlight ?? 1 });
  cleanups.push(() => transport.close());
  return new Publisher({ transport, run: RUN, rate: 1000, payload: 64, maxMessages: 20, durationMs: 10_000, ...options });
}

function seqsOf(bodies: string[]): number[] {
  const scanner = new MarkerScanner(RUN);
  return bodies.flatMap((body) => {
    const buf = Buffer.from(body);
    const count = scanner.scan(buf, 0, buf.length, Number.MAX_SAFE_INTEGER);
    return scanner.seqs.slice(0, count);
  });
}

describe('the harness as publisher', () => {
  it('publishes exactly the count asked for, seqs in order, each body the payload size, and records every acknowledgement', async () => {
    const sink = await startSink();
    cleanups.push(() => new Promise((resolve) => sink.server.close(() => resolve())));
    const result = await publisher(sink.url, { maxMessages: 25, payload: 100 }).start();
    expect(result).toMatchObject({
      run: RUN,
      firstSeq: 1,
      lastSeq: 25,
      attempted: 25,
      acked: 25,
      failed: 0,
      stoppedBy: 'count',
      bodyBytes: 100,
    });
    expect(result.ackLatency.count).toBeGreaterThanOrEqual(25);
    expect(seqsOf(sink.bodies)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    for (const body of sink.bodies) expect(Buffer.byteLength(body)).toBe(100);
  });

  it('stops by itself when its time is up, whatever the count', async () => {
    const sink = await startSink();
    cleanups.push(() => new Promise((resolve) => sink.server.close(() => resolve())));
    const result = await publisher(sink.url, { rate: 20, maxMessages: 1_000_000, durationMs: 150 }).start();
    expect(result.stoppedBy).toBe('time');
    expect(result.attempted).toBeGreaterThan(0);
    expect(result.attempted).toBeLessThan(1_000_000);
    expect(result.acked).toBe(result.attempted);
  });

  it('counts failed publishes by reason and keeps their seqs', async () => {
    const sink = await startSink((body, res) => {
      const [seq] = seqsOf([body]);
      res.statusCode = seq! % 2 === 0 ? 503 : 201;
      res.end();
    });
    cleanups.push(() => new Promise((resolve) => sink.server.close(() => resolve())));
    const result = await publisher(sink.url, { maxMessages: 10 }).start();
    expect(result).toMatchObject({ attempted: 10, acked: 5, failed: 5, failures: { 'HTTP 503': 5 }, failedSeqs: [2, 4, 6, 8, 10] });
  });

  it('never has more than maxInFlight publishes awaiting their acknowledgement', async () => {
    const held: ServerResponse[] = [];
    let answering = false;
    let threeHeld: (() => void) | undefined;
    const sink = await startSink((_, res) => {
      if (answering) {
        res.end('ok');
        return;
      }
      held.push(res);
      if (held.length === 3) threeHeld?.();
    });
    cleanups.push(() => new Promise((resolve) => sink.server.close(() => resolve())));
    const running = publisher(sink.url, { maxInFlight: 3, maxMessages: 9 });
    const reached = new Promise<void>((resolve) => {
      threeHeld = resolve;
    });
    const done = running.start();
    await reached;
    // Three are held by the server: the publisher waits instead of sending a fourth.
    expect(running.stats).toMatchObject({ sent: 3, inFlight: 3 });
    answering = true;
    for (const res of held.splice(0)) res.end('ok');
    const result = await done;
    expect(result).toMatchObject({ attempted: 9, acked: 9 });
    expect(sink.maxConcurrent).toBe(3);
  });

  it('reports a refused connection as a failure, not an exception', async () => {
    const port = await closedPort();
    const result = await publisher(`http://127.0.0.1:${port}/pub`, { maxMessages: 3 }).start();
    expect(result).toMatchObject({ attempted: 3, acked: 0, failed: 3, failures: { ECONNREFUSED: 3 } });
  });

  it('refuses options it cannot honour, naming them', () => {
    const url = 'http://127.0.0.1:1/pub';
    expect(() => publisher(url, { payload: 31 })).toThrow(/payload must be at least 32 bytes/);
    expect(() => publisher(url, { payload: 39, bodyTemplate: '{"m":"{{message}}"}' })).toThrow(/at least 40 bytes .*template's 8/);
    expect(() => publisher(url, { bodyTemplate: '{}' })).toThrow(/exactly once/);
    expect(() => publisher(url, { rate: 0 })).toThrow(/rate must be > 0/);
    expect(() => publisher(url, { maxInFlight: 0 })).toThrow(/maxInFlight/);
    expect(() => publisher(url, { firstSeq: 2 ** 32 })).toThrow(/do not fit a marker/);
  });
});

import { once } from 'node:events';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { resolveServerOptions } from '../../servers/config.js';
import type { TransportName } from '../../servers/stats.js';
import { openSse, openWs, range, startServer, type Inbox, type TestServer } from './helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
});

const MAX_BUFFERED = 256 * 1024;
/** Four 16 KiB updates per turn: a batch well under the bound, so what is left after a cut-off shows. */
const PER_ROUND = 4;
const PAYLOAD = { pad: 'z'.repeat(16 * 1024) };

/**
 * Publishes rounds until the server cuts one client off, waiting each round until every reader
 * has everything. Bounded: at most 4000 × 16 KiB, far beyond what loopback buffers hold.
 */
async function publishUntilCutOff(test: TestServer, transport: TransportName, readers: Inbox[]): Promise<number> {
  const counters = test.server.context.stats.transports[transport];
  let published = 0;
  while (counters.slowConsumersDropped === 0 && published < 4000) {
    test.publish(PER_ROUND, PAYLOAD);
    published += PER_ROUND;
    for (const inbox of readers) await inbox.until(() => inbox.seqsOf().length === published, 10_000);
  }
  expect(counters.slowConsumersDropped).toBe(1);
  return published;
}

/** The server's side of the one WebSocket it is closing. */
function closingServerSide(test: TestServer): WebSocket & { _socket: Socket } {
  const closing = [...test.server.app.websocketServer.clients].filter((ws) => ws.readyState === WebSocket.CLOSING);
  expect(closing).toHaveLength(1);
  return closing[0] as WebSocket & { _socket: Socket };
}

describe('slow consumer on a WebSocket', () => {
  it('delivers close 4002 to a client that reads again after being cut off, and keeps every other client whole', async () => {
    server = await startServer({ maxBufferedBytes: MAX_BUFFERED, slowConsumerGraceMs: 10_000 });
    const stalled = await openWs(`${server.wsUrl}/ws`);
    await stalled.inbox.until((m) => m.length >= 1);
    stalled.ws.pause();
    const readers = [await openWs(`${server.wsUrl}/ws`), await openWs(`${server.wsUrl}/ws`)];
    await Promise.all(readers.map((reader) => reader.inbox.until((m) => m.length >= 1)));
    const published = await publishUntilCutOff(
      server,
      'ws',
      readers.map((reader) => reader.inbox),
    );

    // The unsent backlog was discarded: the close frame waits behind at most about one batch.
    const serverSide = closingServerSide(server);
    expect(serverSide._socket.writableLength).toBeLessThan(MAX_BUFFERED / 2);
    // A client on a slow link comes back after a while: the pause is the condition under test.
    await delay(3000);
    stalled.ws.resume();
    const { code, reason } = await stalled.closed;
    expect({ code, reason }).toEqual({ code: 4002, reason: 'slow consumer' });
    const got = stalled.inbox.seqsOf();
    expect(got).toEqual(range(1, got.length));
    expect(got.length).toBeLessThan(published);

    server.publish(3);
    for (const reader of readers) {
      await reader.inbox.until(() => reader.inbox.seqsOf().length === published + 3);
      expect(reader.inbox.seqsOf()).toEqual(range(1, published + 3));
      expect(reader.ws.readyState).toBe(WebSocket.OPEN);
      reader.ws.close();
    }
  });

  it('destroys the connection of a client that does not read within the grace, which then sees 1006', async () => {
    const slowConsumerGraceMs = 200;
    server = await startServer({ maxBufferedBytes: MAX_BUFFERED, slowConsumerGraceMs });
    const stalled = await openWs(`${server.wsUrl}/ws`);
    await stalled.inbox.until((m) => m.length >= 1);
    stalled.ws.pause();
    const reader = await openWs(`${server.wsUrl}/ws`);
    await reader.inbox.until((m) => m.length >= 1);
    const published = await publishUntilCutOff(server, 'ws', [reader.inbox]);
    const serverSide = closingServerSide(server);
    const cutAt = Date.now();
    await once(serverSide, 'close');
    // Generous slack for a busy machine; without the bound the connection would stay for good.
    expect(Date.now() - cutAt).toBeLessThan(slowConsumerGraceMs + 2000);
    expect(server.server.context.stats.transports.ws.connections).toBe(1);
    stalled.ws.resume();
    expect((await stalled.closed).code).toBe(1006);
    expect(stalled.inbox.seqsOf()).toEqual(range(1, stalled.inbox.seqsOf().length));
    expect(reader.inbox.seqsOf()).toEqual(range(1, published));
    reader.ws.close();
  });
});

describe('slow consumer on an SSE stream', () => {
  it('ends the stream with a WL_SLOW_CONSUMER error the client reads when it reads again', async () => {
    // A short heartbeat keeps trying the ended stream while it waits for its reader.
    server = await startServer({ maxBufferedBytes: MAX_BUFFERED, slowConsumerGraceMs: 10_000, sseHeartbeatMs: 20 });
    const stalled = await openSse(`${server.url}/sse`);
    await stalled.inbox.until((m) => m.some((x) => x.type === 'initial'));
    stalled.response.pause();
    const reader = await openSse(`${server.url}/sse`);
    await reader.inbox.until((m) => m.some((x) => x.type === 'initial'));
    const published = await publishUntilCutOff(server, 'sse', [reader.inbox]);
    // Stays away long enough for many heartbeats to pass over the ended stream.
    await delay(300);
    stalled.response.resume();
    await stalled.ended;

    const last = stalled.events.at(-1)!;
    expect(last.id).toBeUndefined();
    expect(JSON.parse(last.data)).toEqual({
      type: 'error',
      code: 'WL_SLOW_CONSUMER',
      message: `client too slow: more than ${MAX_BUFFERED} bytes unread`,
    });
    const got = stalled.inbox.seqsOf();
    expect(got).toEqual(range(1, got.length));
    expect(got.length).toBeLessThan(published);
    expect(server.server.context.stats.transports.sse.connections).toBe(1);

    server.publish(3);
    await reader.inbox.until(() => reader.inbox.seqsOf().length === published + 3);
    expect(reader.inbox.seqsOf()).toEqual(range(1, published + 3));
    reader.close();
  });

  it('destroys the stream of a client that does not read within the grace', async () => {
    const slowConsumerGraceMs = 200;
    server = await startServer({ maxBufferedBytes: MAX_BUFFERED, slowConsumerGraceMs });
    const stalled = await openSse(`${server.url}/sse`);
    await stalled.inbox.until((m) => m.some((x) => x.type === 'initial'));
    stalled.response.pause();
    const reader = await openSse(`${server.url}/sse`);
    await reader.inbox.until((m) => m.some((x) => x.type === 'initial'));
    await publishUntilCutOff(server, 'sse', [reader.inbox]);
    const counters = server.server.context.stats.transports.sse;
    const cutAt = Date.now();
    // The stalled client cannot see the end before it reads, so watch the server's count.
    while (counters.connections > 1 && Date.now() - cutAt < slowConsumerGraceMs + 2000) await delay(10);
    // Generous slack for a busy machine; without the bound the connection would stay for good.
    expect(counters.connections).toBe(1);
    stalled.close();
    reader.close();
  });
});

describe('slowConsumerGraceMs', () => {
  it('is refused beyond the 30 s the WebSocket library allows a closing handshake', () => {
    expect(resolveServerOptions({}).slowConsumerGraceMs).toBe(30_000);
    expect(() => resolveServerOptions({ slowConsumerGraceMs: 30_001 })).toThrow(
      expect.objectContaining({
        code: 'WL_BAD_OPTION',
        message: expect.stringContaining('slowConsumerGraceMs must be an integer from 0 to 30000'),
      }),
    );
  });
});

describe('an SSE stream ended while its reader is not reading', () => {
  it('survives heartbeats over the ended stream after a control drop', async () => {
    server = await startServer({ maxBufferedBytes: 64 * 1024 * 1024, sseHeartbeatMs: 20 });
    const stalled = await openSse(`${server.url}/sse`);
    await stalled.inbox.until((m) => m.some((x) => x.type === 'initial'));
    stalled.response.pause();
    // 16 MiB: more than loopback's TCP buffers take, so the end of the stream waits in the server.
    for (let round = 0; round < 50; round++) {
      server.publish(20, PAYLOAD);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(server.server.context.transports.get('sse')!.drop()).toBe(1);
    // Many heartbeat intervals pass over the ended stream.
    await delay(300);
    const other = await openSse(`${server.url}/sse`);
    await other.inbox.until((m) => m.some((x) => x.type === 'initial'));
    server.publish(1);
    await other.inbox.until(() => other.inbox.seqsOf().length === 1);
    stalled.response.resume();
    await stalled.ended;
    // What the socket had taken arrives whole; the rest is for a resume to fetch.
    const got = stalled.inbox.seqsOf();
    expect(got.length).toBeGreaterThan(0);
    expect(got).toEqual(range(1, got.length));
    other.close();
  });
});

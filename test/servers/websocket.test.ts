import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { openWs, range, startServer, type TestServer } from './helpers.js';

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

describe('WebSocket transport', () => {
  it('sends the snapshot, then every update in seq order with no gap', async () => {
    server = await startServer();
    server.publish(3);
    const peer = await openWs(`${server.wsUrl}/ws`);
    await peer.inbox.until((m) => m.length >= 1);
    const initial = peer.inbox.messages[0]!;
    expect(initial).toMatchObject({ type: 'initial', seq: 3, epoch: server.server.context.feed.epoch });
    for (let round = 0; round < 5; round++) server.publish(40);
    await peer.inbox.until(() => peer.inbox.seqsOf().length >= 200);
    expect(peer.inbox.seqsOf()).toEqual(range(4, 203));
    peer.ws.close();
  });

  it('resumes after a disconnect with every missed update exactly once', async () => {
    server = await startServer();
    const first = await openWs(`${server.wsUrl}/ws`);
    server.publish(10);
    await first.inbox.until(() => first.inbox.seqsOf().length === 10);
    const epoch = first.inbox.messages[0]!.epoch!;
    first.ws.close();
    await first.closed;
    server.publish(25);
    const second = await openWs(`${server.wsUrl}/ws?since=10&epoch=${epoch}`);
    server.publish(5);
    await second.inbox.until(() => second.inbox.seqsOf().length >= 30);
    expect(second.inbox.messages.some((m) => m.type === 'initial' || m.type === 'reset')).toBe(false);
    expect(second.inbox.seqsOf()).toEqual(range(11, 40));
    second.ws.close();
  });

  it('catches up a backlog larger than the slow-consumer bound without cutting the client off', async () => {
    server = await startServer({ maxBufferedBytes: 64 * 1024, historySize: 5000 });
    server.publish(3000, { pad: 'x'.repeat(200) });
    const peer = await openWs(`${server.wsUrl}/ws?since=0`);
    await peer.inbox.until(() => peer.inbox.seqsOf().length >= 3000, 15_000);
    expect(peer.inbox.seqsOf()).toEqual(range(1, 3000));
    expect(server.server.context.stats.transports.ws.slowConsumersDropped).toBe(0);
    peer.ws.close();
  });

  it('sends a reset with a fresh snapshot when the resume point is older than the ring', async () => {
    server = await startServer({ historySize: 5 });
    server.publish(20);
    const peer = await openWs(`${server.wsUrl}/ws?since=3&epoch=${server.server.context.feed.epoch}`);
    await peer.inbox.until((m) => m.length >= 1);
    expect(peer.inbox.messages[0]).toMatchObject({ type: 'reset', reason: 'too-old', seq: 20 });
    server.publish(2);
    await peer.inbox.until(() => peer.inbox.seqsOf().length === 2);
    expect(peer.inbox.seqsOf()).toEqual([21, 22]);
    peer.ws.close();
  });

  it('sends a reset when the cursor belongs to another feed run', async () => {
    server = await startServer({ epoch: 'runb' });
    server.publish(4);
    const peer = await openWs(`${server.wsUrl}/ws?since=2&epoch=runa`);
    await peer.inbox.until((m) => m.length >= 1);
    expect(peer.inbox.messages[0]).toMatchObject({ type: 'reset', reason: 'epoch', epoch: 'runb', seq: 4 });
    peer.ws.close();
  });

  it('answers a ping with a pong echoing id and ts plus the server time', async () => {
    server = await startServer();
    const peer = await openWs(`${server.wsUrl}/ws`);
    peer.ws.send(JSON.stringify({ type: 'ping', id: 'p-1', ts: 12345 }));
    await peer.inbox.until((m) => m.some((x) => x.type === 'pong'));
    const pong = peer.inbox.messages.find((m) => m.type === 'pong')!;
    expect(pong).toMatchObject({ id: 'p-1', ts: 12345 });
    expect(Number.isSafeInteger(pong.serverTs)).toBe(true);
    peer.ws.close();
  });

  it('refuses a bad cursor with HTTP 400 before the upgrade', async () => {
    server = await startServer();
    for (const [query, code] of [
      ['since=abc', 'WL_BAD_CURSOR'],
      ['since=-1', 'WL_BAD_CURSOR'],
      ['since=99', 'WL_CURSOR_AHEAD'],
    ] as const) {
      const ws = new WebSocket(`${server.wsUrl}/ws?${query}`);
      const [, response] = (await once(ws, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage];
      expect(response.statusCode).toBe(400);
      let body = '';
      for await (const chunk of response) body += String(chunk);
      expect(JSON.parse(body).error.code).toBe(code);
      response.destroy();
    }
  });

  it('answers bad messages with an error, keeps the connection, and leaves other clients untouched', async () => {
    server = await startServer();
    const bad = await openWs(`${server.wsUrl}/ws`);
    const good = await openWs(`${server.wsUrl}/ws`);
    bad.ws.send('not json');
    bad.ws.send(JSON.stringify({ type: 'subscribe' }));
    bad.ws.send(JSON.stringify({ type: 'ping', id: 7, ts: 1 }));
    await bad.inbox.until((m) => m.filter((x) => x.type === 'error').length === 3);
    expect(bad.inbox.messages.filter((m) => m.type === 'error').map((m) => m.code)).toEqual([
      'WL_BAD_MESSAGE',
      'WL_UNKNOWN_TYPE',
      'WL_BAD_MESSAGE',
    ]);
    server.publish(3);
    await bad.inbox.until(() => bad.inbox.seqsOf().length === 3);
    await good.inbox.until(() => good.inbox.seqsOf().length === 3);
    expect(good.inbox.messages.some((m) => m.type === 'error')).toBe(false);
    expect(bad.ws.readyState).toBe(WebSocket.OPEN);
    bad.ws.close();
    good.ws.close();
  });

  it('refuses messages over the rate with an error, then closes 1008 when it persists', async () => {
    server = await startServer({ messageRatePerSecond: 5, rateLimitStrikes: 1 });
    const peer = await openWs(`${server.wsUrl}/ws`);
    for (let index = 0; index < 6; index++) peer.ws.send(JSON.stringify({ type: 'ping', id: `p${index}`, ts: index }));
    const { code } = await peer.closed;
    expect(code).toBe(1008);
    expect(peer.inbox.messages.filter((m) => m.type === 'pong')).toHaveLength(5);
  });

  it('warns with WL_RATE_LIMITED before closing', async () => {
    server = await startServer({ messageRatePerSecond: 2, rateLimitStrikes: 3 });
    const peer = await openWs(`${server.wsUrl}/ws`);
    for (let index = 0; index < 4; index++) peer.ws.send(JSON.stringify({ type: 'ping', id: `p${index}`, ts: index }));
    await peer.inbox.until((m) => m.filter((x) => x.type === 'error').length === 2);
    expect(peer.inbox.messages.filter((m) => m.type === 'error').every((m) => m.code === 'WL_RATE_LIMITED')).toBe(true);
    expect(peer.ws.readyState).toBe(WebSocket.OPEN);
    peer.ws.close();
  });

  it('closes 1009 on a message over the size limit', async () => {
    server = await startServer({ maxMessageBytes: 1024 });
    const peer = await openWs(`${server.wsUrl}/ws`);
    peer.ws.send(JSON.stringify({ type: 'ping', id: 'x', ts: 1, pad: 'y'.repeat(2000) }));
    const { code } = await peer.closed;
    expect(code).toBe(1009);
  });

  it('cuts off a client that stops reading, while a reading client gets everything', async () => {
    // The raw client never answers the close frame: the grace is what ends its connection.
    server = await startServer({ maxBufferedBytes: 256 * 1024, slowConsumerGraceMs: 2000 });
    const stalled = await rawUpgrade(server.url);
    const reader = await openWs(`${server.wsUrl}/ws`);
    await reader.inbox.until((m) => m.length >= 1);
    const counters = server.server.context.stats.transports.ws;
    const payload = { pad: 'z'.repeat(16 * 1024) };
    let published = 0;
    // Bounded: at most 2000 × 16 KiB, far beyond what loopback buffers before the cut-off.
    while (counters.slowConsumersDropped === 0 && published < 2000) {
      server.publish(20, payload);
      published += 20;
      await reader.inbox.until(() => reader.inbox.seqsOf().length === published, 10_000);
    }
    expect(counters.slowConsumersDropped).toBe(1);
    expect(reader.inbox.seqsOf()).toEqual(range(1, published));
    const serverSide = [...server.server.app.websocketServer.clients].find((ws) => ws.readyState !== WebSocket.OPEN)!;
    expect(serverSide.readyState).toBe(WebSocket.CLOSING);
    // Reading again, the stalled client finds its connection ended by the server.
    const tail: Buffer[] = [];
    stalled.on('data', (chunk: Buffer) => tail.push(chunk.subarray(-64)));
    stalled.resume();
    await Promise.all([once(stalled, 'close'), once(serverSide, 'close')]);
    // The last frame is a close frame (opcode 8) carrying code 4002.
    const last = Buffer.concat(tail).subarray(-64);
    const closeAt = last.lastIndexOf(Buffer.from([0x88]));
    expect(last.readUInt16BE(closeAt + 2)).toBe(4002);
    expect(counters.connections).toBe(1);
    reader.ws.close();
  });

  it('terminates a peer that stops answering heartbeat pings', async () => {
    server = await startServer({ heartbeatMs: 50 });
    const silent = await openWs(`${server.wsUrl}/ws`, { autoPong: false });
    const answering = await openWs(`${server.wsUrl}/ws`);
    const { code } = await silent.closed;
    expect(code).toBe(1006);
    expect(answering.ws.readyState).toBe(WebSocket.OPEN);
    answering.ws.close();
  });

  it('closes 4000 when control drops every WebSocket', async () => {
    server = await startServer();
    const peer = await openWs(`${server.wsUrl}/ws`);
    expect(server.server.context.transports.get('ws')!.drop()).toBe(1);
    expect((await peer.closed).code).toBe(4000);
  });
});

/** A WebSocket handshake on a raw socket that then never reads a byte. */
async function rawUpgrade(baseUrl: string): Promise<Socket> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  socket.write(
    'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await once(socket, 'data');
  socket.pause();
  return socket;
}

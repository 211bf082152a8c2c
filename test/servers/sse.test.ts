import { connect } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { openSse, openWs, range, startServer, type TestServer } from './helpers.js';

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

describe('SSE transport', () => {
  it('streams the snapshot and then every update in order, each with id EPOCH:SEQ', async () => {
    server = await startServer({ epoch: 'abc123' });
    server.publish(2);
    const peer = await openSse(`${server.url}/sse`);
    expect(peer.response.headers['content-type']).toMatch(/^text\/event-stream/);
    for (let round = 0; round < 4; round++) server.publish(25);
    await peer.inbox.until(() => peer.inbox.seqsOf().length >= 100);
    expect(peer.inbox.messages[0]).toMatchObject({ type: 'initial', seq: 2 });
    expect(peer.inbox.seqsOf()).toEqual(range(3, 102));
    expect(peer.events.every((event) => event.id === `abc123:${JSON.parse(event.data).seq}`)).toBe(true);
    expect(peer.events.every((event) => event.event === undefined)).toBe(true);
    peer.close();
  });

  it('resumes from Last-Event-ID with every missed update exactly once', async () => {
    server = await startServer();
    const first = await openSse(`${server.url}/sse`);
    server.publish(8);
    await first.inbox.until(() => first.inbox.seqsOf().length === 8);
    const lastId = first.events.at(-1)!.id!;
    first.close();
    server.publish(12);
    const second = await openSse(`${server.url}/sse`, { 'last-event-id': lastId });
    server.publish(3);
    await second.inbox.until(() => second.inbox.seqsOf().length >= 15);
    expect(second.inbox.messages.some((m) => m.type === 'initial')).toBe(false);
    expect(second.inbox.seqsOf()).toEqual(range(9, 23));
    second.close();
  });

  it('lets Last-Event-ID win over the query', async () => {
    server = await startServer();
    server.publish(10);
    const epoch = server.server.context.feed.epoch;
    const peer = await openSse(`${server.url}/sse?since=2&epoch=${epoch}`, { 'last-event-id': `${epoch}:7` });
    await peer.inbox.until(() => peer.inbox.seqsOf().length === 3);
    expect(peer.inbox.seqsOf()).toEqual([8, 9, 10]);
    peer.close();
  });

  it('sends a reset beyond the ring and after a restart', async () => {
    server = await startServer({ historySize: 4, epoch: 'second' });
    server.publish(30);
    const tooOld = await openSse(`${server.url}/sse`, { 'last-event-id': 'second:5' });
    const otherRun = await openSse(`${server.url}/sse`, { 'last-event-id': 'first:29' });
    await tooOld.inbox.until((m) => m.length >= 1);
    await otherRun.inbox.until((m) => m.length >= 1);
    expect(tooOld.inbox.messages[0]).toMatchObject({ type: 'reset', reason: 'too-old', seq: 30 });
    expect(otherRun.inbox.messages[0]).toMatchObject({ type: 'reset', reason: 'epoch', seq: 30, epoch: 'second' });
    expect(tooOld.events[0]!.id).toBe('second:30');
    tooOld.close();
    otherRun.close();
  });

  it('refuses a bad Last-Event-ID with 400 and keeps serving another stream', async () => {
    server = await startServer();
    const good = await openSse(`${server.url}/sse`);
    await expect(openSse(`${server.url}/sse`, { 'last-event-id': 'nonsense!' })).rejects.toMatchObject({ status: 400 });
    await expect(openSse(`${server.url}/sse?since=5`)).rejects.toMatchObject({ status: 400 });
    server.publish(2);
    await good.inbox.until(() => good.inbox.seqsOf().length === 2);
    good.close();
  });

  it('sends a comment line when the stream is silent', async () => {
    server = await startServer({ sseHeartbeatMs: 40 });
    const peer = await openSse(`${server.url}/sse`);
    await peer.inbox.until((m) => m.filter((x) => x.type === 'comment').length >= 2);
    expect(peer.comments[0]).toBe('hb');
    peer.close();
  });

  it('ends the stream of a client that stops reading; a reading client gets everything', async () => {
    server = await startServer({ maxBufferedBytes: 256 * 1024 });
    const { hostname, port } = new URL(server.url);
    const stalled = connect(Number(port), hostname);
    await once(stalled, 'connect');
    stalled.write('GET /sse HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
    await once(stalled, 'data');
    stalled.pause();
    const reader = await openSse(`${server.url}/sse`);
    await reader.inbox.until((m) => m.length >= 1);
    const counters = server.server.context.stats.transports.sse;
    let published = 0;
    while (counters.slowConsumersDropped === 0 && published < 2000) {
      server.publish(20, { pad: 'z'.repeat(16 * 1024) });
      published += 20;
      await reader.inbox.until(() => reader.inbox.seqsOf().length === published, 10_000);
    }
    expect(counters.slowConsumersDropped).toBe(1);
    expect(reader.inbox.seqsOf()).toEqual(range(1, published));
    stalled.resume();
    await once(stalled, 'close');
    expect(counters.connections).toBe(1);
    reader.close();
  });

  it('ends every stream when control drops SSE, without touching WebSockets', async () => {
    server = await startServer();
    const sse = await openSse(`${server.url}/sse`);
    const ws = await openWs(`${server.wsUrl}/ws`);
    expect(server.server.context.transports.get('sse')!.drop()).toBe(1);
    await sse.ended;
    server.publish(1);
    await ws.inbox.until(() => ws.inbox.seqsOf().length === 1);
    ws.ws.close();
  });
});

import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { WsDeflateMode } from '../../servers/config.js';
import { openWs, range, startServer, type TestServer } from './helpers.js';
import { rawWebSocket, type RawPeer, type ServerFrame } from './raw-ws.js';

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const TEXT = 0x1;
const OFFER = 'permessage-deflate; client_max_window_bits';
/** Repetitive data, as real feeds are: compression has something to find. */
const DATA = { home: 'Falcons', away: 'Wolves', score: { home: 2, away: 1 }, note: 'goal goal goal goal goal goal' };

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

/** The JSON the feed sent for seqs `from..to`, as the server encoded it. */
function feedJson(s: TestServer, seqs: number[]): string[] {
  const { feed } = s.server.context;
  const read = feed.read({ since: seqs[0]! - 1, epoch: feed.epoch }, seqs.length);
  if (read.kind !== 'events') throw new Error(`expected events, got ${read.kind}`);
  return read.events.map((m) => m.json);
}

/** Inflates the payloads one after another with one zlib stream, as a receiver with context takeover does. */
async function inflateInOrder(payloads: Buffer[]): Promise<string[]> {
  const inflate = zlib.createInflateRaw();
  let output: Buffer[] = [];
  inflate.on('data', (chunk: Buffer) => output.push(chunk));
  const texts: string[] = [];
  for (const payload of payloads) {
    await new Promise<void>((resolve) => {
      inflate.write(Buffer.concat([payload, TAIL]));
      inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve());
    });
    texts.push(Buffer.concat(output).toString('utf8'));
    output = [];
  }
  inflate.close();
  return texts;
}

/** Inflates one payload with a fresh zlib state: only a message that refers to nothing before it survives this. */
function inflateAlone(payload: Buffer): string {
  return zlib.inflateRawSync(Buffer.concat([payload, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
}

const dataFrames = (frames: ServerFrame[]): ServerFrame[] => frames.filter((frame) => frame.opcode === TEXT);

async function peerWithUpdates(mode: WsDeflateMode, offer: string | undefined, count: number): Promise<RawPeer> {
  server = await startServer({ wsDeflate: mode });
  const peer = await rawWebSocket(server.url, '/ws?since=0', offer === undefined ? {} : { 'Sec-WebSocket-Extensions': offer });
  expect(peer.status).toBe(101);
  for (let index = 0; index < count; index++) server.publish(1, DATA);
  await peer.until((frames) => dataFrames(frames).length === count);
  return peer;
}

describe('WebSocket permessage-deflate on the server', () => {
  it('with context takeover: every frame has RSV1, is smaller than its message, and inflates in order with one zlib stream', async () => {
    const peer = await peerWithUpdates('on', OFFER, 20);
    expect(peer.headers['sec-websocket-extensions']).toBe('permessage-deflate');
    const frames = dataFrames(peer.frames);
    expect(frames.every((frame) => frame.rsv1 && frame.fin)).toBe(true);
    const expected = feedJson(server, range(1, 20));
    expect(await inflateInOrder(frames.map((frame) => frame.payload))).toEqual(expected);
    for (let index = 0; index < frames.length; index++)
      expect(frames[index]!.payload.length).toBeLessThan(Buffer.byteLength(expected[index]!));
    // The context carried over: a later message refers to earlier ones and cannot be read alone.
    expect(() => inflateAlone(frames[10]!.payload)).toThrow();
    expect(frames[10]!.payload.length).toBeLessThan(frames[0]!.payload.length / 2);
    peer.close();
  });

  it('without context takeover: the answer says so on both sides and every frame inflates alone', async () => {
    const peer = await peerWithUpdates('no-context-takeover', OFFER, 20);
    expect(peer.headers['sec-websocket-extensions']).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover');
    const frames = dataFrames(peer.frames);
    const expected = feedJson(server, range(1, 20));
    expect(frames.every((frame) => frame.rsv1)).toBe(true);
    expect(frames.map((frame) => inflateAlone(frame.payload))).toEqual(expected);
    for (let index = 0; index < frames.length; index++)
      expect(frames[index]!.payload.length).toBeLessThan(Buffer.byteLength(expected[index]!));
    peer.close();
  });

  it('honours a client that asks for server_no_context_takeover on a server with takeover on', async () => {
    const peer = await peerWithUpdates('on', `${OFFER}; server_no_context_takeover`, 10);
    expect(peer.headers['sec-websocket-extensions']).toBe('permessage-deflate; server_no_context_takeover');
    const frames = dataFrames(peer.frames);
    expect(frames.map((frame) => inflateAlone(frame.payload))).toEqual(feedJson(server, range(1, 10)));
    peer.close();
  });

  it('honours server_max_window_bits: a message repeating itself at a distance beyond the window is not shortened by it', async () => {
    server = await startServer({ wsDeflate: 'on' });
    const peer = await rawWebSocket(server.url, '/ws?since=0', { 'Sec-WebSocket-Extensions': `${OFFER}; server_max_window_bits=9` });
    expect(peer.headers['sec-websocket-extensions']).toBe('permessage-deflate; server_max_window_bits=9');
    // 1 KiB of random text, twice: a 512-byte window cannot see the first copy from the second.
    const block = randomBytes(768).toString('base64');
    server.publish(1, { text: block + block });
    await peer.until((frames) => dataFrames(frames).length === 1);
    const [frame] = dataFrames(peer.frames);
    const text = zlib
      .inflateRawSync(Buffer.concat([frame!.payload, TAIL]), { windowBits: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH })
      .toString('utf8');
    expect(text).toBe(feedJson(server, [1])[0]);
    expect(frame!.payload.length).toBeGreaterThan(block.length);
    peer.close();
  });

  it('sends plain frames to a client that offers nothing, and answers no offer when deflate is off', async () => {
    const plain = await peerWithUpdates('on', undefined, 3);
    expect(plain.headers['sec-websocket-extensions']).toBeUndefined();
    expect(dataFrames(plain.frames).map((frame) => [frame.rsv1, frame.payload.toString('utf8')])).toEqual(
      feedJson(server, [1, 2, 3]).map((json) => [false, json]),
    );
    plain.close();
    await server.close();
    const off = await peerWithUpdates('off', OFFER, 3);
    expect(off.headers['sec-websocket-extensions']).toBeUndefined();
    expect(dataFrames(off.frames).every((frame) => !frame.rsv1)).toBe(true);
    off.close();
  });

  it('reads compressed client messages and answers a ping with an uncompressed pong between compressed updates', async () => {
    const peer = await peerWithUpdates('on', OFFER, 2);
    const ping = zlib.deflateRawSync('{"type":"ping","id":"z1","ts":5}', { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    peer.send(TEXT, ping.subarray(0, ping.length - 4), true);
    await peer.until((frames) => dataFrames(frames).length === 3);
    const pong = dataFrames(peer.frames)[2]!;
    expect(pong.rsv1).toBe(false);
    expect(JSON.parse(pong.payload.toString('utf8'))).toMatchObject({ type: 'pong', id: 'z1', ts: 5 });
    // The pong did not disturb the compression context: the next update still inflates in sequence.
    server.publish(1, DATA);
    await peer.until((frames) => dataFrames(frames).length === 4);
    const compressed = dataFrames(peer.frames)
      .filter((frame) => frame.rsv1)
      .map((frame) => frame.payload);
    expect(await inflateInOrder(compressed)).toEqual(feedJson(server, [1, 2, 3]));
    peer.close();
  });

  it('works with the ws library as the client, in every mode, every update once and in order', async () => {
    for (const mode of ['on', 'no-context-takeover'] as const) {
      server = await startServer({ wsDeflate: mode });
      const peer = await openWs(`${server.wsUrl}/ws?since=0`, { perMessageDeflate: true });
      expect(peer.ws.extensions).toBe('permessage-deflate');
      for (let round = 0; round < 10; round++) server.publish(30, DATA);
      await peer.inbox.until(() => peer.inbox.seqsOf().length === 300);
      expect(peer.inbox.seqsOf()).toEqual(range(1, 300));
      peer.ws.close();
      await peer.closed;
      await server.close();
    }
  });

  it('cuts off a reader that stops reading as a slow consumer, with context takeover as without', async () => {
    server = await startServer({ wsDeflate: 'on', maxBufferedBytes: 128 * 1024, slowConsumerGraceMs: 10_000 });
    const stalled = await rawWebSocket(server.url, '/ws', { 'Sec-WebSocket-Extensions': OFFER });
    stalled.socket.pause();
    const reader = await openWs(`${server.wsUrl}/ws`, { perMessageDeflate: true });
    await reader.inbox.until((m) => m.length >= 1);
    const counters = server.server.context.stats.transports.ws;
    let published = 0;
    // Random text barely compresses, so the stalled connection's buffers fill. Bounded: 2000 × 16 KiB.
    while (counters.slowConsumersDropped === 0 && published < 2000) {
      for (let index = 0; index < 20; index++) server.publish(1, { pad: randomBytes(12_000).toString('base64') });
      published += 20;
      await reader.inbox.until(() => reader.inbox.seqsOf().length === published, 10_000);
    }
    expect(counters.slowConsumersDropped).toBe(1);
    expect(reader.inbox.seqsOf()).toEqual(range(1, published));
    const serverSide = [...server.server.app.websocketServer.clients].find((ws) => ws.readyState !== WebSocket.OPEN)!;
    // Reading again within the grace, the stalled client reads up to the close frame 4002.
    const closed = once(serverSide, 'close');
    stalled.socket.resume();
    await stalled.until((frames) => frames.some((frame) => frame.opcode === 0x8), 10_000);
    expect(stalled.frames.find((frame) => frame.opcode === 0x8)!.payload.readUInt16BE(0)).toBe(4002);
    stalled.close();
    await closed;
    expect(counters.connections).toBe(1);
    reader.ws.close();
  });
});

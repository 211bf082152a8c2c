import { createServer, type Socket } from 'node:net';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { FeedClientOptions } from '../../clients/types.js';
import type { ProtocolName as Protocol } from '../../wire/protocols.js';
import { acceptFor } from '../../clients/codecs/ws-frames.js';
import type { ServerOptions } from '../../servers/config.js';
import { closedAfterEach, fastOptions, range, Recorder, type TestServer } from './helpers.js';
import { readClientFrames, serverFrame } from './wire.js';

const { server, client } = closedAfterEach();

/** Repetitive data, as real feeds are. */
const DATA = { home: 'Falcons', away: 'Wolves', score: { home: 2, away: 1 }, note: 'goal goal goal goal goal goal' };
const publish = (s: TestServer, count: number): void => {
  for (let index = 0; index < count; index++) s.server.context.feed.publish(DATA);
};

/** A plain and a compressing client of `protocol` on one server, after 200 updates both received. */
async function pairAfterUpdates(
  protocol: Protocol,
  serverOptions: Omit<Partial<ServerOptions>, 'port'>,
  compressing: Partial<FeedClientOptions>,
) {
  const s = await server(serverOptions);
  const plainRecorder = new Recorder();
  const packedRecorder = new Recorder();
  const plain = client(fastOptions(protocol, s.url, plainRecorder));
  const packed = client(fastOptions(protocol, s.url, packedRecorder, compressing));
  await Promise.all([plain.connect(), packed.connect()]);
  for (let round = 0; round < 10; round++) publish(s, 20);
  await Promise.all([plainRecorder.untilSeq(200), packedRecorder.untilSeq(200)]);
  return { s, plain, packed, plainRecorder, packedRecorder };
}

describe('WebSocket client with permessage-deflate against the real server', () => {
  it.each([
    ['on', 'on'],
    ['on', 'no-context-takeover'],
    ['no-context-takeover', 'on'],
    ['no-context-takeover', 'no-context-takeover'],
  ] as const)(
    'server %s, client offering %s: every update in order, fewer bytes on the wire, sizes uncompressed',
    async (serverMode, offer) => {
      const { plain, packed, plainRecorder, packedRecorder } = await pairAfterUpdates(
        'ws',
        { wsDeflate: serverMode },
        { wsDeflate: offer },
      );
      expect(packedRecorder.seqs).toEqual(range(1, 200));
      expect(packedRecorder.updates.map((update) => update.bytes)).toEqual(plainRecorder.updates.map((update) => update.bytes));
      const { compressedBytes, decompressedBytes } = packed.counters;
      expect(compressedBytes).toBeGreaterThan(0);
      expect(decompressedBytes).toBeGreaterThan(compressedBytes);
      expect(plain.counters.compressedBytes).toBe(0);
      expect(packed.counters.bytesRead).toBeLessThan(plain.counters.bytesRead);
      // PING goes compressed the other way, and the server reads it.
      const pong = await packed.ping();
      expect(pong.rttMicros).toBeGreaterThan(0);
    },
  );

  it('takes context takeover further than no takeover on the same updates', async () => {
    const s = await server({ wsDeflate: 'on' });
    const recorders = [new Recorder(), new Recorder()] as const;
    const takeover = client(fastOptions('ws', s.url, recorders[0], { wsDeflate: 'on' }));
    const alone = client(fastOptions('ws', s.url, recorders[1], { wsDeflate: 'no-context-takeover', id: 'alone' }));
    await Promise.all([takeover.connect(), alone.connect()]);
    publish(s, 100);
    await Promise.all(recorders.map((recorder) => recorder.untilSeq(100)));
    expect(takeover.counters.compressedBytes).toBeLessThan(alone.counters.compressedBytes * 0.7);
  });

  it('compresses its own messages on the wire (RSV1 set, the payload inflates) and fails on an extension it did not ask for', async () => {
    const received: Buffer[] = [];
    let frameArrived: () => void = () => {};
    const firstFrame = new Promise<void>((resolve) => (frameArrived = resolve));
    let answer = 'permessage-deflate';
    const scripted = createServer((socket: Socket) => {
      let handshaken = false;
      let pending = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        if (!handshaken) {
          const text = chunk.toString('latin1');
          const key = /sec-websocket-key: (\S+)/i.exec(text)![1]!;
          handshaken = true;
          socket.write(
            `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\nSec-WebSocket-Extensions: ${answer}\r\n\r\n`,
          );
          const initial = zlib.deflateRawSync('{"seq":0,"ts":1,"type":"initial","epoch":"e1","data":{}}', {
            finishFlush: zlib.constants.Z_SYNC_FLUSH,
          });
          socket.write(serverFrame(0x1, initial.subarray(0, initial.length - 4), { rsv: 0x40 }));
          return;
        }
        pending = Buffer.concat([pending, chunk]);
        received.push(chunk);
        if (readClientFrames(pending).frames.length > 0) frameArrived();
      });
    });
    await new Promise<void>((resolve) => scripted.listen(0, '127.0.0.1', resolve));
    const port = (scripted.address() as { port: number }).port;
    try {
      const recorder = new Recorder();
      const c = client(fastOptions('ws', `http://127.0.0.1:${port}`, recorder, { wsDeflate: 'on', reconnect: { enabled: false } }));
      await c.connect();
      expect(recorder.snapshots).toEqual([{ kind: 'initial', seq: 0, epoch: 'e1' }]);
      void c.ping('p1').catch(() => {});
      await firstFrame;
      const stream = Buffer.concat(received);
      expect(stream[0]! & 0x40).toBe(0x40);
      const [frame] = readClientFrames(stream).frames;
      const ping = zlib
        .inflateRawSync(Buffer.concat([frame!.payload, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlib.constants.Z_SYNC_FLUSH })
        .toString('utf8');
      expect(JSON.parse(ping)).toMatchObject({ type: 'ping', id: 'p1' });
      await c.close();

      answer = 'permessage-deflate; x_unknown';
      const failing = new Recorder();
      const refused = client(fastOptions('ws', `http://127.0.0.1:${port}`, failing, { wsDeflate: 'on', reconnect: { enabled: false } }));
      await expect(refused.connect()).rejects.toThrow(/unknown permessage-deflate parameter x_unknown/);
    } finally {
      scripted.close();
    }
  });
});

describe.each([
  ['sse', 'gzip'],
  ['sse', 'br'],
  ['long-poll', 'gzip'],
  ['short-poll', 'br'],
] as const)('%s client with Accept-Encoding %s against the real server', (protocol, coding) => {
  it('gets every update in order, decoded, with fewer bytes on the wire', async () => {
    const { plain, packed, plainRecorder, packedRecorder } = await pairAfterUpdates(
      protocol,
      { httpCompression: coding },
      { acceptEncoding: coding },
    );
    expect(packedRecorder.seqs).toEqual(plainRecorder.seqs);
    expect(packedRecorder.seqs.slice(-200)).toEqual(range(1, 200));
    expect(packedRecorder.updates.map((update) => update.bytes)).toEqual(plainRecorder.updates.map((update) => update.bytes));
    expect(packed.counters.compressedBytes).toBeGreaterThan(0);
    expect(packed.counters.decompressedBytes).toBeGreaterThan(packed.counters.compressedBytes);
    expect(plain.counters.compressedBytes).toBe(0);
    if (protocol === 'sse') expect(packed.counters.bytesRead).toBeLessThan(plain.counters.bytesRead);
  });
});

describe('HTTP clients and content codings they cannot read', () => {
  it('report an answer in an unsupported coding as a lost connection naming the coding', async () => {
    const scripted = createServer((socket: Socket) => {
      socket.once('data', () =>
        socket.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: deflate\r\nContent-Length: 2\r\n\r\n{}'),
      );
    });
    await new Promise<void>((resolve) => scripted.listen(0, '127.0.0.1', resolve));
    const port = (scripted.address() as { port: number }).port;
    try {
      const c = client(
        fastOptions('short-poll', `http://127.0.0.1:${port}`, new Recorder(), { acceptEncoding: 'gzip', reconnect: { enabled: false } }),
      );
      await expect(c.connect()).rejects.toThrow(/"deflate" is not one the client decodes/);
    } finally {
      scripted.close();
    }
  });
});

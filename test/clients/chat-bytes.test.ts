import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../clients/index.js';
import type { FeedClient, FeedClientOptions } from '../../clients/types.js';
import { fastOptions, Recorder, startServer, type TestServer } from './helpers.js';

const clients: FeedClient[] = [];
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function client(options: FeedClientOptions): FeedClient {
  const created = createClient(options);
  clients.push(created);
  return created;
}

/** A recorder that counts the chat messages it receives (here: the sender's own echoes). */
function chatCounter(): Recorder & { chats: number } {
  const recorder = Object.assign(new Recorder(), { chats: 0 });
  return Object.assign(recorder, {
    onChat: (_from: string, _n: number, _ts: number, receivedAt: number) => {
      recorder.chats += 1;
      recorder.onUpdate(-1, 0, receivedAt, 0);
    },
  });
}

describe('chatBytesWritten: the chat messages’ own upstream bytes', () => {
  it('ws: exactly each masked frame (2-byte header, 4-byte mask, the JSON)', async () => {
    const s = await startServer();
    servers.push(s);
    const log = chatCounter();
    const c = client(fastOptions('ws', s.url, log, { id: 'w1', room: 'bytes' }));
    await c.connect();
    const before = c.counters.bytesWritten;
    for (let i = 0; i < 3; i++) c.chat('hello');
    await log.until(() => log.chats >= 3, 5000, 'three echoes');
    // Every byte the client wrote since connecting is a chat frame (no PING was sent).
    expect(c.counters.chatBytesWritten).toBe(c.counters.bytesWritten - before);
    // Each frame is its JSON (under 126 bytes) plus 6 bytes of header and mask.
    expect(c.counters.chatBytesWritten % 3).toBe(0);
    const frame = c.counters.chatBytesWritten / 3;
    expect(frame).toBeGreaterThan(6 + '{"type":"chat","from":"w1","n":1,"ts":'.length);
    expect(frame).toBeLessThan(126 + 6);
  });

  it.each(['sse', 'long-poll'] as const)(
    '%s: the POST /chat requests on the chat connection, headers included; nothing of the feed’s',
    async (protocol) => {
      const s = await startServer();
      servers.push(s);
      const log = chatCounter();
      const c = client(fastOptions(protocol, s.url, log, { id: 'h1', room: 'bytes' }));
      await c.connect();
      expect(c.counters.chatBytesWritten).toBe(0);
      c.chat('hello');
      await log.until(() => log.chats >= 1, 5000, 'the echo');
      const one = c.counters.chatBytesWritten;
      // A request line, headers and the 60-odd-byte body.
      expect(one).toBeGreaterThan('POST /chat HTTP/1.1\r\n\r\n'.length + '{"from":"h1","n":1,"ts":1,"room":"bytes","text":"hello"}'.length);
      c.chat('hello');
      await log.until(() => log.chats >= 2, 5000, 'the second echo');
      // The same request again (the same sizes of n and ts), on the same keep-alive connection.
      expect(c.counters.chatBytesWritten).toBe(2 * one);
      expect(c.counters.bytesWritten).toBeGreaterThan(c.counters.chatBytesWritten);
    },
  );

  it('sse over HTTP/2: 0, a stream’s bytes are not told apart from its connection’s', async () => {
    const s = await startServer({ h2cPort: 0 });
    servers.push(s);
    const log = chatCounter();
    const c = client(fastOptions('sse', s.server.http2Urls.h2c!, log, { id: 'h2', room: 'bytes', http2: true }));
    await c.connect();
    c.chat('hello');
    await log.until(() => log.chats >= 1, 5000, 'the echo');
    expect(c.counters.chatSent).toBe(1);
    expect(c.counters.chatBytesWritten).toBe(0);
  });
});

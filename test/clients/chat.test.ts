import { describe, expect, it } from 'vitest';
import { closedAfterEach, fastOptions, range, Recorder } from './helpers.js';

const { server, client } = closedAfterEach();

/** What one receiver saw of the chat: each sender's sequence numbers in arrival order, and the latencies. */
class ChatLog extends Recorder {
  readonly bySender = new Map<string, number[]>();
  readonly latencies: number[] = [];
  count = 0;

  readonly onChat = (from: string, n: number, sentTs: number, receivedAt: number): void => {
    const seen = this.bySender.get(from) ?? [];
    seen.push(n);
    this.bySender.set(from, seen);
    this.latencies.push(receivedAt - sentTs);
    this.count += 1;
    // Through the recorder, so that its waiters look again (recorded as seq -1).
    this.onUpdate(-1, 0, receivedAt, 0);
  };
}

const MEMBERS = [
  { id: 'ws-1', protocol: 'ws' },
  { id: 'sse-1', protocol: 'sse' },
  { id: 'lp-1', protocol: 'long-poll' },
  { id: 'sp-1', protocol: 'short-poll' },
  { id: 'sse-h2', protocol: 'sse', http2: true },
  { id: 'lp-h2', protocol: 'long-poll', http2: true },
] as const;

describe('chat across every protocol', () => {
  it("relays every member's messages to every member of the room: each sender's stream complete, in order, once", async () => {
    const s = await server({ messageRatePerSecond: 1000, h2cPort: 0 });
    const logs = MEMBERS.map(() => new ChatLog());
    const members = MEMBERS.map((member, index) => {
      const url = 'http2' in member ? s.server.http2Urls.h2c! : s.url;
      return client(
        fastOptions(member.protocol, url, logs[index]!, { id: member.id, room: 'r1', ...('http2' in member ? { http2: true } : {}) }),
      );
    });
    await Promise.all(members.map((member) => member.connect()));
    const perSender = 25;
    for (let n = 1; n <= perSender; n++) for (const member of members) expect(member.chat(`message ${n}`)).toBe(n);
    const total = perSender * MEMBERS.length;
    await Promise.all(logs.map((log) => log.until(() => log.count === total, 10_000, `${total} chat messages`)));
    for (const log of logs) {
      for (const member of MEMBERS) expect(log.bySender.get(member.id)).toEqual(range(1, perSender));
      expect(log.latencies.every((micros) => micros >= 0 && micros < 10_000_000)).toBe(true);
    }
    for (const member of members) {
      expect(member.counters.chatSent).toBe(perSender);
      expect(member.counters.chatRefused).toBe(0);
    }
    expect(s.server.context.stats.chatRelayed).toBe(total);
    // Nothing went to the lobby.
    expect(s.server.context.feed.head).toBe(0);
  });

  it.each(['ws', 'sse', 'long-poll'] as const)(
    '%s: a sender over the rate limit is told, message by message, and the rest are relayed',
    async (protocol) => {
      const s = await server({ messageRatePerSecond: 10, rateLimitStrikes: 3 });
      const log = new ChatLog();
      const sender = client(fastOptions(protocol, s.url, log, { id: `fast-${protocol}` }));
      await sender.connect();
      for (let n = 1; n <= 14; n++) sender.chat(`burst ${n}`);
      await log.until(() => sender.counters.chatRefused === 4 && log.count === 10, 10_000, 'refusals');
      expect(log.errors.filter((error) => /WL_RATE_LIMITED/.test(error.message))).toHaveLength(4);
      expect(log.bySender.get(`fast-${protocol}`)).toEqual(range(1, 10));
      expect(sender.counters.chatSent).toBe(14);
    },
  );

  it('throws at once when a WebSocket is not open, and for a sender id the server would refuse', async () => {
    const s = await server();
    const ws = client(fastOptions('ws', s.url, new Recorder()));
    expect(() => ws.chat('too early')).toThrow(/not open/);
    const badId = client(fastOptions('sse', s.url, new Recorder(), { id: 'has space' }));
    await badId.connect();
    expect(() => badId.chat('x')).toThrow(/sender id/);
  });
});

import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MessageRateLimiter } from '../../servers/rate-limiter.js';
import { openWs, startServer, type TestServer, type WsPeer } from './helpers.js';

/** Sends `count` messages spread evenly over 100 ms from `atMs`; returns every verdict. */
function burst(limiter: MessageRateLimiter, atMs: number, count: number): string[] {
  return Array.from({ length: count }, (_, index) => limiter.take(atMs + Math.floor((index * 100) / count)));
}

describe('MessageRateLimiter', () => {
  it('accepts up to the rate in each second and refuses the rest', () => {
    const limiter = new MessageRateLimiter(10, 3);
    const verdicts = burst(limiter, 1_000, 15);
    expect(verdicts.filter((v) => v === 'ok')).toHaveLength(10);
    expect(verdicts.slice(10)).toEqual(Array(5).fill('refuse'));
  });

  it('never closes bursts of 15 every 2.5 s: the quiet seconds between them end the run of strikes', () => {
    const limiter = new MessageRateLimiter(10, 3);
    const verdicts: string[] = [];
    // 6 messages/s on average for 25 s, each burst over the rate.
    for (let index = 0; index < 10; index++) verdicts.push(...burst(limiter, 5_000 + index * 2_500, 15));
    expect(verdicts).not.toContain('close');
    expect(verdicts.filter((v) => v === 'refuse')).toHaveLength(10 * 5);
  });

  it('ends the run of strikes with one second at or under the rate', () => {
    const limiter = new MessageRateLimiter(10, 3);
    const verdicts = [
      ...burst(limiter, 0, 11),
      ...burst(limiter, 1_000, 11),
      ...burst(limiter, 2_000, 10), // at the rate: no strike, the run ends
      ...burst(limiter, 3_000, 11),
      ...burst(limiter, 4_000, 11),
    ];
    expect(verdicts).not.toContain('close');
  });

  it('closes at the third consecutive second over the rate, on its first refused message', () => {
    const limiter = new MessageRateLimiter(10, 3);
    expect(burst(limiter, 0, 11).at(-1)).toBe('refuse');
    expect(burst(limiter, 1_000, 11).at(-1)).toBe('refuse');
    const third = burst(limiter, 2_000, 12);
    expect(third.slice(0, 10)).toEqual(Array(10).fill('ok'));
    expect(third.slice(10)).toEqual(['close', 'close']);
  });

  it('counts seconds on a grid from the first message, so a run spanning the grid is consecutive', () => {
    const limiter = new MessageRateLimiter(2, 2);
    // Windows [300, 1300) and [1300, 2300): 3 messages in each, close to the edges.
    expect([limiter.take(300), limiter.take(1_200), limiter.take(1_299)]).toEqual(['ok', 'ok', 'refuse']);
    expect([limiter.take(1_300), limiter.take(1_301), limiter.take(2_299)]).toEqual(['ok', 'ok', 'close']);
  });

  it('treats a silent second between two over-rate seconds as a break', () => {
    const limiter = new MessageRateLimiter(2, 2);
    expect(burst(limiter, 0, 3).at(-1)).toBe('refuse');
    // [1000, 2000) is silent.
    expect(burst(limiter, 2_000, 3).at(-1)).toBe('refuse');
    expect(burst(limiter, 3_000, 3).at(-1)).toBe('close');
  });
});

describe('message rate limit on a WebSocket', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  const ping = (peer: WsPeer, id: string) => peer.ws.send(JSON.stringify({ type: 'ping', id, ts: 1 }));
  const errors = (peer: WsPeer) => peer.inbox.messages.filter((m) => m.type === 'error');

  it('keeps a client whose over-rate bursts are separated by a silent second', async () => {
    server = await startServer({ messageRatePerSecond: 2, rateLimitStrikes: 2 });
    const peer = await openWs(`${server.wsUrl}/ws`);
    for (const id of ['a1', 'a2', 'a3']) ping(peer, id);
    await peer.inbox.until(() => errors(peer).length === 1);
    // The silence is what is under test: two whole one-second windows without a message.
    await delay(2_100);
    for (const id of ['b1', 'b2', 'b3']) ping(peer, id);
    const outcome = await Promise.race([
      peer.inbox.until(() => errors(peer).length === 2).then(() => 'warned again'),
      peer.closed.then(({ code }) => `closed ${code}`),
    ]);
    expect(outcome).toBe('warned again');
    expect(errors(peer).map((m) => m.code)).toEqual(['WL_RATE_LIMITED', 'WL_RATE_LIMITED']);
    expect(peer.inbox.messages.filter((m) => m.type === 'pong')).toHaveLength(4);
    expect(peer.ws.readyState).toBe(WebSocket.OPEN);
    peer.ws.close();
  });

  it('closes 1008 after consecutive seconds over the rate', async () => {
    server = await startServer({ messageRatePerSecond: 2, rateLimitStrikes: 2 });
    const peer = await openWs(`${server.wsUrl}/ws`);
    for (const id of ['a1', 'a2', 'a3']) ping(peer, id);
    await peer.inbox.until(() => errors(peer).length === 1);
    // Keep sending three messages every 200 ms until the server closes; bounded to 5 s.
    let sent = 0;
    const flood = setInterval(() => {
      if (peer.ws.readyState !== WebSocket.OPEN || sent >= 75) return;
      for (let index = 0; index < 3; index++) ping(peer, `f${sent++}`);
    }, 200);
    try {
      expect((await peer.closed).code).toBe(1008);
    } finally {
      clearInterval(flood);
    }
  });
});

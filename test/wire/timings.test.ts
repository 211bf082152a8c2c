import { describe, expect, it } from 'vitest';
import { backoffDelay, TIMINGS } from '../../wire/timings.js';

describe('promised timings', () => {
  it('back off 1, 2, 4, 8, 16, 16 s, and jitter only ever shortens a delay', () => {
    const exact = { ...TIMINGS.backoff, jitter: 0 };
    expect([0, 1, 2, 3, 4, 5, 9].map((attempt) => backoffDelay(attempt, exact, 0.7))).toEqual([
      1000, 2000, 4000, 8000, 16000, 16000, 16000,
    ]);
    for (const random of [0, 0.3, 0.999, 1]) {
      const first = backoffDelay(0, TIMINGS.backoff, random);
      expect(first).toBeLessThanOrEqual(1000);
      expect(first).toBeGreaterThanOrEqual(1000 * (1 - TIMINGS.backoff.jitter));
    }
  });

  it('hold a long poll for less than a client waits for an answer, and find a dead peer within 30 s', () => {
    expect(TIMINGS.longPollHoldMs).toBe(25_000);
    expect(TIMINGS.wsHeartbeatMs).toBeLessThanOrEqual(30_000);
    expect(TIMINGS.sseHeartbeatMs).toBeLessThan(TIMINGS.wsHeartbeatMs);
  });
});

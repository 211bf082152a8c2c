import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay, DEFAULT_BACKOFF, resolveBackoff } from '../../clients/backoff.js';

describe('backoffDelay', () => {
  it('follows 1 s, 2 s, 4 s, 8 s, 16 s, 16 s … without jitter', () => {
    const schedule = { ...DEFAULT_BACKOFF, jitter: 0 };
    expect([0, 1, 2, 3, 4, 5, 10, 100].map((attempt) => backoffDelay(attempt, schedule, 0.7))).toEqual([
      1000, 2000, 4000, 8000, 16000, 16000, 16000, 16000,
    ]);
  });

  it('takes at most the jitter fraction off, never adds', () => {
    const schedule = { initialDelayMs: 1000, maxDelayMs: 16_000, multiplier: 2, jitter: 0.5 };
    expect(backoffDelay(0, schedule, 0)).toBe(1000);
    expect(backoffDelay(0, schedule, 0.5)).toBe(750);
    expect(backoffDelay(0, schedule, 0.999999)).toBe(500);
    expect(backoffDelay(4, schedule, 0.5)).toBe(12_000);
    for (let i = 0; i < 1000; i++) {
      const delay = backoffDelay(2, schedule, Math.random());
      expect(delay).toBeGreaterThanOrEqual(2000);
      expect(delay).toBeLessThanOrEqual(4000);
    }
  });

  it('full jitter spans 0 … scheduled', () => {
    const schedule = { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 3, jitter: 1 };
    expect(backoffDelay(1, schedule, 0)).toBe(300);
    expect(backoffDelay(1, schedule, 0.9999999)).toBe(0);
    expect(backoffDelay(5, schedule, 0)).toBe(1000);
  });

  it('clamps odd inputs', () => {
    const schedule = { ...DEFAULT_BACKOFF, jitter: 0.5 };
    expect(backoffDelay(-3, schedule, 0)).toBe(1000);
    expect(backoffDelay(1.7, schedule, 0)).toBe(2000);
    expect(backoffDelay(0, schedule, 5)).toBe(500);
    expect(backoffDelay(0, schedule, -1)).toBe(1000);
  });
});

describe('Backoff', () => {
  it('advances on next() and starts over on reset()', () => {
    const backoff = new Backoff(resolveBackoff({ jitter: 0 }), () => 0.3);
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([1000, 2000, 4000]);
    expect(backoff.attempt).toBe(3);
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(1000);
  });

  it('uses the random source for jitter', () => {
    const values = [0, 0.5, 1 - 1e-9];
    const backoff = new Backoff(resolveBackoff({ initialDelayMs: 100, jitter: 1 }), () => values.shift()!);
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 100, 0]);
  });
});

describe('resolveBackoff', () => {
  it('fills in the defaults', () => {
    expect(resolveBackoff()).toEqual(DEFAULT_BACKOFF);
    expect(resolveBackoff({ initialDelayMs: 50 })).toEqual({ ...DEFAULT_BACKOFF, initialDelayMs: 50 });
    expect(resolveBackoff({ initialDelayMs: 30_000 }).maxDelayMs).toBe(30_000);
  });

  it('refuses bad values', () => {
    expect(() => resolveBackoff({ jitter: 1.5 })).toThrow(/jitter/);
    expect(() => resolveBackoff({ jitter: -0.1 })).toThrow(/jitter/);
    expect(() => resolveBackoff({ multiplier: 0.5 })).toThrow(/multiplier/);
    expect(() => resolveBackoff({ initialDelayMs: -1 })).toThrow(/initialDelayMs/);
    expect(() => resolveBackoff({ initialDelayMs: 100, maxDelayMs: 50 })).toThrow(/maxDelayMs/);
    expect(() => resolveBackoff({ initialDelayMs: Number.NaN })).toThrow(/initialDelayMs/);
  });
});

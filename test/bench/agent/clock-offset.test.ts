import { describe, expect, it } from 'vitest';
import { appliedOffset, estimateOffset } from '../../../bench/agent/clock-offset.js';

describe('estimateOffset', () => {
  it('takes the exchange with the smallest round trip, ± half of it', () => {
    // True offset +1000 µs; the slow exchanges were answered late or early within their trips.
    const estimate = estimateOffset([
      { t0: 0, t1: 800, serverTs: 1700 },
      { t0: 1000, t1: 1100, serverTs: 2060 },
      { t0: 2000, t1: 2500, serverTs: 3100 },
    ]);
    expect(estimate).toEqual({ offsetMicros: 1010, uncertaintyMicros: 50, samples: 3 });
  });

  it('refuses to estimate without an exchange', () => {
    expect(() => estimateOffset([])).toThrow('no PING exchange');
  });
});

describe('appliedOffset', () => {
  it('applies the estimate only when its interval leaves out 0 (another host’s clock)', () => {
    expect(appliedOffset({ offsetMicros: 300, uncertaintyMicros: 400, samples: 8 })).toBe(0);
    expect(appliedOffset({ offsetMicros: -5_000_120, uncertaintyMicros: 400, samples: 8 })).toBe(-5_000_120);
  });
});

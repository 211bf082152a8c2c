import { describe, expect, it } from 'vitest';
import { watchedFeed } from '../../../bench/measure/foreign-protocol.js';
import { planTarget } from '../../../bench/target/presets/index.js';
import { protocolResult } from '../fixture.js';

describe("wirelab's feed watched without a control token", () => {
  const result = protocolResult('ws');

  it('keeps the latency when the server shares this machine’s monotonic clock (a loopback target)', () => {
    for (const target of ['http://127.0.0.1:3000', 'http://localhost:3000', 'http://[::1]:3000'])
      expect(watchedFeed(planTarget({ preset: 'wirelab', target }), result), target).toBe(result);
  });

  it('leaves the latency and the spread out for a server elsewhere: its timestamps are its own monotonic clock', () => {
    const watched = watchedFeed(planTarget({ preset: 'wirelab', target: 'http://10.0.0.5:3000' }), result);
    expect(watched.latency.count).toBe(0);
    expect(watched.spread).toBeNull();
    expect(watched.histograms.latency).toBe('');
    expect(watched.delivery).toEqual(result.delivery);
  });
});

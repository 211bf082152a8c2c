import { describe, expect, it } from 'vitest';
import { splitShards } from '../../../bench/agent/shards.js';

describe('splitShards', () => {
  it('gives every client index exactly once, in order, sizes differing by at most one', () => {
    for (const [clients, shards] of [
      [2000, 2],
      [7, 3],
      [20_000, 7],
      [2, 5],
    ] as const) {
      const parts = splitShards(clients, shards, 100, 100);
      expect(parts).toHaveLength(shards);
      let next = 100;
      for (const part of parts) {
        expect(part.firstClientIndex).toBe(next);
        next += part.clients;
      }
      expect(next - 100).toBe(clients);
      const sizes = parts.map((part) => part.clients);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic and splits the connect ramp in proportion', () => {
    expect(splitShards(10, 3, 0, 30)).toEqual([
      { index: 0, firstClientIndex: 0, clients: 3, connectConcurrency: 9 },
      { index: 1, firstClientIndex: 3, clients: 3, connectConcurrency: 9 },
      { index: 2, firstClientIndex: 6, clients: 4, connectConcurrency: 12 },
    ]);
    expect(splitShards(1000, 4, 0, 1).every((part) => part.connectConcurrency === 1)).toBe(true);
  });

  it('refuses a shard count that is not a whole number of at least 1', () => {
    expect(() => splitShards(10, 0, 0, 1)).toThrow('shards must be a whole number of at least 1, got 0');
  });
});

/**
 * Deterministic shards of a protocol's client index range, like k6's execution segments: shard
 * `i` of `n` holds clients [⌊c·i/n⌋, ⌊c·(i+1)/n⌋) — every client exactly once, sizes differing by
 * at most one — and opens them at its share of the connect concurrency, so n agents ramp up
 * together as fast as one machine would.
 */
export interface Shard {
  index: number;
  firstClientIndex: number;
  clients: number;
  connectConcurrency: number;
}

export function splitShards(clients: number, shards: number, firstClientIndex: number, connectConcurrency: number): Shard[] {
  if (!Number.isInteger(shards) || shards < 1) throw new Error(`shards must be a whole number of at least 1, got ${shards}`);
  const bound = (index: number): number => Math.floor((clients * index) / shards);
  return Array.from({ length: shards }, (_, index) => {
    const from = bound(index);
    const count = bound(index + 1) - from;
    return {
      index,
      firstClientIndex: firstClientIndex + from,
      clients: count,
      connectConcurrency: Math.max(1, Math.round((connectConcurrency * count) / Math.max(1, clients))),
    };
  });
}

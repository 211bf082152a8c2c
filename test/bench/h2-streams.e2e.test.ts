import { describe, expect, it } from 'vitest';
import { runBench } from '../../bench/run.js';

/** `--h2-streams-per-connection`: the bench puts N logical clients on one HTTP/2 connection and says how many it opened. */
describe('HTTP/2 streams per connection in a bench', () => {
  it.each([
    [1, 12],
    [4, 3],
  ])(
    '%i client(s) per connection: 12 clients open %i connections and every update reaches every client',
    async (perConnection, connections) => {
      const result = await runBench({
        protocols: ['sse/h2', 'short-poll/h2'],
        clients: 12,
        h2StreamsPerConnection: perConnection,
        durationMs: 1000,
        warmupMs: 300,
        idleMs: 0,
        rate: 10,
        capacityDurationMs: 0,
        workers: 1,
        writeFiles: false,
      });
      expect(result.failures).toEqual([]);
      for (const p of result.protocols) {
        expect(p.http2, p.variant).toEqual({ streamsPerConnection: perConnection, connectionsOpened: connections });
        expect(p.clients.connected, p.variant).toBe(12);
        expect(p.delivery, p.variant).toMatchObject({ delivered: p.delivery.expected, missed: 0, duplicated: 0 });
        expect(p.delivery.expected, p.variant).toBe(p.window.eventsPublished * 12);
        // The shared connections' bytes are counted once, at their sockets.
        expect(p.bandwidth.bytesDown, p.variant).toBeGreaterThan(p.bandwidth.payloadBytes);
      }
      expect(result.options.h2StreamsPerConnection).toBe(perConnection === 1 ? undefined : perConnection);
    },
    120_000,
  );
});

import { describe, expect, it } from 'vitest';
import { runBench } from '../../../bench/run.js';
import type { ProtocolResult } from '../../../bench/report/types.js';
import { startServer } from '../../servers/helpers.js';

describe('scenario hold end to end', () => {
  it('reports memory per connection after a GC, connections per GB and idle bytes over a full long-poll hold', async () => {
    const result = await runBench({
      scenario: 'hold',
      protocols: ['ws', 'long-poll'],
      clients: 200,
      workers: 1,
      longPollTimeoutMs: 1000,
      idleMs: 2500,
      writeFiles: false,
    });
    expect(result.failures).toEqual([]);
    const of = (name: string): ProtocolResult => result.protocols.find((p) => p.protocol === name)!;
    for (const name of ['ws', 'long-poll']) {
      const hold = of(name).hold!;
      // The spawned server runs with --expose-gc: both readings follow a full collection.
      expect(hold.gc, name).toBe(true);
      expect(hold.connections, name).toBe(200);
      expect(hold.heapPerConnectionBytes, name).toBeGreaterThan(0);
      expect(hold.connectionsPerGb, name).toBe(hold.rssPerConnectionBytes > 0 ? Math.floor(1e9 / hold.rssPerConnectionBytes) : null);
      expect(hold.idleMs).toBe(2500);
      expect(hold.sourceAddresses).toBe(1);
      // The quiet feed still proves delivery.
      expect(of(name).delivery.delivered, name).toBeGreaterThan(0);
      expect(of(name).delivery.missed, name).toBe(0);
    }
    // Each held long poll comes back empty after its 1 s hold and is asked again: idle bytes both ways.
    expect(of('long-poll').hold!.idleBytesPerConnectionPerMinute).toBeGreaterThan(of('ws').hold!.idleBytesPerConnectionPerMinute);
    expect(of('long-poll').hold!.idleBytesPerConnectionPerMinute).toBeGreaterThan(0);
  }, 120_000);
});

describe('loopback source addresses', () => {
  it('spreads clients over two source addresses past --connections-per-address, as the server sees them', async () => {
    const token = 'spread-test-token';
    const server = await startServer({ controlToken: token });
    const fromAddress = new Map<string, number>();
    server.server.app.server.on('connection', (socket: { remoteAddress?: string }) => {
      const address = socket.remoteAddress ?? '?';
      fromAddress.set(address, (fromAddress.get(address) ?? 0) + 1);
    });
    try {
      const result = await runBench({
        target: server.url,
        controlToken: token,
        protocols: ['ws'],
        clients: 6,
        connectionsPerAddress: 3,
        durationMs: 500,
        warmupMs: 200,
        idleMs: 0,
        capacityDurationMs: 0,
        workers: 1,
        writeFiles: false,
        thresholds: [],
      });
      expect(result.protocols[0]!.clients.connected).toBe(6);
      expect([...fromAddress.keys()].sort()).toEqual(['127.0.0.1', '127.0.0.2']);
      // Only clients come from the second address: half of them, round robin.
      expect(fromAddress.get('127.0.0.2')).toBe(3);
    } finally {
      await server.close();
    }
  }, 60_000);
});

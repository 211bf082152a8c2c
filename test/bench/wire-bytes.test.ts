import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../clients/index.js';
import type { FeedClient } from '../../clients/types.js';
import type { ProtocolName } from '../../wire/protocols.js';
import { ControlClient } from '../../bench/target/control-client.js';
import { spawnServer, type SpawnedServer } from '../../bench/target/spawn.js';

/**
 * The harness reports bytes read at the client sockets; the server counts the bytes through
 * its own sockets. With every connection opened after a counter reset and closed before the
 * reading, the two must agree to the byte, in both directions, for every transport.
 */
describe('bytes on the wire', () => {
  let server: SpawnedServer;
  let control: ControlClient;

  beforeAll(async () => {
    server = await spawnServer();
    control = new ControlClient(server.url, server.controlToken);
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
  });

  it.each(['ws', 'sse', 'long-poll', 'short-poll'] as const)(
    'client and server count the same bytes over %s',
    async (protocol: ProtocolName) => {
      await control.setFeed({ mode: 'idle' });
      await control.resetCounters();
      const clients: FeedClient[] = Array.from({ length: 3 }, (_, i) =>
        createClient({ url: server.url, protocol, id: `b${i}`, pollIntervalMs: 100, handlers: { onUpdate: () => undefined } }),
      );
      await Promise.all(clients.map((client) => client.connect()));
      await control.setFeed({ mode: 'bench', rate: 50, payload: 300 });
      await delay(600);
      const head = (await control.setFeed({ mode: 'idle' })).feed.head;
      for (let i = 0; i < 100 && clients.some((client) => (client.lastSeq ?? 0) < head); i++) await delay(20);
      await Promise.all(clients.map((client) => (protocol === 'short-poll' ? closeBetweenPolls(client) : client.close())));

      const read = clients.reduce((sum, client) => sum + client.counters.bytesRead, 0);
      const written = clients.reduce((sum, client) => sum + client.counters.bytesWritten, 0);
      // The server, another process, learns of each close a moment later (its totals include
      // closed sockets): read its counters until they settle, a bounded number of times.
      let stats = await control.stats();
      for (
        let i = 0;
        i < 100 && (stats.transports[protocol].bytesSent !== read || stats.transports[protocol].bytesReceived !== written);
        i++
      ) {
        await delay(20);
        stats = await control.stats();
      }
      expect(head).toBeGreaterThan(10);
      expect(read).toBeGreaterThan(3 * 300 * 10);
      expect(stats.transports[protocol].bytesSent).toBe(read);
      expect(stats.transports[protocol].bytesReceived).toBe(written);
    },
    30_000,
  );
});

/**
 * Closes a short-polling client just after one of its (empty) poll answers, while no request
 * is in flight: closing mid-poll would drop an answer the server has sent but the client
 * never read. Each client polls at a phase of its own, so each gets its own moment.
 */
async function closeBetweenPolls(client: FeedClient): Promise<void> {
  const answered = client.counters.emptyPolls;
  for (let i = 0; i < 400 && client.counters.emptyPolls === answered; i++) await delay(5);
  await client.close();
}

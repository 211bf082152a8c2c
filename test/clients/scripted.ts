import type { Server, Socket } from 'node:net';
import { afterEach } from 'vitest';
import { createClient } from '../../clients/index.js';
import type { FeedClient, FeedClientOptions } from '../../clients/types.js';

/**
 * For tests against scripted raw-TCP servers: clients made through `client()` are closed, and
 * servers passed to `track()` are closed with every socket they hold, after each test.
 */
export function scriptedTestbed(): { client(options: FeedClientOptions): FeedClient; track(server: Server): void } {
  const clients: FeedClient[] = [];
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(
      servers.splice(0).map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            (server as Server & { sockets?: Set<Socket> }).sockets?.forEach((socket) => socket.destroy());
          }),
      ),
    );
  });
  return {
    client(options) {
      const created = createClient(options);
      clients.push(created);
      return created;
    },
    track(server) {
      servers.push(server);
    },
  };
}

import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpGate {
  readonly port: number;
  /** `base` with its host and port replaced by the gate's. */
  url(base: string): string;
  /** From now on, new connections are accepted but wait, forwarding nothing, until {@link release}. */
  hold(): void;
  /** Forwards the waiting connections and every new one. */
  release(): void;
  /** Cuts every forwarded connection at once (both sides); returns how many. */
  cut(): number;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/**
 * A loopback TCP forwarder the test controls, to make an outage exactly when it wants one:
 * `hold()` then `cut()` drops the clients and keeps them off the server (their reconnects wait
 * at the gate), messages are published meanwhile, and `release()` lets the reconnects through.
 * It forwards bytes untouched, TLS included.
 */
export async function startGate(target: { host: string; port: number }): Promise<TcpGate> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const waiting: Socket[] = [];
  let held = false;
  let accepted = 0;

  const forward = (client: Socket): void => {
    const upstream = connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const server = createServer((client) => {
    accepted += 1;
    client.pause();
    if (held) {
      waiting.push(client);
      client.on('error', () => client.destroy());
      return;
    }
    forward(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    url(base) {
      return base.replace(/\/\/[^/]+/, `//127.0.0.1:${port}`);
    },
    hold() {
      held = true;
    },
    release() {
      held = false;
      for (const client of waiting.splice(0)) if (!client.destroyed) forward(client);
    },
    cut() {
      const count = pairs.size;
      for (const { client, upstream } of [...pairs]) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      return count;
    },
    get accepted() {
      return accepted;
    },
    async close() {
      for (const client of waiting.splice(0)) client.destroy();
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

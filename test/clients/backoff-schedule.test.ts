import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../clients/index.js';

/**
 * The reconnect schedule as a real client follows it: a server that accepts every connection
 * and cuts it at once, so every attempt fails and the backoff keeps growing. The delays the
 * client announces (`onClose`) must follow `min(max, initial × 2^n)` shortened by at most the
 * jitter share, and the attempts the server sees must be spaced at least that far apart.
 */
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function cuttingServer(): Promise<{ port: number; accepts: number[] }> {
  const accepts: number[] = [];
  const server = createServer((socket) => {
    accepts.push(performance.now());
    socket.destroy();
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, accepts };
}

async function follow(jitter: number, attempts: number): Promise<{ delays: number[]; accepts: number[] }> {
  const { port, accepts } = await cuttingServer();
  const delays: number[] = [];
  let enough!: () => void;
  const done = new Promise<void>((resolve) => (enough = resolve));
  const client = createClient({
    url: `http://127.0.0.1:${port}`,
    protocol: 'long-poll',
    reconnect: { initialDelayMs: 40, maxDelayMs: 320, multiplier: 2, jitter },
    handlers: {
      onUpdate: () => undefined,
      onClose: (info) => {
        if (!info.willReconnect || info.delayMs === undefined) return;
        delays.push(info.delayMs);
        if (delays.length === attempts) enough();
      },
    },
  });
  client.connect().catch(() => undefined);
  await done;
  await client.close();
  return { delays, accepts };
}

const scheduled = (attempt: number): number => Math.min(320, 40 * 2 ** attempt);

describe('reconnect backoff, as a client follows it', () => {
  it('with jitter 0.5: every delay within [½ × scheduled, scheduled], and attempts at least that far apart', async () => {
    const { delays, accepts } = await follow(0.5, 6);
    delays.forEach((delay, attempt) => {
      expect(delay, `attempt ${attempt}`).toBeGreaterThanOrEqual(Math.floor(scheduled(attempt) * 0.5));
      expect(delay, `attempt ${attempt}`).toBeLessThanOrEqual(scheduled(attempt));
    });
    // Attempt n + 1 reaches the server no sooner than delay n after attempt n failed (timers: 1 ms slack).
    for (let n = 0; n + 1 < accepts.length && n < delays.length; n++) {
      expect(accepts[n + 1]! - accepts[n]!, `gap after attempt ${n}`).toBeGreaterThanOrEqual(delays[n]! - 1);
    }
    expect(accepts.length).toBeGreaterThanOrEqual(6);
  });

  it('with jitter 0: exactly 40, 80, 160, 320, 320 ms (capped by the maximum)', async () => {
    const { delays } = await follow(0, 5);
    expect(delays).toEqual([40, 80, 160, 320, 320]);
  });
});

import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClients, connectFailureCode, ConnectTimeoutError, localResourceCode } from '../../../bench/workers/connect-clients.js';
import { createClient } from '../../../clients/index.js';
import type { FeedClient } from '../../../clients/types.js';
import { startServer, type TestServer } from '../../servers/helpers.js';

/** Connects `count` WebSocket clients to `url` through connectClients; resolves with the outcome and how long it took. */
async function connectTo(url: string, count: number, settings: { concurrency: number; timeoutMs: number }) {
  const clients: FeedClient[] = [];
  const started = performance.now();
  const outcome = await connectClients(
    count,
    (index) => {
      const client = createClient({
        url,
        protocol: 'ws',
        id: `c${index}`,
        requestTimeoutMs: 60_000,
        handlers: { onUpdate: () => undefined },
      });
      clients.push(client);
      return { connect: () => client.connect(), abandon: () => client.close(), watchFailure: () => undefined };
    },
    settings,
  );
  const tookMs = performance.now() - started;
  await Promise.all(clients.map((client) => client.close()));
  return { outcome, tookMs };
}

describe('connectClients', () => {
  let feed: TestServer;
  // Accepts TCP connections and never answers: a server that has stopped serving.
  let silent: Server;
  const held: Socket[] = [];

  beforeAll(async () => {
    feed = await startServer();
    silent = createServer((socket) => held.push(socket)).listen(0, '127.0.0.1');
    await once(silent, 'listening');
  });

  afterAll(async () => {
    for (const socket of held) socket.destroy();
    silent.close();
    await feed.close();
  });

  it('connects every client of a server that answers', async () => {
    const { outcome } = await connectTo(feed.url, 30, { concurrency: 5, timeoutMs: 5000 });
    expect(outcome).toEqual({ connected: 30, failed: 0, failedBy: {}, errors: [] });
  });

  it('gives up on the rest once no client has connected for the connect timeout, instead of timing each out in turn', async () => {
    const address = silent.address() as { port: number };
    const timeoutMs = 400;
    const { outcome, tookMs } = await connectTo(`http://127.0.0.1:${address.port}`, 40, { concurrency: 4, timeoutMs });
    expect(outcome.connected).toBe(0);
    expect(outcome.failed).toBe(40);
    // The first four time out; the other 36 are not tried: 10 rounds of timeouts would take 4 s.
    expect(outcome.failedBy).toEqual({ timeout: 4, 'not tried': 36 });
    expect(outcome.errors).toEqual([
      `no first message within ${timeoutMs} ms`,
      `36 clients not tried: none connected in the last ${timeoutMs} ms`,
    ]);
    expect(tookMs).toBeLessThan(3 * timeoutMs);
  });

  it('names failures by their code', () => {
    const emfile = Object.assign(new Error('connect EMFILE 127.0.0.1:1 - Local (undefined:undefined)'), { code: 'EMFILE' });
    expect(localResourceCode(emfile)).toBe('EMFILE');
    expect(localResourceCode(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(connectFailureCode(emfile)).toBe('EMFILE');
    expect(connectFailureCode(new ConnectTimeoutError('late'))).toBe('timeout');
    expect(connectFailureCode(new Error('no code'))).toBe('error');
  });
});

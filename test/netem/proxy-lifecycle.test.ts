import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../../netem/proxy.js';
import { closedWith, connectTo, roundTrip, startEchoServer, type LocalServer } from './helpers.js';

let echo: LocalServer | undefined;
let proxy: RunningProxy | undefined;

afterEach(async () => {
  await proxy?.close();
  await echo?.close();
  proxy = undefined;
  echo = undefined;
});

async function echoBehindProxy(options: { latencyMs?: number; resetEveryMs?: number } = {}): Promise<RunningProxy> {
  echo = await startEchoServer();
  proxy = await startProxy({ target: { host: '127.0.0.1', port: echo.port }, ...options });
  return proxy;
}

/**
 * The kinds of handle that would keep a process alive, counted. Two event-loop turns first:
 * a handle closed just before stays listed until the loop's close phase has run.
 */
async function liveHandles(): Promise<Record<string, number>> {
  for (let turn = 0; turn < 2; turn += 1) await new Promise((resolve) => setImmediate(resolve));
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (['Timeout', 'TCPServerWrap', 'TCPSocketWrap', 'Immediate'].includes(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

describe('proxy resets and lifecycle', { timeout: 15_000 }, () => {
  it('resetAll() resets both sides of every connection and counts it', async () => {
    const running = await echoBehindProxy();
    const clients = await Promise.all([connectTo(running.port), connectTo(running.port)]);
    // A round trip first, so both upstream connections exist when the reset comes.
    for (const client of clients) await roundTrip(client);
    const clientEnds = clients.map(closedWith);
    const serverEnds = echo!.accepted.map(({ socket }) => closedWith(socket));

    expect(running.resetAll()).toBe(2);

    expect(await Promise.all(clientEnds)).toEqual(['ECONNRESET', 'ECONNRESET']);
    expect(await Promise.all(serverEnds)).toEqual(['ECONNRESET', 'ECONNRESET']);
    await running.idle();
    expect(running.stats()).toMatchObject({ accepted: 2, open: 0, resets: 2, resetRounds: 1, queuedBytes: 0 });
    expect(running.resetAll()).toBe(0);
  });

  it('resets on its own every resetEveryMs, and keeps serving new connections', async () => {
    const running = await echoBehindProxy({ resetEveryMs: 200 });
    const first = await connectTo(running.port);
    await roundTrip(first);
    expect(await closedWith(first)).toBe('ECONNRESET');
    expect(running.stats().resetRounds).toBeGreaterThanOrEqual(1);
    expect(running.stats().resets).toBeGreaterThanOrEqual(1);
    const second = await connectTo(running.port);
    expect(await roundTrip(second)).toBeGreaterThanOrEqual(0);
    second.destroy();
  });

  it('delays a half-close like data: the FIN never overtakes bytes sent before it', async () => {
    const running = await echoBehindProxy({ latencyMs: 15 });
    const client = await connectTo(running.port);
    client.setEncoding('utf8');
    let received = '';
    client.on('data', (text: string) => (received += text));
    client.end('last words');
    await once(client, 'end');
    expect(received).toBe('last words');
    await running.idle();
    expect(running.stats()).toMatchObject({ open: 0, resets: 0 });
  });

  it('resets the client when the target refuses, and counts the failure', async () => {
    const closedServer = createServer().listen(0, '127.0.0.1');
    await once(closedServer, 'listening');
    const { port } = closedServer.address() as AddressInfo;
    await new Promise<void>((resolve) => closedServer.close(() => resolve()));
    proxy = await startProxy({ target: { host: '127.0.0.1', port } });
    const client = await connectTo(proxy.port);
    expect(await closedWith(client)).toBe('ECONNRESET');
    await proxy.idle();
    expect(proxy.stats()).toMatchObject({ accepted: 1, upstreamFailures: 1, open: 0 });
  });

  it('close() ends every connection, timer and listener it made', async () => {
    const before = await liveHandles();
    const running = await echoBehindProxy({ latencyMs: 500, resetEveryMs: 60_000 });
    const client = await connectTo(running.port);
    const ended = closedWith(client);
    // Bytes in flight, so a delay timer is pending when close() comes. The proxy has no
    // event for "read a chunk", so look once per event-loop turn (bounded by the test timeout).
    client.write('still travelling');
    while (running.stats().queuedBytes === 0) await new Promise((resolve) => setImmediate(resolve));
    await running.close();
    expect(await ended).toBe('ECONNRESET');
    await echo!.close();
    echo = undefined;
    expect(await liveHandles()).toEqual(before);
    const refused = connect({ port: running.port, host: '127.0.0.1' });
    expect(await closedWith(refused)).toBe('ECONNREFUSED');
    await running.close(); // idempotent
  });

  it('re-points a URL at the proxy, keeping scheme, path and query', async () => {
    const running = await echoBehindProxy();
    expect(running.url('ws://127.0.0.1:3000/ws?since=5')).toBe(`ws://127.0.0.1:${running.port}/ws?since=5`);
    expect(running.url('http://localhost:3000')).toBe(`http://127.0.0.1:${running.port}`);
    expect(running.url('http://localhost:3000/')).toBe(`http://127.0.0.1:${running.port}/`);
  });
});

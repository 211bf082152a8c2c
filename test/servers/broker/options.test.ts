import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { buildServer } from '../../../servers/app.js';
import { redactedBrokerUrl, resolveServerOptions } from '../../../servers/config.js';
import { WirelabError } from '../../../wire/errors.js';
import { startServer } from '../helpers.js';

describe('broker options', () => {
  it.each([
    ['http://127.0.0.1:6379', /redis:\/\/ or rediss:\/\//],
    ['127.0.0.1:6379', /a URL like redis:\/\/127.0.0.1:6379/],
    ['redis://', /URL like|no host/],
    ['redis://127.0.0.1:6379/cache', /database number/],
    ['redis://127.0.0.1:6379/0?x=1', /database number/],
  ])('refuses broker %s with WL_BAD_OPTION naming the problem', (broker, message) => {
    const attempt = () => resolveServerOptions({ broker });
    expect(attempt).toThrowError(WirelabError);
    expect(attempt).toThrowError(message);
  });

  it('accepts redis:// and rediss:// with credentials and a database, and never shows the password', () => {
    expect(resolveServerOptions({ broker: 'redis://127.0.0.1:6379' }).broker).toBe('redis://127.0.0.1:6379');
    expect(resolveServerOptions({ broker: 'rediss://user:secret@cache.internal:6380/2' }).broker).toBe(
      'rediss://user:secret@cache.internal:6380/2',
    );
    expect(redactedBrokerUrl('redis://user:secret@127.0.0.1:6379/2')).toBe('redis://user:***@127.0.0.1:6379/2');
  });

  it('checks the feed name, the lock life and the epoch', () => {
    expect(() => resolveServerOptions({ brokerFeed: 'Main Feed' })).toThrowError(/brokerFeed must be 1 to 64 characters/);
    expect(() => resolveServerOptions({ brokerLockMs: 5 })).toThrowError(/brokerLockMs must be an integer from 100 to 60000/);
    expect(() => resolveServerOptions({ epoch: 'Not-An-Epoch' })).toThrowError(/epoch must be 1 to 32 characters/);
    expect(resolveServerOptions({}).brokerFeed).toBe('main');
  });

  it('refuses to start when the broker cannot be reached, naming it', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as { port: number };
    probe.close();
    await once(probe, 'close');
    await expect(buildServer({ port: 0, broker: `redis://127.0.0.1:${port}` })).rejects.toThrowError(
      new RegExp(`cannot use the broker at redis://127.0.0.1:${port}.*ECONNREFUSED`),
    );
  });

  it('without a broker: the embedded feed, and no broker figures in /stats or /metrics', async () => {
    const server = await startServer();
    try {
      const stats = (await (await fetch(`${server.url}/stats`)).json()) as Record<string, unknown>;
      expect(stats).not.toHaveProperty('broker');
      expect(await (await fetch(`${server.url}/metrics`)).text()).not.toMatch(/wirelab_broker_/);
      expect(server.server.context.broker).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('the CLI takes WIRELAB_BROKER and exits 2 on a bad one', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'servers/main.ts', '--port', '0'], {
      cwd: new URL('../../../', import.meta.url),
      env: { ...process.env, WIRELAB_BROKER: 'memcached://127.0.0.1:11211' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /WL_BAD_OPTION: bad option: broker must be a redis:\/\/ or rediss:\/\/ URL, got "memcached:\/\/127.0.0.1:11211"/,
    );
  });
});

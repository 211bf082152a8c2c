import { randomBytes } from 'node:crypto';
import { nowMicros } from '../../wire/clock.js';
import { TargetError } from './control-client.js';
import { FleetControl } from './fleet-control.js';
import { startRedis, type LocalRedis } from './redis-server.js';
import { spawnServer, type SpawnedServer } from './spawn.js';

/** `--servers N --broker …`: N feed server instances sharing one feed through Redis, and the Redis the harness started, if it did. */
export interface Fleet {
  /** The instances' base URLs, in order; a killed instance comes back on the same one. */
  readonly urls: readonly string[];
  readonly control: FleetControl;
  /** `redis://host:port` the instances use (the harness's own or the user's). */
  readonly brokerUrl: string;
  /** The harness started this Redis (`--broker redis`); undefined for the user's. */
  readonly redis: LocalRedis | undefined;
  /** SIGKILL instance `index` (a crash): resolves with the µs it was gone. */
  kill(index: number): Promise<number>;
  /** Starts every killed instance again on its port; resolves once they listen. */
  revive(): Promise<void>;
  /** Kills the harness's Redis and starts it again on the same port and folder (its AOF keeps the data). */
  restartBroker(): Promise<{ killedAt: number; ready: Promise<void> }>;
  /** Why the fleet can no longer be used, or undefined. */
  gone(): string | undefined;
  close(graceMs?: number): Promise<void>;
}

export interface FleetOptions {
  readonly servers: number;
  /** `'redis'`: start a redis-server of our own; otherwise the URL of an existing one. */
  readonly broker: string;
  /** Keep the harness's Redis's data across a restart (`--broker-restart`): an AOF synced on every write. */
  readonly persistent: boolean;
}

/**
 * Starts (or reaches) Redis, then the instances one after the other, each its own process with
 * `--broker` on a feed name of its own for this run (so an existing Redis's other feeds are
 * untouched). Everything started is stopped again if a later step fails.
 */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  let redis: LocalRedis | undefined;
  if (options.broker === 'redis') {
    try {
      redis = await startRedis({ persistent: options.persistent });
    } catch (error) {
      throw new TargetError(`--broker redis: ${(error as Error).message}`);
    }
  }
  const brokerUrl = redis?.url ?? options.broker;
  const controlToken = randomBytes(12).toString('hex');
  const extraArgs = ['--broker', brokerUrl, '--broker-feed', `bench-${randomBytes(4).toString('hex')}`];
  const servers: SpawnedServer[] = [];
  try {
    for (let index = 0; index < options.servers; index++) servers.push(await spawnServer({ controlToken, extraArgs }));
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    await redis?.stop();
    throw error;
  }
  const urls = servers.map((server) => server.url);
  const control = new FleetControl(urls, controlToken);
  const killed = new Set<number>();
  let failure: string | undefined;
  return {
    urls,
    control,
    brokerUrl,
    redis,
    async kill(index) {
      const server = servers[index];
      if (server === undefined) throw new RangeError(`no instance ${index}`);
      control.setAlive(index, false);
      killed.add(index);
      await server.kill();
      return nowMicros();
    },
    async revive() {
      for (const index of [...killed]) {
        const port = Number(new URL(urls[index]!).port);
        try {
          servers[index] = await spawnServer({ controlToken, extraArgs, port });
        } catch (error) {
          failure = `instance ${index} could not be started again on port ${port}: ${(error as Error).message}`;
          throw new TargetError(failure);
        }
        killed.delete(index);
        control.setAlive(index, true);
      }
    },
    async restartBroker() {
      if (redis === undefined) throw new TargetError('--broker-restart needs the Redis the harness starts itself (--broker redis)');
      const own = redis;
      await own.kill();
      const killedAt = nowMicros();
      const ready = own.restart().catch((error: unknown) => {
        failure = `Redis could not be started again on port ${own.port}: ${(error as Error).message}`;
        throw new TargetError(failure);
      });
      ready.catch(() => undefined);
      return { killedAt, ready };
    },
    gone() {
      if (failure !== undefined) return failure;
      for (const [index, server] of servers.entries()) {
        if (killed.has(index)) continue;
        const reason = server.exitReason();
        if (reason !== undefined) return reason;
      }
      return undefined;
    },
    async close(graceMs) {
      await Promise.all(servers.map((server, index) => (killed.has(index) ? undefined : server.stop(graceMs))));
      await redis?.stop();
    },
  };
}

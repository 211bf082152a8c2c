import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A `redis-server` of the harness's own (`--broker redis`), also what the broker tests start:
 * found on PATH, on a free loopback port, in a temporary folder, no snapshots, stopped by PID.
 */
export interface RedisOptions {
  /** Keep the data across a restart (an append-only file synced on every write). Off by default. */
  persistent?: boolean;
  /** More addresses to listen on besides 127.0.0.1 (a namespace link's host end, for agents inside it). */
  alsoBind?: readonly string[];
}

/** A running `redis-server`, on a free loopback port, in a temporary folder. */
export interface LocalRedis {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** Kills the server by its PID (SIGKILL: no shutdown save) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder. */
  restart(): Promise<void>;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

const REDIS_COMMAND = 'redis-server';

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** Spawns redis-server and resolves once it accepts connections; rejects with its output if it exits first. */
async function launch(port: number, dir: string, persistent: boolean, alsoBind: readonly string[] = []): Promise<ChildProcess> {
  const persistence = persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const child = spawn(
    REDIS_COMMAND,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      ...alsoBind,
      // Protected mode refuses every peer not on loopback; the extra addresses are there to be reached.
      ...(alsoBind.length > 0 ? ['--protected-mode', 'no'] : []),
      '--save',
      '',
      ...persistence,
      '--dir',
      dir,
      '--loglevel',
      'notice',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error(
              `${REDIS_COMMAND} was not found on PATH: install Redis (Debian: apt-get install redis-server) or give --broker redis://HOST:PORT`,
            )
          : error,
      ),
    );
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`)));
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(child.pid!, 'SIGKILL');
  await exited;
}

export async function startRedis(options: RedisOptions = {}): Promise<LocalRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-redis-'));
  const persistent = options.persistent === true;
  let port = await freePort();
  let child: ChildProcess;
  try {
    child = await launch(port, dir, persistent, options.alsoBind);
  } catch {
    // The free port was taken in between: once more on another.
    port = await freePort();
    child = await launch(port, dir, persistent, options.alsoBind);
  }
  // Never leave Redis behind, whatever way the process ends.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child.pid!;
    },
    kill: () => killChild(child),
    async restart() {
      await killChild(child);
      child = await launch(port, dir, persistent, options.alsoBind);
    },
    async stop() {
      process.off('exit', killOnExit);
      await killChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

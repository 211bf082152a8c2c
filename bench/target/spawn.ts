import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { TIMINGS } from '../../wire/timings.js';
import { TargetError } from './control-client.js';

const SERVER_ENTRY = fileURLToPath(new URL('../../servers/main.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface SpawnedServer {
  readonly url: string;
  readonly pid: number;
  readonly controlToken: string;
  /** The cleartext HTTP/2 listener (`--h2c-port`), when it was asked for. */
  readonly h2cUrl: string | undefined;
  /** Why the server is gone (exit code or signal and the end of its stderr), or undefined while it runs. */
  exitReason(): string | undefined;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL at once, as a crash: resolves once the process is gone (its sockets closed by the kernel). */
  kill(): Promise<void>;
}

export interface SpawnServerOptions {
  host?: string;
  port?: number;
  epoch?: string;
  extraArgs?: string[];
  /** @default TIMINGS.serverStartTimeoutMs */
  startTimeoutMs?: number;
  /** Reuse a control token (a restarted server keeps its predecessor's); random by default. */
  controlToken?: string;
  /** Turns the command line into another, e.g. `ip netns exec NAME node …` (netem/netns.ts `command()`). */
  wrap?: (command: string, args: string[]) => { command: string; args: string[] };
}

/**
 * Starts the feed server as its own process on loopback, so its CPU and memory are measured
 * apart from the load generator's, and waits for its ready line.
 */
export async function spawnServer(options: SpawnServerOptions = {}): Promise<SpawnedServer> {
  const controlToken = options.controlToken ?? randomBytes(12).toString('hex');
  const args = [
    // The harness asks for a full collection before reading memory per connection (POST /control/gc).
    '--expose-gc',
    '--import',
    // By URL, not by name: `npx wirelab bench` may run from a folder whose node_modules has no tsx.
    import.meta.resolve('tsx'),
    SERVER_ENTRY,
    '--host',
    options.host ?? '127.0.0.1',
    '--port',
    String(options.port ?? 0),
    '--mode',
    'idle',
    '--ready-json',
    '--control-token',
    controlToken,
    ...(options.epoch === undefined ? [] : ['--epoch', options.epoch]),
    ...(options.extraArgs ?? []),
  ];
  const line = options.wrap === undefined ? { command: process.execPath, args } : options.wrap(process.execPath, args);
  const child = spawn(line.command, line.args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  // Never leave the server behind, whatever way the harness ends.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let stopping = false;
  let ready: ReadyLine;
  try {
    ready = await waitForReady(child, options.startTimeoutMs ?? TIMINGS.serverStartTimeoutMs, () => stderr);
  } catch (error) {
    process.off('exit', killOnExit);
    throw error;
  }
  return {
    url: ready.url,
    pid: ready.pid,
    controlToken,
    h2cUrl: ready.h2c,
    exitReason() {
      if (child.exitCode === null && child.signalCode === null) return undefined;
      const how = child.signalCode !== null ? `was killed by ${child.signalCode}` : `exited with code ${child.exitCode}`;
      const tail = stderr.trim().split('\n').slice(-5).join('\n');
      return `the feed server (pid ${ready.pid}) ${how}${stopping ? ' after being stopped' : ''}${tail === '' ? '' : `: ${tail}`}`;
    },
    async stop(graceMs = 5000) {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      stopping = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const [code] = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The server's `--ready-json` line (servers/main.ts). */
interface ReadyLine {
  url: string;
  pid: number;
  h2c?: string;
}

function waitForReady(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<ReadyLine> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new TargetError(`the feed server did not start within ${timeoutMs} ms: ${stderr().trim()}`));
    }, timeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as ReadyLine);
      } catch {
        reject(new TargetError(`the feed server printed "${line}" instead of its ready line`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new TargetError(`the feed server exited with code ${code} before it was ready: ${stderr().trim()}`));
    });
  });
}

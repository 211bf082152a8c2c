import { createServer } from 'node:net';
import { afterEach } from 'vitest';
import { createClient } from '../../clients/index.js';
import { buildServer, type WirelabServer } from '../../servers/app.js';
import type { ServerOptions } from '../../servers/config.js';
import type { EmbeddedFeed } from '../../servers/feed.js';
import type { CloseInfo, FeedClient, FeedClientHandlers, FeedClientOptions } from '../../clients/types.js';
import type { ProtocolName } from '../../wire/protocols.js';

export interface TestServer {
  readonly server: WirelabServer;
  readonly url: string;
  /** Publishes `count` updates now; returns their seqs, ts and byte lengths. */
  publish(count: number): Array<{ seq: number; ts: number; bytes: number }>;
  close(): Promise<void>;
}

/**
 * `server()` and `client()` for a test file: what each test makes with them is closed after it,
 * the clients first, then the servers.
 */
export function closedAfterEach(): {
  server: (options?: Omit<Partial<ServerOptions>, 'port'>) => Promise<TestServer>;
  client: (options: FeedClientOptions) => FeedClient;
} {
  const clients: FeedClient[] = [];
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return {
    async server(options = {}) {
      const started = await startServer(options);
      servers.push(started);
      return started;
    },
    client(options) {
      const created = createClient(options);
      clients.push(created);
      return created;
    },
  };
}

/** A real feed server on 127.0.0.1, port 0, idle unless told otherwise. */
export async function startServer(options: Omit<Partial<ServerOptions>, 'port'> = {}): Promise<TestServer> {
  const server = await buildServer({ port: 0, mode: 'idle', ...options });
  const url = await server.listen();
  return {
    server,
    url,
    publish(count) {
      return Array.from({ length: count }, (_, index) => {
        const message = (server.context.feed as EmbeddedFeed).publish({ n: index });
        return { seq: message.seq, ts: message.ts, bytes: message.bytes };
      });
    },
    close: () => server.close(),
  };
}

export interface Update {
  seq: number;
  ts: number;
  receivedAt: number;
  bytes: number;
}

/**
 * The handlers of a client under test: records everything and lets the test await a
 * condition, woken by the handler calls themselves (never a fixed sleep).
 */
export class Recorder implements FeedClientHandlers {
  readonly updates: Update[] = [];
  readonly snapshots: Array<{ kind: 'initial' | 'reset'; seq: number; epoch: string; reason?: string }> = [];
  readonly opens: number[] = [];
  readonly closes: CloseInfo[] = [];
  readonly errors: Error[] = [];
  private waiters: Array<{ test: () => boolean; resolve: () => void }> = [];

  readonly onUpdate = (seq: number, ts: number, receivedAt: number, bytes: number): void => {
    this.updates.push({ seq, ts, receivedAt, bytes });
    this.wake();
  };

  readonly onSnapshot = (kind: 'initial' | 'reset', seq: number, epoch: string, reason?: string): void => {
    this.snapshots.push({ kind, seq, epoch, ...(reason === undefined ? {} : { reason }) });
    this.wake();
  };

  readonly onOpen = (connectMicros: number): void => {
    this.opens.push(connectMicros);
    this.wake();
  };

  readonly onClose = (info: CloseInfo): void => {
    this.closes.push(info);
    this.wake();
  };

  readonly onError = (error: Error): void => {
    this.errors.push(error);
    this.wake();
  };

  get seqs(): number[] {
    return this.updates.map((update) => update.seq);
  }

  /** Resolves once `test` holds; rejects after `timeoutMs` saying what was seen. */
  until(test: (recorder: this) => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    if (test(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        test: () => test(this),
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `timed out waiting for ${what}; updates ${summarise(this.seqs)}, snapshots ${JSON.stringify(this.snapshots)}, closes ${JSON.stringify(this.closes)}, errors ${this.errors.map((e) => e.message).join(' | ')}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Waits for updates up to and including `seq`. */
  untilSeq(seq: number, timeoutMs = 5000): Promise<void> {
    return this.until((r) => r.updates.length > 0 && r.updates[r.updates.length - 1]!.seq >= seq, timeoutMs, `seq ${seq}`);
  }

  private wake(): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.test()) return true;
      waiter.resolve();
      return false;
    });
  }
}

function summarise(seqs: number[]): string {
  return seqs.length <= 30 ? `[${seqs.join(',')}]` : `[${seqs.slice(0, 10).join(',')} … ${seqs.slice(-10).join(',')}] (${seqs.length})`;
}

/** Consecutive integers from..to. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, index) => from + index);
}

/** Options that make a test fast: short poll interval, quick reconnects without jitter. */
export function fastOptions(
  protocol: ProtocolName,
  url: string,
  handlers: FeedClientHandlers,
  extra: Partial<FeedClientOptions> = {},
): FeedClientOptions {
  return {
    url,
    protocol,
    handlers,
    id: `t-${protocol}`,
    pollIntervalMs: 20,
    longPollTimeoutMs: 2000,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200, jitter: 0 },
    ...extra,
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Waits for a value that only changes through I/O this test cannot hook (the server's socket
 * counters after a close): checked every 10 ms, bounded by `timeoutMs`.
 */
export async function eventually<T>(read: () => T, test: (value: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (test(value)) return value;
    if (Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

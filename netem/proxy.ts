/**
 * The harness's own fault-injecting TCP proxy: it listens on loopback, and every connection
 * it accepts is forwarded to the target through two delay lines (added latency and jitter
 * per chunk, an optional bandwidth cap) and may be reset abruptly, on demand or on a period.
 * It works on TCP chunks, not packets: it cannot drop or reorder packets (see netns.ts for loss).
 */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { DirectionShaping } from './delay-line.js';
import type { BandwidthScope } from './options.js';
import { ProxiedConnection, resetSocket } from './proxied-connection.js';
import { TokenBucket } from './token-bucket.js';

/** The link one direction crosses. */
export interface LinkShaping {
  /** Added one-way delay per chunk (ms). */
  latencyMs?: number;
  /** Each chunk's delay is uniform in latency ± jitter (ms), never below 0. */
  jitterMs?: number;
  /** Bandwidth cap (bits per second); undefined or 0 means uncapped. */
  bandwidthBitsPerSecond?: number;
}

export interface ProxyOptions extends LinkShaping {
  target: { host: string; port: number };
  /** Where to listen: loopback by default (the harness never opens the proxy to the network). */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Per `connection` (the default: each client on its own slow link) or `shared` (one uplink for all). */
  bandwidthScope?: BandwidthScope;
  /** Reset every open connection this often (ms); undefined means only on resetAll(). */
  resetEveryMs?: number;
  /** Overrides of the shaping above for one direction only. */
  clientToServer?: LinkShaping;
  serverToClient?: LinkShaping;
  /** Per connection and direction, reading pauses above this many waiting bytes (default 256 KiB). */
  maxQueuedBytes?: number;
  /** Uniform [0, 1) source for jitter; tests inject extremes. */
  random?: () => number;
}

export interface ProxyStats {
  accepted: number;
  open: number;
  /** Connections the proxy reset (periodic or resetAll). */
  resets: number;
  /** How many times resetAll ran (periodic rounds included). */
  resetRounds: number;
  /** Connections dropped because the target refused or failed to connect. */
  upstreamFailures: number;
  bytesClientToServer: number;
  bytesServerToClient: number;
  /** Bytes read and not yet forwarded, all connections and directions. */
  queuedBytes: number;
  /** The most bytes that ever waited in one direction of one connection. */
  peakQueuedBytes: number;
  /** How many times a full delay line paused reading from its source. */
  backpressurePauses: number;
}

export interface RunningProxy {
  readonly host: string;
  readonly port: number;
  /** `base` with its host and port replaced by the proxy's: `ws://127.0.0.1:3000/ws` → `ws://127.0.0.1:<proxy>/ws`. */
  url(base: string): string;
  stats(): ProxyStats;
  /** Resets every open connection now; returns how many. */
  resetAll(): number;
  /** Resolves once no proxied connection is open (both of its sockets closed). */
  idle(): Promise<void>;
  /** Stops listening, resets what is left, cancels every timer; resolves once all sockets are closed. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_QUEUED_BYTES = 256 * 1024;

function checkMs(name: string, value: number | undefined): number {
  const ms = value ?? 0;
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`${name} must be a finite number ≥ 0, got ${value}`);
  return ms;
}

/** About 10 ms of link time per slice, between 1 KiB and 16 KiB: smooth without a timer storm. */
function sliceBytesFor(bitsPerSecond: number): number {
  return Math.min(16384, Math.max(1024, Math.round(bitsPerSecond / 8 / 100)));
}

interface Direction {
  latencyMs: number;
  jitterMs: number;
  bitsPerSecond: number;
  sharedBucket: TokenBucket | undefined;
}

function resolveDirection(name: string, base: LinkShaping, override: LinkShaping | undefined, scope: BandwidthScope): Direction {
  const merged = { ...base, ...override };
  const latencyMs = checkMs(`${name}.latencyMs`, merged.latencyMs);
  const jitterMs = checkMs(`${name}.jitterMs`, merged.jitterMs);
  const bitsPerSecond = checkMs(`${name}.bandwidthBitsPerSecond`, merged.bandwidthBitsPerSecond);
  const sharedBucket =
    scope === 'shared' && bitsPerSecond > 0
      ? new TokenBucket(bitsPerSecond, sliceBytesFor(bitsPerSecond) * 8, performance.now())
      : undefined;
  return { latencyMs, jitterMs, bitsPerSecond, sharedBucket };
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const { target } = options;
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535)
    throw new RangeError(`target.port must be 1..65535, got ${target.port}`);
  const scope = options.bandwidthScope ?? 'connection';
  const maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  if (!(maxQueuedBytes > 0)) throw new RangeError(`maxQueuedBytes must be > 0, got ${maxQueuedBytes}`);
  const resetEveryMs = options.resetEveryMs;
  if (resetEveryMs !== undefined && !(resetEveryMs > 0 && Number.isFinite(resetEveryMs)))
    throw new RangeError(`resetEveryMs must be > 0, got ${resetEveryMs}`);
  const random = options.random ?? Math.random;
  const now = (): number => performance.now();
  const up = resolveDirection('clientToServer', options, options.clientToServer, scope);
  const down = resolveDirection('serverToClient', options, options.serverToClient, scope);

  const shapingFor = (direction: Direction): DirectionShaping => ({
    latencyMs: direction.latencyMs,
    jitterMs: direction.jitterMs,
    bucket:
      direction.bitsPerSecond === 0
        ? undefined
        : (direction.sharedBucket ?? new TokenBucket(direction.bitsPerSecond, sliceBytesFor(direction.bitsPerSecond) * 8, now())),
    sliceBytes: direction.bitsPerSecond === 0 ? Number.POSITIVE_INFINITY : sliceBytesFor(direction.bitsPerSecond),
    maxQueuedBytes,
    random,
    now,
  });

  const counters = {
    accepted: 0,
    resets: 0,
    resetRounds: 0,
    upstreamFailures: 0,
    bytesClientToServer: 0,
    bytesServerToClient: 0,
    peakQueuedBytes: 0,
    backpressurePauses: 0,
  };
  const connections = new Set<ProxiedConnection>();
  const allClosed = new Set<Promise<void>>();
  const idleWaiters: Array<() => void> = [];
  let closing = false;

  const server = createServer({ allowHalfOpen: true, noDelay: true }, (client: Socket) => {
    counters.accepted += 1;
    if (closing) {
      resetSocket(client);
      return;
    }
    let markDone!: () => void;
    const connectionClosed = new Promise<void>((resolve) => (markDone = resolve));
    allClosed.add(connectionClosed);
    const connection = new ProxiedConnection(
      client,
      target,
      { clientToServer: shapingFor(up), serverToClient: shapingFor(down) },
      {
        forwardedToServer: (bytes) => (counters.bytesClientToServer += bytes),
        forwardedToClient: (bytes) => (counters.bytesServerToClient += bytes),
        queued: (bytes) => (counters.peakQueuedBytes = Math.max(counters.peakQueuedBytes, bytes)),
        paused: () => (counters.backpressurePauses += 1),
        upstreamFailed: () => (counters.upstreamFailures += 1),
        done: () => {
          connections.delete(connection);
          allClosed.delete(connectionClosed);
          markDone();
          if (connections.size === 0) for (const resolve of idleWaiters.splice(0)) resolve();
        },
      },
    );
    connections.add(connection);
  });
  // Any socket error is handled by its connection; a listen error rejects below.
  server.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  await once(server, 'listening');
  // After listening, the only server errors are failed accepts (EMFILE): the client just
  // sees its connection fail, and the harness must not crash over it.
  server.on('error', () => undefined);
  const address = server.address() as AddressInfo;

  const resetAll = (): number => {
    counters.resetRounds += 1;
    let count = 0;
    for (const connection of connections) if (connection.reset()) count += 1;
    counters.resets += count;
    return count;
  };
  let closed: Promise<void> | undefined;
  const resetTimer = resetEveryMs === undefined ? undefined : setInterval(resetAll, resetEveryMs);

  return {
    host: address.address,
    port: address.port,
    url(base) {
      const url = new URL(base);
      url.hostname = address.address;
      url.port = String(address.port);
      // new URL('http://h:1') gains a '/' path; give back what was given, only re-pointed.
      const bare = url.pathname === '/' && url.search === '' && url.hash === '' && !base.endsWith('/');
      return bare ? url.href.slice(0, -1) : url.href;
    },
    stats() {
      let queuedBytes = 0;
      for (const connection of connections) queuedBytes += connection.queuedBytes;
      return { ...counters, open: connections.size, queuedBytes };
    },
    resetAll,
    idle() {
      return connections.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    close() {
      if (closed !== undefined) return closed;
      closing = true;
      clearInterval(resetTimer);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of connections) connection.reset();
      closed = Promise.all([stopped, ...allClosed]).then(() => undefined);
      return closed;
    },
  };
}

import type { Socket } from 'node:net';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

import { PROTOCOL_NAMES as TRANSPORT_NAMES, type ProtocolName as TransportName } from '../wire/protocols.js';

export { TRANSPORT_NAMES, type TransportName };

/** Counters a transport bumps on its own paths; each is a plain integer increment. */
export interface TransportCounters {
  /** Open now: WebSockets, SSE streams, held long polls. */
  connections: number;
  /** Connections (or poll requests) accepted since the last reset: the reconnect storm's raw data. */
  accepted: number;
  /** HTTP requests, including WebSocket upgrades. */
  requests: number;
  messagesSent: number;
  slowConsumersDropped: number;
  /** Client input refused with an error. */
  errors: number;
}

interface SocketTotals {
  bytesSent: number;
  bytesReceived: number;
}

/** The sampling timer's own period is part of every sample and is taken off when reporting. */
const LOOP_DELAY_RESOLUTION_MS = 10;

function emptyCounters(): TransportCounters {
  return { connections: 0, accepted: 0, requests: 0, messagesSent: 0, slowConsumersDropped: 0, errors: 0 };
}

/**
 * The server's own cost. Bytes are read from the sockets themselves (headers and framing
 * included) rather than added up per write: each socket is attributed to the transport of its
 * first request, and its `bytesWritten`/`bytesRead` are summed when stats are read.
 */
export class ServerStats {
  readonly transports: Record<TransportName, TransportCounters>;
  /** PING requests answered over HTTP (`POST /ping`). */
  pings = 0;
  /** Chat messages relayed to their room, over every transport. */
  chatRelayed = 0;
  /** Chat messages refused by the rate limit, over every transport. */
  chatRefused = 0;
  private readonly openSockets: Record<TransportName, Set<Socket>>;
  private readonly closedTotals: Record<TransportName, SocketTotals>;
  /** Bytes already on a socket when counters were last reset, so a reset starts from zero. */
  private readonly baseline = new WeakMap<Socket, SocketTotals>();
  private readonly socketOwner = new WeakMap<Socket, TransportName>();
  private readonly loopDelay: IntervalHistogram;
  private cpuAtReset = process.cpuUsage();
  private resetAt = performance.now();

  constructor() {
    this.transports = byTransport(emptyCounters);
    this.openSockets = byTransport(() => new Set<Socket>());
    this.closedTotals = byTransport(() => ({ bytesSent: 0, bytesReceived: 0 }));
    this.loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
    this.loopDelay.enable();
  }

  /** Attributes `socket` to `transport` (once; later calls are no-ops) so its bytes are counted. */
  trackSocket(transport: TransportName, socket: Socket): void {
    if (this.socketOwner.has(socket)) return;
    this.socketOwner.set(socket, transport);
    this.openSockets[transport].add(socket);
    socket.once('close', () => {
      const base = this.baseline.get(socket);
      this.closedTotals[transport].bytesSent += socket.bytesWritten - (base?.bytesSent ?? 0);
      this.closedTotals[transport].bytesReceived += socket.bytesRead - (base?.bytesReceived ?? 0);
      this.openSockets[transport].delete(socket);
    });
  }

  /** Destroys every open socket of `transport` (a reconnect test); returns how many. */
  destroySockets(transport: TransportName): number {
    const sockets = [...this.openSockets[transport]];
    for (const socket of sockets) socket.destroy();
    return sockets.length;
  }

  /** Bytes through every socket of `transport` since the last reset. */
  bytes(transport: TransportName): SocketTotals {
    const totals = { ...this.closedTotals[transport] };
    for (const socket of this.openSockets[transport]) {
      const base = this.baseline.get(socket);
      totals.bytesSent += socket.bytesWritten - (base?.bytesSent ?? 0);
      totals.bytesReceived += socket.bytesRead - (base?.bytesReceived ?? 0);
    }
    return totals;
  }

  resetCounters(): void {
    for (const name of TRANSPORT_NAMES) {
      const open = this.transports[name].connections;
      // Counters are reset in place: transports hold references to their own object.
      Object.assign(this.transports[name], emptyCounters(), { connections: open });
      this.closedTotals[name] = { bytesSent: 0, bytesReceived: 0 };
      for (const socket of this.openSockets[name]) {
        this.baseline.set(socket, { bytesSent: socket.bytesWritten, bytesReceived: socket.bytesRead });
      }
    }
    this.pings = 0;
    this.chatRelayed = 0;
    this.chatRefused = 0;
    this.loopDelay.reset();
    this.cpuAtReset = process.cpuUsage();
    this.resetAt = performance.now();
  }

  /** Process cost since the last reset: CPU in µs, RSS in bytes, event-loop delay in ms. */
  process(): ProcessStats {
    const cpu = process.cpuUsage(this.cpuAtReset);
    const memory = process.memoryUsage();
    return {
      pid: process.pid,
      uptimeMs: Math.round(process.uptime() * 1000),
      sinceResetMs: Math.round(performance.now() - this.resetAt),
      cpuUserMicros: cpu.user,
      cpuSystemMicros: cpu.system,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      externalBytes: memory.external,
      eventLoopDelayMs: {
        mean: nanosToMs(this.loopDelay.mean),
        p50: nanosToMs(this.loopDelay.percentile(50)),
        p99: nanosToMs(this.loopDelay.percentile(99)),
        max: nanosToMs(this.loopDelay.max),
      },
    };
  }

  close(): void {
    this.loopDelay.disable();
  }
}

export interface ProcessStats {
  pid: number;
  uptimeMs: number;
  sinceResetMs: number;
  cpuUserMicros: number;
  cpuSystemMicros: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Memory outside the JS heap held by JS objects: Buffers, and zlib's compression state. */
  externalBytes: number;
  eventLoopDelayMs: { mean: number; p50: number; p99: number; max: number };
}

/** A loop-delay sample in ms with the sampling period removed. */
function nanosToMs(nanos: number): number {
  if (!Number.isFinite(nanos)) return 0;
  return Math.max(0, Math.round(nanos / 1000 - LOOP_DELAY_RESOLUTION_MS * 1000) / 1000);
}

export function byTransport<T>(make: (name: TransportName) => T): Record<TransportName, T> {
  return Object.fromEntries(TRANSPORT_NAMES.map((name) => [name, make(name)])) as Record<TransportName, T>;
}

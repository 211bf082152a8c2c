import { availableParallelism } from 'node:os';
import { SERVER_DEFAULTS } from '../servers/config.js';
import type { Protocol, Scenario } from './types.js';

/**
 * Shortest `--ping-interval`. The server allows `messageRatePerSecond` (10) messages per
 * second per WebSocket client, counted in one-second windows: a PING every 100 ms is at the
 * limit, and any timer firing a little late puts an eleventh in some window, which the server
 * refuses. One PING a second under the limit (112 ms) leaves room for that.
 */
export const MIN_PING_INTERVAL_MS = Math.ceil(1000 / (SERVER_DEFAULTS.messageRatePerSecond - 1));

/**
 * Every default of the harness, in one place. The CLI's help text and docs/cli.md read from
 * here; `resolveBenchOptions` spreads it under what the user gave.
 */
export const BENCH_DEFAULTS = Object.freeze({
  /** Clients per protocol. */
  clients: 100,
  protocols: Object.freeze(['ws', 'sse', 'long-poll', 'short-poll']) as readonly Protocol[],
  scenario: 'broadcast' as Scenario,
  /** Measuring window per protocol. */
  durationMs: 10_000,
  /** Feed running, clients connected, nothing recorded yet. */
  warmupMs: 2_000,
  /** Feed updates per second. */
  rate: 10,
  /** Size of each update message in bytes. */
  payload: 256,
  pollIntervalMs: 1_000,
  longPollTimeoutMs: 25_000,
  /** Scenario `ping`: each client's PING interval. */
  pingIntervalMs: 1_000,
  /** Feed idle after the window, to measure what an idle client costs. */
  idleMs: 2_000,
  /** autocannon against the polling endpoints; 0 skips it. */
  capacityDurationMs: 3_000,
  capacityConnections: 50,
  /** Connections each worker opens at once while connecting. */
  connectConcurrency: 100,
  /** A client that has not received its first message by then counts as failed. */
  connectTimeoutMs: 30_000,
  /** Longest wait, after the feed stops, for every client to receive the last update. */
  drainTimeoutMs: 5_000,
  outDir: 'results',
  reconnect: Object.freeze({ initialDelayMs: 1_000, maxDelayMs: 16_000, multiplier: 2, jitter: 0.5 }),
  /**
   * Scenario `reconnect`: what changes when the user does not say. A longer window leaves time
   * to recover from two drops (the backoff's first retries are 1 s, 2 s, 4 s); idle cost and
   * polling capacity say nothing about reconnects and are skipped. Four protocols × 1,000
   * clients take about two minutes.
   */
  reconnectScenario: Object.freeze({
    durationMs: 20_000,
    idleMs: 0,
    capacityDurationMs: 0,
    /** Drops at these shares of the window: 5 s and 12 s of the default 20 s. */
    dropAtShares: Object.freeze([0.25, 0.6]) as readonly number[],
  }),
  /** Shortest `--drop-every`: a storm needs time to settle before the next one. */
  minDropEveryMs: 500,
  /** The server's /stats is read this often during a window with drops, for the reconnect storm. */
  stormSampleMs: 200,
  /** Client reconnect attempts are counted in bins this wide (the client-side storm's resolution). */
  attemptBinMs: 100,
  /** Longest wait for a restarted feed server's ready line. */
  restartTimeoutMs: 20_000,
  /** An interrupted run gives the spawned server this long to exit on SIGTERM before SIGKILL. */
  abortGraceMs: 500,
  /** Share of the window (or of sustained seconds) a worker thread may wait on a CPU run queue before the result is marked suspect. */
  saturationRunQueueWait: 0.2,
  /** Event-loop utilisation of a worker thread in a second above which that second counts against it. */
  saturationUtilisation: 0.9,
  /** Event-loop delay p99 of a worker thread in a second above which that second counts against it. */
  saturationLoopDelayMs: 50,
  /** Seconds of the window a per-second limit must be passed in (or every second of a shorter window) to mark the result suspect. */
  saturationSustainedSeconds: 3,
  /** Share of all the machine's CPU time busy over the window above which it is marked suspect, where run-queue waits cannot be read. */
  saturationMachineBusy: 0.95,
  /** Longest wait at the window's first fence for every client to hold the last warm-up update. */
  settleTimeoutMs: 3_000,
});

/** Worker threads holding clients: leave one core to the server on small machines. */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(8, availableParallelism() - 1));
}

/**
 * The seeds' promises as thresholds. Short polling's delivery latency is bounded by its
 * interval by design, so its latency promise is one interval plus the 100 ms others get.
 * Scenario `reconnect` judges recovery instead of latency (its latency includes the
 * updates delivered late, by resume, on purpose): back within 2 s, every client back, and
 * nothing lost silently.
 */
export function defaultThresholds(pollIntervalMs: number, scenario: Scenario = 'broadcast'): string[] {
  if (scenario === 'reconnect') {
    return ['*.connect.p99<500ms', '*.reconnect.recovery.p99<2s', '*.reconnect.notRecovered=0', '*.delivery.missed=0', '*.server.memoryPerConnection<1mb'];
  }
  return [
    '*.connect.p99<500ms',
    'ws.latency.p99<100ms',
    'sse.latency.p99<100ms',
    'long-poll.latency.p99<100ms',
    `short-poll.latency.p99<${pollIntervalMs + 100}ms`,
    '*.server.memoryPerConnection<1mb',
  ];
}

import { availableParallelism } from 'node:os';
import type { Protocol, Scenario } from './types.js';

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
  /** Event-loop utilisation of a generator thread above which the result is marked suspect. */
  saturationUtilisation: 0.9,
  /** Event-loop delay p99 of a generator thread above which the result is marked suspect. */
  saturationLoopDelayMs: 50,
  /** Share of all the machine's CPU time busy over the window above which it is marked suspect. */
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
 */
export function defaultThresholds(pollIntervalMs: number): string[] {
  return [
    '*.connect.p99<500ms',
    'ws.latency.p99<100ms',
    'sse.latency.p99<100ms',
    'long-poll.latency.p99<100ms',
    `short-poll.latency.p99<${pollIntervalMs + 100}ms`,
    '*.server.memoryPerConnection<1mb',
  ];
}

import { availableParallelism } from 'node:os';
import { PROTOCOL_NAMES } from '../wire/protocols.js';
import { TIMINGS } from '../wire/timings.js';
import type { ScenarioName } from './report/types.js';

/**
 * Every default of the harness, in one place. The CLI's help text and docs/cli.md read from
 * here; `resolveBenchOptions` spreads it under what the user gave, and a scenario's own
 * defaults (its module in bench/scenarios/) over it.
 */
export const BENCH_DEFAULTS = Object.freeze({
  /** Clients per protocol. */
  clients: 100,
  protocols: PROTOCOL_NAMES,
  scenario: 'broadcast' as ScenarioName,
  /** Measuring window per protocol. */
  durationMs: 10_000,
  /** Feed running, clients connected, nothing recorded yet. */
  warmupMs: 2_000,
  /** Feed updates per second. */
  rate: 10,
  /** Size of each update message in bytes. */
  payload: 256,
  pollIntervalMs: TIMINGS.shortPollIntervalMs,
  longPollTimeoutMs: TIMINGS.longPollHoldMs,
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
  reconnect: TIMINGS.backoff,
  /** The server's /stats is read this often during a window with drops, for the reconnect storm. */
  stormSampleMs: 200,
  /** Client reconnect attempts are counted in bins this wide (the client-side storm's resolution). */
  attemptBinMs: 100,
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

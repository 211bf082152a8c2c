import { availableParallelism } from 'node:os';
import { SERVER_DEFAULTS } from '../servers/config.js';
import { PROTOCOL_NAMES } from '../wire/protocols.js';
import { TIMINGS } from '../wire/timings.js';
import type { ScenarioName } from './report/types.js';

/**
 * Shortest `--ping-interval`. The server allows `messageRatePerSecond` (10) messages per
 * second per WebSocket client, counted in one-second windows: a PING every 100 ms is at the
 * limit, and any timer firing a little late puts an eleventh in some window, which the server
 * refuses. One PING a second under the limit (112 ms) leaves room for that.
 */
export const MIN_PING_INTERVAL_MS = Math.ceil(1000 / (SERVER_DEFAULTS.messageRatePerSecond - 1));

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
  /** Scenario `chat`: messages per second each sending client sends (`--send-rate`). */
  chatSendRate: 1,
  /** Scenario `chat`: characters of text in each message. */
  chatTextBytes: 64,
  /** HTTP/2 columns: logical clients per HTTP/2 connection (`--h2-streams-per-connection`). */
  h2StreamsPerConnection: 1,
  /** Feed idle after the window, to measure what an idle client costs. */
  idleMs: 2_000,
  /** Times each protocol is measured (`--repeat`), interleaved; the table shows medians and min–max. */
  repeat: 1,
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
  /** Clients per loopback source address: past it they spread over 127.0.0.2, 127.0.0.3 … (one address has about 28,000 ephemeral ports). */
  connectionsPerAddress: 28_000,
  /** Scenario `capacity`: a step passes while latency p99 stays under this. */
  sloP99Ms: 100,
  /** Scenario `capacity`: bisecting stops once the first failure is within this share of the last pass. */
  capacityResolution: 0.05,
  /** Scenario `capacity`: no step above this many clients (lowered to what the open-files limit allows). */
  maxClients: 20_000,
  /** Scenario `capacity`: the whole search, every protocol together (each gets an equal share); four protocols end within 5 minutes. */
  timeBudgetMs: 240_000,
});

/** The most repetitions `--repeat` accepts: each one measures every protocol again. */
export const MAX_REPEAT = 100;

/** Worker threads holding clients: leave one core to the server on small machines. */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(8, availableParallelism() - 1));
}

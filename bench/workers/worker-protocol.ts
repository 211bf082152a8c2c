import type { VariantClientOptions } from '../../wire/variants.js';
import type { ProtocolName } from '../../wire/protocols.js';
import type { EndpointPlan, TargetPlan } from '../target/preset.js';
import type { RefusalCounts } from '../measure/refusals.js';
import type { PingTally } from './ping-schedule.js';
import type { ChatPlan, WorkerChat } from './worker-chat.js';

/** Messages between the coordinator and a worker thread holding clients. */

export interface ClientPlan {
  readonly url: string;
  /**
   * Several instances of one feed (`--servers N`): client i connects to `instanceUrls[i % N]`
   * and reconnects to the next instance in turn. Absent or one URL: every client uses `url`.
   */
  readonly instanceUrls?: readonly string[];
  readonly protocol: ProtocolName;
  readonly clients: number;
  /** Used to give every client a unique id across workers. */
  readonly firstClientIndex: number;
  readonly pollIntervalMs: number;
  readonly longPollTimeoutMs: number;
  readonly pingIntervalMs: number;
  /** Each client sends a PING every `pingIntervalMs` of the window (the scenario says so). */
  readonly pings: boolean;
  readonly connectConcurrency: number;
  readonly connectTimeoutMs: number;
  readonly reconnect: { initialDelayMs: number; maxDelayMs: number; multiplier: number; jitter: number };
  /** Follow each client through drops (scenario `reconnect`, `--net-reset-every`): recovery and outage accounting. */
  readonly trackDrops: boolean;
  /**
   * A foreign target (docs/targets.md): the plan, this protocol's endpoint and the run tag the
   * harness's markers carry. Absent for wirelab's own server.
   */
  readonly target?: { readonly plan: TargetPlan; readonly endpoint: EndpointPlan; readonly run: string };
  /** Loopback source addresses the clients connect from, round robin by client index; empty: the system's choice. */
  readonly sourceAddresses?: readonly string[];
  /** The feed server's clock minus this host's (µs), added to every receipt time; 0 or absent on the server's host (bench/agent/clock-offset.ts). */
  readonly clockOffsetMicros?: number;
  /** The column's variant client options (wire/variants.ts): permessage-deflate, Accept-Encoding, HTTP/2. */
  readonly variant?: VariantClientOptions;
  /** HTTP/2 columns: logical clients per HTTP/2 connection (bench/workers/h2-groups.ts). @default 1 */
  readonly h2StreamsPerConnection?: number;
  /** Scenario `chat`: rooms, senders and their rate; the clients read their room instead of the main feed. */
  readonly chat?: ChatPlan;
}

export type CoordinatorMessage =
  | { type: 'connect'; plan: ClientPlan }
  /** Start counting updates after `seqStart` once every client has caught up to it. */
  | { type: 'measure'; seqStart: number; epoch: string; settleTimeoutMs: number }
  /** A drop is about to happen: every client starts a new client-drop record. */
  /** `instance`: only the clients connected to that instance (`host:port`; scenario `failover`). */
  /** `cut`: the clients make the drop themselves, each closing its open connection (a foreign target has no control endpoint). */
  | { type: 'arm'; drop: number; instance?: string; cut?: boolean }
  /** The drop happened: `startedAt` just before it was triggered, `doneAt` once it was done (µs, monotonic). */
  | { type: 'dropped'; drop: number; startedAt: number; doneAt: number }
  /** `epochEnds`: the window's last seq in each feed epoch it went through (a restart starts a new one). */
  | { type: 'finish'; seqEnd: number; epoch: string; epochEnds: Record<string, number>; drainTimeoutMs: number }
  | { type: 'sample' }
  | { type: 'close' };

/** Cumulative counters of all clients of a worker, read at their sockets. */
export interface WorkerCounters {
  bytesRead: number;
  bytesWritten: number;
  requests: number;
  emptyPolls: number;
  reconnects: number;
  resets: number;
  pings: number;
  errors: number;
  /** Foreign targets: messages without a marker of this run (all of them on a receive-only run). */
  unmarked: number;
  /** Compressed bytes the clients decoded (permessage-deflate, Content-Encoding), and what they decoded to. */
  compressedBytes: number;
  decompressedBytes: number;
}

export const COUNTER_KEYS: ReadonlyArray<keyof WorkerCounters> = Object.freeze([
  'bytesRead',
  'bytesWritten',
  'requests',
  'emptyPolls',
  'reconnects',
  'resets',
  'pings',
  'errors',
  'unmarked',
  'compressedBytes',
  'decompressedBytes',
]);

export function emptyCounters(): WorkerCounters {
  return {
    bytesRead: 0,
    bytesWritten: 0,
    requests: 0,
    emptyPolls: 0,
    reconnects: 0,
    resets: 0,
    pings: 0,
    errors: 0,
    unmarked: 0,
    compressedBytes: 0,
    decompressedBytes: 0,
  };
}

export interface WorkerTick {
  type: 'tick';
  connected: number;
  /** Clients that failed to connect so far. */
  failed: number;
  /** Every update received since the clients connected (for messages per second). */
  received: number;
  /** Updates recorded in the measuring window so far. */
  windowMessages: number;
  counters: WorkerCounters;
  /** Latency of the updates received since the previous tick (encoded histogram, µs). */
  latency: string;
  /** Publish-to-first/last-client per seq, as flat [seq, min, max] triples. */
  spread: number[];
  loopDelayP99Ms: number;
  /** Event-loop utilisation of the worker thread over the last second, 0–1. */
  utilisation: number;
  /** Client reconnect attempts since the last tick, as flat [bin, count] pairs (bin = µs time ÷ attemptBinMs). */
  attemptBins: number[];
}

/** A worker's share of the drop figures (see ReconnectFigures). */
export interface WorkerReconnect {
  clientDrops: number;
  recovered: number;
  /** Encoded histogram of drop → first message again (µs). */
  recovery: string;
  /** Encoded histograms of the recovery's parts (µs), see ReconnectPhases. */
  phases: { noticed: string; waited: string; reopened: string };
  publishedDuringOutage: number;
  recoveredByResume: number;
  missedInOutage: number;
  coveredByReset: number;
}

export interface WorkerFinal {
  type: 'final';
  connected: number;
  /** Clients that had received every update up to seqEnd when the drain ended. */
  caughtUp: number;
  messages: number;
  payloadBytes: number;
  /** Updates the worker's clients should have received: the window's, less what resets replaced. */
  expected: number;
  delivered: number;
  duplicated: number;
  outOfOrder: number;
  counters: WorkerCounters;
  latency: string;
  pingRaw: string;
  /** PING latency from each PING's scheduled time (open loop). */
  pingCorrected: string;
  ping: PingTally;
  /** The server's refusals of the worker's messages and requests in the window, by code. */
  refusals: RefusalCounts;
  spread: number[];
  loopDelayP99Ms: number;
  reconnect: WorkerReconnect | null;
  /** Reconnect attempts not yet sent with a tick, [bin, count] pairs. */
  attemptBins: number[];
  /** The first few client errors seen, for the result's `errors`. */
  errors: string[];
  /** Scenario `chat`: this worker's share; absent otherwise. */
  chat?: WorkerChat;
  /** HTTP/2 columns: connections this worker's clients opened; absent otherwise. */
  h2ConnectionsOpened?: number;
}

export type WorkerMessage =
  /** The thread has loaded its modules (the harness's RSS baseline is taken after this); `tid`: its Linux thread id, if known. */
  | { type: 'ready'; tid: number | null }
  /** `failedBy`: failed clients by code (`EMFILE`, `timeout`, `ECONNREFUSED`, …). */
  | { type: 'connected'; connected: number; failed: number; failedBy: Record<string, number>; connect: string; errors: string[] }
  | { type: 'measuring'; settled: boolean }
  | { type: 'armed'; open: number }
  | WorkerTick
  | WorkerFinal
  | { type: 'sample'; counters: WorkerCounters; connected: number }
  | { type: 'closed' }
  | { type: 'error'; message: string };

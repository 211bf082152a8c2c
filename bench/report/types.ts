/**
 * The shapes the harness produces: the result file (`wirelab.result/1`, documented in
 * docs/results.md) and the progress events `runBench` emits. Times inside results are integer
 * microseconds unless a name says otherwise; sizes are bytes. Browser-safe: the dashboard
 * reads them. They depend on no option type, so adding an option never changes a result file.
 */
import type { LossMechanism } from '../../netem/loss-mechanism.js';
import type { TcpCounters } from '../../netem/netstat.js';
import type { NetworkSettings } from '../../netem/options.js';
import type { ProtocolName } from '../../wire/protocols.js';
import { RESULT_SCHEMA } from '../../wire/result-schema.js';
import type { BackoffSchedule } from '../../wire/timings.js';

export type { LossMechanism, TcpCounters };

/** The scenarios a result can name (each is a module in bench/scenarios/). */
export type ScenarioName = 'broadcast' | 'ping' | 'reconnect';
export type Phase = 'starting' | 'connecting' | 'warmup' | 'measuring' | 'draining' | 'idle' | 'closing' | 'capacity' | 'done';

export { RESULT_SCHEMA };

/** Percentiles of one HDR histogram, in microseconds. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface DeliveryCounts {
  /** Updates that should have reached a client: published in the window × clients measuring. */
  expected: number;
  /** Distinct updates received in the window. */
  delivered: number;
  missed: number;
  duplicated: number;
  outOfOrder: number;
  /** `reset` messages received: resume points the server could not honour. */
  resets: number;
}

export interface BandwidthFigures {
  /** Bytes read at the client sockets: HTTP headers, WebSocket and SSE framing included. */
  bytesDown: number;
  bytesUp: number;
  bytesPerEvent: number;
  /** Compressed columns: bytes the clients decompressed ÷ the compressed bytes they decoded (higher is smaller on the wire). */
  compressionRatio?: number;
  /** Compressed columns: decompressed bytes (the stream or answers as the application reads them) per delivered update. */
  uncompressedBytesPerEvent?: number;
  /** Bytes of the update messages themselves (their JSON). */
  payloadBytes: number;
  /** payloadBytes ÷ bytesDown: the share of the wire that is the message. */
  efficiency: number;
  requests: number;
  requestsPerEvent: number;
  emptyPolls: number;
  /** Bytes per client per second while the feed was idle (heartbeats, empty polls). */
  idleBytesPerClientPerSecond: number | null;
}

export interface ServerCost {
  /** CPU of the server process, % of one core, averaged over the measuring window. */
  cpuPercent: number;
  cpuMicros: number;
  rssBytes: number;
  rssBaselineBytes: number;
  /** (RSS with every client connected − RSS before) ÷ clients. */
  memoryPerConnectionBytes: number;
  eventLoopDelayP99Ms: number;
  /** What the server counted at its own sockets for this protocol in the window. */
  bytesSent: number;
  bytesReceived: number;
  /** Connection attempts per second seen by the server, peak (reconnect storms). */
  acceptedPerSecondPeak: number;
}

export interface GeneratorHealth {
  cpuPercent: number;
  cpuMicrosPerMessage: number;
  rssBytes: number;
  rssPerThousandClientsBytes: number;
  eventLoopDelayP99Ms: number;
  /**
   * The worst worker thread's time runnable but waiting for a CPU, % of the window (Linux
   * schedstat); null where it cannot be read. Absent in results written before it existed.
   */
  runQueueWaitPercent?: number | null;
  /** True when the generator was the bottleneck: its figures may understate the protocol. */
  saturated: boolean;
  /** Why, with the figures (`worker thread 1 waited for a CPU (run queue) 41% of the window (limit 20%)`). */
  reasons: string[];
}

export interface CapacityFigures {
  /** autocannon against the polling endpoint: requests per second it sustained. */
  requestsPerSecond: number;
  latencyP99Ms: number;
  durationMs: number;
  connections: number;
}

/** What made clients lose their connections: the control endpoint, a server restart, the proxy. */
export type DropKind = 'drop' | 'restart' | 'net-reset';

/** One drop the harness caused during the window. */
export interface DropEvent {
  kind: DropKind;
  /** Milliseconds since the run started (the time series' `t`). */
  t: number;
  /** Milliseconds since the window opened. */
  atMs: number;
  /** Connections the server (drop), the proxy (net-reset) or the workers (restart: clients open) reported cut. */
  connections: number;
  /** restart: from the kill to the new server's ready line; else the control call's round trip. */
  tookMs: number;
}

/**
 * Scenario `reconnect` (and any run with `--net-reset-every`): what the drops cost. A
 * *client-drop* is one client affected by one drop. Defined in docs/metrics-harness.md.
 */
export interface ReconnectFigures {
  drops: number;
  events: DropEvent[];
  /** Client-drops: clients affected, summed over the drops. */
  clientDrops: number;
  /** Client-drops that received a feed message again before the next drop or the end. */
  recovered: number;
  notRecovered: number;
  /** Drop to the first feed message received again (update or reset), per client-drop (µs). */
  recovery: LatencySummary;
  /** Updates published while each client was away (from its last update before the drop to its first after), summed. */
  publishedDuringOutage: number;
  /** Of those, received after the reconnect, through resume. */
  recoveredByResume: number;
  /** Of those, never received and not covered by a reset: silent loss. */
  missedInOutage: number;
  /** Of those, skipped because a `reset` replaced the client's state (restart: history gone). */
  coveredByReset: number;
  /** Updates received twice in the window (resume overlap). */
  duplicated: number;
  /** `reset` messages received in the window. */
  resets: number;
  /** Reconnect attempts the clients started in the window. */
  attempts: number;
  /** Peak connection attempts per second at the server (`/stats` accepted, sampled every ~200 ms). */
  attemptsPerSecondPeak: number;
  /** Server accepts per second in the second before the first drop: polling's normal request rate. */
  acceptedPerSecondBaseline: number | null;
  /** Peak reconnect attempts per second started by the clients (100 ms bins). */
  clientAttemptsPerSecondPeak: number;
  /** The storm at ~200 ms resolution over the window: server accepts/s and client attempts/s. */
  storm: StormPoint[];
}

export interface StormPoint {
  /** Milliseconds since the run started. */
  t: number;
  /** Server accepts per second over the interval ending at `t` (null when /stats did not answer). */
  acceptedPerSecond: number | null;
  /** Client reconnect attempts per second over the same interval. */
  attemptsPerSecond: number;
}

/** How a protocol fared through the faults (see docs/network-faults.md). */
export interface NetworkFigures extends NetworkSettings {
  /** Clients went through the harness's proxy. */
  proxied: boolean;
  /** The feed server ran in a network namespace behind a veth link (loss). */
  namespace: boolean;
  /** Measured latency minus the injected one-way delay (µs): what the protocol adds on a slow link. */
  latencyAddedP50: number | null;
  latencyAddedP99: number | null;
  /** Bytes per second read per client over the window. */
  downBytesPerSecondPerClient: number;
  /** Share of the bandwidth cap used (0–100): per client for `connection` scope, all clients for `shared`. */
  capUsedPercent: number | null;
  /** The proxy's counters over the window. */
  proxy: { resets: number; upstreamFailures: number; bytesClientToServer: number; bytesServerToClient: number; peakQueuedBytes: number; backpressurePauses: number } | null;
  /** What the namespace link lost over the window and what the server's TCP did about it (`--net-loss`). */
  loss: LossFigures | null;
}

/** Packets that crossed a link and packets dropped on it. */
export interface PacketCounts {
  sentPackets: number;
  droppedPackets: number;
}

/** The loss `--net-loss` applied over one window, and what it cost (see docs/network-faults.md). */
export interface LossFigures extends PacketCounts {
  /** What dropped the packets; null on a 0% link made without one. */
  mechanism: LossMechanism | null;
  /** Clients → server (host → namespace) and server → clients; the top-level counts are their sums. */
  toServer: PacketCounts;
  toClients: PacketCounts;
  /** droppedPackets ÷ (sentPackets + droppedPackets) × 100: the loss really applied; null when no packet came by. */
  appliedPercent: number | null;
  /** The kernel's TCP counters of the server's namespace over the window. */
  serverTcp: TcpCounters;
  /** The same protocol on the same link at 0% just before; null when this window was the 0% one. */
  control: LossControlFigures | null;
}

/** The 0% control window of a lossy run: same link, same server, same settings, no drops. */
export interface LossControlFigures extends PacketCounts {
  measuredMs: number;
  latency: LatencySummary;
  delivery: DeliveryCounts;
  serverTcp: TcpCounters;
}

/** One second of a protocol's run. */
export interface TimeseriesPoint {
  /** Milliseconds since the run started. */
  t: number;
  protocol: ProtocolName;
  phase: Phase;
  connected: number;
  messagesPerSecond: number;
  bytesPerSecond: number;
  latencyP50: number | null;
  latencyP99: number | null;
  reconnects: number;
  serverCpuPercent: number | null;
  serverRssBytes: number | null;
  serverAcceptedPerSecond: number | null;
  generatorCpuPercent: number;
  generatorLoopDelayMs: number;
  /** Reconnect attempts the clients started in this second (optional in the type for older readers; always written). */
  reconnectsPerSecond?: number;
  /** Drops the harness caused in this second (control drop, restart, proxy reset). */
  drops?: number;
}

export interface EncodedHistograms {
  /** HdrHistogram compressed base64 (hdr-histogram-js `encodeIntoCompressedBase64`), µs. */
  latency: string;
  connect: string;
  ping?: string;
  spreadFirst?: string;
  spreadLast?: string;
  recovery?: string;
}

export interface ProtocolResult {
  protocol: ProtocolName;
  /** The column's variant (`ws+deflate`, `sse/h2`), absent for a plain protocol; the column key is `variant ?? protocol`. */
  variant?: string;
  scenario: ScenarioName;
  /** `failedBy`: failed clients by code (`EMFILE`, `timeout`, `ECONNREFUSED`, `not tried` …); absent in older results. */
  clients: { requested: number; connected: number; failed: number; failedBy?: Record<string, number> };
  window: { seqStart: number; seqEnd: number; measuredMs: number; eventsPublished: number };
  connect: LatencySummary;
  latency: LatencySummary;
  /** Publish to the first and to the last client, per update. */
  spread: { first: LatencySummary; last: LatencySummary } | null;
  /**
   * Scenario `ping`: latency from each PING's scheduled time (`corrected`: coordinated omission
   * accounted for by the open-loop schedule), round trips as sent (`raw`), and what became of
   * the scheduled PINGs (`scheduled = answered + refused + unanswered + cut`; the counts are
   * absent in older results).
   */
  ping: ({ corrected: LatencySummary; raw: LatencySummary } & Partial<PingCounts>) | null;
  /** The server's refusals of the harness's own messages and requests, by code (see docs/metrics-harness.md); absent in older results. */
  refusals?: Record<string, number>;
  delivery: DeliveryCounts;
  bandwidth: BandwidthFigures;
  server: ServerCost | null;
  generator: GeneratorHealth;
  capacity: CapacityFigures | null;
  /** Scenario `reconnect`, or any run with `--net-reset-every`; else null. */
  reconnect: ReconnectFigures | null;
  /** Runs with `--net-*` faults; absent or null otherwise. */
  network?: NetworkFigures | null;
  histograms: EncodedHistograms;
  errors: string[];
  /**
   * When the protocol was measured more than once (`--repeat`): each repetition's own figures,
   * in the order they ran. The figures above are then the medians of these (histograms: merged),
   * and a comparison reads the spread (min–max) from here. Absent: one repetition, spread unknown.
   */
  repetitions?: RepetitionResult[];
}

/** One measurement of a protocol: a ProtocolResult of its own, without nested repetitions. */
export type RepetitionResult = Omit<ProtocolResult, 'repetitions'>;

/** What became of a window's scheduled PINGs. */
export interface PingCounts {
  scheduled: number;
  answered: number;
  /** The server answered with an error. */
  refused: number;
  /** Sent on an open connection and never answered. */
  unanswered: number;
  /** Not sent (client not connected at its slot), or lost with its connection. */
  cut: number;
}

export interface ThresholdOutcome {
  expression: string;
  protocol: ProtocolName | '*';
  /** The variant column judged (`ws+deflate`); a protocol's threshold applies to each of its variants. */
  variant?: string;
  metric: string;
  actual: number | null;
  limit: number;
  passed: boolean;
}

/** When the harness drops connections, ms after the window opens (empty outside scenario `reconnect`), and how. */
export interface DropSettings {
  readonly atMs: readonly number[];
  /** Kill the spawned server and start it again instead of the control drop. */
  readonly restart: boolean;
}

/**
 * The options a result records: every setting that shapes its figures, nothing secret (the
 * control token) and no switch that only decides which files are written. Spelled out on
 * purpose: an option reaches the result files only by being added here (docs/results.md).
 */
export type RecordedOptions = {
  readonly clients: number;
  readonly protocols: readonly ProtocolName[];
  /** The columns by name when any is a variant (`ws+deflate`, `sse/h2`; wire/variants.ts), in order. */
  readonly variants?: readonly string[];
  readonly scenario: ScenarioName;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly rate: number;
  readonly payload: number;
  readonly pollIntervalMs: number;
  readonly longPollTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly idleMs: number;
  readonly capacityDurationMs: number;
  readonly capacityConnections: number;
  readonly connectConcurrency: number;
  readonly connectTimeoutMs: number;
  readonly drainTimeoutMs: number;
  /** The `--target` server; absent when the run spawned its own. */
  readonly target: string | undefined;
  readonly workers: number;
  readonly outDir: string;
  readonly thresholds: readonly string[];
  readonly reconnect: BackoffSchedule;
  readonly drops: DropSettings;
  /** The network faults, or null when the network was left alone. */
  readonly network: Readonly<NetworkSettings> | null;
};

export interface BenchEnvironment {
  node: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cores: number;
  totalMemoryBytes: number;
  os: string;
}

export interface BenchResult {
  schema: typeof RESULT_SCHEMA;
  id: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  target: { url: string; spawned: boolean };
  /** The resolved options (without the control token). */
  options: RecordedOptions;
  environment: BenchEnvironment;
  protocols: ProtocolResult[];
  /** Protocols that could not be measured, and why. */
  failures: ProtocolFailure[];
  /**
   * Protocols measured while the server refused the harness's own messages (rate limits,
   * refused or unanswered PINGs), and why: the run does not pass. Absent in older results.
   */
  refused?: ProtocolFailure[];
  timeseries: TimeseriesPoint[];
  /** The `--net-*` faults of the run, or null when the network was left alone. */
  network?: (NetworkSettings & { proxied: boolean; namespace: { name: string; serverAddress: string } | null; lossMechanism?: LossMechanism | null }) | null;
  thresholds: ThresholdOutcome[];
  /** Some figure was taken while the generator was saturated. */
  suspect: boolean;
  /** Every threshold held, no protocol failed, and the server refused none of the harness's messages. */
  passed: boolean;
}

/** A protocol that could not be measured; the run goes on with the others. */
export interface ProtocolFailure {
  protocol: ProtocolName;
  message: string;
}

/**
 * What `runBench` emits, in this order: `start`, then per protocol `phase`s and once-a-second
 * `tick`s, then `protocol-done` (or `protocol-failed`), and last `done` (or `failed` when the
 * whole run stopped). The dashboard's live view receives the same objects as JSON.
 */
export type ProgressEvent =
  | { type: 'start'; runId: string; startedAt: string; target: string; spawned: boolean; options: RecordedOptions; protocols: ProtocolName[]; lossMechanism?: LossMechanism | null }
  | { type: 'phase'; protocol: ProtocolName; phase: Phase; t: number }
  /** The harness just cut connections (scenario `reconnect`, `--net-reset-every`). */
  | { type: 'drop'; protocol: ProtocolName; drop: DropEvent }
  | {
      type: 'tick';
      point: TimeseriesPoint;
      /** Latency p99 (µs) of everything recorded in the measuring window so far; null before it. */
      windowP99: number | null;
      /** Updates recorded in the measuring window so far. */
      windowMessages: number;
      /** Clients that failed to connect so far (absent from older emitters). */
      failed?: number;
    }
  | { type: 'protocol-done'; result: ProtocolResult }
  /** `--net-loss`: the protocol's 0% control window on the same link is done; its lossy window follows. */
  | { type: 'loss-control-done'; protocol: ProtocolName; result: ProtocolResult }
  | { type: 'protocol-failed'; protocol: ProtocolName; message: string }
  | { type: 'done'; result: BenchResult }
  | { type: 'failed'; message: string };

export type ProgressListener = (event: ProgressEvent) => void;

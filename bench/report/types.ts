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
export type ScenarioName = 'broadcast' | 'ping' | 'reconnect' | 'failover' | 'capacity' | 'hold' | 'chat';
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

/** Scenario `hold`: the server's memory per held connection (after a full GC, against the empty server) and what an idle connection sends. */
export interface HoldFigures {
  /** Connections open while memory was read. */
  connections: number;
  /** The server ran a full collection before each reading (it was started with --expose-gc). */
  gc: boolean;
  /** (RSS connected − RSS empty) ÷ connections, both after GC. */
  rssPerConnectionBytes: number;
  /** (heap used connected − heap used empty) ÷ connections, both after GC. */
  heapPerConnectionBytes: number;
  /** 1 GB (10⁹ bytes) ÷ RSS per connection; null when no growth was measured. */
  connectionsPerGb: number | null;
  /** Bytes both ways per connection per minute with the feed idle: heartbeats, SSE comments, long-poll re-requests, short polls. */
  idleBytesPerConnectionPerMinute: number;
  /** How long the idle cost was measured (at least one full long-poll hold). */
  idleMs: number;
  /** Loopback source addresses the clients came from (1: the system's choice). */
  sourceAddresses: number;
  /** `--servers N`: each instance's own readings (the figures above are their sum ÷ every connection); absent with one server. */
  instances?: HoldInstanceFigures[];
}

/** One instance's memory in scenario hold (`--servers N`): its own growth after GC ÷ its own connections. */
export interface HoldInstanceFigures {
  url: string;
  /** The protocol's connections on it when memory was read. */
  connections: number;
  /** Its RSS and heap used after a full GC with every client connected. */
  rssBytes: number;
  heapUsedBytes: number;
  rssPerConnectionBytes: number;
  heapPerConnectionBytes: number;
  connectionsPerGb: number | null;
}

/** Why a capacity step failed: the generator saturated, clients did not connect, updates were missed, or latency p99 passed the SLO. */
export type CapacityFailureKind = 'generator' | 'connect' | 'loss' | 'latency';

/** One step of scenario `capacity`: a short window at one client count. */
export interface CapacityCurvePoint {
  clients: number;
  /** null: the step passed. */
  failedBy: CapacityFailureKind | null;
  connected: number;
  missed: number;
  /** Latency (publish → receipt) in µs, like every latency summary. */
  latencyP50Us: number;
  latencyP99Us: number;
  /** Publish → the last client, p99 over the step's updates; null without spread figures. */
  lastClientP99Us: number | null;
  serverCpuPercent: number | null;
  serverRssBytes: number | null;
  generatorCpuPercent: number;
  /** Server CPU in the window ÷ (clients × updates published): the fan-out cost of one client for one update. */
  serverCpuMicrosPerClientUpdate: number | null;
}

/** Scenario `capacity`: the largest client count whose step met the SLO, and the curve that led there. */
export interface CapacitySearchFigures {
  /** Last passing count; 0 when even the first step failed. */
  capacity: number;
  /** The smallest failing count, and what failed there first; null when every step passed. */
  firstFailure: { clients: number; failedBy: CapacityFailureKind } | null;
  /** The generator failed first above the capacity: it is a lower bound, not the server's limit. */
  lowerBound: boolean;
  /** Why the search ended: `resolved`, `max-clients`, `time-budget`, `failed-at-start`. */
  stoppedBy: string;
  slo: { latencyP99Ms: number };
  /** Every step in the order run. */
  curve: CapacityCurvePoint[];
}

export interface CapacityFigures {
  /** autocannon against the polling endpoint: requests per second it sustained. */
  requestsPerSecond: number;
  latencyP99Ms: number;
  durationMs: number;
  connections: number;
}

/** What made clients lose their connections: the control endpoint, a server restart, the proxy. */
/** `failover`: one instance of several is killed; `broker-restart`: the harness's Redis is restarted (docs/scenarios/failover.md). */
/** `client-close`: a foreign target's clients closed their connections themselves (docs/targets.md). */
export type DropKind = 'drop' | 'restart' | 'net-reset' | 'failover' | 'broker-restart' | 'client-close';

/** One drop the harness caused during the window. */
export interface DropEvent {
  kind: DropKind;
  /** Milliseconds since the run started (the time series' `t`). */
  t: number;
  /** Milliseconds since the window opened. */
  atMs: number;
  /** Connections the server (drop), the proxy (net-reset) or the workers (restart, client-close: clients open) reported cut. */
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
  /** Where the recovery's time went, over the client-drops that saw their connection end (absent in older results). */
  phases?: ReconnectPhases;
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

/** A recovery in three parts that add up to it (µs each, per client-drop that saw its connection end). */
export interface ReconnectPhases {
  /** Drop → the client saw its connection end. */
  noticed: LatencySummary;
  /** Loss → the start of the attempt that worked: the backoff, and any attempt that failed. */
  waited: LatencySummary;
  /** That attempt's start → its first message: connect, handshake and resume. */
  reopened: LatencySummary;
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
  proxy: {
    resets: number;
    upstreamFailures: number;
    bytesClientToServer: number;
    bytesServerToClient: number;
    peakQueuedBytes: number;
    backpressurePauses: number;
  } | null;
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
  /** Which repetition of the protocol (0-based, `--repeat`) the second belongs to; absent in older results. */
  repetition?: number;
}

export interface EncodedHistograms {
  /** HdrHistogram compressed base64 (hdr-histogram-js `encodeIntoCompressedBase64`), µs. */
  latency: string;
  connect: string;
  ping?: string;
  spreadFirst?: string;
  spreadLast?: string;
  recovery?: string;
  /** Foreign targets: publish call → the server's acknowledgement. */
  publishAck?: string;
}

/** What a run against a foreign target adds: the harness as publisher, and what it cannot measure. */
export interface ForeignFigures {
  preset: string;
  /** Messages without a marker of this run (every message on a receive-only run). */
  unmarked: number;
  /** Every message the clients received (marked and unmarked) per client per second of the window. */
  messagesPerSecondPerClient: number;
  /** Bytes read per client per second of the window. */
  bytesPerSecondPerClient: number;
  /** The harness's publishes; null on a receive-only run. */
  publish: PublishFigures | null;
  /** The server's processes from /proc (`--target-pid`), or null: then `serverUnmeasured` says why. */
  server: { cpuPercent: number; cpuMicros: number; rssBytes: number; rssBaselineBytes: number; memoryPerConnectionBytes: number } | null;
  /** Why the server rows are "–" (no `--target-pid`), or null when they were measured. */
  serverUnmeasured: string | null;
  /** Receive-only: latency from the server's own send time (`--timestamp-field`, `--timestamp-clock`); absent otherwise. */
  timestamp?: { field: string; clock: string };
}

export interface PublishFigures {
  attempted: number;
  acked: number;
  failed: number;
  /** Failed publishes by reason (`HTTP 503`, `ECONNREFUSED`, `timeout`, …). */
  failures: Record<string, number>;
  /** Publish call → acknowledgement (µs), corrected for coordinated omission. */
  ackLatency: LatencySummary;
  /** Largest delay of a publish behind its schedule (µs). */
  maxLagMicros: number;
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
  /** `--servers N --broker …`: each instance's own figures (`server` is their sum); absent for one server. */
  instances?: InstanceFigures[];
  generator: GeneratorHealth;
  capacity: CapacityFigures | null;
  /** Scenario `reconnect`, or any run with `--net-reset-every`; else null. */
  reconnect: ReconnectFigures | null;
  /** Runs with `--net-*` faults; absent or null otherwise. */
  network?: NetworkFigures | null;
  /** Foreign targets (`--preset nchan|socketio|generic`, docs/targets.md); absent otherwise. */
  foreign?: ForeignFigures | null;
  /** Scenario `capacity`: the search for the largest client count under the SLO; absent otherwise. */
  capacitySearch?: CapacitySearchFigures | null;
  /** Scenario `hold`: what an idle connection costs the server; absent otherwise. */
  hold?: HoldFigures | null;
  /** Scenario `chat`: what the clients sent, what became of it, and what it cost (docs/scenarios/chat.md); absent otherwise. */
  chat?: ChatFigures | null;
  /** HTTP/2 columns (`sse/h2` …): how many logical clients shared a connection, and the connections opened; absent otherwise. */
  http2?: Http2Figures | null;
  histograms: EncodedHistograms;
  errors: string[];
  /**
   * When the protocol was measured more than once (`--repeat`): each repetition's own figures,
   * in the order they ran. The figures above are then the medians of these (histograms: merged),
   * and a comparison reads the spread (min–max) from here. Absent: one repetition, spread unknown.
   */
  repetitions?: RepetitionResult[];
  /** Runs with `--agents`: each shard's agent and its own figures (docs/distributed.md); absent otherwise. */
  agents?: AgentFigures[];
}

/** One agent's shard of a protocol (`--agents`): who ran it, what it cost there, its clock. */
export interface AgentFigures {
  agent: string;
  host: string;
  /** The agent's `--source-address`es, where its clients connected from; absent for the system's choice. */
  sourceAddresses?: string[];
  shard: number;
  shards: number;
  firstClientIndex: number;
  clients: number;
  connected: number;
  threads: number;
  cpuMicros: number;
  /** Its CPU from the window's start to the end of its drain, and the messages its clients read then (as `generator.cpuMicrosPerMessage` counts). */
  windowCpuMicros?: number;
  windowMessages?: number;
  rssPeakBytes: number;
  /** The agent's threads lagged (event-loop delay p99 over the limit): its figures may understate the protocol. */
  suspect: boolean;
  /** Its offset to the feed server's clock (added to its receipt times) and the uncertainty, ± µs. */
  clock: { offsetMicros: number; uncertaintyMicros: number; samples: number; appliedMicros?: number };
  /** The protocol's median latency is smaller than this agent's clock uncertainty: read it as "below ±uncertainty". */
  latencyBelowUncertainty?: boolean;
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

/** One instance's figures of a protocol's run with several instances (`server` sums them). */
export interface InstanceFigures {
  url: string;
  /** The protocol's connections on it once every client had connected (the round-robin spread). */
  connections: number;
  /** Connections it accepted during the window: the clients that came to it in a failover. 0 for one killed before the window's end. */
  acceptedInWindow: number;
  /** Its CPU over the window (user + system), and as a share of one core. Null when it was killed before the window ended. */
  cpuMicros: number | null;
  cpuPercent: number | null;
  rssBytes: number;
  eventLoopDelayP99Ms: number | null;
}

/** When the harness drops connections, ms after the window opens (empty outside scenario `reconnect`), and how. */
export interface DropSettings {
  readonly atMs: readonly number[];
  /** Kill the spawned server and start it again instead of the control drop. */
  readonly restart: boolean;
  /** Scenario `failover --broker-restart`: restart the harness's Redis instead of killing an instance. */
  readonly brokerRestart?: boolean;
}

/** `--servers N --broker …` (docs/scale-out.md): several instances sharing one feed through Redis. */
export interface ScaleOutSettings {
  readonly servers: number;
  /** `redis`: a redis-server the harness starts; otherwise the `redis://host:port` of an existing one (password hidden). */
  readonly broker: string;
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
  /** Times each protocol was measured, interleaved (`--repeat`); absent in older results: 1. */
  readonly repeat?: number;
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
  /** A foreign target's preset (docs/targets.md); absent for wirelab's own server. */
  readonly preset?: string;
  /** A foreign target in words: URL (no credentials, no query), protocols and how they resume, the publisher. */
  readonly targetSummary?: string;
  /** Several instances through a broker; absent or null for one server with the embedded feed. */
  readonly scaleOut?: ScaleOutSettings | null;
  /** Each protocol also ran against one embedded-feed server (`BenchResult.embedded`). */
  readonly compareEmbedded?: boolean;
  /** Clients per loopback source address before they spread; absent in older results. */
  readonly connectionsPerAddress?: number;
  /** Scenario `chat`: its settings; absent for other scenarios and in older results. */
  readonly chat?: ChatSettings;
  /** HTTP/2 columns: logical clients per HTTP/2 connection (`--h2-streams-per-connection`); absent in older results: 1. */
  readonly h2StreamsPerConnection?: number;
  /** Scenario `capacity`: the search's settings; absent for other scenarios and in older results. */
  readonly capacitySearch?: {
    readonly sloP99Ms: number;
    readonly resolution: number;
    readonly maxClients: number;
    readonly timeBudgetMs: number;
  };
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
  /** `--compare-embedded`: each protocol once more against one server with the embedded feed, the baseline of the broker's hop. */
  embedded?: ProtocolResult[];
  /** Protocols that could not be measured, and why. */
  failures: ProtocolFailure[];
  /**
   * Protocols measured while the server refused the harness's own messages (rate limits,
   * refused or unanswered PINGs), and why: the run does not pass. Absent in older results.
   */
  refused?: ProtocolFailure[];
  timeseries: TimeseriesPoint[];
  /** The `--net-*` faults of the run, or null when the network was left alone. */
  network?:
    | (NetworkSettings & {
        proxied: boolean;
        namespace: { name: string; serverAddress: string } | null;
        lossMechanism?: LossMechanism | null;
      })
    | null;
  thresholds: ThresholdOutcome[];
  /** Some figure was taken while the generator was saturated. */
  suspect: boolean;
  /** Interrupted (Ctrl+C) after some protocols finished: only those are in the result. Absent: complete. */
  partial?: boolean;
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
  | {
      type: 'start';
      runId: string;
      startedAt: string;
      target: string;
      spawned: boolean;
      options: RecordedOptions;
      protocols: ProtocolName[];
      lossMechanism?: LossMechanism | null;
      /** `--agents N`: the agents hold the clients (where they connect from is theirs to say). */
      agents?: number;
    }
  /** `durationMs`: the phase's length when it differs from the option's (long polling's idle phase lasts a hold). */
  | { type: 'phase'; protocol: ProtocolName; phase: Phase; t: number; durationMs?: number }
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

/** Scenario `chat`'s settings (`--send-rate`, `--room-size`, `--senders`). */
export interface ChatSettings {
  /** Messages per second each sending client sends. */
  readonly sendRate: number;
  /** Clients per room; null: one room of every client. */
  readonly roomSize: number | null;
  /** Share of the clients that send, 0 < share <= 1 (spread evenly over the rooms). */
  readonly senderShare: number;
  /** Characters of text in each message. */
  readonly textBytes: number;
  /** The server's per-client message limit the send rate was checked against (messages per second). */
  readonly serverLimit: number;
}

/**
 * Scenario `chat`'s own figures. Latency and integrity of the chat messages are the result's
 * `latency` and `delivery` (sender → every member of its room, the sender's own echo included).
 */
export interface ChatFigures {
  /** Clients that sent, and the rooms they were spread over. */
  senders: number;
  rooms: number;
  /** Messages the senders' schedules had due in the window. */
  scheduled: number;
  /** Handed to the transport (WebSocket frame written, POST /chat started). */
  sent: number;
  /** Due while the sender was not connected (or its transport would not take it): never sent. */
  notSent: number;
  /** Refused by the server's rate limit (WL_RATE_LIMITED: a 429 or an error message naming the message; a WebSocket closed 1008). */
  refused: number;
  /** Sent, and failed otherwise (another HTTP status, the request or connection failed): their fate is unknown. */
  failed: number;
  /** Relayed to their room, as the server counted them (its /stats over the window); null when unknown. */
  relayedByServer: number | null;
  /** Senders whose every accepted message reached every member of its room once, in order. */
  sendersComplete: number;
  /** Bytes every client wrote in the window (the uplink: chat frames or POSTs, and polls when polling) ÷ messages sent. */
  upBytesPerSent: number;
  /** The chat messages' own bytes (WebSocket frames, or POST /chat requests with their headers) ÷ messages sent; null over HTTP/2, where a stream's bytes are not told apart. */
  messageBytesPerSent: number | null;
  /** HTTP requests of every client in the window ÷ messages sent (0 on a WebSocket). */
  requestsPerSent: number;
  /** Server CPU in the window ÷ messages it relayed (µs; the fan-out to the room included); null when unknown. */
  serverCpuMicrosPerRelayed: number | null;
}

/** HTTP/2 columns: the multiplexing that was measured. */
export interface Http2Figures {
  /** Logical clients per HTTP/2 connection (`--h2-streams-per-connection`). */
  streamsPerConnection: number;
  /** HTTP/2 connections the clients opened, from connect to close (reconnects included). */
  connectionsOpened: number;
}

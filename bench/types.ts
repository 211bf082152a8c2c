/**
 * The shapes the harness produces: the result file (`wirelab.result/1`, documented in
 * docs/results.md) and the progress events `runBench` emits. Times inside results are integer
 * microseconds unless a name says otherwise; sizes are bytes.
 */
import type { Protocol } from '../clients/types.js';
import type { RecordedOptions } from './options.js';

export type { Protocol };
export type Scenario = 'broadcast' | 'ping' | 'reconnect';
export type Phase = 'starting' | 'connecting' | 'warmup' | 'measuring' | 'draining' | 'idle' | 'closing' | 'capacity' | 'done';

export const RESULT_SCHEMA = 'wirelab.result/1';

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
  /** True when the generator was the bottleneck: its figures may understate the protocol. */
  saturated: boolean;
  reasons: string[];
}

export interface CapacityFigures {
  /** autocannon against the polling endpoint: requests per second it sustained. */
  requestsPerSecond: number;
  latencyP99Ms: number;
  durationMs: number;
  connections: number;
}

export interface ReconnectFigures {
  drops: number;
  /** Drop to first update received again, per client. */
  recovery: LatencySummary;
  publishedDuringOutage: number;
  recoveredByResume: number;
  resets: number;
  attemptsPerSecondPeak: number;
}

/** One second of a protocol's run. */
export interface TimeseriesPoint {
  /** Milliseconds since the run started. */
  t: number;
  protocol: Protocol;
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
  protocol: Protocol;
  scenario: Scenario;
  clients: { requested: number; connected: number; failed: number };
  window: { seqStart: number; seqEnd: number; measuredMs: number; eventsPublished: number };
  connect: LatencySummary;
  latency: LatencySummary;
  /** Publish to the first and to the last client, per update. */
  spread: { first: LatencySummary; last: LatencySummary } | null;
  /** PING round trip, corrected for coordinated omission (and raw). */
  ping: { corrected: LatencySummary; raw: LatencySummary } | null;
  delivery: DeliveryCounts;
  bandwidth: BandwidthFigures;
  server: ServerCost | null;
  generator: GeneratorHealth;
  capacity: CapacityFigures | null;
  reconnect: ReconnectFigures | null;
  histograms: EncodedHistograms;
  errors: string[];
}

export interface ThresholdOutcome {
  expression: string;
  protocol: Protocol | '*';
  metric: string;
  actual: number | null;
  limit: number;
  passed: boolean;
}

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
  timeseries: TimeseriesPoint[];
  thresholds: ThresholdOutcome[];
  /** Some figure was taken while the generator was saturated. */
  suspect: boolean;
  /** Every threshold held and no protocol failed. */
  passed: boolean;
}

/** A protocol that could not be measured; the run goes on with the others. */
export interface ProtocolFailure {
  protocol: Protocol;
  message: string;
}

/**
 * What `runBench` emits, in this order: `start`, then per protocol `phase`s and once-a-second
 * `tick`s, then `protocol-done` (or `protocol-failed`), and last `done` (or `failed` when the
 * whole run stopped). The dashboard's live view receives the same objects as JSON.
 */
export type ProgressEvent =
  | { type: 'start'; runId: string; startedAt: string; target: string; spawned: boolean; options: RecordedOptions; protocols: Protocol[] }
  | { type: 'phase'; protocol: Protocol; phase: Phase; t: number }
  | {
      type: 'tick';
      point: TimeseriesPoint;
      /** Latency p99 (µs) of everything recorded in the measuring window so far; null before it. */
      windowP99: number | null;
      /** Updates recorded in the measuring window so far. */
      windowMessages: number;
    }
  | { type: 'protocol-done'; result: ProtocolResult }
  | { type: 'protocol-failed'; protocol: Protocol; message: string }
  | { type: 'done'; result: BenchResult }
  | { type: 'failed'; message: string };

export type ProgressListener = (event: ProgressEvent) => void;

import { createHistogram, encodeHistogram, summarize } from '../../bench/report/histogram.js';
import { recordedOptions, resolveBenchOptions } from '../../bench/options.js';
import { RESULT_SCHEMA, type BenchResult, type ProtocolResult, type ReconnectFigures } from '../../bench/report/types.js';
import type { ProtocolName } from '../../wire/protocols.js';

/** The result of `protocol` in `result`; throws, naming the run's failures, when it has none. */
export function resultOf(result: BenchResult, protocol: ProtocolName): ProtocolResult {
  const found = result.protocols.find((p) => p.protocol === protocol);
  if (found === undefined) throw new Error(`no result for ${protocol}: ${JSON.stringify(result.failures)}`);
  return found;
}

/** Reconnect figures of one drop of 10 clients, recovered in about `recoveryUs`. */
export function reconnectFigures(overrides: Partial<ReconnectFigures> = {}, recoveryUs = 800_000): ReconnectFigures {
  const recovery = createHistogram();
  for (let i = 1; i <= 10; i++) recovery.recordValue(Math.round((recoveryUs * i) / 5));
  return {
    drops: 1,
    events: [{ kind: 'drop', t: 8000, atMs: 5000, connections: 10, tookMs: 2.5 }],
    clientDrops: 10,
    recovered: 10,
    notRecovered: 0,
    recovery: summarize(recovery),
    publishedDuringOutage: 90,
    recoveredByResume: 90,
    missedInOutage: 0,
    coveredByReset: 0,
    duplicated: 0,
    resets: 0,
    attempts: 10,
    attemptsPerSecondPeak: 50,
    acceptedPerSecondBaseline: 0,
    clientAttemptsPerSecondPeak: 60,
    storm: [{ t: 8200, acceptedPerSecond: 50, attemptsPerSecond: 40 }],
    ...overrides,
  };
}

/** A plausible ProtocolResult with latencies spread around `latencyUs`. */
export function protocolResult(protocol: ProtocolName, overrides: Partial<ProtocolResult> = {}, latencyUs = 1500): ProtocolResult {
  const latency = createHistogram();
  for (let i = 1; i <= 1000; i++) latency.recordValue(Math.round((latencyUs * i) / 500));
  const connect = createHistogram();
  connect.recordValue(2500);
  const polling = protocol === 'long-poll' || protocol === 'short-poll';
  return {
    protocol,
    scenario: 'broadcast',
    clients: { requested: 10, connected: 10, failed: 0 },
    window: { seqStart: 20, seqEnd: 120, measuredMs: 10_000, eventsPublished: 100 },
    connect: summarize(connect),
    latency: summarize(latency),
    spread: null,
    ping: null,
    delivery: { expected: 1000, delivered: 1000, missed: 0, duplicated: 0, outOfOrder: 0, resets: 0 },
    bandwidth: {
      bytesDown: 300_000,
      bytesUp: polling ? 150_000 : 0,
      bytesPerEvent: polling ? 450 : 300,
      payloadBytes: 256_000,
      efficiency: 0.8533,
      requests: polling ? 1000 : 10,
      requestsPerEvent: polling ? 1 : 0.01,
      emptyPolls: protocol === 'short-poll' ? 5 : 0,
      idleBytesPerClientPerSecond: protocol === 'short-poll' ? 310 : 0,
    },
    server: {
      cpuPercent: 12.5,
      cpuMicros: 1_250_000,
      rssBytes: 90_000_000,
      rssBaselineBytes: 80_000_000,
      memoryPerConnectionBytes: 40_000,
      eventLoopDelayP99Ms: 11.2,
      bytesSent: 300_000,
      bytesReceived: polling ? 150_000 : 0,
      acceptedPerSecondPeak: polling ? 100 : 0,
    },
    generator: {
      cpuPercent: 8,
      cpuMicrosPerMessage: 6.5,
      rssBytes: 100_000_000,
      rssPerThousandClientsBytes: 20_000_000,
      eventLoopDelayP99Ms: 10.5,
      saturated: false,
      reasons: [],
    },
    capacity: polling ? { requestsPerSecond: 9000, latencyP99Ms: 12, durationMs: 3000, connections: 50 } : null,
    reconnect: null,
    histograms: { latency: encodeHistogram(latency), connect: encodeHistogram(connect) },
    errors: [],
    ...overrides,
  };
}

export function benchResult(protocols: ProtocolResult[], overrides: Partial<BenchResult> = {}): BenchResult {
  return {
    schema: RESULT_SCHEMA,
    id: '20251125-135400-abcd',
    startedAt: '2025-11-25T13:54:00.000Z',
    finishedAt: '2025-11-25T13:55:10.000Z',
    durationMs: 70_000,
    target: { url: 'http://127.0.0.1:40000', spawned: true },
    options: recordedOptions(resolveBenchOptions({ clients: 10 })),
    environment: { node: 'v20.0.0', platform: 'linux', arch: 'x64', cpuModel: 'Test CPU', cores: 2, totalMemoryBytes: 1e9, os: 'linux 6' },
    protocols,
    failures: [],
    timeseries: [
      {
        t: 1000,
        protocol: 'ws',
        phase: 'measuring',
        connected: 10,
        messagesPerSecond: 100,
        bytesPerSecond: 30_000,
        latencyP50: 1200,
        latencyP99: 3000,
        reconnects: 0,
        serverCpuPercent: null,
        serverRssBytes: 90_000_000,
        serverAcceptedPerSecond: null,
        generatorCpuPercent: 5.5,
        generatorLoopDelayMs: 10.1,
      },
    ],
    thresholds: [],
    suspect: false,
    passed: true,
    ...overrides,
  };
}

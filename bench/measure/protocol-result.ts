import type { ServerStatsSnapshot } from '../target/control-client.js';
import { subtractCounters, sumCounters } from './counters.js';
import { chatDelivery, chatFigures, http2Figures } from './chat-result.js';
import { addEncoded, createHistogram, encodeHistogram, summarize } from '../report/histogram.js';
import type { ResolvedBenchOptions } from '../options.js';
import { SCENARIOS } from '../scenarios/registry.js';
import { emptyPingTally } from '../workers/ping-schedule.js';
import { mergeRefusals, type RefusalCounts } from './refusals.js';
import type { SaturationVerdict } from './saturation.js';
import type { SpreadMerger } from '../workers/spread.js';
import type { ProxyStats } from '../../netem/proxy.js';
import type { StormFigures } from './storm.js';
import type {
  CapacityFigures,
  DropEvent,
  GeneratorHealth,
  LossFigures,
  NetworkFigures,
  ProtocolResult,
  ReconnectFigures,
  ServerCost,
} from '../report/types.js';
import type { NetworkSettings } from '../../netem/options.js';
import type { ProtocolName } from '../../wire/protocols.js';
import type { WorkerCounters, WorkerFinal, WorkerMessage } from '../workers/worker-protocol.js';

type Connected = Extract<WorkerMessage, { type: 'connected' }>;

/** The drops of a window, and the storm they caused. */
export interface ReconnectRunData {
  events: DropEvent[];
  storm: StormFigures;
}

/** The `--net-*` faults, and the proxy's and the lossy link's counters over the window. */
export interface NetworkRunData {
  settings: Readonly<NetworkSettings>;
  proxied: boolean;
  namespace: boolean;
  proxy: { start: ProxyStats; end: ProxyStats } | null;
  loss: LossFigures | null;
}

/** Everything one protocol's run collected, raw; {@link buildProtocolResult} turns it into figures. */
export interface ProtocolRunData {
  protocol: ProtocolName;
  options: ResolvedBenchOptions;
  connected: readonly Connected[];
  finals: readonly WorkerFinal[];
  seqStart: number;
  seqEnd: number;
  /** The feed epochs the window went through (one, unless the server was restarted), with their first and last seq. */
  epochs: ReadonlyArray<{ epoch: string; start: number; end: number }>;
  reconnect: ReconnectRunData | null;
  network: NetworkRunData | null;
  measuredMs: number;
  countersAtStart: WorkerCounters;
  idleBefore: WorkerCounters;
  idleAfter: WorkerCounters;
  /** How long the idle phase lasted (at least one long-poll hold for long polling: idle-phase.ts). */
  idleMs: number;
  /** Server /stats: before connecting, with every client connected, after the window. */
  server: { before: ServerStatsSnapshot; connected: ServerStatsSnapshot; window: ServerStatsSnapshot } | null;
  serverAcceptedPerSecondPeak: number;
  generator: {
    cpuMicros: number;
    rssBefore: number;
    rssConnected: number;
    rssAfter: number;
    loopDelayP99Ms: number;
    saturation: SaturationVerdict;
  };
  spread: SpreadMerger;
  capacity: CapacityFigures | null;
  errors: string[];
}

export function buildProtocolResult(data: ProtocolRunData): ProtocolResult {
  const { options, protocol, finals } = data;
  const errors = [...data.errors];
  const connect = createHistogram();
  let connected = 0;
  let failed = 0;
  const failedBy: Record<string, number> = {};
  const refusals: RefusalCounts = {};
  const pingCounts = emptyPingTally();
  for (const reply of data.connected) {
    addEncoded(connect, reply.connect);
    connected += reply.connected;
    failed += reply.failed;
    for (const [code, count] of Object.entries(reply.failedBy)) failedBy[code] = (failedBy[code] ?? 0) + count;
    for (const message of reply.errors) pushError(errors, `connect: ${message}`);
  }

  const latency = createHistogram();
  const pingRaw = createHistogram();
  const pingCorrected = createHistogram();
  let expected = 0;
  let delivered = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  let messages = 0;
  let payloadBytes = 0;
  let caughtUp = 0;
  let loopDelay = data.generator.loopDelayP99Ms;
  for (const final of finals) {
    addEncoded(latency, final.latency);
    addEncoded(pingRaw, final.pingRaw);
    addEncoded(pingCorrected, final.pingCorrected);
    data.spread.add(final.spread);
    expected += final.expected;
    delivered += final.delivered;
    duplicated += final.duplicated;
    outOfOrder += final.outOfOrder;
    messages += final.messages;
    payloadBytes += final.payloadBytes;
    caughtUp += final.caughtUp;
    loopDelay = Math.max(loopDelay, final.loopDelayP99Ms);
    mergeRefusals(refusals, final.refusals);
    for (const key of Object.keys(pingCounts) as Array<keyof typeof pingCounts>) pingCounts[key] += final.ping[key];
    for (const message of final.errors) pushError(errors, `client: ${message}`);
  }
  // Scenario chat: the messages counted are the chat messages, each sender's stream at every member of its room.
  const chat = chatDelivery(finals);
  if (chat !== null) ({ expected, delivered, duplicated, outOfOrder } = chat);
  if (caughtUp < connected) {
    pushError(
      errors,
      `${connected - caughtUp} of ${connected} clients had not received the last update ${options.drainTimeoutMs} ms after the feed stopped`,
    );
  }

  const spreadFirst = createHistogram();
  const spreadLast = createHistogram();
  // Per-seq spread only means something within one epoch: a restarted feed numbers from 0 again.
  if (data.epochs.length <= 1) {
    data.spread.forEach(data.seqStart, data.seqEnd, (min, max) => {
      spreadFirst.recordValue(Math.round(min));
      spreadLast.recordValue(Math.round(max));
    });
  }

  const window = subtractCounters(sumCounters(finals.map((final) => final.counters)), data.countersAtStart);
  const idle = subtractCounters(data.idleAfter, data.idleBefore);
  const eventsPublished =
    data.epochs.length === 0 ? data.seqEnd - data.seqStart : data.epochs.reduce((sum, e) => sum + Math.max(0, e.end - e.start), 0);
  const wireBytes = window.bytesRead + window.bytesWritten;
  const section = SCENARIOS[options.scenario].resultSection({ pingRaw, pingCorrected, pingCounts });

  const generator: GeneratorHealth = {
    cpuPercent: data.measuredMs > 0 ? round((data.generator.cpuMicros / (data.measuredMs * 1000)) * 100, 1) : 0,
    cpuMicrosPerMessage: messages > 0 ? round(data.generator.cpuMicros / messages, 2) : 0,
    rssBytes: data.generator.rssAfter,
    rssPerThousandClientsBytes:
      connected > 0 ? Math.round((Math.max(0, data.generator.rssConnected - data.generator.rssBefore) / connected) * 1000) : 0,
    eventLoopDelayP99Ms: round(loopDelay, 2),
    runQueueWaitPercent: data.generator.saturation.runQueueWaitPercent,
    saturated: data.generator.saturation.reasons.length > 0,
    reasons: data.generator.saturation.reasons,
  };

  const latencySummary = summarize(latency);
  const http2 = http2Figures(options, finals);
  const reconnect = data.reconnect === null ? null : reconnectFigures(data.reconnect, finals, window, duplicated);
  const network = data.network === null ? null : networkFigures(data.network, latencySummary, window.bytesRead, connected, data.measuredMs);

  return {
    protocol,
    scenario: options.scenario,
    clients: { requested: options.clients, connected, failed, failedBy },
    window: { seqStart: data.seqStart, seqEnd: data.seqEnd, measuredMs: Math.round(data.measuredMs), eventsPublished },
    connect: summarize(connect),
    latency: latencySummary,
    spread: spreadFirst.totalCount > 0 ? { first: summarize(spreadFirst), last: summarize(spreadLast) } : null,
    ping: section.ping,
    refusals,
    delivery: {
      expected,
      delivered,
      missed: chat?.missed ?? Math.max(0, expected - delivered),
      duplicated,
      outOfOrder,
      resets: window.resets,
    },
    bandwidth: {
      bytesDown: window.bytesRead,
      bytesUp: window.bytesWritten,
      bytesPerEvent: delivered > 0 ? round(wireBytes / delivered, 1) : 0,
      payloadBytes,
      efficiency: window.bytesRead > 0 ? round(payloadBytes / window.bytesRead, 4) : 0,
      requests: window.requests,
      requestsPerEvent: delivered > 0 ? round(window.requests / delivered, 4) : 0,
      emptyPolls: window.emptyPolls,
      ...compressionFigures(window, delivered),
      idleBytesPerClientPerSecond:
        data.idleMs > 0 && connected > 0 ? round((idle.bytesRead + idle.bytesWritten) / connected / (data.idleMs / 1000), 1) : null,
    },
    // A foreign target has no /stats: its figures come from /proc (--target-pid) or are unknown.
    server: data.server === null ? null : serverCost(protocol, data.server, connected, data.serverAcceptedPerSecondPeak),
    generator,
    capacity: data.capacity,
    reconnect: reconnect?.figures ?? null,
    network,
    ...(chat === null ? {} : { chat: chatFigures(options, finals, chat, window, data.server?.window) }),
    ...(http2 === null ? {} : { http2 }),
    histograms: {
      latency: encodeHistogram(latency),
      connect: encodeHistogram(connect),
      ...section.histograms,
      ...(spreadFirst.totalCount > 0 ? { spreadFirst: encodeHistogram(spreadFirst), spreadLast: encodeHistogram(spreadLast) } : {}),
      ...(reconnect === null ? {} : { recovery: reconnect.encoded }),
    },
    errors,
  };
}

const PHASES = ['noticed', 'waited', 'reopened'] as const;

function reconnectFigures(
  data: ReconnectRunData,
  finals: readonly WorkerFinal[],
  window: WorkerCounters,
  duplicated: number,
): { figures: ReconnectFigures; encoded: string } {
  const recovery = createHistogram();
  const phases = { noticed: createHistogram(), waited: createHistogram(), reopened: createHistogram() };
  const sums = { clientDrops: 0, recovered: 0, publishedDuringOutage: 0, recoveredByResume: 0, missedInOutage: 0, coveredByReset: 0 };
  for (const final of finals) {
    const part = final.reconnect;
    if (part === null) continue;
    addEncoded(recovery, part.recovery);
    for (const phase of PHASES) addEncoded(phases[phase], part.phases[phase]);
    sums.clientDrops += part.clientDrops;
    sums.recovered += part.recovered;
    sums.publishedDuringOutage += part.publishedDuringOutage;
    sums.recoveredByResume += part.recoveredByResume;
    sums.missedInOutage += part.missedInOutage;
    sums.coveredByReset += part.coveredByReset;
  }
  const figures: ReconnectFigures = {
    drops: data.events.length,
    events: data.events,
    clientDrops: sums.clientDrops,
    recovered: sums.recovered,
    notRecovered: sums.clientDrops - sums.recovered,
    recovery: summarize(recovery),
    phases: { noticed: summarize(phases.noticed), waited: summarize(phases.waited), reopened: summarize(phases.reopened) },
    publishedDuringOutage: sums.publishedDuringOutage,
    recoveredByResume: sums.recoveredByResume,
    missedInOutage: sums.missedInOutage,
    coveredByReset: sums.coveredByReset,
    duplicated,
    resets: window.resets,
    attempts: window.reconnects,
    attemptsPerSecondPeak: data.storm.attemptsPerSecondPeak,
    acceptedPerSecondBaseline: data.storm.acceptedPerSecondBaseline,
    clientAttemptsPerSecondPeak: data.storm.clientAttemptsPerSecondPeak,
    storm: data.storm.points,
  };
  const encoded = encodeHistogram(recovery);
  recovery.destroy();
  for (const phase of PHASES) phases[phase].destroy();
  return { figures, encoded };
}

function networkFigures(
  data: NetworkRunData,
  latency: ReturnType<typeof summarize>,
  bytesDown: number,
  clients: number,
  measuredMs: number,
): NetworkFigures {
  const injected = data.settings.latencyMs * 1000;
  const seconds = measuredMs / 1000;
  const perClient = clients > 0 && seconds > 0 ? bytesDown / clients / seconds : 0;
  const cap = data.settings.bandwidthBitsPerSecond;
  let capUsedPercent: number | null = null;
  if (cap !== null && seconds > 0) {
    const bits = data.settings.bandwidthScope === 'shared' ? (bytesDown * 8) / seconds : perClient * 8;
    capUsedPercent = round((bits / cap) * 100, 1);
  }
  let proxy: NetworkFigures['proxy'] = null;
  if (data.proxy !== null) {
    const { start, end } = data.proxy;
    proxy = {
      resets: end.resets - start.resets,
      upstreamFailures: end.upstreamFailures - start.upstreamFailures,
      bytesClientToServer: end.bytesClientToServer - start.bytesClientToServer,
      bytesServerToClient: end.bytesServerToClient - start.bytesServerToClient,
      peakQueuedBytes: end.peakQueuedBytes,
      backpressurePauses: end.backpressurePauses - start.backpressurePauses,
    };
  }
  return {
    ...data.settings,
    proxied: data.proxied,
    namespace: data.namespace,
    // Only the proxy injects delay; on a lossy link alone these would just repeat latency.*.
    latencyAddedP50: data.proxied && latency.count > 0 ? latency.p50 - injected : null,
    latencyAddedP99: data.proxied && latency.count > 0 ? latency.p99 - injected : null,
    downBytesPerSecondPerClient: Math.round(perClient),
    capUsedPercent,
    proxy,
    loss: data.loss,
  };
}

function serverCost(
  protocol: ProtocolName,
  stats: NonNullable<ProtocolRunData['server']>,
  clients: number,
  acceptedPerSecondPeak: number,
): ServerCost {
  const { before, connected, window } = stats;
  const cpuMicros = window.process.cpuUserMicros + window.process.cpuSystemMicros;
  const transport = window.transports[protocol];
  return {
    cpuPercent: window.process.sinceResetMs > 0 ? round((cpuMicros / (window.process.sinceResetMs * 1000)) * 100, 1) : 0,
    cpuMicros,
    rssBytes: connected.process.rssBytes,
    rssBaselineBytes: before.process.rssBytes,
    memoryPerConnectionBytes: clients > 0 ? Math.round(Math.max(0, connected.process.rssBytes - before.process.rssBytes) / clients) : 0,
    eventLoopDelayP99Ms: window.process.eventLoopDelayMs.p99,
    bytesSent: transport?.bytesSent ?? 0,
    bytesReceived: transport?.bytesReceived ?? 0,
    acceptedPerSecondPeak,
  };
}

function pushError(errors: string[], message: string): void {
  if (errors.length < 10 && !errors.includes(message)) errors.push(message);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Compressed columns only (`ws+deflate`, `sse+gzip` …): how much the coding saved, from the clients' decoder counts. */
function compressionFigures(
  window: WorkerCounters,
  delivered: number,
): { compressionRatio: number; uncompressedBytesPerEvent: number } | Record<string, never> {
  if (window.compressedBytes <= 0 || delivered <= 0) return {};
  return {
    compressionRatio: round(window.decompressedBytes / window.compressedBytes, 2),
    uncompressedBytesPerEvent: round(window.decompressedBytes / delivered, 1),
  };
}

import { retransmittedPercent } from './loss-figures.js';
import type { CapacityCurvePoint, LatencySummary, ProtocolResult } from './types.js';

/**
 * Every per-protocol figure the harness reports, defined once: the terminal table, the CSV
 * columns, the thresholds and docs/metrics-harness.md all read this list. No Node-only
 * imports: the browser dashboard imports it too.
 *
 * Units, as stored: `us` microseconds, `ms` milliseconds, `bytes` bytes, `percent` 0–100,
 * `per-second` a rate, `count` and `ratio` plain numbers.
 */
export type MetricUnit = 'us' | 'ms' | 'bytes' | 'count' | 'ratio' | 'percent' | 'per-second';

/**
 * Which way a change of the figure is good: `lower` (costs: latency, bytes, CPU), `higher`
 * (payload share, capacity, recoveries), `neutral` (totals that grow with the run's size or
 * settings: no direction) or `mustBeZero` (failures: any value above 0 is bad, lower is better).
 * Comparisons between runs and the tables colour a change by it.
 */
/**
 * The server's RSS moves by about this much between two readings with nothing changing (the
 * heap grows and shrinks by whole chunks, garbage collection returns pages): a growth under it
 * is below what RSS can resolve. docs/metrics-harness.md.
 */
export const RSS_RESOLUTION_BYTES = 1024 * 1024;

export type MetricSense = 'lower' | 'higher' | 'neutral' | 'mustBeZero';

/** A percentile of a latency summary: which quantile, and how many samples the summary holds. */
export interface TailQuantile {
  /** 0.5 for p50, 0.999 for p99.9. */
  readonly quantile: number;
  /** Samples behind the summary (its `count`), or null when not measured. */
  samples(result: ProtocolResult): number | null;
}

export interface MetricDefinition {
  readonly key: string;
  readonly label: string;
  readonly unit: MetricUnit;
  readonly description: string;
  /** Shown in the terminal table (the rest go to CSV and JSON only). */
  readonly inTable: boolean;
  /** Which way is better; see {@link MetricSense}. */
  readonly better: MetricSense;
  /** Set for the percentiles of a latency summary (p50 … p99.9), so a tail resting on few samples can be marked. */
  readonly tail?: TailQuantile;
  /**
   * The smallest value the measurement can tell from zero, in the metric's unit, when it is
   * coarse: a value below it is shown as "below resolution", not as a figure (formatFigure).
   */
  resolution?(result: ProtocolResult): number | null;
  get(result: ProtocolResult): number | null;
}

/** Every figure whose better direction is not `lower` (the default: a cost). */
const SENSE: Readonly<Record<string, MetricSense>> = {
  'clients.connected': 'neutral',
  'clients.failed': 'mustBeZero',
  'delivery.expected': 'neutral',
  'delivery.delivered': 'neutral',
  'delivery.missed': 'mustBeZero',
  'delivery.duplicated': 'mustBeZero',
  'delivery.outOfOrder': 'mustBeZero',
  'bandwidth.bytesDown': 'neutral',
  'bandwidth.bytesUp': 'neutral',
  'bandwidth.requests': 'neutral',
  'bandwidth.efficiency': 'higher',
  'bandwidth.compressionRatio': 'higher',
  'bandwidth.uncompressedBytesPerEvent': 'neutral',
  'server.bytesSent': 'neutral',
  'generator.saturated': 'mustBeZero',
  'capacity.requestsPerSecond': 'higher',
  'slo.capacity': 'higher',
  'slo.firstFailure': 'higher',
  'slo.lowerBound': 'neutral',
  'hold.connectionsPerGb': 'higher',
  'reconnect.drops': 'neutral',
  'reconnect.clientDrops': 'neutral',
  'reconnect.recovered': 'higher',
  'reconnect.notRecovered': 'mustBeZero',
  'reconnect.publishedDuringOutage': 'neutral',
  'reconnect.recoveredByResume': 'higher',
  'reconnect.missedInOutage': 'mustBeZero',
  'reconnect.attempts': 'neutral',
  'net.injectedLatency': 'neutral',
  'net.proxyResets': 'neutral',
  'net.lossDropped': 'neutral',
  'net.lossApplied': 'neutral',
  'net.lossSent': 'neutral',
  'net.control.missed': 'mustBeZero',
  'publish.acked': 'neutral',
  'publish.failed': 'mustBeZero',
  'receive.unmarked': 'neutral',
  'receive.messagesPerSecondPerClient': 'neutral',
  'receive.bytesPerSecondPerClient': 'neutral',
  'chat.senders': 'neutral',
  'chat.rooms': 'neutral',
  'chat.scheduled': 'neutral',
  'chat.sent': 'neutral',
  'chat.notSent': 'mustBeZero',
  'chat.refused': 'mustBeZero',
  'chat.failed': 'mustBeZero',
  'chat.relayedByServer': 'neutral',
  'chat.sendersComplete': 'higher',
  'http2.streamsPerConnection': 'neutral',
};

const senseOf = (key: string): MetricSense => SENSE[key] ?? 'lower';

const QUANTILE: Partial<Record<keyof LatencySummary, number>> = { p50: 0.5, p90: 0.9, p99: 0.99, p999: 0.999 };

function latency(
  prefix: string,
  label: string,
  pick: (r: ProtocolResult) => LatencySummary | null | undefined,
  description: string,
  tableStats: string[],
): MetricDefinition[] {
  const stats: Array<[keyof LatencySummary, string]> = [
    ['p50', 'p50'],
    ['p90', 'p90'],
    ['p99', 'p99'],
    ['p999', 'p99.9'],
    ['max', 'max'],
    ['mean', 'mean'],
  ];
  return stats.map(([stat, name]) => {
    const quantile = QUANTILE[stat];
    return {
      key: `${prefix}.${stat}`,
      label: `${label} ${name}`,
      unit: 'us' as const,
      description: `${description} (${name})`,
      inTable: tableStats.includes(stat),
      better: senseOf(`${prefix}.${stat}`),
      ...(quantile === undefined ? {} : { tail: { quantile, samples: (r: ProtocolResult) => pick(r)?.count ?? null } }),
      get: (r: ProtocolResult) => {
        const summary = pick(r);
        return summary && summary.count > 0 ? summary[stat] : null;
      },
    };
  });
}

const metric = (
  key: string,
  label: string,
  unit: MetricUnit,
  inTable: boolean,
  description: string,
  get: (r: ProtocolResult) => number | null,
): MetricDefinition => ({
  key,
  label,
  unit,
  inTable,
  better: senseOf(key),
  description,
  get,
});

/** Scenario `chat`'s own figures (docs/scenarios/chat.md); its latency and delivery are the `latency.*` and `delivery.*` rows. */
const CHAT_METRICS: readonly MetricDefinition[] = [
  metric('chat.senders', 'senders', 'count', true, 'Clients that sent chat messages', (r) => r.chat?.senders ?? null),
  metric('chat.rooms', 'rooms', 'count', false, 'Rooms the clients were spread over (--room-size)', (r) => r.chat?.rooms ?? null),
  metric(
    'chat.scheduled',
    'messages due',
    'count',
    false,
    "Messages the senders' schedules had due in the window",
    (r) => r.chat?.scheduled ?? null,
  ),
  metric(
    'chat.sent',
    'messages sent',
    'count',
    true,
    'Messages handed to the transport (WebSocket frame, POST /chat)',
    (r) => r.chat?.sent ?? null,
  ),
  metric('chat.notSent', 'not sent', 'count', false, 'Messages due while the sender was not connected', (r) => r.chat?.notSent ?? null),
  metric(
    'chat.refused',
    'refused (rate limit)',
    'count',
    true,
    'Messages the server refused for its per-client rate limit (WL_RATE_LIMITED)',
    (r) => r.chat?.refused ?? null,
  ),
  metric('chat.failed', 'failed', 'count', false, 'Messages sent that failed otherwise (fate unknown)', (r) => r.chat?.failed ?? null),
  metric(
    'chat.relayedByServer',
    'relayed (server)',
    'count',
    true,
    'Messages the server relayed to their room, by its own count',
    (r) => r.chat?.relayedByServer ?? null,
  ),
  metric(
    'chat.sendersComplete',
    'senders complete',
    'count',
    true,
    'Senders whose every accepted message reached every member of its room',
    (r) => r.chat?.sendersComplete ?? null,
  ),
  metric(
    'chat.upBytesPerSent',
    'upstream bytes / sent',
    'bytes',
    true,
    'Bytes the clients wrote in the window (chat frames or POSTs, and polls when polling) per message sent',
    (r) => r.chat?.upBytesPerSent ?? null,
  ),
  metric(
    'chat.messageBytesPerSent',
    'chat message bytes / sent',
    'bytes',
    true,
    "The chat messages' own upstream bytes (WebSocket frame, or POST /chat with its headers) per message sent; – over HTTP/2",
    (r) => r.chat?.messageBytesPerSent ?? null,
  ),
  metric(
    'chat.requestsPerSent',
    'requests / sent',
    'ratio',
    true,
    'HTTP requests in the window per message sent (0 on a WebSocket)',
    (r) => r.chat?.requestsPerSent ?? null,
  ),
  metric(
    'chat.serverCpuPerRelayed',
    'server CPU / relayed',
    'us',
    true,
    'Server CPU in the window per message relayed, the fan-out to the room included',
    (r) => r.chat?.serverCpuMicrosPerRelayed ?? null,
  ),
  metric(
    'http2.streamsPerConnection',
    'clients per connection',
    'count',
    true,
    'HTTP/2 columns: logical clients sharing one connection (--h2-streams-per-connection)',
    (r) => r.http2?.streamsPerConnection ?? null,
  ),
  metric(
    'http2.connectionsOpened',
    'connections opened',
    'count',
    true,
    'HTTP/2 columns: connections the clients opened, reconnects included',
    (r) => r.http2?.connectionsOpened ?? null,
  ),
];

export const METRICS: readonly MetricDefinition[] = Object.freeze([
  metric('clients.connected', 'clients connected', 'count', true, 'Clients that received their first message', (r) => r.clients.connected),
  metric('clients.failed', 'clients failed', 'count', false, 'Clients that never connected', (r) => r.clients.failed),
  ...latency('connect', 'connect', (r) => r.connect, 'Connection time: TCP, handshake and first message of the feed', ['p50', 'p99']),
  ...latency('latency', 'latency', (r) => r.latency, 'One-way delivery latency, publish to receipt', ['p50', 'p90', 'p99', 'p999', 'max']),
  ...latency('spread.first', 'to first client', (r) => r.spread?.first, 'Per update: publish to the first client that received it', []),
  ...latency('spread.last', 'to last client', (r) => r.spread?.last, 'Per update: publish to the last client that received it', ['p99']),
  ...latency(
    'ping',
    'PING RTT',
    (r) => r.ping?.corrected,
    'PING round trip from its scheduled send time (open loop: coordinated omission accounted for)',
    ['p50', 'p99'],
  ),
  ...latency('ping.raw', 'PING RTT raw', (r) => r.ping?.raw, 'PING round trip from the moment it was sent', []),
  metric(
    'ping.scheduled',
    'PINGs scheduled',
    'count',
    true,
    'PINGs the schedule had in the window (one per client per interval)',
    (r) => r.ping?.scheduled ?? null,
  ),
  metric('ping.answered', 'PINGs answered', 'count', true, 'Scheduled PINGs that got their pong', (r) => r.ping?.answered ?? null),
  metric(
    'ping.refused',
    'PINGs refused',
    'count',
    false,
    'Scheduled PINGs the server answered with an error',
    (r) => r.ping?.refused ?? null,
  ),
  metric(
    'ping.unanswered',
    'PINGs unanswered',
    'count',
    false,
    'Scheduled PINGs sent on an open connection that never got an answer',
    (r) => r.ping?.unanswered ?? null,
  ),
  metric(
    'ping.cut',
    'PINGs cut',
    'count',
    false,
    'Scheduled PINGs not sent (client not connected) or lost with their connection',
    (r) => r.ping?.cut ?? null,
  ),
  ...CHAT_METRICS,
  metric('delivery.expected', 'expected', 'count', true, 'Updates published in the window × clients', (r) => r.delivery.expected),
  metric('delivery.delivered', 'delivered', 'count', true, 'Distinct updates received in the window', (r) => r.delivery.delivered),
  metric('delivery.missed', 'missed', 'count', true, 'Expected updates that never arrived', (r) => r.delivery.missed),
  metric('delivery.duplicated', 'duplicated', 'count', true, 'Updates received more than once', (r) => r.delivery.duplicated),
  metric('delivery.outOfOrder', 'out of order', 'count', true, 'Updates received after a later one', (r) => r.delivery.outOfOrder),
  metric(
    'delivery.resets',
    'resets',
    'count',
    false,
    'reset messages: resume points the server could not honour',
    (r) => r.delivery.resets,
  ),
  metric(
    'delivery.refused',
    'refused by the server',
    'count',
    false,
    "The server's refusals of the harness's own messages and requests (error answers, 429, 1008 close); any fails the run",
    (r) => (r.refusals === undefined ? null : Object.values(r.refusals).reduce((sum, count) => sum + count, 0)),
  ),
  metric(
    'bandwidth.bytesDown',
    'bytes down',
    'bytes',
    true,
    'Bytes read at the client sockets (headers and framing included)',
    (r) => r.bandwidth.bytesDown,
  ),
  metric('bandwidth.bytesUp', 'bytes up', 'bytes', true, 'Bytes written at the client sockets', (r) => r.bandwidth.bytesUp),
  metric(
    'bandwidth.bytesPerEvent',
    'bytes/event',
    'bytes',
    true,
    'Bytes down and up per delivered update',
    (r) => r.bandwidth.bytesPerEvent,
  ),
  metric(
    'bandwidth.compressionRatio',
    'compression ratio',
    'ratio',
    true,
    'Compressed columns: bytes decompressed ÷ compressed bytes decoded by the clients',
    (r) => r.bandwidth.compressionRatio ?? null,
  ),
  metric(
    'bandwidth.uncompressedBytesPerEvent',
    'payload bytes/event (uncompressed)',
    'bytes',
    true,
    'Compressed columns: the decompressed stream or answers per delivered update',
    (r) => r.bandwidth.uncompressedBytesPerEvent ?? null,
  ),
  metric('bandwidth.efficiency', 'payload/wire', 'percent', true, 'Update bytes ÷ bytes down', (r) => r.bandwidth.efficiency * 100),
  metric(
    'bandwidth.requests',
    'HTTP requests',
    'count',
    false,
    'HTTP requests made in the window (a WebSocket’s upgrade and an SSE stream’s request come before it: 0)',
    (r) => r.bandwidth.requests,
  ),
  metric(
    'bandwidth.requestsPerEvent',
    'requests/event',
    'ratio',
    true,
    'HTTP requests per delivered update, in the window',
    (r) => r.bandwidth.requestsPerEvent,
  ),
  metric('bandwidth.emptyPolls', 'empty polls', 'count', true, 'Poll answers with no update', (r) => r.bandwidth.emptyPolls),
  metric(
    'bandwidth.idleBytesPerClientPerSecond',
    'idle bytes/client/s',
    'bytes',
    true,
    'Bytes per client per second while the feed was idle',
    (r) => r.bandwidth.idleBytesPerClientPerSecond,
  ),
  // Foreign targets (docs/targets.md): the harness's publishes and what the clients received.
  metric(
    'publish.acked',
    'publishes acknowledged',
    'count',
    true,
    'Publishes the foreign server acknowledged',
    (r) => r.foreign?.publish?.acked ?? null,
  ),
  metric(
    'publish.failed',
    'publishes failed',
    'count',
    true,
    'Publishes that failed (error answer, refused, timed out); their seqs are not expected',
    (r) => r.foreign?.publish?.failed ?? null,
  ),
  metric('publish.ackP50', 'publish ack p50', 'us', true, 'Publish call → the server’s acknowledgement, p50', (r) =>
    r.foreign?.publish && r.foreign.publish.ackLatency.count > 0 ? r.foreign.publish.ackLatency.p50 : null,
  ),
  metric('publish.ackP99', 'publish ack p99', 'us', true, 'Publish call → the server’s acknowledgement, p99', (r) =>
    r.foreign?.publish && r.foreign.publish.ackLatency.count > 0 ? r.foreign.publish.ackLatency.p99 : null,
  ),
  metric(
    'receive.unmarked',
    'messages without marker',
    'count',
    true,
    'Messages with no marker of this run (on a receive-only run: every message)',
    (r) => r.foreign?.unmarked ?? null,
  ),
  metric(
    'receive.messagesPerSecondPerClient',
    'messages/s per client',
    'per-second',
    true,
    'Every message a client received, per second of the window',
    (r) => r.foreign?.messagesPerSecondPerClient ?? null,
  ),
  metric(
    'receive.bytesPerSecondPerClient',
    'bytes/s per client',
    'bytes',
    true,
    'Bytes read per client per second of the window',
    (r) => r.foreign?.bytesPerSecondPerClient ?? null,
  ),
  // A foreign target's process figures come from /proc (--target-pid), in `foreign.server`.
  metric(
    'server.cpuPercent',
    'server CPU',
    'percent',
    true,
    'Server process CPU, % of one core, over the window',
    (r) => r.server?.cpuPercent ?? r.foreign?.server?.cpuPercent ?? null,
  ),
  metric(
    'server.rss',
    'server RSS',
    'bytes',
    true,
    'Server resident memory with every client connected',
    (r) => r.server?.rssBytes ?? r.foreign?.server?.rssBytes ?? null,
  ),
  {
    ...metric(
      'server.memoryPerConnection',
      'memory/connection',
      'bytes',
      true,
      'Server RSS growth ÷ clients',
      (r) => r.server?.memoryPerConnectionBytes ?? r.foreign?.server?.memoryPerConnectionBytes ?? null,
    ),
    // RSS moves by whole allocator chunks and with garbage collection: growth under RSS_RESOLUTION_BYTES is not told from none.
    resolution: (r) => (r.clients.connected > 0 ? Math.ceil(RSS_RESOLUTION_BYTES / r.clients.connected) : null),
  },
  metric(
    'server.eventLoopDelayP99',
    'server loop delay p99',
    'ms',
    false,
    'Server event-loop delay p99 over the window',
    (r) => r.server?.eventLoopDelayP99Ms ?? null,
  ),
  metric(
    'server.bytesSent',
    'server bytes sent',
    'bytes',
    false,
    'Bytes the server wrote to this protocol’s sockets in the window',
    (r) => r.server?.bytesSent ?? null,
  ),
  metric(
    'server.acceptedPerSecondPeak',
    'server accepts/s peak',
    'per-second',
    false,
    'Most connections (or poll requests) the server accepted in one second',
    (r) => r.server?.acceptedPerSecondPeak ?? null,
  ),
  metric('generator.cpuPercent', 'generator CPU', 'percent', true, 'Load generator CPU, % of one core', (r) => r.generator.cpuPercent),
  metric(
    'generator.cpuMicrosPerMessage',
    'generator CPU/msg',
    'us',
    true,
    'Load generator CPU time (all threads) per delivered update',
    (r) => r.generator.cpuMicrosPerMessage,
  ),
  {
    ...metric(
      'generator.rssPerThousandClients',
      'generator RSS/1k clients',
      'bytes',
      true,
      'Load generator RSS growth per 1,000 clients',
      (r) => r.generator.rssPerThousandClientsBytes,
    ),
    // The same coarse RSS as the server's: growth under RSS_RESOLUTION_BYTES, per 1,000 clients, is not told from none.
    resolution: (r) => (r.clients.connected > 0 ? Math.ceil((RSS_RESOLUTION_BYTES * 1000) / r.clients.connected) : null),
  },
  metric(
    'generator.eventLoopDelayP99',
    'generator loop delay p99',
    'ms',
    true,
    'Worst generator thread event-loop delay p99',
    (r) => r.generator.eventLoopDelayP99Ms,
  ),
  metric(
    'generator.runQueueWait',
    'generator run-queue wait',
    'percent',
    true,
    'Worst worker thread: time runnable but waiting for a CPU, % of the window (Linux)',
    (r) => r.generator.runQueueWaitPercent ?? null,
  ),
  metric('generator.saturated', 'generator saturated', 'count', false, '1 when the generator was the bottleneck', (r) =>
    r.generator.saturated ? 1 : 0,
  ),
  metric(
    'capacity.requestsPerSecond',
    'poll capacity req/s',
    'per-second',
    true,
    'autocannon: requests per second the polling endpoint sustained',
    (r) => r.capacity?.requestsPerSecond ?? null,
  ),
  metric(
    'capacity.latencyP99',
    'poll capacity p99',
    'ms',
    false,
    'autocannon: p99 request latency',
    (r) => r.capacity?.latencyP99Ms ?? null,
  ),
  metric(
    'slo.capacity',
    'clients under the SLO',
    'count',
    true,
    'Scenario capacity: the largest client count whose step met the SLO (latency p99, nothing missed, all connected, generator not saturated)',
    (r) => r.capacitySearch?.capacity ?? null,
  ),
  metric(
    'slo.firstFailure',
    'first failing count',
    'count',
    true,
    'Scenario capacity: the smallest client count whose step failed the SLO',
    (r) => r.capacitySearch?.firstFailure?.clients ?? null,
  ),
  metric(
    'slo.lowerBound',
    'generator-limited',
    'count',
    true,
    'Scenario capacity: 1 when the generator saturated first above the capacity (the capacity is then a lower bound)',
    (r) => (r.capacitySearch ? (r.capacitySearch.lowerBound ? 1 : 0) : null),
  ),
  metric(
    'slo.cpuPerClientUpdate',
    'server CPU/client/update',
    'us',
    true,
    'Scenario capacity: server CPU in the window ÷ (clients × updates), at the capacity step: the fan-out cost of one client',
    (r) => capacityPoint(r)?.serverCpuMicrosPerClientUpdate ?? null,
  ),
  metric(
    'hold.rssPerConnection',
    'RSS/connection (after GC)',
    'bytes',
    true,
    'Scenario hold: server RSS growth per held connection, both readings after a full GC',
    (r) => r.hold?.rssPerConnectionBytes ?? null,
  ),
  metric(
    'hold.heapPerConnection',
    'heap/connection (after GC)',
    'bytes',
    true,
    'Scenario hold: server heap-used growth per held connection, both readings after a full GC',
    (r) => r.hold?.heapPerConnectionBytes ?? null,
  ),
  metric(
    'hold.connectionsPerGb',
    'connections per GB',
    'count',
    true,
    'Scenario hold: 10⁹ bytes ÷ RSS per connection',
    (r) => r.hold?.connectionsPerGb ?? null,
  ),
  metric(
    'hold.idleBytesPerMinute',
    'idle bytes/connection/min',
    'bytes',
    true,
    'Scenario hold: bytes both ways per connection per minute with the feed idle (heartbeats, SSE comments, long-poll re-requests, short polls)',
    (r) => r.hold?.idleBytesPerConnectionPerMinute ?? null,
  ),
  metric(
    'reconnect.drops',
    'drops',
    'count',
    true,
    'Drops the harness caused in the window (control drop, restart, proxy reset)',
    (r) => r.reconnect?.drops ?? null,
  ),
  metric(
    'reconnect.clientDrops',
    'client-drops',
    'count',
    false,
    'Clients affected, summed over the drops',
    (r) => r.reconnect?.clientDrops ?? null,
  ),
  metric(
    'reconnect.recovered',
    'client-drops recovered',
    'count',
    true,
    'Client-drops that received a feed message again',
    (r) => r.reconnect?.recovered ?? null,
  ),
  metric(
    'reconnect.notRecovered',
    'not recovered',
    'count',
    true,
    'Client-drops that never received again before the next drop or the end',
    (r) => r.reconnect?.notRecovered ?? null,
  ),
  ...latency(
    'reconnect.recovery',
    'recovery',
    (r) => r.reconnect?.recovery,
    'Time from a drop to the first feed message received again (update or reset)',
    ['p50', 'p99', 'max'],
  ),
  ...latency(
    'reconnect.noticed',
    'recovery: noticed',
    (r) => r.reconnect?.phases?.noticed,
    'Recovery, first part: from the drop until the client saw its connection end',
    ['p50', 'p99'],
  ),
  ...latency(
    'reconnect.waited',
    'recovery: waited',
    (r) => r.reconnect?.phases?.waited,
    'Recovery, second part: from the loss to the start of the attempt that worked (backoff, failed attempts)',
    ['p50', 'p99'],
  ),
  ...latency(
    'reconnect.reopened',
    'recovery: reopened',
    (r) => r.reconnect?.phases?.reopened,
    'Recovery, third part: from the start of the attempt that worked to its first message (connect, handshake, resume)',
    ['p50', 'p99'],
  ),
  metric(
    'reconnect.publishedDuringOutage',
    'published in outage',
    'count',
    true,
    'Updates published while clients were reconnecting',
    (r) => r.reconnect?.publishedDuringOutage ?? null,
  ),
  metric(
    'reconnect.recoveredByResume',
    'recovered by resume',
    'count',
    true,
    'Outage updates that reached clients through resume',
    (r) => r.reconnect?.recoveredByResume ?? null,
  ),
  metric(
    'reconnect.missedInOutage',
    'missed in outage',
    'count',
    true,
    'Outage updates never received and not covered by a reset (silent loss)',
    (r) => r.reconnect?.missedInOutage ?? null,
  ),
  metric(
    'reconnect.coveredByReset',
    'replaced by reset',
    'count',
    true,
    'Outage updates a reset snapshot replaced (history gone: restart, resume point too old)',
    (r) => r.reconnect?.coveredByReset ?? null,
  ),
  metric(
    'reconnect.duplicated',
    'duplicated',
    'count',
    false,
    'Updates received twice in the window (resume overlap)',
    (r) => r.reconnect?.duplicated ?? null,
  ),
  metric('reconnect.resets', 'resets received', 'count', true, 'reset messages received in the window', (r) => r.reconnect?.resets ?? null),
  metric(
    'reconnect.attempts',
    'reconnect attempts',
    'count',
    true,
    'Reconnect attempts the clients started in the window',
    (r) => r.reconnect?.attempts ?? null,
  ),
  metric(
    'reconnect.attemptsPerSecondPeak',
    'storm peak (server accepts/s)',
    'per-second',
    true,
    'Peak connection attempts per second at the server',
    // A foreign server has no /stats: its accepts are not known (never shown as 0).
    (r) => (r.foreign === undefined || r.foreign === null ? (r.reconnect?.attemptsPerSecondPeak ?? null) : null),
  ),
  metric(
    'reconnect.acceptedPerSecondBaseline',
    'server accepts/s before drop',
    'per-second',
    true,
    'Server accepts per second in the second before the first drop (polling: its ordinary requests)',
    (r) => r.reconnect?.acceptedPerSecondBaseline ?? null,
  ),
  metric(
    'reconnect.clientAttemptsPerSecondPeak',
    'storm peak (client attempts/s)',
    'per-second',
    true,
    'Peak reconnect attempts per second started by the clients (100 ms bins)',
    (r) => r.reconnect?.clientAttemptsPerSecondPeak ?? null,
  ),
  metric('net.injectedLatency', 'injected one-way delay', 'ms', true, 'Delay the proxy adds in each direction (--net-latency)', (r) =>
    r.network?.proxied === true ? r.network.latencyMs : null,
  ),
  metric(
    'net.latencyAdded.p50',
    'latency over injected p50',
    'us',
    true,
    'Delivery latency p50 minus the injected one-way delay: what the protocol adds on a slow link',
    (r) => r.network?.latencyAddedP50 ?? null,
  ),
  metric(
    'net.latencyAdded.p99',
    'latency over injected p99',
    'us',
    true,
    'Delivery latency p99 minus the injected one-way delay',
    (r) => r.network?.latencyAddedP99 ?? null,
  ),
  metric(
    'net.downBytesPerSecondPerClient',
    'down bytes/s per client',
    'bytes',
    true,
    'Bytes read per client per second over the window',
    (r) => r.network?.downBytesPerSecondPerClient ?? null,
  ),
  metric(
    'net.capUsed',
    'bandwidth cap used',
    'percent',
    true,
    'Share of --net-bandwidth used (per client, or all clients with scope shared)',
    (r) => r.network?.capUsedPercent ?? null,
  ),
  metric(
    'net.proxyResets',
    'proxy resets',
    'count',
    true,
    'Connections the proxy reset in the window (--net-reset-every)',
    (r) => r.network?.proxy?.resets ?? null,
  ),
  metric(
    'net.lossApplied',
    'loss applied (dropped/packets)',
    'percent',
    true,
    'Packets dropped ÷ packets that came to the namespace link, both ways, in the window (--net-loss)',
    (r) => r.network?.loss?.appliedPercent ?? null,
  ),
  metric(
    'net.lossDropped',
    'packets dropped on the link',
    'count',
    true,
    'Packets netem or the nftables rule dropped on the namespace link in the window, both ways (--net-loss)',
    (r) => r.network?.loss?.droppedPackets ?? null,
  ),
  metric(
    'net.lossSent',
    'packets across the link',
    'count',
    false,
    'Packets that crossed the namespace link in the window, both ways (--net-loss)',
    (r) => r.network?.loss?.sentPackets ?? null,
  ),
  metric(
    'net.serverRetransmits',
    'server TCP retransmits',
    'count',
    true,
    "Segments the server's TCP retransmitted in the window (its namespace's RetransSegs)",
    (r) => r.network?.loss?.serverTcp.retransSegs ?? null,
  ),
  metric(
    'net.serverRetransmitted',
    'server segments retransmitted',
    'percent',
    true,
    "Retransmitted ÷ all segments the server's TCP sent in the window",
    (r) => (r.network?.loss ? retransmittedPercent(r.network.loss.serverTcp) : null),
  ),
  metric(
    'net.serverTimeouts',
    'server RTO timeouts',
    'count',
    true,
    "Retransmission timer expiries of the server's TCP in the window (TCPTimeouts): the ≥ 200 ms kind",
    (r) => r.network?.loss?.serverTcp.timeouts ?? null,
  ),
  metric(
    'net.serverLossProbes',
    'server tail loss probes',
    'count',
    false,
    "Tail loss probes the server's TCP sent in the window (TCPLossProbes)",
    (r) => r.network?.loss?.serverTcp.lossProbes ?? null,
  ),
  metric(
    'net.serverFastRetransmits',
    'server fast retransmits',
    'count',
    false,
    "Fast retransmits of the server's TCP in the window (TCPFastRetrans)",
    (r) => r.network?.loss?.serverTcp.fastRetrans ?? null,
  ),
  metric(
    'net.control.serverRetransmits',
    'control: server TCP retransmits',
    'count',
    true,
    'Server TCP retransmits in the 0% control window on the same link',
    (r) => r.network?.loss?.control?.serverTcp.retransSegs ?? null,
  ),
  metric(
    'net.control.missed',
    'control: missed',
    'count',
    false,
    'Expected updates that never arrived in the 0% control window',
    (r) => r.network?.loss?.control?.delivery.missed ?? null,
  ),
  ...latency(
    'net.control.latency',
    'control: latency',
    (r) => r.network?.loss?.control?.latency,
    'Delivery latency in the 0% control window on the same link',
    ['p50', 'p99', 'p999', 'max'],
  ),
  // The lossy window's tail again, beside the control's in the table (latency.* holds the rest).
  ...latency(
    'net.lossy.latency',
    'with loss: latency',
    (r) => (r.network?.loss?.control ? r.latency : null),
    'Delivery latency with loss (as latency.*), beside the control',
    ['p50', 'p99', 'p999', 'max'],
  ).filter((m) => !/\.(p90|mean)$/.test(m.key)),
]);

/** Scenario capacity: the curve point at the capacity. */
function capacityPoint(result: ProtocolResult): CapacityCurvePoint | undefined {
  const search = result.capacitySearch;
  return search?.curve.find((point) => point.clients === search.capacity && point.failedBy === null);
}

const BY_KEY = new Map(METRICS.map((definition) => [definition.key, definition]));

export function metricByKey(key: string): MetricDefinition | undefined {
  return BY_KEY.get(key);
}

/** Accepts the table's short names too: `server.memoryPerConnection` and `latency.p99.9`. */
export function findMetric(key: string): MetricDefinition | undefined {
  return BY_KEY.get(key) ?? BY_KEY.get(key.replace(/p99\.9$/, 'p999'));
}

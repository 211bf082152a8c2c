import { PROTOCOLS, type ProtocolName } from '../../wire/protocols.js';
import type { ResolvedBenchOptions } from '../options.js';
import type { ChatFigures, Http2Figures } from '../report/types.js';
import type { ServerStatsSnapshot } from '../target/control-client.js';
import type { ChatPlan } from '../workers/worker-chat.js';
import type { WorkerCounters, WorkerFinal } from '../workers/worker-protocol.js';
import { roomCount } from './chat-rooms.js';

/** After the senders stop, a receiver that has heard nothing for this long has everything (plus one poll interval when polling on an interval). */
const QUIET_MS = 500;

/** Scenario `chat`'s plan for the workers of one protocol, or undefined for other scenarios. */
export function chatPlan(options: ResolvedBenchOptions, protocol: ProtocolName, firstIndex: number): ChatPlan | undefined {
  const chat = options.chat;
  if (chat === null) return undefined;
  return {
    firstIndex,
    clients: options.clients,
    roomSize: chat.roomSize,
    senderShare: chat.senderShare,
    sendRate: chat.sendRate,
    textBytes: chat.textBytes,
    quietMs: QUIET_MS + (PROTOCOLS[protocol].onInterval ? options.pollIntervalMs : 0),
  };
}

/** The chat messages' integrity over every worker: each sender's accepted messages × the connected members of its room. */
export interface ChatDelivery {
  expected: number;
  delivered: number;
  missed: number;
  duplicated: number;
  outOfOrder: number;
  sendersComplete: number;
  senders: number;
}

/** Merges the workers' chat reports into the run's integrity figures; null when the run was not scenario `chat`. */
export function chatDelivery(finals: readonly WorkerFinal[]): ChatDelivery | null {
  const parts = finals.flatMap((final) => (final.chat === undefined ? [] : [final.chat]));
  if (parts.length === 0) return null;
  const members = new Map<string, number>();
  const deliveredBy = new Map<string, number>();
  const result: ChatDelivery = { expected: 0, delivered: 0, missed: 0, duplicated: 0, outOfOrder: 0, sendersComplete: 0, senders: 0 };
  for (const part of parts) {
    for (const [room, count] of Object.entries(part.members)) members.set(room, (members.get(room) ?? 0) + count);
    for (const [sender, count] of Object.entries(part.deliveredBy)) deliveredBy.set(sender, (deliveredBy.get(sender) ?? 0) + count);
    result.duplicated += part.duplicated;
    result.outOfOrder += part.outOfOrder;
  }
  for (const part of parts) {
    for (const [sender, room, accepted] of part.senders) {
      const expected = accepted * (members.get(room) ?? 0);
      const delivered = deliveredBy.get(sender) ?? 0;
      result.senders += 1;
      result.expected += expected;
      result.delivered += delivered;
      result.missed += Math.max(0, expected - delivered);
      if (delivered >= expected) result.sendersComplete += 1;
    }
  }
  return result;
}

/** Scenario `chat`'s own figures, from the workers' reports, the clients' counters and the server's /stats over the window. */
export function chatFigures(
  options: ResolvedBenchOptions,
  finals: readonly WorkerFinal[],
  delivery: ChatDelivery,
  window: WorkerCounters,
  server: ServerStatsSnapshot | undefined,
): ChatFigures {
  const tally = { scheduled: 0, sent: 0, notSent: 0 };
  let refused = 0;
  let failed = 0;
  let senders = 0;
  let chatBytes = 0;
  for (const final of finals) {
    if (final.chat === undefined) continue;
    tally.scheduled += final.chat.tally.scheduled;
    tally.sent += final.chat.tally.sent;
    tally.notSent += final.chat.tally.notSent;
    refused += final.chat.refused;
    failed += final.chat.failed;
    chatBytes += final.chat.bytesWritten;
    senders += final.chat.senders.length;
  }
  const relayed = server?.chat?.relayed ?? null;
  const http2 = finals.some((final) => final.h2ConnectionsOpened !== undefined);
  const cpuMicros = server === undefined ? null : server.process.cpuUserMicros + server.process.cpuSystemMicros;
  return {
    senders,
    rooms: roomCount(options.clients, options.chat?.roomSize ?? null),
    scheduled: tally.scheduled,
    sent: tally.sent,
    notSent: tally.notSent,
    refused,
    failed,
    relayedByServer: relayed,
    sendersComplete: delivery.sendersComplete,
    upBytesPerSent: tally.sent > 0 ? round(window.bytesWritten / tally.sent, 1) : 0,
    // HTTP/2 columns: a POST is a stream of the shared connection, its bytes not counted apart.
    messageBytesPerSent: http2 || tally.sent === 0 ? null : round(chatBytes / tally.sent, 1),
    requestsPerSent: tally.sent > 0 ? round(window.requests / tally.sent, 3) : 0,
    serverCpuMicrosPerRelayed: cpuMicros !== null && relayed !== null && relayed > 0 ? round(cpuMicros / relayed, 1) : null,
  };
}

/** HTTP/2 columns: streams per connection and the connections opened; null for other columns. */
export function http2Figures(options: ResolvedBenchOptions, finals: readonly WorkerFinal[]): Http2Figures | null {
  if (finals.every((final) => final.h2ConnectionsOpened === undefined)) return null;
  const connectionsOpened = finals.reduce((sum, final) => sum + (final.h2ConnectionsOpened ?? 0), 0);
  return { streamsPerConnection: options.h2StreamsPerConnection, connectionsOpened };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

import { formatCount, formatMetric } from '../report/format.js';
import { roomCount } from '../measure/chat-rooms.js';
import { promisedThresholds } from './broadcast.js';
import { NO_SECTION, refuseDrops, type Scenario } from './scenario.js';
import type { ChatSettings } from '../report/types.js';

/**
 * A send rate over the server's per-client limit is measured, not prevented: the server refuses
 * what goes over, and the result counts it as refused. The header says so before the run.
 */
export function sendRateWarning(settings: ChatSettings): string | undefined {
  if (settings.sendRate <= settings.serverLimit) return undefined;
  return `warning: --send-rate ${settings.sendRate}/s is above the server's limit of ${settings.serverLimit} messages/s per client; the excess is refused (WL_RATE_LIMITED) and counted`;
}

/**
 * Scenario `chat` (docs/scenarios/chat.md): every client (or `--senders` of them) also sends
 * `--send-rate` chat messages a second, each relayed by the server to the sender's room (rooms
 * of `--room-size`, or one room of everyone). Upstream goes the way each protocol does it: on
 * the WebSocket, or `POST /chat` beside an SSE stream or polls. The result's latency and
 * delivery are the chat messages' (sender → every member of its room), checked per sender;
 * its `chat` section says what was sent, refused and relayed, and what it cost. The main feed
 * stays idle: the run's worker side is bench/workers/worker-chat.ts, its figures
 * bench/measure/chat-result.ts.
 */
export const chat: Scenario = Object.freeze<Scenario>({
  name: 'chat',
  summary: 'every client (or --senders of them) also sends --send-rate chat messages/s, relayed to its room of --room-size',
  // The main feed is idle (rate 0): every message is a chat message. No polling-capacity phase.
  defaults: { rate: 0, warmupMs: 1_000, capacityDurationMs: 0 },
  clientsPing: false,
  resolveDrops: (input) => refuseDrops(input),
  thresholds: (pollIntervalMs) => [...promisedThresholds(pollIntervalMs), '*.delivery.missed=0'],
  dropPlan: () => [],
  header: (options) => {
    const settings = options.chat;
    // A result written by an older version has no chat settings.
    if (settings === undefined) return ['chat'];
    const rooms = roomCount(options.clients, settings.roomSize);
    const senders =
      settings.senderShare >= 1 ? 'every client sends' : `${formatMetric(settings.senderShare * 100, 'percent')} of the clients send`;
    const where = settings.roomSize === null ? 'one room of everyone' : `${formatCount(rooms)} rooms of ${formatCount(settings.roomSize)}`;
    const warning = sendRateWarning(settings);
    return [
      `chat: ${senders} ${formatCount(settings.sendRate)}/s × ${formatMetric(settings.textBytes, 'bytes')}, ${where}`,
      ...(warning === undefined ? [] : [warning]),
    ];
  },
  resultSection: () => NO_SECTION,
});

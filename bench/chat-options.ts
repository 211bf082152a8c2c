import { SERVER_DEFAULTS } from '../servers/config.js';
import { OptionError } from '../wire/errors.js';
import type { Variant } from '../wire/variants.js';
import { BENCH_DEFAULTS } from './defaults.js';
import { roomCount } from './measure/chat-rooms.js';
import { formatPercent } from './report/format.js';
import type { ChatSettings, ScenarioName } from './report/types.js';

/** Scenario `chat`'s flags and `--h2-streams-per-connection`, as given. */
export interface ChatInput {
  /** Messages per second per sending client (`--send-rate`). @default 1 */
  readonly sendRate?: number | undefined;
  /** Clients per room (`--room-size`). @default one room of every client */
  readonly roomSize?: number | undefined;
  /** Share of the clients that send, above 0 and at most 1 (`--senders 10%`). @default 1 (every client) */
  readonly senderShare?: number | undefined;
  /** `--rate`: the main feed's, which scenario chat keeps idle. */
  readonly rate?: number | undefined;
}

export interface ChatContext {
  readonly scenario: ScenarioName;
  readonly clients: number;
  /** Rooms accumulate on a server: each column and each repetition makes its own. */
  readonly columns: number;
  readonly repeat: number;
  readonly scaleOut: boolean;
  readonly agents: boolean;
  /** `--net-reset-every`: connections cut in the window. */
  readonly resets: boolean;
}

/** Highest `--send-rate`: far above any server limit, so a refusal measurement stays bounded. */
export const MAX_SEND_RATE = 1000;

/** Scenario `chat`'s settings, checked; null for other scenarios (whose runs refuse the chat flags). Throws an OptionError naming the flag. */
export function resolveChat(input: ChatInput, context: ChatContext): Readonly<ChatSettings> | null {
  if (context.scenario !== 'chat') {
    const only = 'only applies to --scenario chat';
    if (input.sendRate !== undefined) throw new OptionError('--send-rate', only);
    if (input.roomSize !== undefined) throw new OptionError('--room-size', only);
    if (input.senderShare !== undefined) throw new OptionError('--senders', only);
    return null;
  }
  if (context.scaleOut)
    throw new OptionError(
      '--scenario',
      'chat does not take --servers/--broker yet: rooms live on one instance, and clients spread over several',
    );
  if (context.agents)
    throw new OptionError(
      '--agents',
      "cannot run scenario chat yet: its latency is read on the senders' clocks, which agents do not share",
    );
  if (context.resets)
    throw new OptionError(
      '--net-reset-every',
      'is not followed by scenario chat yet: its drop accounting counts the main feed, which chat clients do not read',
    );
  if (input.rate !== undefined && input.rate !== 0)
    throw new OptionError(
      '--rate',
      'does not apply to scenario chat: its clients read their rooms, and the main feed stays idle; use --send-rate',
    );
  const sendRate = input.sendRate ?? BENCH_DEFAULTS.chatSendRate;
  if (typeof sendRate !== 'number' || !Number.isFinite(sendRate) || sendRate <= 0 || sendRate > MAX_SEND_RATE)
    throw new OptionError(
      '--send-rate',
      `must be above 0 and at most ${MAX_SEND_RATE} messages per second, got ${JSON.stringify(sendRate)}`,
    );
  const roomSize = input.roomSize ?? null;
  if (roomSize !== null && !(Number.isInteger(roomSize) && roomSize >= 1 && roomSize <= 100_000))
    throw new OptionError('--room-size', `must be a whole number of clients from 1 to 100000, got ${JSON.stringify(roomSize)}`);
  const senderShare = input.senderShare ?? 1;
  if (!(typeof senderShare === 'number' && senderShare > 0 && senderShare <= 1))
    throw new OptionError('--senders', `must be a share above 0 and at most 100% (e.g. 10% or 0.1), got ${JSON.stringify(senderShare)}`);
  const firstRoom = Math.min(context.clients, roomSize ?? context.clients);
  if (Math.floor(firstRoom * senderShare) < 1) {
    throw new OptionError(
      '--senders',
      `${formatPercent(senderShare * 100)} of a room of ${firstRoom} is no sender at all: give a larger share or larger rooms`,
    );
  }
  const rooms = roomCount(context.clients, roomSize) * context.columns * context.repeat;
  if (rooms > SERVER_DEFAULTS.maxRooms) {
    throw new OptionError(
      '--room-size',
      `makes ${rooms} rooms (${roomCount(context.clients, roomSize)} per column × ${context.columns} columns × ${context.repeat} repetitions), more than the server's ${SERVER_DEFAULTS.maxRooms} (maxRooms): give a larger --room-size`,
    );
  }
  return Object.freeze({
    sendRate,
    roomSize,
    senderShare,
    textBytes: BENCH_DEFAULTS.chatTextBytes,
    serverLimit: SERVER_DEFAULTS.messageRatePerSecond,
  });
}

/** `--h2-streams-per-connection`, checked: only for runs with an `…/h2` column. */
export function resolveH2Streams(value: number | undefined, columns: readonly Variant[]): number {
  if (value === undefined) return BENCH_DEFAULTS.h2StreamsPerConnection;
  if (!(Number.isInteger(value) && value >= 1 && value <= 10_000))
    throw new OptionError('--h2-streams-per-connection', `must be a whole number from 1 to 10000, got ${JSON.stringify(value)}`);
  if (!columns.some((column) => column.http2))
    throw new OptionError('--h2-streams-per-connection', 'only applies to HTTP/2 columns (sse/h2, long-poll/h2, short-poll/h2)');
  return value;
}

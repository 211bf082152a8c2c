import { setTimeout as delay } from 'node:timers/promises';
import { FeedClientError } from '../../clients/base.js';
import type { CloseInfo, FeedClient } from '../../clients/types.js';
import { nowMicros } from '../../wire/clock.js';
import { isSender, roomOf, type ChatLayout } from '../measure/chat-rooms.js';
import { ChatSenders, type ChatSendTally } from './chat-senders.js';
import { ChatStreams, type ChatStreamCounts } from './chat-streams.js';

/** Scenario `chat` as a worker's clients play it (ClientPlan.chat). */
export interface ChatPlan extends ChatLayout {
  readonly sendRate: number;
  readonly textBytes: number;
  /** After the senders stop, the window's messages have all arrived once none has for this long. */
  readonly quietMs: number;
}

/** A worker's share of scenario `chat`, sent with its final report. */
export interface WorkerChat {
  readonly tally: ChatSendTally;
  /** Each sender of this worker: [id, room, messages accepted (sent, less refused and failed)]. */
  readonly senders: Array<[string, string, number]>;
  readonly refused: number;
  readonly failed: number;
  /** Bytes the senders wrote for their chat messages alone (ClientCounters.chatBytesWritten). */
  readonly bytesWritten: number;
  /** Connected members of each room among this worker's clients. */
  readonly members: Record<string, number>;
  /** Distinct messages this worker's clients received, by sender id. */
  readonly deliveredBy: Record<string, number>;
  readonly duplicated: number;
  readonly outOfOrder: number;
}

/** One client's part: its room, whether it sends, what it counted. */
class ChatMember {
  /** Sent messages that failed other than by the rate limit (fate unknown). */
  failed = 0;
  /** WebSocket connections closed 1008 (the rate limit's last strike): the message that tripped it was not relayed. */
  closedForRate = 0;

  constructor(
    readonly id: string,
    readonly room: string,
    readonly sends: boolean,
    readonly streams: ChatStreams,
  ) {}
}

/**
 * The chat side of a worker: rooms and senders of its clients, the receivers' per-sender
 * streams, the senders' schedule and the drain. The hot path (a message received) is one map
 * lookup, one comparison and a histogram record (by the worker's `record`).
 */
export class WorkerChatState {
  private readonly counts: ChatStreamCounts = { deliveredBy: new Map(), duplicated: 0, outOfOrder: 0 };
  private readonly members = new Map<FeedClient, ChatMember>();
  private readonly senders: ChatSenders;
  private measuring = false;
  private lastReceivedMicros = 0;

  constructor(
    readonly plan: ChatPlan,
    noteError: (message: string) => void,
  ) {
    this.senders = new ChatSenders(Math.round(1e6 / plan.sendRate), plan.textBytes, noteError);
  }

  /** The room the client with run index `index` reads and sends to. */
  roomOf(index: number): string {
    return roomOf(this.plan, index);
  }

  /**
   * The chat part of the client of run index `index`: its handlers (made before the client) and
   * `attach`, called with the client once it exists.
   */
  join(
    index: number,
    record: (latencyMicros: number, bytes: number) => void,
    clockOffsetMicros: number,
  ): {
    attach: (client: FeedClient) => void;
    onChat: (from: string, n: number, sentTs: number, receivedAt: number, bytes: number) => void;
    onError: (error: Error) => void;
    onClose: (info: CloseInfo) => void;
  } {
    const member = new ChatMember(`c${index}`, this.roomOf(index), isSender(this.plan, index), new ChatStreams(this.counts));
    return {
      attach: (client) => void this.members.set(client, member),
      onChat: (from, n, sentTs, localReceivedAt, bytes) => {
        if (!this.measuring) return;
        this.lastReceivedMicros = localReceivedAt;
        if (!member.streams.record(from, n)) return;
        const receivedAt = localReceivedAt + clockOffsetMicros;
        record(receivedAt > sentTs ? receivedAt - sentTs : 0, bytes);
      },
      onError: (error) => {
        if (!member.sends || !error.message.startsWith('POST /chat')) return;
        if (error instanceof FeedClientError && error.status === 429) return; // counted by the client as refused
        member.failed += 1;
      },
      onClose: (info) => {
        if (member.sends && info.code === 1008) member.closedForRate += 1;
      },
    };
  }

  /** The window opens: receivers count from here; the connected senders start their schedules. */
  start(connected: (client: FeedClient) => boolean): void {
    this.measuring = true;
    const senders = [...this.members].filter(([client, member]) => member.sends && connected(client)).map(([client]) => client);
    this.senders.start(senders);
  }

  /** The window is over: no more sends; resolves once no message has arrived for `quietMs` (at most `timeoutMs`). */
  async drain(timeoutMs: number): Promise<void> {
    this.senders.stop();
    const stoppedAt = nowMicros();
    const deadline = stoppedAt + timeoutMs * 1000;
    for (;;) {
      const now = nowMicros();
      const quietSince = Math.max(stoppedAt, this.lastReceivedMicros);
      if (now - quietSince >= this.plan.quietMs * 1000 || now >= deadline) break;
      await delay(20);
    }
    this.measuring = false;
  }

  stop(): void {
    this.senders.stop();
    this.measuring = false;
  }

  /** This worker's figures; `connected` tells the members that count. */
  report(connected: (client: FeedClient) => boolean): WorkerChat {
    const senders: Array<[string, string, number]> = [];
    const members: Record<string, number> = {};
    let refused = 0;
    let failed = 0;
    let bytesWritten = 0;
    for (const [client, member] of this.members) {
      if (connected(client)) members[member.room] = (members[member.room] ?? 0) + 1;
      if (!member.sends) continue;
      const { chatSent, chatRefused, chatBytesWritten } = client.counters;
      bytesWritten += chatBytesWritten;
      const memberRefused = chatRefused + member.closedForRate;
      refused += memberRefused;
      failed += member.failed;
      if (chatSent > 0) senders.push([member.id, member.room, Math.max(0, chatSent - memberRefused - member.failed)]);
    }
    return {
      tally: { ...this.senders.tally },
      senders,
      refused,
      failed,
      bytesWritten,
      members,
      deliveredBy: Object.fromEntries(this.counts.deliveredBy),
      duplicated: this.counts.duplicated,
      outOfOrder: this.counts.outOfOrder,
    };
  }
}

import { formatDurationMs, formatMillis } from '../../../bench/report/format.js';
import { PROTOCOLS } from '../../../wire/protocols.js';
import { backoffDelay, TIMINGS } from '../../../wire/timings.js';
import { httpUrl, wireError, type WireError } from '../http.js';
import { protocolLabel, type ProtocolName } from '../protocols.js';
import { BROWSER_TRANSPORTS } from './transports/registry.js';
import type { BrowserTransport, Cursor, DemoEvent, DropInfo, ServerMessage, TransportSink } from './transports/types.js';
import { nowMicros } from './transports/types.js';

/**
 * The wait before reconnect attempt `attempt` (1, 2, …): the Node clients' schedule and jitter
 * rule (wire/timings.ts), 1 s, 2 s, 4 s, 8 s, 16 s, 16 s …, each shortened by up to half at
 * random, so many pages do not retry in step and the first retry comes within 1 s.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  return backoffDelay(Math.max(attempt, 1) - 1, TIMINGS.backoff, random());
}

/** A PING unanswered for this long is reported as lost. */
const PING_TIMEOUT_MS = 5000;
/** Failed EventSource retries (at the server's `retry:` pace) before we take over with backoff. */
const NATIVE_RETRIES_BEFORE_BACKOFF = 3;
/** Update seqs kept for inspection (tests read them through `window.__wirelabDemo`). */
const SEQ_HISTORY = 5000;

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

export interface ConnectionStatus {
  state: ConnectionState;
  protocol: ProtocolName;
  /** Failed attempts since the connection was last up. */
  attempt: number;
  /** When reconnecting: `Date.now()` of the next attempt. */
  retryAt?: number;
  /** When reconnecting: EventSource is doing it by itself. */
  native?: boolean;
}

export interface DemoStats {
  /** Every message received: snapshots, updates, resets, pongs, errors. */
  messages: number;
  updates: number;
  requests: number;
  /** Times the connection came back after it had been lost. */
  reconnects: number;
  connectedAt: number | undefined;
  lastSeq: number | undefined;
  epoch: string | undefined;
  /** Updates that never arrived: the seq jumped by more than one. */
  gaps: number;
  duplicates: number;
  resets: number;
  pings: number;
  lastRttMs: number | undefined;
}

export type LogLevel = 'info' | 'warn' | 'error' | 'pong';

export interface LogEntry {
  at: Date;
  level: LogLevel;
  text: string;
  rttMs?: number;
}

export interface ConnectionListener {
  status(status: ConnectionStatus): void;
  /** `changed` is the event that was updated, or undefined when all of them were replaced. */
  events(changed: DemoEvent | undefined): void;
  stats(stats: DemoStats): void;
  log(entry: LogEntry): void;
}

/** What tests (and the curious, in DevTools) can read: `window.__wirelabDemo`. */
export interface DemoProbe {
  seqs: number[];
  gaps: number;
  duplicates: number;
  rtts: number[];
  state: ConnectionState;
  protocol: ProtocolName;
}

declare global {
  interface Window {
    __wirelabDemo?: DemoProbe;
  }
}

/**
 * The demo's one connection to the feed: it owns the transport of the chosen protocol, the
 * resume cursor (last seq and epoch), reconnection with backoff, PING bookkeeping and the
 * five events. Switching protocol keeps the cursor, so the new transport resumes where the
 * old one stopped.
 */
export class DemoConnection {
  protocol: ProtocolName = 'ws';
  shortPollMs: number = TIMINGS.shortPollIntervalMs;
  readonly events = new Map<number, DemoEvent>();
  readonly stats: DemoStats = {
    messages: 0,
    updates: 0,
    requests: 0,
    reconnects: 0,
    connectedAt: undefined,
    lastSeq: undefined,
    epoch: undefined,
    gaps: 0,
    duplicates: 0,
    resets: 0,
    pings: 0,
    lastRttMs: undefined,
  };
  readonly probe: DemoProbe = { seqs: [], gaps: 0, duplicates: 0, rtts: [], state: 'disconnected', protocol: 'ws' };
  private status: ConnectionStatus = { state: 'disconnected', protocol: 'ws', attempt: 0 };
  private transport: BrowserTransport | undefined;
  /** Bumped for every transport, so callbacks from an old one are ignored. */
  private generation = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** The connection had been up since Connect was pressed: the next `opened` is a reconnect. */
  private hadConnection = false;
  private lostAt: number | undefined;
  private nativeFailures = 0;
  private pingCounter = 0;
  private readonly pendingPings = new Map<string, { startedAt: number; timer: ReturnType<typeof setTimeout> }>();

  constructor(private readonly listener: ConnectionListener) {
    window.__wirelabDemo = this.probe;
  }

  get state(): ConnectionState {
    return this.status.state;
  }

  get cursor(): Cursor {
    return this.stats.lastSeq === undefined
      ? {}
      : { since: this.stats.lastSeq, ...(this.stats.epoch === undefined ? {} : { epoch: this.stats.epoch }) };
  }

  connect(): void {
    if (this.status.state !== 'disconnected') return;
    this.hadConnection = false;
    this.setStatus({ state: 'connecting', protocol: this.protocol, attempt: 0 });
    const cursor = this.cursor;
    this.log(
      cursor.since === undefined
        ? `connecting with ${protocolLabel(this.protocol)}…`
        : `connecting with ${protocolLabel(this.protocol)}, resuming after seq ${cursor.since} (epoch ${cursor.epoch ?? '?'})…`,
    );
    this.openTransport();
  }

  disconnect(): void {
    if (this.status.state === 'disconnected') return;
    this.stopTransport();
    this.stats.connectedAt = undefined;
    this.setStatus({ state: 'disconnected', protocol: this.protocol, attempt: 0 });
    this.log('disconnected by you; Connect resumes from the last seq');
    this.emitStats();
  }

  /** Changes protocol; a live connection moves over at once and resumes from the last seq. */
  switchProtocol(protocol: ProtocolName): void {
    if (protocol === this.protocol) return;
    const previous = this.protocol;
    this.protocol = protocol;
    this.probe.protocol = protocol;
    this.resetProtocolCounters();
    if (this.status.state === 'disconnected') {
      this.setStatus({ ...this.status, protocol });
      this.emitStats();
      return;
    }
    this.stopTransport();
    this.hadConnection = false;
    this.stats.connectedAt = undefined;
    const since = this.stats.lastSeq;
    this.log(
      `switching from ${protocolLabel(previous)} to ${protocolLabel(protocol)}${since === undefined ? '' : `, resuming after seq ${since}`}`,
    );
    this.setStatus({ state: 'connecting', protocol, attempt: 0 });
    this.openTransport();
  }

  /**
   * The counters that describe one protocol's cost (messages, requests, reconnects, PINGs) start
   * again at 0 for the new protocol, as "connected for" does. The resume cursor and the missed
   * updates carry over: the switch itself must lose nothing.
   */
  private resetProtocolCounters(): void {
    this.stats.messages = 0;
    this.stats.updates = 0;
    this.stats.requests = 0;
    this.stats.reconnects = 0;
    this.stats.pings = 0;
    this.stats.lastRttMs = undefined;
  }

  /** Re-creates the short-polling transport when its interval changes. */
  setShortPollInterval(ms: number): void {
    this.shortPollMs = ms;
    if (PROTOCOLS[this.protocol].onInterval && this.status.state === 'connected') {
      this.stopTransport();
      this.hadConnection = false;
      this.setStatus({ state: 'connecting', protocol: this.protocol, attempt: 0 });
      this.log(`polling every ${ms} ms from now on`);
      this.openTransport();
    }
  }

  ping(): void {
    if (this.transport === undefined || this.status.state !== 'connected') {
      this.log('PING not sent: connect first', 'warn');
      return;
    }
    const id = `web-${++this.pingCounter}`;
    const timer = setTimeout(() => {
      this.pendingPings.delete(id);
      this.log(`PING ${id}: no pong within ${formatDurationMs(PING_TIMEOUT_MS)}`, 'error');
    }, PING_TIMEOUT_MS);
    this.stats.pings += 1;
    this.log(`PING ${id} sent over ${PROTOCOLS[this.protocol].inBandPing ? `the ${protocolLabel(this.protocol)}` : 'POST /ping'}`);
    // The clock starts right before the send, after the page's own work.
    this.pendingPings.set(id, { startedAt: performance.now(), timer });
    this.transport.ping(id, nowMicros());
    this.emitStats();
  }

  private openTransport(): void {
    const generation = ++this.generation;
    const live = () => generation === this.generation;
    const sink: TransportSink = {
      opened: () => live() && this.onOpened(),
      message: (message) => live() && this.onMessage(message),
      request: () => {
        if (!live()) return;
        this.stats.requests += 1;
        this.emitStats();
      },
      dropped: (info) => live() && this.onDropped(info),
      log: (text, level) => live() && this.log(text, level),
      cursor: () => this.cursor,
    };
    const transport = BROWSER_TRANSPORTS[this.protocol](sink, { shortPollMs: this.shortPollMs });
    this.transport = transport;
    transport.open(this.cursor);
  }

  private stopTransport(): void {
    this.generation += 1;
    this.transport?.close();
    this.transport = undefined;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    for (const { timer } of this.pendingPings.values()) clearTimeout(timer);
    this.pendingPings.clear();
  }

  private onOpened(): void {
    if (this.hadConnection) {
      this.stats.reconnects += 1;
      const after = this.lostAt === undefined ? '' : ` after ${formatMillis(performance.now() - this.lostAt)}`;
      this.log(`reconnected${after} with ${protocolLabel(this.protocol)}`);
    } else {
      this.log(`connected with ${protocolLabel(this.protocol)}`);
    }
    this.hadConnection = true;
    this.lostAt = undefined;
    this.nativeFailures = 0;
    this.stats.connectedAt = Date.now();
    this.setStatus({ state: 'connected', protocol: this.protocol, attempt: 0 });
    this.emitStats();
  }

  private onMessage(message: ServerMessage): void {
    this.stats.messages += 1;
    switch (message.type) {
      case 'initial':
      case 'reset': {
        this.events.clear();
        for (const event of message.data?.events ?? []) this.events.set(event.id, event);
        const wasEpoch = this.stats.epoch;
        this.stats.lastSeq = message.seq;
        this.stats.epoch = message.epoch;
        if (message.type === 'reset') {
          this.stats.resets += 1;
          const why =
            message.reason === 'epoch'
              ? `the server restarted with a new feed (epoch ${wasEpoch ?? '?'} → ${message.epoch})`
              : 'our resume point is older than the server keeps';
          this.log(`reset: ${why}; fresh snapshot at seq ${message.seq}`, 'warn');
        } else {
          this.log(`initial snapshot: ${this.events.size} events, feed at seq ${message.seq} (epoch ${message.epoch})`);
        }
        this.listener.events(undefined);
        break;
      }
      case 'update': {
        const last = this.stats.lastSeq;
        if (last !== undefined && message.seq <= last) {
          this.stats.duplicates += 1;
          this.probe.duplicates += 1;
          break;
        }
        if (last !== undefined && message.seq !== last + 1) {
          const missing = message.seq - last - 1;
          this.stats.gaps += missing;
          this.probe.gaps += missing;
          this.log(`gap: seq jumped from ${last} to ${message.seq} (${missing} missed)`, 'error');
        }
        this.stats.updates += 1;
        this.stats.lastSeq = message.seq;
        this.probe.seqs.push(message.seq);
        if (this.probe.seqs.length > SEQ_HISTORY) this.probe.seqs.splice(0, this.probe.seqs.length - SEQ_HISTORY);
        const event = message.data;
        if (event !== undefined && typeof event.id === 'number') {
          this.events.set(event.id, event);
          this.listener.events(event);
        }
        break;
      }
      case 'pong': {
        const pending = this.pendingPings.get(message.id);
        if (pending === undefined) {
          this.log(`pong ${message.id} arrived late or was not ours`, 'warn');
          break;
        }
        clearTimeout(pending.timer);
        this.pendingPings.delete(message.id);
        const rttMs = performance.now() - pending.startedAt;
        this.stats.lastRttMs = rttMs;
        this.probe.rtts.push(rttMs);
        this.log(`PONG ${message.id}: RTT ${formatMillis(rttMs)}`, 'pong', rttMs);
        break;
      }
      case 'error':
        this.log(`server error ${message.code}: ${message.message}`, 'error');
        break;
      default:
        this.log(`ignored a message of unknown type ${JSON.stringify((message as { type: unknown }).type)}`, 'warn');
    }
    this.emitStats();
  }

  private onDropped(info: DropInfo): void {
    const wasConnected = this.status.state === 'connected';
    if (wasConnected) this.lostAt = performance.now();
    this.stats.connectedAt = undefined;
    this.log(info.reason, wasConnected ? 'warn' : 'info');

    if (info.error !== undefined && isCursorRefusal(info.error)) {
      this.forgetCursor(info.error);
      return;
    }
    if (info.nativeRetryMs !== undefined && this.nativeFailures < NATIVE_RETRIES_BEFORE_BACKOFF) {
      if (!wasConnected) this.nativeFailures += 1;
      this.setStatus({
        state: 'reconnecting',
        protocol: this.protocol,
        attempt: this.status.attempt + 1,
        retryAt: Date.now() + info.nativeRetryMs,
        native: true,
      });
      this.emitStats();
      return;
    }
    // Our own reconnect, with backoff: stop what is left of the transport first.
    const neverOpened = info.neverOpened || !wasConnected;
    this.stopTransport();
    if (info.nativeRetryMs !== undefined)
      this.log(`EventSource failed ${this.nativeFailures} times in a row; reconnecting with backoff instead`, 'warn');
    this.nativeFailures = 0;
    const attempt = this.status.state === 'connected' ? 1 : this.status.attempt + 1;
    const delay = reconnectDelay(attempt);
    this.setStatus({ state: 'reconnecting', protocol: this.protocol, attempt, retryAt: Date.now() + delay });
    this.log(`reconnecting in ${formatMillis(delay)} (attempt ${attempt})`);
    const generation = this.generation;
    this.retryTimer = setTimeout(() => {
      if (generation !== this.generation) return;
      this.retryTimer = undefined;
      this.setStatus({ ...this.status, state: 'reconnecting', retryAt: undefined, native: false });
      if (neverOpened && !PROTOCOLS[this.protocol].polled && this.stats.lastSeq !== undefined) {
        void this.retryAfterProbe(generation);
      } else {
        this.openTransport();
      }
    }, delay);
    this.emitStats();
  }

  /**
   * A WebSocket or EventSource that fails before opening hides the HTTP answer. When we have
   * a cursor, ask a poll endpoint with the same cursor first: a 400 WL_CURSOR_AHEAD means the
   * server is back but does not know our seq (a restart that lost its history), so we start
   * from a fresh snapshot instead of failing forever.
   */
  private async retryAfterProbe(generation: number): Promise<void> {
    const cursor = this.cursor;
    try {
      this.stats.requests += 1;
      const response = await fetch(httpUrl('/poll', { since: cursor.since, epoch: cursor.epoch, limit: 1 }), { cache: 'no-store' });
      if (generation !== this.generation) return;
      if (!response.ok) {
        const error = await wireError(response);
        if (generation !== this.generation) return;
        if (isCursorRefusal(error)) {
          this.forgetCursor(error);
          return;
        }
      }
    } catch {
      // Still down: the attempt below fails too and backs off further.
    }
    if (generation !== this.generation) return;
    this.openTransport();
  }

  private forgetCursor(error: WireError): void {
    this.stopTransport();
    this.log(`the server refused our resume point (${error.code}: ${error.message}); starting again from a fresh snapshot`, 'warn');
    this.stats.lastSeq = undefined;
    this.stats.epoch = undefined;
    this.setStatus({ state: 'connecting', protocol: this.protocol, attempt: this.status.attempt });
    this.openTransport();
  }

  private setStatus(status: ConnectionStatus): void {
    this.status = status;
    this.probe.state = status.state;
    this.listener.status(status);
  }

  private emitStats(): void {
    this.listener.stats(this.stats);
  }

  private log(text: string, level: LogLevel = 'info', rttMs?: number): void {
    this.listener.log({ at: new Date(), level, text, ...(rttMs === undefined ? {} : { rttMs }) });
  }
}

function isCursorRefusal(error: WireError): boolean {
  return error.status === 400 && (error.code === 'WL_CURSOR_AHEAD' || error.code === 'WL_BAD_CURSOR');
}

import { nowMicros } from '../wire/clock.js';
import { Backoff, resolveBackoff, type BackoffSchedule } from './backoff.js';
import { chatHead, chatJson, isSenderId, readChatBytes, type OutgoingChat } from './codecs/chat-message.js';
import { checkAcceptEncoding } from './codecs/content-encoding.js';
import { head, parseMessage, readUpdateBytes } from './codecs/feed-message.js';
import { Counters, SocketMeter } from './meter.js';
import type {
  ClientState,
  CloseInfo,
  FeedClient,
  FeedClientHandlers,
  FeedClientOptions,
  ForeignFeed,
  MessageDecoder,
  PingResult,
} from './types.js';
import type { ProtocolName } from '../wire/protocols.js';

/** An error of the client: `status` is the HTTP status and `code` the server's WL_ code, when known. */
export class FeedClientError extends Error {
  override readonly name = 'FeedClientError';
  readonly status: number | undefined;
  readonly code: string | undefined;

  constructor(message: string, details: { status?: number | undefined; code?: string | undefined; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.code = details.code;
  }
}

/** A PING that got no answer within `pingTimeoutMs` while its connection stayed up. */
export class PingTimeoutError extends FeedClientError {}

/** Where the server is: parsed once from the `url` option. */
export interface Target {
  readonly secure: boolean;
  /** Host name or address, IPv6 without brackets. */
  readonly hostname: string;
  readonly port: number;
  /** `host:port` as written in a URL. */
  readonly authority: string;
  /** Path prefix, without a trailing slash ('' for the root). */
  readonly prefix: string;
  /** The path and query exactly as given (`/` at least): a foreign endpoint's request target. */
  readonly requestTarget: string;
}

export function parseTarget(url: string): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`url must be an absolute http(s) URL, got ${JSON.stringify(url)}`);
  }
  const secure = parsed.protocol === 'https:' || parsed.protocol === 'wss:';
  if (!secure && parsed.protocol !== 'http:' && parsed.protocol !== 'ws:') {
    throw new TypeError(`url must be http:, https:, ws: or wss:, got ${JSON.stringify(url)}`);
  }
  const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const port = parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port);
  return {
    secure,
    hostname,
    port,
    authority: parsed.host,
    prefix: parsed.pathname.replace(/\/+$/, ''),
    requestTarget: parsed.pathname + parsed.search,
  };
}

/** HTTP statuses that mean "try again later" rather than "you asked wrongly". */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** The error an HTTP answer with a bad status stands for, from its `{"error":{code,message}}` body. */
export function httpError(status: number, body: Buffer | string, what: string): FeedClientError {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  let code: string | undefined;
  let message = text.slice(0, 200);
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code === 'string') code = parsed.error.code;
    if (typeof parsed.error?.message === 'string') message = parsed.error.message;
  } catch {
    // not JSON: keep the text
  }
  return new FeedClientError(`${what}: HTTP ${status}${code === undefined ? '' : ` ${code}`}${message === '' ? '' : `: ${message}`}`, {
    status,
    code,
  });
}

/** How a connection ended, as a transport reports it to {@link BaseClient.lost}. */
export interface Loss {
  code?: number | undefined;
  reason: string;
  error?: Error | undefined;
}

interface PendingPing {
  readonly sentAt: number;
  readonly resolve: (result: PingResult) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const DEFAULT_PING_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * What every protocol shares: the state machine, the reconnect loop with backoff, resume
 * state (`lastSeq`, `epoch`), counters, message dispatch and PING bookkeeping. A protocol
 * implements {@link open} (start one connection attempt), {@link teardown} (drop it at once),
 * {@link shutdown} (close gracefully and release everything) and {@link transmitPing}.
 *
 * Each attempt has a generation number; a transport passes it back with every event, and
 * events of an attempt that is no longer current are ignored.
 */
export abstract class BaseClient implements FeedClient {
  abstract readonly protocol: ProtocolName;
  readonly counters: Counters;
  protected readonly meter = new SocketMeter();
  /** Where the current attempt goes: one of `targets`, the next one after each lost connection. */
  protected target: Target;
  /** Every instance the client may use (`url`, then `urls`), in rotation order. */
  private readonly targets: readonly Target[];
  private targetIndex = 0;
  /**
   * Instances tried since the last backoff wait (or the last open connection): a refused
   * connection moves on to the next instance at once until each has had its try.
   */
  private triedInRound = 0;
  protected readonly handlers: FeedClientHandlers;
  /** Headers of every request: the user's, plus the Bearer token. */
  protected readonly headers: Readonly<Record<string, string>>;
  protected readonly requestTimeoutMs: number;
  protected readonly clientId: string;
  /** The chat room read instead of the main feed, if any. */
  protected readonly room: string | undefined;
  /** Certificate authority trusted for TLS besides the system's. */
  protected readonly ca: string | Buffer | undefined;
  /** The `Accept-Encoding` of feed requests (SSE, polls), if any. */
  protected readonly acceptEncoding: string | undefined;
  /** TLS: accept certificates that do not verify. */
  protected readonly insecure: boolean;
  /** Where the sockets connect from; undefined: the system's choice. */
  protected readonly localAddress: string | undefined;
  /** Set for a server that is not wirelab's: its messages are scanned for the harness's markers. */
  protected readonly foreign: ForeignFeed | undefined;
  private readonly decoder: MessageDecoder | undefined;
  /** The current attempt; bumped whenever an attempt starts or ends. */
  protected generation = 0;
  protected backoff: Backoff;

  private currentState: ClientState = 'idle';
  private seq = -1;
  private feedEpoch: string | undefined;
  /** The current attempt has delivered its first message. */
  private opened = false;
  private attemptStartedAt = 0;
  /** Reconnect attempts since the last successful one. */
  private failures = 0;
  private readonly reconnectEnabled: boolean;
  private readonly maxAttempts: number;
  private readonly reconnectInput: Partial<BackoffSchedule>;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  private resolveConnect: (() => void) | undefined;
  private rejectConnect: ((error: Error) => void) | undefined;
  private stopping: Promise<void> | undefined;
  private readonly pendingPings = new Map<string, PendingPing>();
  private pingCounter = 0;
  private readonly pingTimeoutMs: number;
  private chatCounter = 0;

  constructor(options: FeedClientOptions) {
    this.targets = [options.url, ...(options.urls ?? []).filter((url) => url !== options.url)].map(parseTarget);
    this.target = this.targets[0]!;
    this.handlers = options.handlers;
    this.counters = new Counters(this.meter);
    this.clientId = options.id ?? 'client';
    if (options.room !== undefined && !ROOM_NAME.test(options.room))
      throw new TypeError(`room must be 1 to 64 characters of [A-Za-z0-9_-], got ${JSON.stringify(options.room)}`);
    this.room = options.room;
    this.ca = options.ca;
    this.acceptEncoding = options.acceptEncoding === undefined ? undefined : checkAcceptEncoding(options.acceptEncoding);
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined && options.token !== '') headers.authorization = `Bearer ${options.token}`;
    this.headers = headers;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.insecure = options.insecure ?? false;
    this.localAddress = options.localAddress;
    this.foreign = options.foreign;
    this.decoder = options.foreign?.decoder;
    this.pingTimeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
    const { enabled, maxAttempts, ...schedule } = options.reconnect ?? {};
    this.reconnectEnabled = enabled ?? true;
    this.maxAttempts = maxAttempts ?? Number.POSITIVE_INFINITY;
    this.reconnectInput = stripUndefined(schedule);
    this.backoff = new Backoff(resolveBackoff(this.reconnectInput));
    if (options.since !== undefined) {
      if (!Number.isSafeInteger(options.since) || options.since < 0)
        throw new RangeError(`since must be an integer >= 0, got ${options.since}`);
      this.seq = options.since;
    }
    if (options.epoch !== undefined) this.feedEpoch = options.epoch;
  }

  get state(): ClientState {
    return this.currentState;
  }

  /** The last seq seen: max over updates, set by `initial`/`reset`. */
  get lastSeq(): number | undefined {
    return this.seq < 0 ? undefined : this.seq;
  }

  get epoch(): string | undefined {
    return this.feedEpoch;
  }

  connect(): Promise<void> {
    if (this.connecting !== undefined) return this.connecting;
    if (this.currentState === 'closed') return Promise.reject(new FeedClientError('the client is closed'));
    this.connecting = new Promise<void>((resolve, reject) => {
      this.resolveConnect = resolve;
      this.rejectConnect = reject;
    });
    this.startAttempt();
    return this.connecting;
  }

  ping(id?: string): Promise<PingResult> {
    if (this.currentState === 'closed') return Promise.reject(new FeedClientError('the client is closed'));
    if (this.foreign !== undefined) return Promise.reject(new FeedClientError('PING needs a wirelab server: a foreign target has no pong'));
    const pingId = id ?? `${this.clientId}-${++this.pingCounter}`;
    if (this.pendingPings.has(pingId)) return Promise.reject(new FeedClientError(`a PING with id ${pingId} is already pending`));
    this.counters.pings += 1;
    return new Promise<PingResult>((resolve, reject) => {
      const sentAt = nowMicros();
      const timer = setTimeout(
        () => this.pingFailed(pingId, new PingTimeoutError(`PING ${pingId} not answered within ${this.pingTimeoutMs} ms`)),
        this.pingTimeoutMs,
      );
      this.pendingPings.set(pingId, { sentAt, resolve, reject, timer });
      try {
        this.transmitPing(pingId, sentAt);
      } catch (error) {
        this.pingFailed(pingId, asError(error));
      }
    });
  }

  chat(text: string): number {
    if (this.currentState === 'closed') throw new FeedClientError('the client is closed');
    if (!isSenderId(this.clientId))
      throw new FeedClientError(`a chat sender id must be 1 to 64 characters of [A-Za-z0-9_.:-], got ${JSON.stringify(this.clientId)}`);
    const n = this.chatCounter + 1;
    this.transmitChat({ from: this.clientId, n, ts: nowMicros(), text, room: this.room });
    this.chatCounter = n;
    this.counters.chatSent += 1;
    return n;
  }

  dropConnection(): boolean {
    if (this.currentState !== 'open') return false;
    this.lost(this.generation, { reason: 'closed by the client (a planned drop)' });
    return true;
  }

  close(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping;
    this.stop(new FeedClientError('the client was closed'));
    this.handlers.onClose?.({ reason: 'closed by the client', willReconnect: false });
    return this.stopping!;
  }

  // ---- for the transports ----------------------------------------------------------------

  /** Starts one connection attempt of generation `generation`. */
  protected abstract open(generation: number): void;
  /** Drops the current connection at once (it failed); must not throw. */
  protected abstract teardown(): void;
  /** Closes the current connection gracefully and releases every socket and timer. */
  protected abstract shutdown(): Promise<void>;
  /** Sends a PING; its answer reaches {@link settlePing}. May throw. */
  protected abstract transmitPing(id: string, sentAt: number): void;
  /** Sends a chat message; throws when it cannot be sent now. Failures after sending are counted by the transport. */
  protected abstract transmitChat(message: OutgoingChat): void;

  /** The JSON of a chat message as this transport sends it. */
  protected chatText(message: OutgoingChat, typed: boolean): string {
    return chatJson(message, typed);
  }

  protected get isClosed(): boolean {
    return this.currentState === 'closed';
  }

  /** The resume query of the next request: `since=S&epoch=E`, or '' for a snapshot. */
  protected cursorQuery(since: number | undefined = this.lastSeq): string {
    if (since === undefined) return '';
    return this.feedEpoch === undefined ? `since=${since}` : `since=${since}&epoch=${encodeURIComponent(this.feedEpoch)}`;
  }

  /** The TLS trust of this client's connections: `insecure` accepts any certificate, `ca` adds one to the system's. */
  protected tlsTrust(): { rejectUnauthorized?: false; ca?: string | Buffer } {
    if (this.insecure) return { rejectUnauthorized: false };
    return this.ca === undefined ? {} : { ca: this.ca };
  }

  /** The query of a feed request: the room (if any), then the resume cursor. */
  protected feedQuery(since: number | undefined = this.lastSeq): string {
    const cursor = this.cursorQuery(since);
    if (this.room === undefined) return cursor;
    return cursor === '' ? `room=${this.room}` : `room=${this.room}&${cursor}`;
  }

  protected setEpoch(epoch: string): void {
    this.feedEpoch = epoch;
  }

  /**
   * One feed message in `buf[start, end)`, received at `receivedAt`. The hot path: updates
   * are read without JSON.parse; everything else is parsed in full.
   */
  protected receive(buf: Buffer, start: number, end: number, receivedAt: number): void {
    if (this.currentState === 'closed') return;
    if (this.decoder !== undefined) {
      if (this.receiveMarked(buf, start, end, receivedAt) === 0) this.receiveUnmarked(buf, start, end, receivedAt);
      return;
    }
    if (readUpdateBytes(buf, start, end)) {
      const seq = head.seq;
      const ts = head.ts;
      if (seq > this.seq) this.seq = seq;
      this.counters.messages += 1;
      if (!this.opened) this.markOpen(receivedAt);
      this.handlers.onUpdate(seq, ts, receivedAt, end - start);
      if (this.handlers.onChat !== undefined && readChatBytes(buf, start, end))
        this.handlers.onChat(chatHead.from, chatHead.n, chatHead.ts, receivedAt, end - start);
      return;
    }
    this.receiveOther(buf.toString('utf8', start, end), end - start, receivedAt);
  }

  /**
   * Foreign targets: the harness's markers in `buf[start, end)` (one message, or one whole poll
   * answer), each an update. The bytes are shared out among the markers so their sum is the
   * message's size. Returns how many were found.
   */
  protected receiveMarked(buf: Buffer, start: number, end: number, receivedAt: number): number {
    const decoder = this.decoder;
    if (decoder === undefined || this.currentState === 'closed') return 0;
    const count = decoder.scan(buf, start, end, receivedAt);
    if (count === 0) return 0;
    const bytes = end - start;
    const share = Math.floor(bytes / count);
    const { seqs, timestamps } = decoder;
    if (!this.opened) this.markOpen(receivedAt);
    for (let i = 0; i < count && !this.isClosed; i++) {
      const seq = seqs[i]!;
      if (seq > this.seq) this.seq = seq;
      this.counters.messages += 1;
      this.handlers.onUpdate(seq, timestamps[i]!, receivedAt, i === 0 ? bytes - share * (count - 1) : share);
    }
    return count;
  }

  /** Foreign targets: a message without a marker of this run in `buf[start, end)`, with its own send time when it is read. */
  protected receiveUnmarked(buf: Buffer, start: number, end: number, receivedAt: number): void {
    this.countUnmarked(end - start, receivedAt, this.foreign?.timestamp?.read(buf, start, end));
  }

  /** Counts one unmarked message of `bytes`; `sentAt`: its own send time (µs since the epoch), when read. */
  protected countUnmarked(bytes: number, receivedAt: number, sentAt: number | undefined): void {
    this.counters.unmarked += 1;
    this.handlers.onUnmarked?.(receivedAt, bytes, sentAt);
  }

  /**
   * The transport is up (WebSocket handshake, SSE stream head, first poll answer). A foreign
   * server sends nothing until the harness publishes, so for it this is the connection's open.
   */
  protected transportReady(receivedAt: number): void {
    if (this.foreign !== undefined) this.markOpen(receivedAt);
  }

  /** A message the fast path could not read. */
  protected receiveOther(text: string, bytes: number, receivedAt: number): void {
    const message = parseMessage(text);
    switch (message.kind) {
      case 'update':
        if (message.seq > this.seq) this.seq = message.seq;
        this.counters.messages += 1;
        if (!this.opened) this.markOpen(receivedAt);
        this.handlers.onUpdate(message.seq, message.ts, receivedAt, bytes);
        return;
      case 'snapshot':
        this.seq = message.seq;
        this.feedEpoch = message.epoch;
        this.counters.messages += 1;
        if (message.type === 'reset') this.counters.resets += 1;
        if (!this.opened) this.markOpen(receivedAt);
        this.handlers.onSnapshot?.(message.type, message.seq, message.epoch, message.reason);
        return;
      case 'pong':
        this.settlePing(message.id, message.serverTs, receivedAt);
        return;
      case 'error':
        this.counters.errors += 1;
        // A refused chat message's error names it by its `n`.
        if (message.code === 'WL_RATE_LIMITED' && message.n !== undefined) this.counters.chatRefused += 1;
        this.handlers.onError?.(new FeedClientError(`${message.code}: ${message.message}`, { code: message.code }));
        return;
      case 'invalid':
        this.counters.errors += 1;
        this.handlers.onError?.(new FeedClientError(message.message));
        return;
    }
  }

  /** The current attempt works (first message, or first poll answer). */
  protected markOpen(receivedAt: number): void {
    if (this.opened || this.currentState === 'closed') return;
    this.opened = true;
    this.failures = 0;
    this.triedInRound = 0;
    this.backoff.reset();
    this.currentState = 'open';
    this.handlers.onOpen?.(receivedAt - this.attemptStartedAt);
    this.resolveConnect?.();
  }

  /** The instance (`host:port`) the current or next attempt goes to: changes on reconnect when the client has `urls`. */
  get instance(): string {
    return this.target.authority;
  }

  /** The connection of `generation` ended unexpectedly: reconnect with backoff, or stop. */
  protected lost(generation: number, loss: Loss): void {
    if (generation !== this.generation || this.currentState === 'closed') return;
    this.generation += 1;
    this.counters.errors += 1;
    this.teardown();
    if (!this.reconnectEnabled || this.failures >= this.maxAttempts) {
      const why = this.reconnectEnabled ? `gave up after ${this.failures} reconnect attempts` : 'reconnect is disabled';
      const error = new FeedClientError(`connection lost (${loss.reason}); ${why}`, { status: loss.code, cause: loss.error });
      this.stop(error);
      this.handlers.onError?.(error);
      this.handlers.onClose?.({
        ...closeCode(loss),
        reason: loss.reason,
        willReconnect: false,
        ...(loss.error === undefined ? {} : { error: loss.error }),
      });
      return;
    }
    this.failures += 1;
    // Several instances: the next attempt goes to the next one, so a dead instance is left at once.
    this.targetIndex = (this.targetIndex + 1) % this.targets.length;
    this.target = this.targets[this.targetIndex]!;
    // An instance that refuses the connection (nothing listens: it died) was never reached, so
    // waiting protects nobody: the next instance is tried at once. The backoff advances once per
    // round over the list, so a dead instance in the rotation does not double every wait.
    this.triedInRound += 1;
    const moveOn = isRefused(loss.error) && this.triedInRound < this.targets.length;
    if (!moveOn) this.triedInRound = 0;
    const delayMs = moveOn ? 0 : this.backoff.next();
    this.currentState = 'reconnecting';
    this.handlers.onClose?.({
      ...closeCode(loss),
      reason: loss.reason,
      willReconnect: true,
      delayMs,
      ...(loss.error === undefined ? {} : { error: loss.error }),
    });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.counters.reconnects += 1;
      this.startAttempt();
    }, delayMs);
  }

  /** The connection of `generation` met an error retrying cannot fix (HTTP 4xx): stop. */
  protected fail(generation: number, error: FeedClientError): void {
    if (generation !== this.generation || this.currentState === 'closed') return;
    this.generation += 1;
    this.counters.errors += 1;
    this.teardown();
    this.stop(error);
    this.handlers.onError?.(error);
    this.handlers.onClose?.({ ...(error.status === undefined ? {} : { code: error.status }), reason: error.message, willReconnect: false });
  }

  /** Answers the PING `id` (a `pong` arrived at `receivedAt`). */
  protected settlePing(id: string, serverTs: number, receivedAt: number): void {
    const pending = this.pendingPings.get(id);
    if (pending === undefined) return;
    this.pendingPings.delete(id);
    clearTimeout(pending.timer);
    pending.resolve({ rttMicros: receivedAt - pending.sentAt, serverTs, sentAt: pending.sentAt, receivedAt });
  }

  protected pingFailed(id: string, error: Error): void {
    const pending = this.pendingPings.get(id);
    if (pending === undefined) return;
    this.pendingPings.delete(id);
    clearTimeout(pending.timer);
    pending.reject(error);
  }

  /** Rejects every pending PING (their connection is gone). */
  protected failAllPings(error: Error): void {
    for (const id of [...this.pendingPings.keys()]) this.pingFailed(id, error);
  }

  /** SSE: the stream's `retry:` sets the first delay unless the user chose one. */
  protected useServerRetry(ms: number): void {
    if (this.reconnectInput.initialDelayMs !== undefined || ms === this.backoff.schedule.initialDelayMs) return;
    const maxDelayMs = Math.max(ms, this.reconnectInput.maxDelayMs ?? this.backoff.schedule.maxDelayMs);
    this.backoff = new Backoff(resolveBackoff({ ...this.reconnectInput, initialDelayMs: ms, maxDelayMs }));
  }

  // ---- internals --------------------------------------------------------------------------

  private startAttempt(): void {
    if (this.currentState === 'closed') return;
    this.generation += 1;
    this.opened = false;
    this.attemptStartedAt = nowMicros();
    this.counters.connectAttempts += 1;
    this.currentState = this.counters.connectAttempts === 1 ? 'connecting' : 'reconnecting';
    const generation = this.generation;
    try {
      this.open(generation);
    } catch (error) {
      this.lost(generation, { reason: asError(error).message, error: asError(error) });
    }
  }

  /** Stops for good: no reconnect, no timers, connect() rejected, sockets released. */
  private stop(error: Error): void {
    this.currentState = 'closed';
    this.generation += 1;
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.failAllPings(error);
    // A no-op when connect() has already resolved.
    this.rejectConnect?.(error);
    this.stopping = this.shutdown().catch(() => undefined);
  }
}

function closeCode(loss: Loss): { code?: number } {
  return loss.code === undefined ? {} : { code: loss.code };
}

/** The connection was refused (ECONNREFUSED: nothing listens on the port), by the error or its cause. */
function isRefused(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 4; cause = cause.cause, depth++) {
    if ((cause as NodeJS.ErrnoException).code === 'ECONNREFUSED') return true;
  }
  return false;
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

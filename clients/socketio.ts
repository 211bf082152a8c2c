import { FeedClientError, httpError, isRetryableStatus } from './base.js';
import {
  connectPacket,
  EIO,
  engineIoTarget,
  eventPacket,
  forEachPacket,
  parseOpen,
  readSocketIoPacket,
  RECORD_SEPARATOR,
  SIO,
  type SocketIoHead,
} from './codecs/engineio.js';
import type { ResponseHead } from './codecs/http-response.js';
import { readBody } from './http.js';
import { TIMINGS } from '../wire/timings.js';
import { PollingClient } from './polling.js';
import type { FeedClientOptions } from './types.js';
import { WebSocketClient } from './websocket.js';

/** What a transport does for its {@link EngineSession}. */
interface SessionHost {
  /** Sends one Engine.IO packet (as text). */
  send(packet: string): void;
  /** The namespace answered our connect: the connection is open. */
  connected(receivedAt: number): void;
  /** A Socket.IO event; its JSON data is `buf[start, end)`. */
  event(buf: Buffer, start: number, end: number, receivedAt: number): void;
  /** The session ended (close packet, namespace disconnect, silent server). */
  ended(reason: string): void;
  /** The server refused the namespace. */
  refused(message: string): void;
}

/**
 * The Engine.IO/Socket.IO session both transports share: answers the open packet with the
 * namespace connect and every server ping with a pong, reads Socket.IO packets, settles
 * acknowledgements, and declares the server gone when no ping came within pingInterval +
 * pingTimeout (Engine.IO 4: the server pings, the client answers).
 */
class EngineSession {
  sid: string | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private silenceMs = 0;
  private readonly head: SocketIoHead = { type: 0, namespace: '/', ackId: -1, dataStart: 0 };
  private nextAckId = 0;
  private readonly acks = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

  constructor(
    private readonly host: SessionHost,
    readonly namespace: string,
  ) {}

  /** One Engine.IO packet `buf[start, end)`. */
  packet(buf: Buffer, start: number, end: number, receivedAt: number): void {
    switch (buf[start]) {
      case EIO.message:
        this.message(buf, start, end, receivedAt);
        return;
      case EIO.ping:
        this.host.send('3');
        this.armHeartbeat();
        return;
      case EIO.open: {
        let open;
        try {
          open = parseOpen(buf.toString('utf8', start + 1, end));
        } catch (error) {
          this.host.ended((error as Error).message);
          return;
        }
        this.sid = open.sid;
        this.silenceMs = open.pingInterval + open.pingTimeout;
        this.armHeartbeat();
        this.host.send(connectPacket(this.namespace));
        return;
      }
      case EIO.close:
        this.host.ended('the server closed the Engine.IO session');
        return;
      case EIO.noop:
      case EIO.pong:
        return;
      default:
        this.host.ended(`unexpected Engine.IO packet ${JSON.stringify(buf.toString('utf8', start, Math.min(end, start + 40)))}`);
    }
  }

  /** Emits `event` with `data`, resolving on the server's acknowledgement. */
  emitWithAck(event: string, data: unknown): Promise<void> {
    const id = this.nextAckId++;
    return new Promise<void>((resolve, reject) => {
      this.acks.set(id, { resolve, reject });
      try {
        this.host.send(eventPacket(event, data, this.namespace, id));
      } catch (error) {
        this.acks.delete(id);
        reject(error as Error);
      }
    });
  }

  /** The session is over: timers stop, pending acknowledgements fail. */
  stop(reason: string): void {
    if (this.heartbeat !== undefined) clearTimeout(this.heartbeat);
    this.heartbeat = undefined;
    this.sid = undefined;
    const error = new FeedClientError(`no acknowledgement: ${reason}`);
    for (const { reject } of this.acks.values()) reject(error);
    this.acks.clear();
  }

  private message(buf: Buffer, start: number, end: number, receivedAt: number): void {
    const head = this.head;
    if (!readSocketIoPacket(buf, start, end, head) || head.namespace !== normalise(this.namespace)) return;
    switch (head.type) {
      case SIO.event:
        this.host.event(buf, head.dataStart, end, receivedAt);
        return;
      case SIO.connect:
        this.host.connected(receivedAt);
        return;
      case SIO.ack: {
        const pending = this.acks.get(head.ackId);
        if (pending === undefined) return;
        this.acks.delete(head.ackId);
        pending.resolve();
        return;
      }
      case SIO.disconnect:
        this.host.ended(`the server disconnected namespace ${head.namespace}`);
        return;
      case SIO.connectError:
        this.host.refused(buf.toString('utf8', head.dataStart, end).slice(0, 200));
        return;
    }
  }

  private armHeartbeat(): void {
    if (this.heartbeat !== undefined) clearTimeout(this.heartbeat);
    this.heartbeat = setTimeout(() => {
      this.heartbeat = undefined;
      this.host.ended(`no ping from the server within ${this.silenceMs} ms`);
    }, this.silenceMs);
  }
}

function normalise(namespace: string): string {
  return namespace === '' ? '/' : namespace;
}

/**
 * Socket.IO v4 over its WebSocket transport (`/socket.io/?EIO=4&transport=websocket`), spoken
 * on the raw WebSocket client so bytes are counted at the socket. The connection is open when
 * the namespace answers our connect; every event is scanned for the harness's markers.
 */
export class SocketIoWsClient extends WebSocketClient {
  private readonly session: EngineSession;

  constructor(options: FeedClientOptions) {
    super(options);
    this.session = new EngineSession(
      {
        send: (packet) => this.sendText(packet),
        connected: (receivedAt) => this.markOpen(receivedAt),
        event: (buf, start, end, receivedAt) => {
          if (this.receiveMarked(buf, start, end, receivedAt) === 0) this.receiveUnmarked(buf, start, end, receivedAt);
        },
        ended: (reason) => this.lost(this.generation, { reason }),
        refused: (message) => this.fail(this.generation, new FeedClientError(`Socket.IO refused the namespace: ${message}`)),
      },
      options.foreign?.socketio?.namespace ?? '/',
    );
  }

  /** Emits `event` with `data` and resolves when the server acknowledges it (the publisher's way). */
  emitWithAck(event: string, data: unknown): Promise<void> {
    if (this.state !== 'open') return Promise.reject(new FeedClientError(`Socket.IO is not connected: ${this.state}`));
    return this.session.emitWithAck(event, data);
  }

  protected override upgradePath(): string {
    return engineIoTarget(this.target.requestTarget, 'websocket');
  }

  /** The WebSocket is up, but the connection opens only when the namespace answers. */
  protected override transportReady(): void {}

  protected override receive(buf: Buffer, start: number, end: number, receivedAt: number): void {
    if (!this.isClosed && start < end) this.session.packet(buf, start, end, receivedAt);
  }

  protected override teardown(): void {
    this.session.stop('the connection was lost');
    super.teardown();
  }

  protected override shutdown(): Promise<void> {
    this.session.stop('the client was closed');
    return super.shutdown();
  }
}

/**
 * Socket.IO v4 over HTTP long-polling (`/socket.io/?EIO=4&transport=polling`): a GET held by
 * the server returns a payload of packets joined by 0x1E; what the client sends (the namespace
 * connect, pongs) goes in POSTs, one at a time (Engine.IO refuses overlapping ones), on
 * connections of their own, counted at their sockets like the GETs.
 */
export class SocketIoPollingClient extends PollingClient {
  readonly protocol = 'long-poll' as const;
  private readonly session: EngineSession;
  private readonly holdMs: number;
  private readonly again = (generation: number): void => this.next(generation);
  /** Packets waiting for the POST in flight to finish. */
  private outbox: string[] = [];
  private posting = false;
  /** The answer being read carried a marked event. */
  private carried = false;

  constructor(options: FeedClientOptions) {
    super(options);
    this.holdMs = options.longPollTimeoutMs ?? TIMINGS.longPollHoldMs;
    this.session = new EngineSession(
      {
        send: (packet) => this.post(packet),
        connected: (receivedAt) => this.markOpen(receivedAt),
        event: (buf, start, end, receivedAt) => {
          if (this.receiveMarked(buf, start, end, receivedAt) > 0) this.carried = true;
          else this.receiveUnmarked(buf, start, end, receivedAt);
        },
        ended: (reason) => this.lost(this.generation, { reason }),
        refused: (message) => this.fail(this.generation, new FeedClientError(`Socket.IO refused the namespace: ${message}`)),
      },
      options.foreign?.socketio?.namespace ?? '/',
    );
  }

  protected override open(generation: number): void {
    this.session.stop('a new session starts');
    this.outbox = [];
    this.next(generation);
  }

  private next(generation: number): void {
    // The server answers a held poll at least every pingInterval (with a ping).
    this.poll(generation, '', '', this.holdMs + this.requestTimeoutMs, this.again);
  }

  protected override foreignTarget(): string {
    return engineIoTarget(this.target.requestTarget, 'polling', this.session.sid);
  }

  protected override deliverForeign(generation: number, label: string, head: ResponseHead, body: Buffer, receivedAt: number): boolean {
    if (head.status !== 200) {
      const error = httpError(head.status, body, `GET ${label}`);
      // 400 "Session ID unknown": the server dropped the session; a new one starts.
      if (isRetryableStatus(head.status) || head.status === 400) this.lost(generation, { code: head.status, reason: error.message, error });
      else this.fail(generation, error);
      return false;
    }
    this.carried = false;
    forEachPacket(body, 0, body.length, (start, end) => {
      if (generation === this.generation) this.session.packet(body, start, end, receivedAt);
    });
    if (!this.carried) this.counters.emptyPolls += 1;
    return generation === this.generation;
  }

  /** Sends packets by POST, one request at a time; packets queued meanwhile go together. */
  private post(packet: string): void {
    this.outbox.push(packet);
    if (!this.posting) this.flush(this.generation);
  }

  private flush(generation: number): void {
    const sid = this.session.sid;
    if (this.outbox.length === 0 || sid === undefined || generation !== this.generation) {
      this.posting = false;
      return;
    }
    this.posting = true;
    const body = this.outbox.join(String.fromCharCode(RECORD_SEPARATOR));
    this.outbox = [];
    const requestTarget = engineIoTarget(this.target.requestTarget, 'polling', sid);
    // Errors name the path only: the endpoint's query may hold a credential.
    const target = requestTarget.split('?', 1)[0]!;
    const req = this.requestTo(
      'POST',
      requestTarget,
      { ...this.headers, 'content-type': 'text/plain;charset=UTF-8', 'content-length': Buffer.byteLength(body) },
      this.requestTimeoutMs,
      target,
    );
    req.on('response', (res) => {
      readBody(res, 64 * 1024).then(
        (answer) => {
          if (res.statusCode !== 200) {
            const error = httpError(res.statusCode ?? 0, answer, `POST ${target}`);
            this.lost(generation, { code: res.statusCode, reason: error.message, error });
            return;
          }
          this.flush(generation);
        },
        (error: Error) => this.lost(generation, { reason: `POST ${target}: ${error.message}`, error }),
      );
    });
    req.on('error', (error) => this.lost(generation, { reason: `POST ${target}: ${error.message}`, error }));
    req.end(body);
  }

  protected override teardown(): void {
    this.session.stop('the connection was lost');
    this.outbox = [];
    this.posting = false;
    super.teardown();
  }

  protected override shutdown(): Promise<void> {
    this.session.stop('the client was closed');
    return super.shutdown();
  }
}

/** A Socket.IO client of `options.protocol`: `ws` (WebSocket transport) or `long-poll` (HTTP long-polling). */
export function createSocketIoClient(options: FeedClientOptions): SocketIoWsClient | SocketIoPollingClient {
  if (options.protocol === 'ws') return new SocketIoWsClient(options);
  if (options.protocol === 'long-poll') return new SocketIoPollingClient(options);
  throw new TypeError(`Socket.IO speaks ws and long-poll only, not ${JSON.stringify(options.protocol)}`);
}

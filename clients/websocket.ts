import type { Socket } from 'node:net';
import { nowMicros } from '../wire/clock.js';
import { BaseClient, FeedClientError, httpError, isRetryableStatus, type Loss } from './base.js';
import type { OutgoingChat } from './codecs/chat-message.js';
import { BodyCollector, BodyDecoder, HttpParseError, ResponseHeadReader } from './codecs/http-response.js';
import { acceptDeflate, deflateOffer, type DeflateOffer, type DeflateParams } from './codecs/ws-extensions.js';
import {
  checkUpgrade,
  CLOSE_TOO_BIG,
  closePayload,
  DEFAULT_MAX_PAYLOAD,
  handshakeKey,
  maskedFrame,
  OPCODE,
  RSV1,
  WsFrameParser,
  type WsFrameHandler,
} from './codecs/ws-frames.js';
import { openSocket, requestHead } from './raw-socket.js';
import type { FeedClientOptions, WsMessageIds } from './types.js';
import { deflateMessage, MessageInflater } from './ws-deflate.js';
import { PROTOCOLS } from '../wire/protocols.js';

/** How long close() waits for the server's closing handshake before cutting the socket. */
const CLOSE_WAIT_MS = 1000;
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Close code of a connection that ended without a close frame (RFC 6455 §7.1.5). */
const CLOSE_ABNORMAL = 1006;
const CLOSE_NO_STATUS = 1005;
/** Close code for a message that is not what it claims (RFC 6455 §7.4.1): here, deflate data that does not inflate. */
const CLOSE_INVALID_DATA = 1007;
const DEFLATE_OFFERS: readonly DeflateOffer[] = ['off', 'on', 'no-context-takeover'];

/** Where one connection attempt is. */
type Phase = 'handshake' | 'open' | 'closing';

/**
 * One WebSocket connection attempt: the socket, the handshake, the frame parser, and how the
 * connection ended (reported to the client once the socket has closed, as `ws` does).
 */
interface Connection {
  socket: Socket;
  readonly generation: number;
  phase: Phase;
  parser: WsFrameParser | undefined;
  /** nowMicros() of the socket read being parsed: every message of one read shares it. */
  receivedAt: number;
  closeSent: boolean;
  /** How the connection ended, once known (a close frame, a protocol error). */
  ending: Loss | undefined;
  lastError: Error | undefined;
  timer: NodeJS.Timeout | undefined;
  /** permessage-deflate as agreed, and the inflater of the server's compressed messages. */
  deflate: DeflateParams | undefined;
  inflater: MessageInflater | undefined;
}

/**
 * WebSocket (RFC 6455, with permessage-deflate when `wsDeflate` asks for it, RFC 7692):
 * `GET /ws?since=S&epoch=E`. The client speaks the
 * protocol itself on a plain `net.Socket` (TLS for wss:): it writes the upgrade request,
 * checks the 101 answer, and parses the frames straight from each socket read, so an update
 * that arrives in one TCP read reaches {@link BaseClient.receive} as a range of the read
 * buffer, without copies, streams or events in between (see {@link openSocket}). Every
 * byte, the handshake included, goes through the one metered socket.
 *
 * Any close the client did not ask for (4000 drop, 1001 shutdown, 4002 slow consumer, a
 * broken socket, a protocol error, …) is a lost connection and leads to a reconnect; a 4xx
 * answer to the upgrade (other than 429) stops the client.
 */
export class WebSocketClient extends BaseClient {
  readonly protocol = 'ws' as const;
  private connection: Connection | undefined;
  private readonly deflateOffer: DeflateOffer;
  /** `foreign.wsMessageIds`: the subprotocol asked for and where the resume point goes. */
  private readonly messageIds: WsMessageIds | undefined;
  /** The id of the last message received (with message ids): where a reconnect resumes. */
  private lastMessageId: string | undefined;

  constructor(options: FeedClientOptions) {
    super(options);
    this.messageIds = options.foreign?.wsMessageIds;
    this.deflateOffer = options.wsDeflate ?? 'off';
    if (!DEFLATE_OFFERS.includes(this.deflateOffer))
      throw new TypeError(`wsDeflate must be ${DEFLATE_OFFERS.join(', ')}, got ${JSON.stringify(options.wsDeflate)}`);
  }

  /** A foreign endpoint: as given; with message ids, the last one received goes in its query on a reconnect. */
  private foreignUpgradePath(): string {
    const requestTarget = this.target.requestTarget;
    if (this.messageIds === undefined || this.lastMessageId === undefined) return requestTarget;
    const url = new URL(requestTarget, 'http://x');
    url.searchParams.set(this.messageIds.param, this.lastMessageId);
    return url.pathname + url.search;
  }

  /** Message ids (`foreign.wsMessageIds`): each message opens with `id: ID\n`; the last one is the resume point. */
  protected override receive(buf: Buffer, start: number, end: number, receivedAt: number): void {
    if (this.messageIds !== undefined) {
      const id = messageId(buf, start, end);
      if (id !== undefined) this.lastMessageId = id;
    }
    super.receive(buf, start, end, receivedAt);
  }

  /** The request target of the upgrade: wirelab's `/ws` with the room and resume query, or a foreign endpoint as given. */
  protected upgradePath(): string {
    if (this.foreign !== undefined) return this.foreignUpgradePath();
    const query = this.feedQuery();
    return `${this.target.prefix}${PROTOCOLS.ws.path}${query === '' ? '' : `?${query}`}`;
  }

  protected override open(generation: number): void {
    const path = this.upgradePath();
    const key = handshakeKey();
    const offer = deflateOffer(this.deflateOffer);
    const request = requestHead('GET', path, this.target.authority, this.headers, {
      fixed: {
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': key,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        ...(offer === undefined ? {} : { 'Sec-WebSocket-Extensions': offer }),
        ...(this.messageIds === undefined ? {} : { 'Sec-WebSocket-Protocol': this.messageIds.subprotocol }),
      },
    });
    const connection: Connection = {
      socket: undefined as unknown as Socket,
      generation,
      phase: 'handshake',
      parser: undefined,
      receivedAt: 0,
      closeSent: false,
      ending: undefined,
      lastError: undefined,
      timer: undefined,
      deflate: undefined,
      inflater: undefined,
    };
    this.connection = connection;

    const heads = new ResponseHeadReader();
    let errorBody: { decoder: BodyDecoder; collector: BodyCollector } | undefined;

    const handshake = (chunk: Buffer, from: number, to: number): void => {
      if (errorBody !== undefined) {
        errorBody.decoder.push(chunk, from, to);
        return;
      }
      let read;
      try {
        read = heads.push(chunk, from, to);
      } catch (error) {
        this.lost(generation, { code: CLOSE_ABNORMAL, reason: (error as HttpParseError).message, error: error as Error });
        return;
      }
      if (read === undefined) return;
      const { head } = read;
      if (head.status !== 101) {
        // An HTTP answer instead of the upgrade: read its body for the error it carries.
        const settle = (body: Buffer | undefined): void => {
          const error = httpError(head.status, body ?? Buffer.alloc(0), 'WebSocket upgrade');
          if (isRetryableStatus(head.status)) this.lost(generation, { code: head.status, reason: error.message, error });
          else this.fail(generation, error);
        };
        const collector = new BodyCollector(MAX_ERROR_BODY_BYTES, settle);
        let decoder: BodyDecoder;
        try {
          decoder = new BodyDecoder(head, collector);
        } catch {
          settle(undefined);
          return;
        }
        errorBody = { decoder, collector };
        decoder.start();
        decoder.push(read.buf, read.bodyStart, read.bodyEnd);
        return;
      }
      const wrong = checkUpgrade(head.headers, key, offer !== undefined, this.messageIds?.subprotocol);
      const agreed = wrong === undefined ? acceptDeflate(head.headers['sec-websocket-extensions'], this.deflateOffer) : wrong;
      if (typeof agreed === 'string') {
        const error = new FeedClientError(agreed);
        this.lost(generation, { code: CLOSE_ABNORMAL, reason: agreed, error });
        return;
      }
      socket.setTimeout(0);
      connection.phase = 'open';
      if (agreed !== undefined) {
        connection.deflate = agreed;
        connection.inflater = new MessageInflater(agreed, DEFAULT_MAX_PAYLOAD);
      }
      connection.parser = new WsFrameParser(this.frameHandler(connection), DEFAULT_MAX_PAYLOAD, agreed !== undefined);
      connection.receivedAt = nowMicros();
      this.transportReady(connection.receivedAt);
      if (read.bodyStart < read.bodyEnd) connection.parser.push(read.buf, read.bodyStart, read.bodyEnd);
    };

    // The hot path: one clock read per socket read, then the frames straight from the bytes.
    const socket = openSocket(
      this.target,
      (buf, start, end) => {
        const parser = connection.parser;
        if (parser !== undefined) {
          connection.receivedAt = nowMicros();
          parser.push(buf, start, end);
        } else if (connection.phase === 'handshake') {
          handshake(buf, start, end);
        }
      },
      { insecure: this.insecure, ca: this.ca, localAddress: this.localAddress },
    );
    connection.socket = socket;
    this.meter.track(socket);
    this.counters.requests += 1;
    socket.on('error', (error) => {
      connection.lastError = error;
    });
    socket.on('close', () => {
      if (connection.timer !== undefined) clearTimeout(connection.timer);
      connection.timer = undefined;
      connection.parser?.stop();
      if (errorBody !== undefined) {
        // Cut off before the whole error answer arrived, unless it was delimited by the close.
        if (!errorBody.decoder.finish()) errorBody.collector.cutOff();
        return;
      }
      const lastError = connection.lastError;
      const loss = connection.ending ?? {
        code: CLOSE_ABNORMAL,
        reason: lastError?.message ?? `closed with code ${CLOSE_ABNORMAL}`,
        error: lastError,
      };
      this.lost(generation, loss);
    });
    socket.setTimeout(this.requestTimeoutMs, () => {
      if (connection.phase !== 'handshake') return;
      if (errorBody !== undefined) {
        // The error answer stalled: settle it with what there is, as a cut-off body.
        socket.destroy();
        return;
      }
      const error = new FeedClientError('Opening handshake has timed out');
      this.lost(generation, { code: CLOSE_ABNORMAL, reason: error.message, error });
    });
    socket.write(request);
  }

  /** What the frames of `connection` do. */
  private frameHandler(connection: Connection): WsFrameHandler {
    const handler: WsFrameHandler = {
      message: (buf, start, end, _binary, compressed) => {
        if (!compressed) {
          this.receive(buf, start, end, connection.receivedAt);
          return;
        }
        let message: Buffer;
        try {
          message = connection.inflater!.inflate(buf, start, end);
        } catch (error) {
          const tooBig = error instanceof RangeError;
          handler.error(
            tooBig ? CLOSE_TOO_BIG : CLOSE_INVALID_DATA,
            tooBig ? 'message too large once inflated' : `a compressed message does not inflate: ${(error as Error).message}`,
          );
          return;
        }
        this.counters.compressedBytes += end - start;
        this.counters.decompressedBytes += message.length;
        // Readable only now: the arrival time of an inflated message includes its inflating.
        this.receive(message, 0, message.length, nowMicros());
      },
      ping: (payload) => {
        if (!connection.closeSent && connection.socket.writable) connection.socket.write(maskedFrame(OPCODE.pong, payload));
      },
      pong: () => {},
      close: (code, reason) => {
        const text = reason.length > 0 ? reason.toString('utf8') : `closed with code ${code ?? CLOSE_NO_STATUS}`;
        if (connection.ending === undefined) connection.ending = { code: code ?? CLOSE_NO_STATUS, reason: text };
        // Echo the close (RFC 6455 §5.5.1) unless ours went first, then end our side; the
        // server closes the TCP connection, and the loss is reported when it has.
        this.sendClose(connection, code, reason);
        this.finishClosing(connection);
      },
      error: (code, message) => {
        const error = new FeedClientError(`WebSocket protocol error: ${message}`);
        if (connection.ending === undefined) connection.ending = { code, reason: error.message, error };
        this.sendClose(connection, code, '');
        this.finishClosing(connection);
      },
    };
    return handler;
  }

  /** Sends a close frame once; the connection is then closing. */
  private sendClose(connection: Connection, code: number | undefined, reason: string | Buffer): void {
    connection.phase = 'closing';
    if (connection.closeSent) return;
    connection.closeSent = true;
    if (connection.socket.writable) connection.socket.write(maskedFrame(OPCODE.close, closePayload(code, reason)));
  }

  /** Both close frames are out (or ours after an error): end our side, cut the socket if the server lingers. */
  private finishClosing(connection: Connection): void {
    connection.socket.end();
    if (connection.timer === undefined && !connection.socket.destroyed) {
      connection.timer = setTimeout(() => connection.socket.destroy(), CLOSE_WAIT_MS);
    }
  }

  protected override teardown(): void {
    const connection = this.connection;
    this.connection = undefined;
    if (connection !== undefined) {
      connection.parser?.stop();
      if (connection.timer !== undefined) clearTimeout(connection.timer);
      connection.timer = undefined;
      connection.socket.destroy();
    }
    this.failAllPings(new FeedClientError('the WebSocket closed before the pong arrived'));
  }

  protected override async shutdown(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (connection !== undefined && connection.phase === 'open' && !connection.closeSent && !connection.socket.destroyed) {
      const { socket } = connection;
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        // The server answers with its close frame (then our side ends) and closes the TCP
        // connection; without an answer the socket is cut after CLOSE_WAIT_MS.
        this.sendClose(connection, 1000, 'client close');
        connection.timer = setTimeout(() => socket.destroy(), CLOSE_WAIT_MS);
      });
    } else if (connection !== undefined) {
      connection.parser?.stop();
      if (connection.timer !== undefined) clearTimeout(connection.timer);
      connection.timer = undefined;
      connection.socket.destroy();
    }
    await this.meter.destroyAll();
  }

  protected override transmitPing(id: string, sentAt: number): void {
    this.sendText(`{"type":"ping","id":${JSON.stringify(id)},"ts":${sentAt}}`);
  }

  protected override transmitChat(message: OutgoingChat): void {
    this.counters.chatBytesWritten += this.sendText(this.chatText(message, true));
  }

  /** Sends one text message on the open connection, compressed when permessage-deflate was agreed; throws when it is not open. Returns the frame's size. */
  protected sendText(text: string): number {
    const connection = this.connection;
    if (connection === undefined || connection.phase !== 'open' || !connection.socket.writable)
      throw new FeedClientError('the WebSocket is not open');
    const payload = Buffer.from(text);
    const compressed = connection.deflate === undefined ? undefined : deflateMessage(payload, connection.deflate);
    const frame = compressed === undefined ? maskedFrame(OPCODE.text, payload) : maskedFrame(RSV1 | OPCODE.text, compressed);
    connection.socket.write(frame);
    return frame.length;
  }
}

const ID_LINE = Buffer.from('id: ');

/** The id of a message that opens with `id: ID\n` (nchan's `ws+meta.nchan`), or undefined. */
export function messageId(buf: Buffer, start: number, end: number): string | undefined {
  if (end - start < ID_LINE.length + 2 || buf.compare(ID_LINE, 0, ID_LINE.length, start, start + ID_LINE.length) !== 0) return undefined;
  const from = start + ID_LINE.length;
  const newline = buf.indexOf(10, from);
  if (newline === -1 || newline >= end || newline === from || newline - from > 256) return undefined;
  return buf.toString('latin1', from, newline);
}

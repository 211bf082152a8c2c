import type { FastifyInstance } from 'fastify';
import { WebSocket, type RawData } from 'ws';
import { WirelabError } from '../../wire/errors.js';
import { readChat, relayChat } from '../chat/chat-message.js';
import { requestFeed } from '../chat/rooms.js';
import type { ByteOutput, CompressedOutput } from '../compression/compressed-output.js';
import { connectionSocket } from '../connection-socket.js';
import { framed, type Cursor, type Feed, type FeedMessage } from '../feed.js';
import { errorMessage, pongFor } from '../pong.js';
import { MessageRateLimiter } from '../rate-limiter.js';
import { requestCursor } from '../request-cursor.js';
import { PerFeed } from './per-feed.js';
import { PushFanout, type PushSink } from './push-fanout.js';
import { agreedDeflate, canCompress, standaloneDeflatedFrame, takeoverOutput, type DeflateAgreement } from './ws-deflate.js';
import { textFrame } from './ws-frame.js';

/** Close codes; docs/protocol.md lists them. */
export const CLOSE_CODES = Object.freeze({
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  tooBig: 1009,
  dropped: 4000,
  slowConsumer: 4002,
});

/** Time a closing peer that reads gets to answer its close frame before its socket is destroyed. */
const CLOSE_GRACE_MS = 2000;

/** What `ws` sends for us (pong, error) goes uncompressed: see ws-deflate.ts. */
const UNCOMPRESSED = Object.freeze({ compress: false });

/** The whole WebSocket frame of a feed message: built once, written to every client as is. */
function wsFrame(message: FeedMessage): Buffer {
  return framed(message, 'ws', (m) => textFrame(m.json));
}

/** The frame of a message compressed on its own with a 2^bits window: built once per window size. */
function standaloneFrame(bits: number): (message: FeedMessage) => Buffer {
  const key = `ws-deflate-${bits}`;
  return (message) => framed(message, key, (m) => standaloneDeflatedFrame(m.json, bits));
}

/**
 * `GET /ws`: the feed over WebSocket. Server to client: one text frame per feed message,
 * written straight to the TCP socket from a frame built once per message (compressed with
 * permessage-deflate when agreed, see ws-deflate.ts). Client to server: `ping` and `chat`
 * messages, rate limited. `?room=NAME` reads a chat room's feed instead of the main feed.
 * See docs/protocol.md.
 */
export default async function websocketTransport(app: FastifyInstance): Promise<void> {
  const { stats, options, rooms } = app.wirelab;
  const counters = stats.transports.ws;
  // Per feed, one fan-out per framing: plain frames, and compressed standalone frames per window size.
  const fanouts = new PerFeed(() => new Map<string, PushFanout>());
  const fanoutFor = (feed: Feed, agreement: DeflateAgreement | undefined): PushFanout => {
    const standaloneBits =
      agreement !== undefined && agreement.serverNoContextTakeover && canCompress(agreement) ? agreement.serverWindowBits : undefined;
    const framing = standaloneBits === undefined ? 'plain' : `deflate-${standaloneBits}`;
    const byFraming = fanouts.get(feed);
    let fanout = byFraming.get(framing);
    if (fanout === undefined) {
      fanout = new PushFanout(
        feed,
        standaloneBits === undefined ? wsFrame : standaloneFrame(standaloneBits),
        counters,
        options.maxBufferedBytes,
      );
      byFraming.set(framing, fanout);
    }
    return fanout;
  };
  const sockets = new Set<WebSocket>();
  const alive = new WeakSet<WebSocket>();

  const heartbeat = setInterval(() => {
    for (const ws of sockets) {
      // A closing socket is bounded by its own close grace, which may be longer than one beat.
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, options.heartbeatMs);
  heartbeat.unref();

  const closeAll = (code: number, reason: string): number => {
    const count = sockets.size;
    for (const ws of sockets) closeWithGrace(ws, code, reason, CLOSE_GRACE_MS);
    return count;
  };

  app.wirelab.registerTransport({
    name: 'ws',
    drop: () => closeAll(CLOSE_CODES.dropped, 'dropped by control'),
    shutdown: () => {
      clearInterval(heartbeat);
      closeAll(CLOSE_CODES.goingAway, 'server shutting down');
      for (const byFraming of fanouts.values()) for (const fanout of byFraming.values()) fanout.close();
    },
  });

  app.addHook('onRequest', async (request) => {
    counters.requests += 1;
    stats.trackSocket('ws', connectionSocket(request.raw));
  });

  const subscriptions = new WeakMap<object, { feed: Feed; cursor: Cursor }>();
  app.get(
    '/ws',
    {
      websocket: true,
      // Runs before the upgrade, so a bad cursor or room is an HTTP 400 with a JSON body.
      preValidation: async (request) => {
        const feed = requestFeed(request, rooms);
        subscriptions.set(request.raw, { feed, cursor: await requestCursor(request, feed) });
      },
    },
    (ws, request) => {
      const raw = (ws as unknown as { _socket: import('node:net').Socket })._socket;
      counters.accepted += 1;
      counters.connections += 1;
      sockets.add(ws);
      alive.add(ws);
      ws.on('pong', () => alive.add(ws));
      const limiter = new MessageRateLimiter(options.messageRatePerSecond, options.rateLimitStrikes);
      const subscription = subscriptions.get(request.raw) ?? { feed: app.wirelab.feed, cursor: {} };

      const socketOutput: ByteOutput = {
        write: (chunk) => raw.write(chunk),
        pending: () => raw.writableLength,
        onceDrained: (callback) => raw.once('drain', callback),
        isOpen: () => ws.readyState === WebSocket.OPEN,
      };
      const agreement = agreedDeflate(ws);
      let compressed: CompressedOutput | undefined;
      if (agreement !== undefined && !agreement.serverNoContextTakeover && canCompress(agreement))
        compressed = takeoverOutput(socketOutput, agreement);
      const output = compressed ?? socketOutput;
      const fanout = fanoutFor(subscription.feed, agreement);

      const sink: PushSink = {
        write: (chunk) => output.write(chunk),
        pending: () => output.pending(),
        onceDrained: (callback) => output.onceDrained(callback),
        // The fan-out has discarded the backlog it held, so the close frame follows at most one
        // batch behind what the client has not read yet; the grace lets a client that reads
        // again in time see 4002 rather than a dropped connection.
        cutOff: () => closeWithGrace(ws, CLOSE_CODES.slowConsumer, 'slow consumer', options.slowConsumerGraceMs),
        isOpen: () => output.isOpen(),
      };
      const unsubscribe = fanout.add(sink, subscription.cursor);

      ws.on('message', (data: RawData, isBinary: boolean) => {
        const verdict = limiter.take(Date.now());
        if (verdict !== 'ok') {
          counters.errors += 1;
          const chat = refusedChatNumber(data, isBinary);
          if (chat !== undefined) stats.chatRefused += 1;
          if (verdict === 'close') {
            closeWithGrace(ws, CLOSE_CODES.policyViolation, 'message rate limit exceeded', CLOSE_GRACE_MS);
            return;
          }
          const error = new WirelabError('WL_RATE_LIMITED', options.messageRatePerSecond);
          // A refused chat message is named by its `n`, so the sender knows which one was not relayed.
          ws.send(chat === undefined ? errorMessage(error) : JSON.stringify({ type: 'error', ...error.toJSON(), n: chat }), UNCOMPRESSED);
          return;
        }
        try {
          const message = parseClientMessage(data, isBinary);
          const type = (message as { type?: unknown } | null)?.type;
          if (type === 'ping') {
            ws.send(pongFor(message), UNCOMPRESSED);
          } else if (type === 'chat') {
            relayChat(rooms, readChat(message, 'WL_BAD_MESSAGE', true));
            stats.chatRelayed += 1;
          } else {
            throw new WirelabError('WL_UNKNOWN_TYPE', JSON.stringify(type ?? null));
          }
        } catch (error) {
          counters.errors += 1;
          ws.send(errorMessage(error instanceof WirelabError ? error : new WirelabError('WL_BAD_MESSAGE', String(error))), UNCOMPRESSED);
        }
      });
      ws.on('close', () => {
        unsubscribe();
        compressed?.close();
        sockets.delete(ws);
        counters.connections -= 1;
      });
    },
  );
}

/** A client message as JSON; throws WL_BAD_MESSAGE for binary frames and what is not JSON. */
function parseClientMessage(data: RawData, isBinary: boolean): unknown {
  if (isBinary) throw new WirelabError('WL_BAD_MESSAGE', 'binary frames are not accepted: send JSON text');
  try {
    return JSON.parse(data.toString());
  } catch {
    throw new WirelabError('WL_BAD_MESSAGE', 'message is not valid JSON');
  }
}

/** The `n` of a refused message that is a chat message (parsed only when refused), else undefined. */
function refusedChatNumber(data: RawData, isBinary: boolean): number | undefined {
  try {
    const message = parseClientMessage(data, isBinary) as { type?: unknown; n?: unknown } | null;
    return message?.type === 'chat' && typeof message.n === 'number' && Number.isSafeInteger(message.n) ? message.n : undefined;
  } catch {
    return undefined;
  }
}

function closeWithGrace(ws: WebSocket, code: number, reason: string, graceMs: number): void {
  if (ws.readyState === WebSocket.CLOSED) return;
  ws.close(code, reason);
  const grace = setTimeout(() => ws.terminate(), graceMs);
  grace.unref();
  ws.once('close', () => clearTimeout(grace));
}

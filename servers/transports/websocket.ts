import type { FastifyInstance } from 'fastify';
import { WebSocket, type RawData } from 'ws';
import { WirelabError } from '../../wire/errors.js';
import { framed, type Cursor, type FeedMessage } from '../feed.js';
import { errorMessage, pongFor } from '../pong.js';
import { MessageRateLimiter } from '../rate-limiter.js';
import { requestCursor } from '../request-cursor.js';
import { PushFanout, type PushSink } from './push-fanout.js';
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

/** The whole WebSocket frame of a feed message: built once, written to every client as is. */
function wsFrame(message: FeedMessage): Buffer {
  return framed(message, 'ws', (m) => textFrame(m.json));
}

/**
 * `GET /ws`: the feed over WebSocket. Server to client: one text frame per feed message,
 * written straight to the TCP socket from a frame built once per message. Client to server:
 * `ping` messages, rate limited. See docs/protocol.md.
 */
export default async function websocketTransport(app: FastifyInstance): Promise<void> {
  const { feed, stats, options } = app.wirelab;
  const counters = stats.transports.ws;
  const fanout = new PushFanout(feed, wsFrame, counters, options.maxBufferedBytes);
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
      fanout.close();
    },
  });

  app.addHook('onRequest', async (request) => {
    counters.requests += 1;
    stats.trackSocket('ws', request.raw.socket);
  });

  const cursors = new WeakMap<object, Cursor>();
  app.get(
    '/ws',
    {
      websocket: true,
      // Runs before the upgrade, so a bad cursor is an HTTP 400 with a JSON body.
      preValidation: async (request) => {
        cursors.set(request.raw, await requestCursor(request, feed));
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

      const sink: PushSink = {
        write: (chunk) => raw.write(chunk),
        pending: () => raw.writableLength,
        onceDrained: (callback) => raw.once('drain', callback),
        // The fan-out has discarded the backlog it held, so the close frame follows at most one
        // batch behind what the client has not read yet; the grace lets a client that reads
        // again in time see 4002 rather than a dropped connection.
        cutOff: () => closeWithGrace(ws, CLOSE_CODES.slowConsumer, 'slow consumer', options.slowConsumerGraceMs),
        isOpen: () => ws.readyState === WebSocket.OPEN,
      };
      const unsubscribe = fanout.add(sink, cursors.get(request.raw) ?? {});

      ws.on('message', (data: RawData, isBinary: boolean) => {
        const verdict = limiter.take(Date.now());
        if (verdict !== 'ok') {
          counters.errors += 1;
          if (verdict === 'close') closeWithGrace(ws, CLOSE_CODES.policyViolation, 'message rate limit exceeded', CLOSE_GRACE_MS);
          else ws.send(errorMessage(new WirelabError('WL_RATE_LIMITED', options.messageRatePerSecond)));
          return;
        }
        try {
          ws.send(answer(data, isBinary));
        } catch (error) {
          counters.errors += 1;
          ws.send(errorMessage(error instanceof WirelabError ? error : new WirelabError('WL_BAD_MESSAGE', String(error))));
        }
      });
      ws.on('close', () => {
        unsubscribe();
        sockets.delete(ws);
        counters.connections -= 1;
      });
    },
  );
}

/** The reply to one client message; throws a WirelabError for anything but a valid ping. */
function answer(data: RawData, isBinary: boolean): string {
  if (isBinary) throw new WirelabError('WL_BAD_MESSAGE', 'binary frames are not accepted: send JSON text');
  let message: unknown;
  try {
    message = JSON.parse(data.toString());
  } catch {
    throw new WirelabError('WL_BAD_MESSAGE', 'message is not valid JSON');
  }
  const type = (message as { type?: unknown } | null)?.type;
  if (type === 'ping') return pongFor(message);
  throw new WirelabError('WL_UNKNOWN_TYPE', JSON.stringify(type ?? null));
}

function closeWithGrace(ws: WebSocket, code: number, reason: string, graceMs: number): void {
  if (ws.readyState === WebSocket.CLOSED) return;
  ws.close(code, reason);
  const grace = setTimeout(() => ws.terminate(), graceMs);
  grace.unref();
  ws.once('close', () => clearTimeout(grace));
}

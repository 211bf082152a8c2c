import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { WirelabError } from '../../wire/errors.js';
import { framed, type Cursor, type FeedMessage } from '../feed.js';
import { errorMessage } from '../pong.js';
import { requestCursor } from '../request-cursor.js';
import { SSE_RESPONSE_HEADERS } from '../../wire/sse-headers.js';
import { TIMINGS } from '../../wire/timings.js';
import { PushFanout, type PushSink } from './push-fanout.js';

/** What a browser's EventSource waits before reconnecting, sent at the top of every stream. */
const RETRY_MS = TIMINGS.sseRetryMs;
const HEARTBEAT = Buffer.from(': hb\n\n');

interface Stream {
  readonly response: ServerResponse;
  /** Written to since the last heartbeat check: a busy stream needs no comment line. */
  wrote: boolean;
}

/**
 * `GET /sse`: the feed as Server-Sent Events. Every event carries `id: EPOCH:SEQ`, so an
 * EventSource resumes by itself through `Last-Event-ID`; the message type is inside the JSON,
 * so there is no `event:` field. See docs/protocol.md.
 */
export default async function sseTransport(app: FastifyInstance): Promise<void> {
  const { feed, stats, options } = app.wirelab;
  const counters = stats.transports.sse;
  const sseFrame = (message: FeedMessage): Buffer =>
    framed(message, 'sse', (m) => Buffer.from(`id: ${feed.epoch}:${m.seq}\ndata: ${m.json}\n\n`));
  const fanout = new PushFanout(feed, sseFrame, counters, options.maxBufferedBytes);
  const streams = new Set<Stream>();
  // No `id:`, so a client's Last-Event-ID stays at the last update it received.
  const slowConsumerGoodbye = Buffer.from(`data: ${errorMessage(new WirelabError('WL_SLOW_CONSUMER', options.maxBufferedBytes))}\n\n`);

  // Checked twice per interval, so no stream stays silent for longer than one interval.
  const heartbeat = setInterval(() => {
    for (const stream of streams) {
      // An ended stream may linger until its reader takes the end; writing to it would throw.
      if (!stream.wrote && !stream.response.writableEnded) stream.response.write(HEARTBEAT);
      stream.wrote = false;
    }
  }, Math.max(5, Math.floor(options.sseHeartbeatMs / 2)));
  heartbeat.unref();

  const endAll = (): number => {
    const count = streams.size;
    for (const stream of streams) stream.response.end();
    return count;
  };

  app.wirelab.registerTransport({
    name: 'sse',
    drop: endAll,
    shutdown: () => {
      clearInterval(heartbeat);
      endAll();
      fanout.close();
    },
  });

  app.addHook('onRequest', async (request) => {
    counters.requests += 1;
    stats.trackSocket('sse', request.raw.socket);
  });

  app.get('/sse', async (request, reply) => {
    const cursor: Cursor = await requestCursor(request, feed, true);
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, SSE_RESPONSE_HEADERS);
    // HEAD gets the head a stream would have and no stream: it is not a connection, and the
    // request pipelined behind it is served.
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    response.write(`retry: ${RETRY_MS}\n\n`);
    counters.accepted += 1;
    counters.connections += 1;
    const stream: Stream = { response, wrote: true };
    streams.add(stream);

    const sink: PushSink = {
      write: (chunk) => {
        stream.wrote = true;
        return response.write(chunk);
      },
      pending: () => response.writableLength,
      onceDrained: (callback) => response.once('drain', callback),
      // The fan-out has discarded the backlog it held, so this last message follows at most one
      // batch behind what the client has not read yet. A client that reads again within the
      // grace learns why the stream ended; one that does not is disconnected.
      cutOff: () => {
        const { socket } = response;
        // Not kept alive for another request: the client is told to go, so the connection goes too.
        response.end(slowConsumerGoodbye, () => socket?.end());
        const grace = setTimeout(() => response.destroy(), options.slowConsumerGraceMs);
        grace.unref();
        response.once('close', () => clearTimeout(grace));
      },
      isOpen: () => !response.writableEnded && !response.destroyed,
    };
    const unsubscribe = fanout.add(sink, cursor);
    response.once('close', () => {
      unsubscribe();
      streams.delete(stream);
      counters.connections -= 1;
    });
  });
}

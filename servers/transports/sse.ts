import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { WirelabError } from '../../wire/errors.js';
import { SSE_RESPONSE_HEADERS } from '../../wire/sse-headers.js';
import { TIMINGS } from '../../wire/timings.js';
import { requestFeed } from '../chat/rooms.js';
import { chooseCoding, offeredCodings, type ContentCoding } from '../compression/accept-encoding.js';
import { streamCompressor } from '../compression/codings.js';
import { CompressedOutput, type ByteOutput, type PieceCoding } from '../compression/compressed-output.js';
import { FlushingCompressor } from '../compression/flushing-compressor.js';
import { connectionSocket } from '../connection-socket.js';
import { framed, type Cursor, type Feed, type FeedMessage } from '../feed.js';
import { errorMessage } from '../pong.js';
import { requestCursor } from '../request-cursor.js';
import { PerFeed } from './per-feed.js';
import { PushFanout, type PushSink } from './push-fanout.js';

/** What a browser's EventSource waits before reconnecting, sent at the top of every stream. */
const RETRY_MS = TIMINGS.sseRetryMs;
const HEARTBEAT = Buffer.from(': hb\n\n');

/**
 * The head of one stream: HTTP/2 has no `Connection` header (Node drops it with a warning),
 * and a compressed stream says how, and that its form depends on `Accept-Encoding`.
 */
function streamHeaders(httpVersionMajor: number, coding: ContentCoding | undefined, varies: boolean): Record<string, string> {
  const headers: Record<string, string> = { ...SSE_RESPONSE_HEADERS };
  if (httpVersionMajor >= 2) delete headers.connection;
  if (varies) headers.vary = 'accept-encoding';
  if (coding !== undefined) headers['content-encoding'] = coding;
  return headers;
}

/** A compressed stream is flushed after each write (one batch of events), so no event waits in the compressor. */
const WHOLE_WRITES: PieceCoding = { split: (chunk) => [chunk], wrap: (output) => output };

interface Stream {
  readonly response: ServerResponse;
  readonly output: ByteOutput;
  /** Written to since the last heartbeat check: a busy stream needs no comment line. */
  wrote: boolean;
  /** Ends the stream after `last`, then calls `then`. */
  end(last?: Buffer, then?: () => void): void;
}

/**
 * `GET /sse`: the feed as Server-Sent Events. Every event carries `id: EPOCH:SEQ`, so an
 * EventSource resumes by itself through `Last-Event-ID`; the message type is inside the JSON,
 * so there is no `event:` field. `?room=NAME` streams a chat room's feed instead of the main
 * feed. With `httpCompression` on, a client that accepts it gets the stream gzip- or
 * brotli-compressed, flushed after every batch. See docs/protocol.md.
 */
export default async function sseTransport(app: FastifyInstance): Promise<void> {
  const { stats, options, rooms } = app.wirelab;
  const counters = stats.transports.sse;
  const offered = offeredCodings(options.httpCompression);
  const fanouts = new PerFeed((feed: Feed) => {
    const sseFrame = (message: FeedMessage): Buffer =>
      framed(message, 'sse', (m) => Buffer.from(`id: ${feed.epoch}:${m.seq}\ndata: ${m.json}\n\n`));
    return new PushFanout(feed, sseFrame, counters, options.maxBufferedBytes);
  });
  const streams = new Set<Stream>();
  // No `id:`, so a client's Last-Event-ID stays at the last update it received.
  const slowConsumerGoodbye = Buffer.from(`data: ${errorMessage(new WirelabError('WL_SLOW_CONSUMER', options.maxBufferedBytes))}\n\n`);

  // Checked twice per interval, so no stream stays silent for longer than one interval.
  const heartbeat = setInterval(
    () => {
      for (const stream of streams) {
        // An ended stream may linger until its reader takes the end; writing to it would throw.
        if (!stream.wrote && stream.output.isOpen()) stream.output.write(HEARTBEAT);
        stream.wrote = false;
      }
    },
    Math.max(5, Math.floor(options.sseHeartbeatMs / 2)),
  );
  heartbeat.unref();

  const endAll = (): number => {
    const count = streams.size;
    for (const stream of streams) stream.end();
    return count;
  };

  app.wirelab.registerTransport({
    name: 'sse',
    drop: endAll,
    shutdown: () => {
      clearInterval(heartbeat);
      endAll();
      for (const fanout of fanouts.values()) fanout.close();
    },
  });

  app.addHook('onRequest', async (request) => {
    counters.requests += 1;
    stats.trackSocket('sse', connectionSocket(request.raw));
  });

  app.get('/sse', async (request, reply) => {
    const feed = requestFeed(request, rooms);
    const cursor: Cursor = await requestCursor(request, feed, true);
    const coding = chooseCoding(request.headers['accept-encoding'], offered);
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, streamHeaders(request.raw.httpVersionMajor, coding, offered.length > 0));
    // HEAD gets the head a stream would have and no stream: it is not a connection, and the
    // request pipelined behind it is served.
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    const stream = openStream(response, coding);
    stream.output.write(Buffer.from(`retry: ${RETRY_MS}\n\n`));
    counters.accepted += 1;
    counters.connections += 1;
    streams.add(stream);

    const sink: PushSink = {
      write: (chunk) => {
        stream.wrote = true;
        return stream.output.write(chunk);
      },
      pending: () => stream.output.pending(),
      onceDrained: (callback) => stream.output.onceDrained(callback),
      // The fan-out has discarded the backlog it held, so this last message follows at most one
      // batch behind what the client has not read yet. A client that reads again within the
      // grace learns why the stream ended; one that does not is disconnected.
      cutOff: () => {
        const { socket } = response;
        // Not kept alive for another request: the client is told to go, so the connection goes too.
        stream.end(slowConsumerGoodbye, () => socket?.end());
        const grace = setTimeout(() => response.destroy(), options.slowConsumerGraceMs);
        grace.unref();
        response.once('close', () => clearTimeout(grace));
      },
      isOpen: () => stream.output.isOpen(),
    };
    const unsubscribe = fanouts.get(feed).add(sink, cursor);
    response.once('close', () => {
      unsubscribe();
      if (stream.output instanceof CompressedOutput) stream.output.close();
      streams.delete(stream);
      counters.connections -= 1;
    });
  });
}

/** The output of one stream: the response itself, or a compressor in front of it. */
function openStream(response: ServerResponse, coding: ContentCoding | undefined): Stream {
  const plain: ByteOutput = {
    write: (chunk) => response.write(chunk),
    pending: () => response.writableLength,
    onceDrained: (callback) => response.once('drain', callback),
    isOpen: () => !response.writableEnded && !response.destroyed,
  };
  const endResponse = (last: Buffer | undefined, then: (() => void) | undefined): void => {
    if (response.writableEnded) return;
    if (then === undefined) response.end(last);
    else response.end(last ?? Buffer.alloc(0), then);
  };
  if (coding === undefined) {
    return { response, output: plain, wrote: true, end: (last, then) => endResponse(last, then) };
  }
  const { stream, flush } = streamCompressor(coding);
  const output = new CompressedOutput(plain, new FlushingCompressor(stream, flush), WHOLE_WRITES);
  return {
    response,
    output,
    wrote: true,
    // The compressed stream is ended properly (a gzip trailer), behind everything before it.
    end: (last, then) => {
      if (response.writableEnded) return;
      output.end(last, (tail) => endResponse(tail, then));
    },
  };
}

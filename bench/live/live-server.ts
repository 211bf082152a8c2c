import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { WirelabError, errorBody } from '../../wire/errors.js';
import { registerDashboardRoutes } from '../../servers/routes/dashboard.js';
import { SSE_RESPONSE_HEADERS } from '../../wire/sse-headers.js';
import { TIMINGS } from '../../wire/timings.js';
import type { ProgressEvent } from '../report/types.js';

export interface LiveServerOptions {
  /** Folder of result files the results view lists. */
  resultsDir: string;
  /** The built dashboard. @default dashboard/dist next to this repository's bench/ */
  dashboardDir?: string;
  /** @default '127.0.0.1' (loopback only) */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
  /** Ticks kept for a page that opens mid-run (one per protocol-second). @default 3600 */
  replayTicks?: number;
  /** Unread output one page may have before it is cut off (it reconnects and catches up). @default 8 MiB */
  maxBufferedBytes?: number;
  /** Longest silence on a stream before a comment line. @default TIMINGS.sseHeartbeatMs (15000) */
  heartbeatMs?: number;
}

export interface LiveServer {
  /** `http://127.0.0.1:PORT/`: the dashboard, opening on the live view. */
  readonly url: string;
  /** Sends one progress event to every open page and keeps it for pages that open later. */
  publish(event: ProgressEvent): void;
  /** Pages connected to the live stream right now. */
  readonly clients: number;
  close(): Promise<void>;
}

/** Non-tick events kept for replay (phases, per-protocol results, …); far more than a run has. */
const MAX_OTHER_ENTRIES = 1000;

const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url));

interface Entry {
  readonly id: number;
  readonly type: ProgressEvent['type'];
  /** The whole SSE block: `id: N\ndata: {…}\n\n`. */
  readonly block: string;
}

/**
 * What a page opening mid-run needs to draw the run so far: the `start` event, every `phase`,
 * `protocol-done`, `protocol-failed`, `done` and `failed` event, and the last `limit` ticks, in
 * the order they were published. A new `start` begins a new run and empties it.
 */
export class ReplayBuffer {
  private entries: Entry[] = [];
  private ticks = 0;
  private nextId = 1;

  constructor(private readonly limit: number) {}

  add(event: ProgressEvent): Entry {
    if (event.type === 'start') {
      this.entries = [];
      this.ticks = 0;
    }
    const id = this.nextId++;
    const entry: Entry = { id, type: event.type, block: `id: ${id}\ndata: ${JSON.stringify(event)}\n\n` };
    this.entries.push(entry);
    if (this.entries.length - this.ticks > MAX_OTHER_ENTRIES) {
      // Only a misbehaving publisher gets here (a run has a few events per protocol): keep the start.
      const index = this.entries.findIndex((e, i) => i > 0 && e.type !== 'tick');
      if (index !== -1) this.entries.splice(index, 1);
    }
    if (event.type === 'tick') {
      this.ticks += 1;
      // Trim in batches so a long run costs one pass per `limit / 10` ticks, not one per tick.
      if (this.ticks > this.limit + Math.max(1, Math.floor(this.limit / 10))) {
        let drop = this.ticks - this.limit;
        this.entries = this.entries.filter((e) => !(e.type === 'tick' && drop-- > 0));
        this.ticks = this.limit;
      }
    }
    return entry;
  }

  /** Entries after `lastId` if the page's last one is still here (a reconnect), else all of them. */
  since(lastId: number | undefined): Entry[] {
    if (lastId !== undefined) {
      const index = this.entries.findIndex((entry) => entry.id === lastId);
      if (index !== -1) return this.entries.slice(index + 1);
    }
    return this.entries;
  }

  get size(): number {
    return this.entries.length;
  }

  get tickCount(): number {
    return this.ticks;
  }
}

/**
 * The bench's live server: the dashboard, its results API, and `GET /live/events`, an SSE
 * stream of the harness's progress events (`data:` is the ProgressEvent as JSON, `id:` a
 * counter so a reconnecting EventSource gets only what it missed). Loopback only.
 */
export async function startLiveServer(options: LiveServerOptions): Promise<LiveServer> {
  const host = options.host ?? '127.0.0.1';
  const replay = new ReplayBuffer(options.replayTicks ?? 3600);
  const maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  const heartbeatMs = options.heartbeatMs ?? TIMINGS.sseHeartbeatMs;
  const streams = new Set<{ response: ServerResponse; wrote: boolean }>();
  let runId: string | undefined;
  let finished = false;

  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.setErrorHandler((error: unknown, _request, reply) => {
    const wirelab =
      error instanceof WirelabError ? error : new WirelabError('WL_INTERNAL', error instanceof Error ? error.message : String(error));
    void reply.code(wirelab.statusCode).type('application/json').send(errorBody(wirelab));
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new WirelabError('WL_NOT_FOUND', request.method, request.url.split('?')[0] ?? request.url);
    void reply.code(404).type('application/json').send(errorBody(error));
  });

  await registerDashboardRoutes(app, {
    dashboardDir: options.dashboardDir ?? DEFAULT_DASHBOARD_DIR,
    resultsDir: options.resultsDir,
    info: () => ({ service: 'wirelab-bench', live: true, runId: runId ?? null, finished, buffered: replay.size }),
  });

  app.get('/live/events', (request, reply) => {
    const header = request.headers['last-event-id'];
    const text = Array.isArray(header) ? header[0] : header;
    const lastId = text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : undefined;
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, SSE_RESPONSE_HEADERS);
    // HEAD gets the head and no stream, so a request pipelined behind it is served.
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    const backlog = replay.since(lastId);
    response.write(`retry: ${TIMINGS.sseRetryMs}\n\n${backlog.map((entry) => entry.block).join('')}`);
    const stream = { response, wrote: true };
    streams.add(stream);
    response.once('close', () => streams.delete(stream));
  });

  const heartbeat = setInterval(
    () => {
      for (const stream of streams) {
        if (!stream.wrote) stream.response.write(': hb\n\n');
        stream.wrote = false;
      }
    },
    Math.max(10, Math.floor(heartbeatMs / 2)),
  );
  heartbeat.unref();

  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;

  let closing: Promise<void> | undefined;
  return {
    url,
    get clients() {
      return streams.size;
    },
    publish(event) {
      if (event.type === 'start') {
        runId = event.runId;
        finished = false;
      } else if (event.type === 'done' || event.type === 'failed') {
        finished = true;
      }
      const entry = replay.add(event);
      for (const stream of streams) {
        const { response } = stream;
        if (response.writableEnded || response.destroyed) continue;
        // A page that stopped reading is cut off; its EventSource reconnects and catches up.
        if (response.writableLength > maxBuffered) {
          streams.delete(stream);
          response.destroy();
          continue;
        }
        stream.wrote = true;
        response.write(entry.block);
      }
    },
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
        for (const stream of streams) stream.response.end();
        streams.clear();
        await app.close();
      })();
      return closing;
    },
  };
}

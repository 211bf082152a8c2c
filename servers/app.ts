import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { ChatRooms } from './chat/rooms.js';
import { resolveServerOptions, type ResolvedServerOptions, type ServerOptions } from './config.js';
import { ServerContext } from './context.js';
import { startBroker, type BrokerRuntime } from './broker/broker-runtime.js';
import { EmbeddedFeed, type Feed } from './feed.js';
import { installErrorHandlers } from './http-errors.js';
import { listenHttp2, type Http2Listeners, type Http2Urls } from './http2-listeners.js';
import { answerTimedOutRequests } from './request-timeout.js';
import chatRoutes from './routes/chat.js';
import controlRoutes from './routes/control.js';
import dashboardRoutes from './routes/dashboard.js';
import pingRoutes from './routes/ping.js';
import statsRoutes from './routes/stats.js';
import { installSecurity } from './security.js';
import { FeedDriver, type FeedSteering } from './sources/driver.js';
import { ServerStats } from './stats.js';
import longPollTransport from './transports/long-poll.js';
import shortPollTransport from './transports/short-poll.js';
import sseTransport from './transports/sse.js';
import websocketTransport from './transports/websocket.js';
import { perMessageDeflateOption } from './transports/ws-deflate.js';
import { refuseStrayUpgrades } from './upgrade-guard.js';

/** The feed of one server and what starts and stops its publishing. */
interface FeedRuntime {
  readonly feed: Feed;
  readonly driver: FeedSteering;
  readonly broker?: BrokerRuntime;
  /** Starts publishing once the server listens. */
  start(): void;
  /** Stops publishing (first step of shutdown). */
  stop(): Promise<void>;
  /** Releases what the feed holds (last step of shutdown). */
  close(): Promise<void>;
}

/** The embedded feed by default; with `broker`, the feed shared through Redis. */
async function createFeed(options: ResolvedServerOptions): Promise<FeedRuntime> {
  const settings = { mode: options.mode, rate: options.rate, payload: options.payload };
  if (options.broker === undefined) {
    const feed = new EmbeddedFeed({ historySize: options.historySize, ...(options.epoch === undefined ? {} : { epoch: options.epoch }) });
    const driver = new FeedDriver(feed, settings, options.demoIntervalMs);
    return { feed, driver, start: () => driver.apply(driver.settings), stop: async () => driver.stop(), close: async () => {} };
  }
  const broker = await startBroker({ ...options, broker: options.broker });
  return {
    feed: broker.feed,
    driver: broker.steering,
    broker,
    start: () => broker.startPublishing(),
    stop: () => broker.steering.stop(),
    close: () => broker.close(),
  };
}

export interface WirelabServer {
  readonly app: FastifyInstance;
  readonly context: ServerContext;
  /** Starts listening; resolves with the base URL (`http://host:port`). The HTTP/2 listeners start too, when configured. */
  listen(): Promise<string>;
  /** The HTTP/2 listeners' base URLs (h2c, TLS), once listening; undefined for those not configured. */
  readonly http2Urls: Http2Urls;
  /** Graceful stop: 503 for new requests, 1001 to WebSockets, streams ended, polls answered. */
  close(): Promise<void>;
}

/** Builds the feed server without listening, so tests can choose how to start it. */
export async function buildServer(input: ServerOptions = {}, logger = false): Promise<WirelabServer> {
  const options: ResolvedServerOptions = resolveServerOptions(input);
  const app = Fastify({
    logger,
    bodyLimit: options.maxMessageBytes,
    requestTimeout: options.requestTimeoutMs,
    // Node enforces both timeouts only when it checks its connections (every 30 s unless told
    // otherwise), so the check interval is what makes the limits real. Open SSE streams and held
    // long polls are responses to complete requests, which these timeouts never cut.
    http: {
      headersTimeout: options.headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      connectionsCheckingInterval: options.timeoutCheckIntervalMs,
    },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // A body member the schema does not list, or of the wrong type, is refused (400
    // WL_BAD_BODY), never silently removed or converted.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  });
  const runtime = await createFeed(options);
  const stats = new ServerStats();
  const rooms = new ChatRooms(runtime.feed, options.maxRooms, options.roomHistorySize, runtime.broker === undefined);
  const context = new ServerContext(options, runtime.feed, runtime.driver, stats, rooms, runtime.broker);
  app.decorate('wirelab', context);

  installErrorHandlers(app);
  answerTimedOutRequests(app.server, options);
  await app.register(websocket, {
    options: { maxPayload: options.maxMessageBytes, perMessageDeflate: perMessageDeflateOption(options.wsDeflate) },
  });
  // After the WebSocket plugin, whose own hook marks upgrade requests so that a refused
  // upgrade's socket is closed once the error response is written.
  installSecurity(app);
  refuseStrayUpgrades(app);
  await app.register(websocketTransport);
  await app.register(sseTransport);
  await app.register(longPollTransport);
  await app.register(shortPollTransport);
  await app.register(pingRoutes);
  await app.register(chatRoutes);
  await app.register(statsRoutes);
  await app.register(controlRoutes);
  await app.register(dashboardRoutes);

  let closing: Promise<void> | undefined;
  let http2: Http2Listeners | undefined;
  return {
    app,
    context,
    get http2Urls(): Http2Urls {
      return http2?.urls ?? { h2c: undefined, https: undefined };
    },
    async listen() {
      await app.listen({ host: options.host, port: options.port });
      if (options.h2cPort !== undefined || options.tls !== undefined) http2 = await listenHttp2(app, options);
      runtime.start();
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      return `http://${host}:${port}`;
    },
    close() {
      closing ??= (async () => {
        context.shuttingDown = true;
        await runtime.stop();
        for (const transport of context.transports.values()) transport.shutdown();
        // Peers that do not finish closing within the grace period are cut.
        const grace = setTimeout(() => app.server.closeAllConnections(), options.shutdownGraceMs);
        grace.unref();
        await Promise.all([app.close(), http2?.close(options.shutdownGraceMs)]);
        clearTimeout(grace);
        await runtime.close();
        stats.close();
      })();
      return closing;
    },
  };
}

import type { ResolvedServerOptions } from './config.js';
import type { Feed } from './feed.js';
import type { BrokerRuntime } from './broker/broker-runtime.js';
import type { FeedSteering } from './sources/driver.js';
import type { ServerStats, TransportName } from './stats.js';

/** What each transport plugin gives the server so control and shutdown can reach its clients. */
export interface TransportHandle {
  readonly name: TransportName;
  /** Cuts every client of this transport (WebSocket close 4000); returns how many. */
  drop(): number;
  /** Ends every client for shutdown (WebSocket close 1001, SSE end, long polls answered). */
  shutdown(): void;
}

/** The shared state of one server, decorated on the root Fastify instance as `app.wirelab`. */
export class ServerContext {
  shuttingDown = false;
  readonly transports = new Map<TransportName, TransportHandle>();

  constructor(
    readonly options: ResolvedServerOptions,
    readonly feed: Feed,
    readonly driver: FeedSteering,
    readonly stats: ServerStats,
    /** Present when the feed runs through a broker (`--broker`). */
    readonly broker?: BrokerRuntime,
  ) {}

  registerTransport(handle: TransportHandle): void {
    this.transports.set(handle.name, handle);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    wirelab: ServerContext;
  }
}

import { H2Connection } from './h2-connection.js';
import { H2SideRequests, type H2SideHandlers } from './h2-requests.js';
import type { SocketMeter } from './meter.js';
import type { FeedClientOptions, SharedHttp2 } from './types.js';

/** What every HTTP/2 client has: its connection (own or shared) and its PING and chat requests on it. */
export interface H2Parts {
  readonly connection: SharedHttp2;
  /** The connection when the client opened it itself and closes it; a shared one is its owner's to close. */
  readonly owned: H2Connection | undefined;
  readonly side: H2SideRequests;
}

/** The HTTP/2 connection of a client of `options`: the shared one given, or its own, counted on the client's `meter`. */
export function h2Parts(options: FeedClientOptions, meter: SocketMeter, handlers: H2SideHandlers): H2Parts {
  const shared = typeof options.http2 === 'object' ? options.http2 : undefined;
  const owned = shared === undefined ? new H2Connection(options.url, { ca: options.ca, insecure: options.insecure, meter }) : undefined;
  const connection = shared ?? owned!;
  return { connection, owned, side: new H2SideRequests(connection, handlers) };
}

import { H2Connection } from './h2-connection.js';
import { H2SideRequests, type H2SideHandlers } from './h2-requests.js';
import type { SocketMeter } from './meter.js';
import type { FeedClientOptions } from './types.js';

/** What every HTTP/2 client has: its connection (own or shared) and its PING and chat requests on it. */
export interface H2Parts {
  readonly connection: H2Connection;
  /** The client opened the connection and closes it; a shared one is its owner's to close. */
  readonly owned: boolean;
  readonly side: H2SideRequests;
}

/** The HTTP/2 connection of a client of `options`: the shared one given, or its own, counted on the client's `meter`. */
export function h2Parts(options: FeedClientOptions, meter: SocketMeter, handlers: H2SideHandlers): H2Parts {
  const shared = options.http2 instanceof H2Connection ? options.http2 : undefined;
  const connection = shared ?? new H2Connection(options.url, { ca: options.ca, meter });
  return { connection, owned: shared === undefined, side: new H2SideRequests(connection, handlers) };
}

import type { ProtocolName } from '../../protocols.js';
import { LongPollTransport } from './long-poll.js';
import { ShortPollTransport } from './short-poll.js';
import { SseTransport } from './sse.js';
import type { BrowserTransport, TransportSink } from './types.js';
import { WebSocketTransport } from './websocket.js';

/** What the page lets a person set for a transport. */
export interface TransportSettings {
  /** Short polling's interval (ms). */
  readonly shortPollMs: number;
}

/** The browser transport of each protocol: a new protocol's transport is registered here. */
export const BROWSER_TRANSPORTS: Readonly<Record<ProtocolName, (sink: TransportSink, settings: TransportSettings) => BrowserTransport>> =
  Object.freeze({
    ws: (sink) => new WebSocketTransport(sink),
    sse: (sink) => new SseTransport(sink),
    'long-poll': (sink) => new LongPollTransport(sink),
    'short-poll': (sink, settings) => new ShortPollTransport(sink, settings.shortPollMs),
  });

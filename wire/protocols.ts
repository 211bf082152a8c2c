/**
 * The four ways the feed reaches a client, each described once. Core code asks a protocol's
 * descriptor what it is (polled? PING on the feed connection? where does it resume?) instead
 * of branching on its name, so a fifth protocol is one more entry here plus its client, its
 * server plugin and its browser transport. Browser-safe: the dashboard reads it too.
 */

export type ProtocolName = 'ws' | 'sse' | 'long-poll' | 'short-poll';

export interface ProtocolDescriptor {
  readonly name: ProtocolName;
  /** How people call it: `WebSocket`, `Long polling`. */
  readonly label: string;
  /** Other spellings the command line accepts for it (`--protocols websocket`). */
  readonly aliases: readonly string[];
  /** The feed endpoint under the server's base URL. */
  readonly path: string;
  /** The connection is an HTTP upgrade (WebSocket): a proxy must pass the upgrade through. */
  readonly upgrade: boolean;
  /** The client asks for updates, one request per answer, instead of holding a stream the server pushes on. */
  readonly polled: boolean;
  /** Requests go out on the client's own timer (`pollIntervalMs`): delivery waits up to one interval. */
  readonly onInterval: boolean;
  /** Only the server sends on the feed connection. */
  readonly unidirectional: boolean;
  /** PING travels on the feed connection itself; otherwise as a request of its own (`POST /ping`). */
  readonly inBandPing: boolean;
  /** How a reconnecting client says where it stopped: the `since`/`epoch` query or SSE's `Last-Event-ID` header. */
  readonly resume: 'query' | 'last-event-id';
  /**
   * A connection is open the whole time the client waits for updates. False for short
   * polling: its keep-alive socket sits idle between polls, so a drop can pass unseen and the
   * next poll simply opens a new connection.
   */
  readonly holdsConnection: boolean;
}

export const PROTOCOLS: Readonly<Record<ProtocolName, ProtocolDescriptor>> = Object.freeze({
  ws: {
    name: 'ws',
    label: 'WebSocket',
    aliases: ['websocket'],
    path: '/ws',
    upgrade: true,
    polled: false,
    onInterval: false,
    unidirectional: false,
    inBandPing: true,
    resume: 'query',
    holdsConnection: true,
  },
  sse: {
    name: 'sse',
    label: 'SSE',
    aliases: [],
    path: '/sse',
    upgrade: false,
    polled: false,
    onInterval: false,
    unidirectional: true,
    inBandPing: false,
    resume: 'last-event-id',
    holdsConnection: true,
  },
  'long-poll': {
    name: 'long-poll',
    label: 'Long polling',
    aliases: ['longpoll'],
    path: '/long-poll',
    upgrade: false,
    polled: true,
    onInterval: false,
    unidirectional: true,
    inBandPing: false,
    resume: 'query',
    holdsConnection: true,
  },
  'short-poll': {
    name: 'short-poll',
    label: 'Short polling',
    aliases: ['shortpoll', 'poll'],
    path: '/poll',
    upgrade: false,
    polled: true,
    onInterval: true,
    unidirectional: true,
    inBandPing: false,
    resume: 'query',
    holdsConnection: false,
  },
});

/** Every protocol, in the order runs and tables list them. */
export const PROTOCOL_NAMES: readonly ProtocolName[] = Object.freeze(Object.keys(PROTOCOLS) as ProtocolName[]);

export function isProtocolName(value: string): value is ProtocolName {
  return Object.hasOwn(PROTOCOLS, value);
}

/** The descriptor of `name`. */
export function protocol(name: ProtocolName): ProtocolDescriptor {
  return PROTOCOLS[name];
}

/** The protocol a command-line word names (its name or an alias, any case); undefined when none. */
export function protocolByWord(word: string): ProtocolName | undefined {
  const lower = word.toLowerCase();
  if (isProtocolName(lower)) return lower;
  return PROTOCOL_NAMES.find((name) => PROTOCOLS[name].aliases.includes(lower));
}

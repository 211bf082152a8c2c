import { EPOCH_PATTERN } from './cursor.js';
import { WirelabError } from '../wire/errors.js';
import { TIMINGS } from '../wire/timings.js';

export type FeedMode = 'demo' | 'bench' | 'idle';
/** WebSocket permessage-deflate (RFC 7692): off, on (context takeover unless the client asks otherwise), or without context takeover. */
export type WsDeflateMode = 'off' | 'on' | 'no-context-takeover';
/** Content-Encoding of SSE streams and poll answers for clients that accept it: off, gzip, or br (gzip for clients that accept only gzip). */
export type HttpCompression = 'off' | 'gzip' | 'br';

export const WS_DEFLATE_MODES: readonly WsDeflateMode[] = Object.freeze(['off', 'on', 'no-context-takeover']);
export const HTTP_COMPRESSIONS: readonly HttpCompression[] = Object.freeze(['off', 'gzip', 'br']);

/** Everything the server can be told at start-up. Every member is optional; see {@link SERVER_DEFAULTS}. */
export interface ServerOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 3000 */
  port?: number;
  /** Updates kept for resume. @default 10000 */
  historySize?: number;
  /** WebSocket ping-frame interval; a peer silent for one interval is terminated. @default 30000 */
  heartbeatMs?: number;
  /** Longest silence on an SSE stream before a comment line is sent. @default 15000 */
  sseHeartbeatMs?: number;
  /** Largest client message (WebSocket frame or HTTP body). @default 65536 */
  maxMessageBytes?: number;
  /** Client messages allowed per second on one WebSocket. @default 10 */
  messageRatePerSecond?: number;
  /** Consecutive seconds over the rate that close with 1008 (refused messages before that get an error). @default 3 */
  rateLimitStrikes?: number;
  /** Unread output per client before it is cut off as a slow consumer. @default 1048576 */
  maxBufferedBytes?: number;
  /**
   * Time a client cut off as a slow consumer has to read up to its goodbye (WebSocket close
   * 4002, SSE `WL_SLOW_CONSUMER` error) before its connection is destroyed. The server holds
   * at most one batch for it meanwhile; a slow link may still have megabytes in TCP buffers
   * ahead of the goodbye. @default 30000
   */
  slowConsumerGraceMs?: number;
  /** Long-poll hold time when the request does not say. @default 25000 */
  longPollTimeoutMs?: number;
  /** Longest hold a request may ask for. @default 60000 */
  longPollMaxTimeoutMs?: number;
  /** Events per poll answer when the request does not say. @default 1000 */
  pollLimit?: number;
  /** Largest `limit` a request may ask for. @default 10000 */
  pollMaxLimit?: number;
  /** Enables `/control/*`; every call must carry it as a Bearer token. @default undefined */
  controlToken?: string;
  /** When set, every feed endpoint needs it (Bearer header or `?token=`). @default undefined */
  accessToken?: string;
  /** When set, requests with an `Origin` not listed are refused before any upgrade. @default undefined */
  allowedOrigins?: string[];
  /** What the feed publishes at start. @default 'demo' */
  mode?: FeedMode;
  /** Bench-mode updates per second. @default 10 */
  rate?: number;
  /** Bench-mode size of each update message in bytes. @default 256 */
  payload?: number;
  /** Demo-mode pause range between one event's updates. @default [2000, 7000] */
  demoIntervalMs?: [number, number];
  /** Time a client has to send its request headers; then 408 and the connection is closed. @default 10000 */
  headersTimeoutMs?: number;
  /** Time a client has to send a whole request, body included (never applies to open streams or held polls). @default 30000 */
  requestTimeoutMs?: number;
  /** How often the two timeouts above are checked: a late request is closed at most this long after its limit. @default 1000 */
  timeoutCheckIntervalMs?: number;
  /** Time open connections get to close on shutdown before they are destroyed. @default 5000 */
  shutdownGraceMs?: number;
  /** Built dashboard to serve at `/`, if present. @default 'dashboard/dist' */
  dashboardDir?: string;
  /** Folder of result files the results view reads. @default 'results' */
  resultsDir?: string;
  /** Fixed feed epoch (tests). With a broker, only used when the broker has no feed yet. @default random */
  epoch?: string;
  /** WebSocket permessage-deflate; see docs/server-options.md. @default 'off' */
  wsDeflate?: WsDeflateMode;
  /** Compression of SSE streams and poll answers; see docs/server-options.md. @default 'off' */
  httpCompression?: HttpCompression;
  /** Port of a second listener speaking cleartext HTTP/2 (h2c, prior knowledge) to the same app; 0 picks a free port. @default undefined (none) */
  h2cPort?: number;
  /** Port of a TLS listener offering h2 and http/1.1 by ALPN; needs `tlsKey` and `tlsCert`. @default undefined (none) */
  tlsPort?: number;
  /** PEM private key of the TLS listener. @default undefined */
  tlsKey?: string | Buffer;
  /** PEM certificate (chain) of the TLS listener. @default undefined */
  tlsCert?: string | Buffer;
  /** Streams one HTTP/2 connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS). @default 1000 */
  h2MaxConcurrentStreams?: number;
  /** Chat rooms that may exist at once, besides the lobby (the main feed). @default 1000 */
  maxRooms?: number;
  /** Chat messages each room keeps for resume. @default 1000 */
  roomHistorySize?: number;
  /**
   * `redis://[user:password@]host:port[/db]` (or `rediss://`): run the feed through one Redis
   * Stream shared by every instance (docs/scale-out.md). @default undefined (embedded feed)
   */
  broker?: string;
  /** Name of the shared feed: its Redis keys are `wirelab:{NAME}:…`. @default 'main' */
  brokerFeed?: string;
  /** Life of the publisher lock; a dead publisher is replaced within about this long. @default 3000 */
  brokerLockMs?: number;
}

type Unset = 'controlToken' | 'accessToken' | 'allowedOrigins' | 'epoch' | 'broker' | 'h2cPort' | 'tlsPort' | 'tlsKey' | 'tlsCert';

export type ResolvedServerOptions = Readonly<Required<Omit<ServerOptions, Unset>>> & {
  readonly controlToken: string | undefined;
  readonly accessToken: string | undefined;
  readonly allowedOrigins: readonly string[] | undefined;
  readonly epoch: string | undefined;
  readonly h2cPort: number | undefined;
  /** The TLS listener, when configured: its port, key and certificate. */
  readonly tls: { readonly port: number; readonly key: string | Buffer; readonly cert: string | Buffer } | undefined;
  readonly broker: string | undefined;
};

export const SERVER_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 3000,
  historySize: 10_000,
  heartbeatMs: TIMINGS.wsHeartbeatMs,
  sseHeartbeatMs: TIMINGS.sseHeartbeatMs,
  maxMessageBytes: 64 * 1024,
  messageRatePerSecond: 10,
  rateLimitStrikes: 3,
  maxBufferedBytes: 1024 * 1024,
  slowConsumerGraceMs: 30_000,
  longPollTimeoutMs: TIMINGS.longPollHoldMs,
  longPollMaxTimeoutMs: 60_000,
  pollLimit: 1000,
  pollMaxLimit: 10_000,
  mode: 'demo' as FeedMode,
  rate: 10,
  payload: 256,
  demoIntervalMs: [2000, 7000] as [number, number],
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  timeoutCheckIntervalMs: 1_000,
  shutdownGraceMs: 5_000,
  dashboardDir: 'dashboard/dist',
  resultsDir: 'results',
  wsDeflate: 'off' as WsDeflateMode,
  httpCompression: 'off' as HttpCompression,
  h2MaxConcurrentStreams: 1000,
  maxRooms: 1000,
  roomHistorySize: 1000,
  brokerFeed: 'main',
  brokerLockMs: 3000,
});

/** Largest bench-mode rate and payload the feed accepts. */
// maxCount: a day's window at the largest rate.
export const FEED_LIMITS = Object.freeze({ maxRate: 100_000, maxPayload: 1024 * 1024, maxCount: 100_000 * 86_400 });

const INTEGER_RANGES: Record<string, [number, number]> = {
  port: [0, 65535],
  historySize: [1, 10_000_000],
  heartbeatMs: [10, 3_600_000],
  sseHeartbeatMs: [10, 3_600_000],
  maxMessageBytes: [16, 16 * 1024 * 1024],
  messageRatePerSecond: [1, 1_000_000],
  rateLimitStrikes: [1, 1000],
  maxBufferedBytes: [1024, 1024 * 1024 * 1024],
  // The WebSocket library ends a closing handshake after 30 s whatever we ask.
  slowConsumerGraceMs: [0, 30_000],
  longPollTimeoutMs: [0, 3_600_000],
  longPollMaxTimeoutMs: [0, 3_600_000],
  pollLimit: [1, 1_000_000],
  pollMaxLimit: [1, 1_000_000],
  rate: [0, FEED_LIMITS.maxRate],
  payload: [0, FEED_LIMITS.maxPayload],
  headersTimeoutMs: [1, 3_600_000],
  requestTimeoutMs: [1, 3_600_000],
  timeoutCheckIntervalMs: [1, 60_000],
  shutdownGraceMs: [0, 600_000],
  h2MaxConcurrentStreams: [1, 1_000_000],
  maxRooms: [0, 1_000_000],
  roomHistorySize: [1, 1_000_000],
  brokerLockMs: [100, 60_000],
};

/** Optional ports: checked when given. */
const OPTIONAL_PORTS = ['h2cPort', 'tlsPort'] as const;

/** Checks the options, fills in defaults and freezes the result; throws on the first bad value. */
export function resolveServerOptions(options: ServerOptions = {}): ResolvedServerOptions {
  const merged = { ...SERVER_DEFAULTS, ...stripUndefined(options) };
  for (const [name, [min, max]] of Object.entries(INTEGER_RANGES)) {
    const value = (merged as Record<string, unknown>)[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new WirelabError('WL_BAD_OPTION', `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
  }
  for (const name of OPTIONAL_PORTS) {
    const value = options[name];
    if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 65535)) {
      throw new WirelabError('WL_BAD_OPTION', `${name} must be an integer from 0 to 65535, got ${JSON.stringify(value)}`);
    }
  }
  if (!WS_DEFLATE_MODES.includes(merged.wsDeflate)) {
    throw new WirelabError('WL_BAD_OPTION', `wsDeflate must be ${WS_DEFLATE_MODES.join(', ')}, got ${JSON.stringify(merged.wsDeflate)}`);
  }
  if (!HTTP_COMPRESSIONS.includes(merged.httpCompression)) {
    throw new WirelabError(
      'WL_BAD_OPTION',
      `httpCompression must be ${HTTP_COMPRESSIONS.join(', ')}, got ${JSON.stringify(merged.httpCompression)}`,
    );
  }
  const tlsGiven = [options.tlsPort, options.tlsKey, options.tlsCert].filter((value) => value !== undefined).length;
  if (tlsGiven > 0 && tlsGiven < 3) {
    throw new WirelabError('WL_BAD_OPTION', 'tlsPort, tlsKey and tlsCert go together: give all three or none');
  }
  if (!['demo', 'bench', 'idle'].includes(merged.mode)) {
    throw new WirelabError('WL_BAD_OPTION', `mode must be demo, bench or idle, got ${JSON.stringify(merged.mode)}`);
  }
  const [low, high] = merged.demoIntervalMs;
  if (!(low > 0 && high >= low)) {
    throw new WirelabError('WL_BAD_OPTION', `demoIntervalMs must be [low, high] with 0 < low <= high, got [${low}, ${high}]`);
  }
  if (merged.longPollTimeoutMs > merged.longPollMaxTimeoutMs) {
    throw new WirelabError('WL_BAD_OPTION', 'longPollTimeoutMs must not exceed longPollMaxTimeoutMs');
  }
  if (merged.headersTimeoutMs > merged.requestTimeoutMs) {
    throw new WirelabError('WL_BAD_OPTION', 'headersTimeoutMs must not exceed requestTimeoutMs: the headers are part of the request');
  }
  if (merged.pollLimit > merged.pollMaxLimit) {
    throw new WirelabError('WL_BAD_OPTION', 'pollLimit must not exceed pollMaxLimit');
  }
  if (options.epoch !== undefined && !EPOCH_PATTERN.test(options.epoch)) {
    throw new WirelabError('WL_BAD_OPTION', `epoch must be 1 to 32 characters of [a-z0-9], got ${JSON.stringify(options.epoch)}`);
  }
  if (!FEED_NAME_PATTERN.test(merged.brokerFeed)) {
    throw new WirelabError(
      'WL_BAD_OPTION',
      `brokerFeed must be 1 to 64 characters of [a-z0-9_-], got ${JSON.stringify(merged.brokerFeed)}`,
    );
  }
  if (options.broker !== undefined && options.broker !== '') checkBrokerUrl(options.broker);
  // The TLS material is kept once, under `tls`.
  const {
    tlsPort: _port,
    tlsKey: _key,
    tlsCert: _cert,
    ...rest
  } = merged as typeof merged & Pick<ServerOptions, 'tlsPort' | 'tlsKey' | 'tlsCert'>;
  return Object.freeze({
    ...rest,
    demoIntervalMs: [low, high] as [number, number],
    controlToken: options.controlToken || undefined,
    accessToken: options.accessToken || undefined,
    allowedOrigins: options.allowedOrigins && options.allowedOrigins.length > 0 ? Object.freeze([...options.allowedOrigins]) : undefined,
    epoch: options.epoch,
    h2cPort: options.h2cPort,
    tls:
      options.tlsPort === undefined || options.tlsKey === undefined || options.tlsCert === undefined
        ? undefined
        : Object.freeze({ port: options.tlsPort, key: options.tlsKey, cert: options.tlsCert }),
    broker: options.broker || undefined,
  });
}

const FEED_NAME_PATTERN = /^[a-z0-9_-]{1,64}$/;

/** A broker URL must name a Redis server: `redis://` or `rediss://`, a host, at most a db number. */
function checkBrokerUrl(text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WirelabError('WL_BAD_OPTION', `broker must be a URL like redis://127.0.0.1:6379, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new WirelabError('WL_BAD_OPTION', `broker must be a redis:// or rediss:// URL, got ${JSON.stringify(text)}`);
  }
  if (url.hostname === '') throw new WirelabError('WL_BAD_OPTION', `broker URL has no host: ${JSON.stringify(text)}`);
  if (!/^\/?(\d{1,2})?$/.test(url.pathname) || url.search !== '' || url.hash !== '') {
    throw new WirelabError(
      'WL_BAD_OPTION',
      `broker URL may end in a database number (/0 – /99) and nothing else, got ${JSON.stringify(text)}`,
    );
  }
}

/** The broker URL without its password, for logs, `/stats` and error messages. */
export function redactedBrokerUrl(text: string): string {
  const url = new URL(text);
  if (url.password !== '') url.password = '***';
  return url.toString();
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

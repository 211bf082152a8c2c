import { WirelabError } from '../wire/errors.js';
import { TIMINGS } from '../wire/timings.js';

export type FeedMode = 'demo' | 'bench' | 'idle';

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
  /** Seconds over the rate (each answered with an error) before a 1008 close. @default 3 */
  rateLimitStrikes?: number;
  /** Unread output per client before it is cut off as a slow consumer. @default 1048576 */
  maxBufferedBytes?: number;
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
  /** Time a client has to send its request headers. @default 10000 */
  headersTimeoutMs?: number;
  /** Time a client has to send a whole request (never applies to open streams). @default 30000 */
  requestTimeoutMs?: number;
  /** Time open connections get to close on shutdown before they are destroyed. @default 5000 */
  shutdownGraceMs?: number;
  /** Built dashboard to serve at `/`, if present. @default 'dashboard/dist' */
  dashboardDir?: string;
  /** Folder of result files the results view reads. @default 'results' */
  resultsDir?: string;
  /** Fixed feed epoch (tests). @default random */
  epoch?: string;
}

export type ResolvedServerOptions = Readonly<Required<Omit<ServerOptions, 'controlToken' | 'accessToken' | 'allowedOrigins' | 'epoch'>>> & {
  readonly controlToken: string | undefined;
  readonly accessToken: string | undefined;
  readonly allowedOrigins: readonly string[] | undefined;
  readonly epoch: string | undefined;
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
  shutdownGraceMs: 5_000,
  dashboardDir: 'dashboard/dist',
  resultsDir: 'results',
});

/** Largest bench-mode rate and payload the feed accepts. */
export const FEED_LIMITS = Object.freeze({ maxRate: 100_000, maxPayload: 1024 * 1024 });

const INTEGER_RANGES: Record<string, [number, number]> = {
  port: [0, 65535],
  historySize: [1, 10_000_000],
  heartbeatMs: [10, 3_600_000],
  sseHeartbeatMs: [10, 3_600_000],
  maxMessageBytes: [16, 16 * 1024 * 1024],
  messageRatePerSecond: [1, 1_000_000],
  rateLimitStrikes: [1, 1000],
  maxBufferedBytes: [1024, 1024 * 1024 * 1024],
  longPollTimeoutMs: [0, 3_600_000],
  longPollMaxTimeoutMs: [0, 3_600_000],
  pollLimit: [1, 1_000_000],
  pollMaxLimit: [1, 1_000_000],
  rate: [0, FEED_LIMITS.maxRate],
  payload: [0, FEED_LIMITS.maxPayload],
  headersTimeoutMs: [1, 3_600_000],
  requestTimeoutMs: [1, 3_600_000],
  shutdownGraceMs: [0, 600_000],
};

/** Checks the options, fills in defaults and freezes the result; throws on the first bad value. */
export function resolveServerOptions(options: ServerOptions = {}): ResolvedServerOptions {
  const merged = { ...SERVER_DEFAULTS, ...stripUndefined(options) };
  for (const [name, [min, max]] of Object.entries(INTEGER_RANGES)) {
    const value = (merged as Record<string, unknown>)[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new WirelabError('WL_BAD_OPTION', `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
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
  if (merged.pollLimit > merged.pollMaxLimit) {
    throw new WirelabError('WL_BAD_OPTION', 'pollLimit must not exceed pollMaxLimit');
  }
  return Object.freeze({
    ...merged,
    demoIntervalMs: [low, high] as [number, number],
    controlToken: options.controlToken || undefined,
    accessToken: options.accessToken || undefined,
    allowedOrigins: options.allowedOrigins && options.allowedOrigins.length > 0 ? Object.freeze([...options.allowedOrigins]) : undefined,
    epoch: options.epoch,
  });
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

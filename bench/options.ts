import { FEED_LIMITS } from '../servers/config.js';
import { PROTOCOL_NAMES } from '../wire/protocols.js';
import { MAX_DURATION_MS, MIN_BANDWIDTH_BITS, MIN_RESET_EVERY_MS } from '../netem/options.js';
import { BENCH_DEFAULTS, defaultThresholds, defaultWorkers } from './defaults.js';
import { BenchOptionError } from './option-error.js';
import { parseThreshold } from './report/thresholds.js';
import { formatDurationMs } from './report/format.js';
import type { NetworkSettings, ProtocolName, Scenario } from './report/types.js';

export { BenchOptionError };

export const SCENARIOS: readonly Scenario[] = Object.freeze(['broadcast', 'ping', 'reconnect']);

/** Scenario names that are taken but not runnable yet (none at the moment). */
export const RESERVED_SCENARIOS: readonly Scenario[] = Object.freeze([]);

/** What a caller of `runBench` may set; everything is optional. Times in ms, sizes in bytes. */
export interface BenchOptions {
  clients?: number;
  protocols?: readonly ProtocolName[];
  scenario?: Scenario;
  durationMs?: number;
  warmupMs?: number;
  rate?: number;
  payload?: number;
  pollIntervalMs?: number;
  longPollTimeoutMs?: number;
  pingIntervalMs?: number;
  idleMs?: number;
  capacityDurationMs?: number;
  capacityConnections?: number;
  connectConcurrency?: number;
  connectTimeoutMs?: number;
  drainTimeoutMs?: number;
  /** An already running wirelab server (`http://host:port`) instead of spawning one. */
  target?: string;
  /** Control token of the target server (spawned servers get a random one). */
  controlToken?: string;
  workers?: number;
  outDir?: string;
  /** Write result files; off for callers that only want the object. @default true */
  writeFiles?: boolean;
  thresholds?: readonly string[];
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number; multiplier?: number; jitter?: number };
  /** Scenario `reconnect`: drop times in ms after the window opens (`--drop-at 5s,12s`). */
  dropAtMs?: readonly number[];
  /** Scenario `reconnect`: one drop every this many ms of the window (`--drop-every 10s`). */
  dropEveryMs?: number;
  /** Scenario `reconnect`: kill the spawned server and start it again on the same port (new epoch) instead of the control drop. */
  restart?: boolean;
  /** Faults between the clients and the server (`--net-*`, docs/network-faults.md); times in ms. */
  network?: Partial<NetworkSettings>;
}

export interface ResolvedBenchOptions {
  readonly clients: number;
  readonly protocols: readonly ProtocolName[];
  readonly scenario: Scenario;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly rate: number;
  readonly payload: number;
  readonly pollIntervalMs: number;
  readonly longPollTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly idleMs: number;
  readonly capacityDurationMs: number;
  readonly capacityConnections: number;
  readonly connectConcurrency: number;
  readonly connectTimeoutMs: number;
  readonly drainTimeoutMs: number;
  readonly target: string | undefined;
  readonly controlToken: string | undefined;
  readonly workers: number;
  readonly outDir: string;
  readonly writeFiles: boolean;
  readonly thresholds: readonly string[];
  readonly reconnect: { readonly initialDelayMs: number; readonly maxDelayMs: number; readonly multiplier: number; readonly jitter: number };
  /** When the harness drops connections, ms after the window opens (empty outside scenario `reconnect`), and how. */
  readonly drops: { readonly atMs: readonly number[]; readonly restart: boolean };
  /** The network faults, or null when the network is left alone. */
  readonly network: Readonly<NetworkSettings> | null;
}

/** What a result records of the options: everything but secrets and file switches. */
export type RecordedOptions = Omit<ResolvedBenchOptions, 'controlToken' | 'writeFiles'>;

export function recordedOptions(options: ResolvedBenchOptions): RecordedOptions {
  const { controlToken: _token, writeFiles: _write, ...rest } = options;
  return rest;
}

type IntegerRule = [keyof BenchOptions & string, string, number, number];

/** Option, its flag (for messages), smallest and largest value. */
const INTEGER_RULES: IntegerRule[] = [
  ['clients', '--clients', 1, 100_000],
  ['durationMs', '--duration', 100, 24 * 3_600_000],
  ['warmupMs', '--warmup', 0, 3_600_000],
  ['rate', '--rate', 0, FEED_LIMITS.maxRate],
  ['payload', '--payload', 0, FEED_LIMITS.maxPayload],
  ['pollIntervalMs', '--poll-interval', 10, 3_600_000],
  ['longPollTimeoutMs', '--long-poll-timeout', 100, 60_000],
  ['pingIntervalMs', '--ping-interval', 100, 3_600_000],
  ['idleMs', '--idle', 0, 3_600_000],
  ['capacityDurationMs', '--capacity-duration', 0, 600_000],
  ['capacityConnections', '--capacity-connections', 1, 10_000],
  ['connectConcurrency', '--connect-concurrency', 1, 100_000],
  ['connectTimeoutMs', '--connect-timeout', 100, 600_000],
  ['drainTimeoutMs', '--drain-timeout', 0, 600_000],
  ['workers', '--workers', 1, 64],
];

/** Range checks, then defaults, then cross-option rules; throws BenchOptionError naming the flag. */
export function resolveBenchOptions(input: BenchOptions = {}): ResolvedBenchOptions {
  for (const [key, flag, min, max] of INTEGER_RULES) {
    const value = input[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new BenchOptionError(flag, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
  }
  const protocols = input.protocols ?? BENCH_DEFAULTS.protocols;
  if (protocols.length === 0) throw new BenchOptionError('--protocols', `needs at least one of ${PROTOCOL_NAMES.join(', ')}`);
  for (const protocol of protocols) {
    if (!PROTOCOL_NAMES.includes(protocol)) {
      throw new BenchOptionError('--protocols', `unknown protocol "${protocol}"; choose from ${PROTOCOL_NAMES.join(', ')}`);
    }
  }
  if (new Set(protocols).size !== protocols.length) throw new BenchOptionError('--protocols', `lists a protocol twice: ${protocols.join(',')}`);
  const scenario = input.scenario ?? BENCH_DEFAULTS.scenario;
  const runnable = SCENARIOS.filter((name) => !RESERVED_SCENARIOS.includes(name));
  if (!SCENARIOS.includes(scenario)) throw new BenchOptionError('--scenario', `unknown scenario "${scenario}"; choose from ${runnable.join(', ')}`);
  if (RESERVED_SCENARIOS.includes(scenario)) {
    throw new BenchOptionError('--scenario', `"${scenario}" is reserved but not built yet; choose from ${runnable.join(', ')}`);
  }
  const target = input.target === undefined ? undefined : checkTarget(input.target);
  if (target !== undefined && (input.controlToken === undefined || input.controlToken === '')) {
    throw new BenchOptionError('--target', `${target} needs --control-token (or WIRELAB_CONTROL_TOKEN): the harness sets the feed's rate and reads /stats through /control`);
  }
  if (target === undefined && input.controlToken !== undefined) {
    throw new BenchOptionError('--control-token', 'is only used with --target (a spawned server gets a random token)');
  }
  const reconnect = { ...BENCH_DEFAULTS.reconnect, ...stripUndefined(input.reconnect ?? {}) };
  if (!(reconnect.jitter >= 0 && reconnect.jitter <= 1)) throw new BenchOptionError('--jitter', `must be from 0 to 1, got ${reconnect.jitter}`);
  if (!(reconnect.initialDelayMs > 0 && reconnect.maxDelayMs >= reconnect.initialDelayMs)) {
    throw new BenchOptionError('--backoff-initial', `must be above 0 and at most --backoff-max, got ${reconnect.initialDelayMs} ms and ${reconnect.maxDelayMs} ms`);
  }
  const pollIntervalMs = input.pollIntervalMs ?? BENCH_DEFAULTS.pollIntervalMs;
  const scenarioDefaults = scenario === 'reconnect' ? BENCH_DEFAULTS.reconnectScenario : BENCH_DEFAULTS;
  const durationMs = input.durationMs ?? scenarioDefaults.durationMs;
  const drops = resolveDrops(input, scenario, durationMs, target);
  const network = resolveNetwork(input.network, durationMs, target);
  const thresholds = input.thresholds ?? defaultThresholds(pollIntervalMs, scenario);
  for (const expression of thresholds) parseThreshold(expression);
  if (input.outDir !== undefined && input.outDir.trim() === '') throw new BenchOptionError('--out', 'must name a folder');

  return Object.freeze({
    clients: input.clients ?? BENCH_DEFAULTS.clients,
    protocols: Object.freeze([...protocols]),
    scenario,
    durationMs,
    warmupMs: input.warmupMs ?? BENCH_DEFAULTS.warmupMs,
    rate: input.rate ?? BENCH_DEFAULTS.rate,
    payload: input.payload ?? BENCH_DEFAULTS.payload,
    pollIntervalMs,
    longPollTimeoutMs: input.longPollTimeoutMs ?? BENCH_DEFAULTS.longPollTimeoutMs,
    pingIntervalMs: input.pingIntervalMs ?? BENCH_DEFAULTS.pingIntervalMs,
    idleMs: input.idleMs ?? scenarioDefaults.idleMs,
    capacityDurationMs: input.capacityDurationMs ?? scenarioDefaults.capacityDurationMs,
    capacityConnections: input.capacityConnections ?? BENCH_DEFAULTS.capacityConnections,
    connectConcurrency: input.connectConcurrency ?? BENCH_DEFAULTS.connectConcurrency,
    connectTimeoutMs: input.connectTimeoutMs ?? BENCH_DEFAULTS.connectTimeoutMs,
    drainTimeoutMs: input.drainTimeoutMs ?? Math.max(BENCH_DEFAULTS.drainTimeoutMs, pollIntervalMs * 3),
    target,
    controlToken: input.controlToken,
    workers: input.workers ?? defaultWorkers(),
    outDir: input.outDir ?? BENCH_DEFAULTS.outDir,
    writeFiles: input.writeFiles ?? true,
    thresholds: Object.freeze([...thresholds]),
    reconnect: Object.freeze(reconnect),
    drops,
    network,
  });
}

/** Drop times of scenario `reconnect`: `--drop-at` or `--drop-every`, else the default shares of the window. */
function resolveDrops(input: BenchOptions, scenario: Scenario, durationMs: number, target: string | undefined): ResolvedBenchOptions['drops'] {
  const { dropAtMs, dropEveryMs, restart = false } = input;
  if (scenario !== 'reconnect') {
    if (dropAtMs !== undefined) throw new BenchOptionError('--drop-at', 'only applies to --scenario reconnect');
    if (dropEveryMs !== undefined) throw new BenchOptionError('--drop-every', 'only applies to --scenario reconnect');
    if (restart) throw new BenchOptionError('--restart', 'only applies to --scenario reconnect');
    return Object.freeze({ atMs: Object.freeze([]), restart: false });
  }
  if (restart && target !== undefined) {
    throw new BenchOptionError('--restart', `cannot restart the --target server ${target}: the harness only restarts a server it spawned itself`);
  }
  if (dropAtMs !== undefined && dropEveryMs !== undefined) throw new BenchOptionError('--drop-at', 'and --drop-every exclude each other: give one');
  const window = formatDurationMs(durationMs);
  let atMs: number[];
  if (dropAtMs !== undefined) {
    if (dropAtMs.length === 0) throw new BenchOptionError('--drop-at', 'needs at least one time, like 5s,12s');
    for (const at of dropAtMs) {
      if (!Number.isInteger(at) || at <= 0 || at >= durationMs) {
        throw new BenchOptionError('--drop-at', `times must fall inside the ${window} window (--duration), after its start; got ${JSON.stringify(at)} ms`);
      }
    }
    atMs = [...new Set(dropAtMs)].sort((a, b) => a - b);
  } else if (dropEveryMs !== undefined) {
    if (!Number.isInteger(dropEveryMs) || dropEveryMs < BENCH_DEFAULTS.minDropEveryMs) {
      throw new BenchOptionError('--drop-every', `must be at least ${BENCH_DEFAULTS.minDropEveryMs}ms, got ${JSON.stringify(dropEveryMs)} ms`);
    }
    if (dropEveryMs >= durationMs) throw new BenchOptionError('--drop-every', `(${formatDurationMs(dropEveryMs)}) must be shorter than the ${window} window (--duration), or no drop would happen`);
    atMs = [];
    for (let at = dropEveryMs; at < durationMs; at += dropEveryMs) atMs.push(at);
  } else {
    atMs = BENCH_DEFAULTS.reconnectScenario.dropAtShares.map((share) => Math.round(durationMs * share));
  }
  return Object.freeze({ atMs: Object.freeze(atMs), restart });
}

/** Range checks of the `--net-*` settings (the CLI parses their text with netem/options.ts first). */
function resolveNetwork(input: Partial<NetworkSettings> | undefined, durationMs: number, target: string | undefined): Readonly<NetworkSettings> | null {
  if (input === undefined) return null;
  const duration = (flag: string, value: number | undefined | null, min: number): number | null => {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_DURATION_MS) {
      throw new BenchOptionError(flag, `must be a duration from ${formatDurationMs(min)} to ${formatDurationMs(MAX_DURATION_MS)}, got ${JSON.stringify(value)} ms`);
    }
    return value;
  };
  const latencyMs = duration('--net-latency', input.latencyMs, 0) ?? 0;
  const jitterMs = duration('--net-jitter', input.jitterMs, 0) ?? 0;
  if (jitterMs > latencyMs) throw new BenchOptionError('--net-jitter', `(${jitterMs} ms) must not exceed --net-latency (${latencyMs} ms): the delay would have to go below zero`);
  const resetEveryMs = duration('--net-reset-every', input.resetEveryMs, MIN_RESET_EVERY_MS);
  if (resetEveryMs !== null && resetEveryMs >= durationMs) {
    throw new BenchOptionError('--net-reset-every', `(${formatDurationMs(resetEveryMs)}) would never fire: resets are timed from the window's start, and the window is ${formatDurationMs(durationMs)}; give a longer --duration`);
  }
  const bandwidth = input.bandwidthBitsPerSecond ?? null;
  if (bandwidth !== null && !(typeof bandwidth === 'number' && Number.isFinite(bandwidth) && bandwidth >= MIN_BANDWIDTH_BITS)) {
    throw new BenchOptionError('--net-bandwidth', `must be at least 1kbit (${MIN_BANDWIDTH_BITS} bits/s), got ${JSON.stringify(bandwidth)}`);
  }
  const scope = input.bandwidthScope ?? 'connection';
  if (scope !== 'connection' && scope !== 'shared') throw new BenchOptionError('--net-bandwidth-scope', `must be "connection" or "shared", got ${JSON.stringify(scope)}`);
  const loss = input.lossPercent ?? null;
  if (loss !== null && !(typeof loss === 'number' && loss >= 0 && loss < 100)) throw new BenchOptionError('--net-loss', `must be a percentage from 0 up to (not including) 100, got ${JSON.stringify(loss)}`);
  if (loss !== null && target !== undefined) {
    throw new BenchOptionError('--net-loss', `cannot be used with --target: loss needs the feed server inside a network namespace the harness makes, and ${target} runs elsewhere`);
  }
  const settings: NetworkSettings = { latencyMs, jitterMs, bandwidthBitsPerSecond: bandwidth, bandwidthScope: scope, resetEveryMs, lossPercent: loss };
  if (latencyMs === 0 && jitterMs === 0 && bandwidth === null && resetEveryMs === null && loss === null) return null;
  return Object.freeze(settings);
}

/** True when the settings need the harness's TCP proxy between clients and server (all but loss). */
export function needsNetworkProxy(network: Readonly<NetworkSettings> | null): boolean {
  return network !== null && (network.latencyMs > 0 || network.jitterMs > 0 || network.bandwidthBitsPerSecond !== null || network.resetEveryMs !== null);
}

/** Only loopback, or what the user explicitly named; never a path or query. */
function checkTarget(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BenchOptionError('--target', `is not a URL: "${text}" (expected http://host:port)`);
  }
  if (url.protocol !== 'http:') throw new BenchOptionError('--target', `must be an http:// URL, got "${url.protocol}"`);
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new BenchOptionError('--target', `must be a base URL without path or query, got "${text}"`);
  }
  return url.origin;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

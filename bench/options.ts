import { FEED_LIMITS, SERVER_DEFAULTS } from '../servers/config.js';
import { MAX_DURATION_MS, MIN_BANDWIDTH_BITS, MIN_RESET_EVERY_MS, type NetworkSettings } from '../netem/options.js';
import { OptionError } from '../wire/errors.js';
import { PROTOCOL_NAMES, type ProtocolName } from '../wire/protocols.js';
import { isPlainVariant, resolveVariants, type Variant } from '../wire/variants.js';
import type { BackoffSchedule } from '../wire/timings.js';
import { BENCH_DEFAULTS, defaultWorkers, MAX_REPEAT, MIN_PING_INTERVAL_MS } from './defaults.js';
import { formatDurationMs, formatSetting, type SettingUnit } from './report/format.js';
import { parseThreshold } from './report/thresholds.js';
import type { ChatSettings, DropSettings, RecordedOptions, ScaleOutSettings, ScenarioName } from './report/types.js';
import { resolveScaleOut } from './scale-out-options.js';
import { SCENARIO_NAMES, scenarioNamed } from './scenarios/registry.js';
import { resolveForeignTarget, type ForeignTargetOptions } from './target/foreign-options.js';
import type { TargetPlan } from './target/preset.js';
import { resolveAgents, type AgentSettings } from './agent/agent-options.js';
import { resolveChat, resolveH2Streams } from './chat-options.js';

export type { AgentSettings };

/**
 * What a caller of `runBench` may set; everything is optional. Times in ms, sizes in bytes.
 * Defaults are in BENCH_DEFAULTS (bench/defaults.ts); a scenario may change some of them
 * (its module in bench/scenarios/).
 */
export interface BenchOptions {
  /** Clients per protocol. @default 100 */
  clients?: number;
  /** Protocols and variants (`ws+deflate`, `sse/h2`, wire/variants.ts), one column each. @default every protocol, in wire/protocols.ts order */
  protocols?: readonly string[];
  /** @default 'broadcast' */
  scenario?: ScenarioName;
  /** Measuring window per protocol. @default 10000 (scenario reconnect: 20000) */
  durationMs?: number;
  /** Feed running, clients connected, nothing recorded yet. @default 2000 */
  warmupMs?: number;
  /** Feed updates per second. @default 10 */
  rate?: number;
  /** Size of each update message in bytes. @default 256 */
  payload?: number;
  /** @default 1000 */
  pollIntervalMs?: number;
  /** @default 25000 */
  longPollTimeoutMs?: number;
  /** Scenario `ping`: each client's PING interval. @default 1000 */
  pingIntervalMs?: number;
  /** Feed idle after the window, to measure what an idle client costs. @default 2000 (scenario reconnect: 0) */
  idleMs?: number;
  /** Times each protocol is measured, interleaved (ws, sse, …, ws, …); figures are the medians. @default 1 */
  repeat?: number;
  /** autocannon against the polled endpoints; 0 skips it. @default 3000 (scenario reconnect: 0) */
  capacityDurationMs?: number;
  /** @default 50 */
  capacityConnections?: number;
  /** Connections each worker opens at once. @default 100 */
  connectConcurrency?: number;
  /** A client without its first message by then has failed. @default 30000 */
  connectTimeoutMs?: number;
  /** Longest wait for the last update after the window. @default max(5000, 3 poll intervals) */
  drainTimeoutMs?: number;
  /** An already running wirelab server (`http://host:port`) instead of spawning one. */
  target?: string;
  /** Control token of the target server (spawned servers get a random one). */
  controlToken?: string;
  /** Worker threads holding the clients. @default cores - 1, at least 1 */
  workers?: number;
  /** @default 'results' */
  outDir?: string;
  /** Write result files; off for callers that only want the object. @default true */
  writeFiles?: boolean;
  /** @default the scenario's (the seeds' promises) */
  thresholds?: readonly string[];
  /** The clients' reconnect schedule. @default 1 s doubling to 16 s, jitter 0.5 (wire/timings.ts) */
  reconnect?: Partial<BackoffSchedule>;
  /** Scenario `reconnect`: drop times in ms after the window opens (`--drop-at 5s,12s`). */
  dropAtMs?: readonly number[];
  /** Scenario `reconnect`: one drop every this many ms of the window (`--drop-every 10s`). */
  dropEveryMs?: number;
  /** Scenario `reconnect`: kill the spawned server and start it again on the same port (new epoch) instead of the control drop. */
  restart?: boolean;
  /** Faults between the clients and the server (`--net-*`, docs/network-faults.md); times in ms. */
  network?: Partial<NetworkSettings>;
  /** How to speak to `target` (`--preset` and its flags, docs/targets.md). @default wirelab's own server */
  foreign?: ForeignTargetOptions;
  /** A foreign target on this machine: its processes, for server CPU and memory from /proc. */
  targetPids?: readonly number[];
  /** Feed server instances, each its own process; more than one needs `broker` (docs/scale-out.md). @default 1 */
  servers?: number;
  /** The instances share the feed through Redis: `'redis'` starts a redis-server, or `redis://HOST:PORT` of an existing one. */
  broker?: string;
  /** Scenario `failover`: restart the harness's Redis mid-window instead of killing an instance. */
  brokerRestart?: boolean;
  /** With `broker`: run each protocol also against one embedded-feed server, the broker hop's baseline. @default false */
  compareEmbedded?: boolean;

  /** Clients per loopback source address before they spread over several. @default 28000 */
  connectionsPerAddress?: number;
  /** Scenario `capacity`: the latency p99 a step must stay under. @default 100 */
  sloP99Ms?: number;
  /** Scenario `capacity`: the search's resolution, a share of the client count. @default 0.05 */
  capacityResolution?: number;
  /** Scenario `capacity`: the largest client count tried. @default 20000, or what the open-files limit allows */
  maxClients?: number;
  /** Scenario `capacity`: time for the whole search, shared equally by the protocols. @default 240000 */
  timeBudgetMs?: number;
  /** Load agents on other hosts take the clients in shards (`--agents N --broker redis://…`, docs/distributed.md). */
  agents?: AgentSettings;
  /** Scenario `chat`: messages per second each sending client sends. @default 1 */
  sendRate?: number;
  /** Scenario `chat`: clients per room. @default one room of every client */
  roomSize?: number;
  /** Scenario `chat`: the share of clients that send, above 0 and at most 1. @default 1 */
  senderShare?: number;
  /** HTTP/2 columns: logical clients per HTTP/2 connection. @default 1 */
  h2StreamsPerConnection?: number;
}

/** Options that always have a value once resolved: the defaulted ones. */
type Defaulted = Exclude<
  keyof BenchOptions,
  | 'protocols'
  | 'target'
  | 'controlToken'
  | 'reconnect'
  | 'dropAtMs'
  | 'dropEveryMs'
  | 'restart'
  | 'network'
  | 'foreign'
  | 'targetPids'
  | 'servers'
  | 'broker'
  | 'brokerRestart'
  | 'compareEmbedded'
  | 'maxClients'
  | 'agents'
  | 'sendRate'
  | 'roomSize'
  | 'senderShare'
>;

/** What the harness runs with: every option checked, defaulted and frozen. */
export type ResolvedBenchOptions = Readonly<Required<Pick<BenchOptions, Defaulted>>> & {
  /** The distinct base protocols of the columns, in order. */
  readonly protocols: readonly ProtocolName[];
  /** One per column: the plain protocols and the variants (wire/variants.ts), in the order given. */
  readonly columns: readonly Variant[];
  readonly target: string | undefined;
  readonly controlToken: string | undefined;
  readonly reconnect: BackoffSchedule;
  /** When the harness drops connections (the scenario's drop plan) and how. */
  readonly drops: DropSettings;
  /** The network faults, or null when the network is left alone. */
  readonly network: Readonly<NetworkSettings> | null;
  /** A foreign target's plan (docs/targets.md), or null for wirelab's own server. Holds the headers: never recorded. */
  readonly targetPlan: TargetPlan | null;
  readonly targetPids: readonly number[];
  /** `--servers N --broker …`, or null for one server with the embedded feed. */
  readonly scaleOut: ScaleOutSettings | null;
  /** The broker the instances use, as given (a password included): never recorded. */
  readonly brokerUrl: string | undefined;
  readonly compareEmbedded: boolean;
  /** Scenario `capacity`'s ceiling as given; undefined: the default, lowered to the open-files limit when the run starts. */
  readonly maxClients: number | undefined;
  /** Agents to split the clients over, or null for this machine's own threads. */
  readonly agents: Readonly<Required<AgentSettings>> | null;
  /** Scenario `chat`'s settings, or null for other scenarios. */
  readonly chat: Readonly<ChatSettings> | null;
};

export type { RecordedOptions };
export type { ForeignTargetOptions };

/** What a result records of the options, field by field (RecordedOptions): no secret, no file switch. */
export function recordedOptions(options: ResolvedBenchOptions): RecordedOptions {
  return {
    clients: options.clients,
    protocols: options.protocols,
    ...(options.columns.every(isPlainVariant) ? {} : { variants: options.columns.map((column) => column.name) }),
    scenario: options.scenario,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
    rate: options.rate,
    payload: options.payload,
    pollIntervalMs: options.pollIntervalMs,
    longPollTimeoutMs: options.longPollTimeoutMs,
    pingIntervalMs: options.pingIntervalMs,
    idleMs: options.idleMs,
    repeat: options.repeat,
    capacityDurationMs: options.capacityDurationMs,
    capacityConnections: options.capacityConnections,
    connectConcurrency: options.connectConcurrency,
    connectTimeoutMs: options.connectTimeoutMs,
    drainTimeoutMs: options.drainTimeoutMs,
    // A foreign target's URL without credentials or query; its headers are never recorded.
    target: options.targetPlan?.target ?? options.target,
    ...(options.targetPlan === null ? {} : { preset: options.targetPlan.preset, targetSummary: options.targetPlan.summary }),
    workers: options.workers,
    outDir: options.outDir,
    thresholds: options.thresholds,
    reconnect: options.reconnect,
    drops: options.drops,
    network: options.network,
    scaleOut: options.scaleOut,
    compareEmbedded: options.compareEmbedded,
    connectionsPerAddress: options.connectionsPerAddress,
    ...(options.chat === null ? {} : { chat: options.chat }),
    ...(options.h2StreamsPerConnection === BENCH_DEFAULTS.h2StreamsPerConnection
      ? {}
      : { h2StreamsPerConnection: options.h2StreamsPerConnection }),
    ...(options.scenario === 'capacity'
      ? {
          capacitySearch: {
            sloP99Ms: options.sloP99Ms,
            resolution: options.capacityResolution,
            maxClients: options.maxClients ?? BENCH_DEFAULTS.maxClients,
            timeBudgetMs: options.timeBudgetMs,
          },
        }
      : {}),
  };
}

type IntegerRule = [keyof BenchOptions & string, string, number, number, SettingUnit];

/** Option, its flag and the unit its user types (for messages), smallest and largest value. */
const INTEGER_RULES: IntegerRule[] = [
  ['clients', '--clients', 1, 100_000, 'count'],
  ['durationMs', '--duration', 100, 24 * 3_600_000, 's'],
  ['warmupMs', '--warmup', 0, 3_600_000, 's'],
  ['rate', '--rate', 0, FEED_LIMITS.maxRate, 'count'],
  ['payload', '--payload', 0, FEED_LIMITS.maxPayload, 'bytes'],
  ['pollIntervalMs', '--poll-interval', 10, 3_600_000, 'ms'],
  ['longPollTimeoutMs', '--long-poll-timeout', 100, 60_000, 'ms'],
  ['pingIntervalMs', '--ping-interval', MIN_PING_INTERVAL_MS, 3_600_000, 'ms'],
  ['idleMs', '--idle', 0, 3_600_000, 's'],
  ['repeat', '--repeat', 1, MAX_REPEAT, 'count'],
  ['capacityDurationMs', '--capacity-duration', 0, 600_000, 's'],
  ['capacityConnections', '--capacity-connections', 1, 10_000, 'count'],
  ['connectConcurrency', '--connect-concurrency', 1, 100_000, 'count'],
  ['connectTimeoutMs', '--connect-timeout', 100, 600_000, 'ms'],
  ['drainTimeoutMs', '--drain-timeout', 0, 600_000, 'ms'],
  ['workers', '--workers', 1, 64, 'count'],
  ['sloP99Ms', '--slo-p99', 1, 600_000, 'ms'],
  ['connectionsPerAddress', '--connections-per-address', 1, 60_000, 'count'],
  ['maxClients', '--max-clients', 1, 1_000_000, 'count'],
  ['timeBudgetMs', '--time-budget', 1_000, 24 * 3_600_000, 's'],
];

/** Range checks, then defaults (the scenario's over BENCH_DEFAULTS), then cross-option rules; throws an OptionError naming the flag. */
export function resolveBenchOptions(input: BenchOptions = {}): ResolvedBenchOptions {
  const ping = input.pingIntervalMs;
  if (typeof ping === 'number' && ping < MIN_PING_INTERVAL_MS) {
    const rate = SERVER_DEFAULTS.messageRatePerSecond;
    throw new OptionError(
      '--ping-interval',
      `must be at least ${MIN_PING_INTERVAL_MS}ms, got ${formatDurationMs(ping)}: the server's rate limit is ${rate} messages per second per client, and a PING every ${formatDurationMs(1000 / rate)} or less trips it (docs/scenarios/ping.md)`,
    );
  }
  for (const [key, flag, min, max, unit] of INTEGER_RULES) {
    const value = input[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value))
      throw new OptionError(flag, `must be a whole number, got ${JSON.stringify(value)}`);
    // Said in the unit the flag is typed in (`--duration 0` → seconds), not the internal ms.
    if (value < min || value > max)
      throw new OptionError(
        flag,
        `must be from ${formatSetting(min, unit)} to ${formatSetting(max, unit)}, got ${formatSetting(value, unit)}`,
      );
  }
  const { columns, protocols } = resolveVariants(input.protocols ?? BENCH_DEFAULTS.protocols);
  const scenarioName = input.scenario ?? BENCH_DEFAULTS.scenario;
  const scenario = scenarioNamed(scenarioName);
  if (scenario === undefined)
    throw new OptionError('--scenario', `unknown scenario "${scenarioName}"; choose from ${SCENARIO_NAMES.join(', ')}`);
  const scenarioForeign = scenario.name;
  const foreign = resolveForeignTarget({
    foreign: input.foreign,
    target: input.target,
    controlToken: input.controlToken,
    targetPids: input.targetPids,
    protocols: input.protocols === undefined ? undefined : protocols,
    scenario: scenarioForeign,
    restart: input.restart,
    network: input.network,
    rate: input.rate ?? BENCH_DEFAULTS.rate,
    payload: input.payload ?? BENCH_DEFAULTS.payload,
  });
  if (foreign !== null && scenario.name === 'chat')
    throw new OptionError('--scenario', "chat needs wirelab's own server (its rooms and POST /chat); not a foreign --target");
  if (foreign !== null) {
    const variant = columns.find((column) => !isPlainVariant(column));
    if (variant !== undefined)
      throw new OptionError(
        '--protocols',
        `${variant.name}: variants need a wirelab server the harness spawns with their settings; against a foreign target use plain protocol names`,
      );
    return resolveForeign(input, scenario, foreign);
  }
  const target = input.target === undefined ? undefined : checkTarget(input.target);
  if (target !== undefined && (input.controlToken === undefined || input.controlToken === '')) {
    throw new OptionError(
      '--target',
      `${target} needs --control-token (or WIRELAB_CONTROL_TOKEN): the harness sets the feed's rate and reads /stats through /control; or give --preset wirelab to watch its feed as it runs (receive-only)`,
    );
  }
  if (target === undefined && input.controlToken !== undefined) {
    throw new OptionError('--control-token', 'is only used with --target (a spawned server gets a random token)');
  }
  const reconnect = { ...BENCH_DEFAULTS.reconnect, ...stripUndefined(input.reconnect ?? {}) };
  if (!(reconnect.jitter >= 0 && reconnect.jitter <= 1)) throw new OptionError('--jitter', `must be from 0 to 1, got ${reconnect.jitter}`);
  if (!(reconnect.initialDelayMs > 0 && reconnect.maxDelayMs >= reconnect.initialDelayMs)) {
    throw new OptionError(
      '--backoff-initial',
      `must be above 0 and at most --backoff-max, got ${reconnect.initialDelayMs} ms and ${reconnect.maxDelayMs} ms`,
    );
  }
  const pollIntervalMs = input.pollIntervalMs ?? BENCH_DEFAULTS.pollIntervalMs;
  const defaults = { ...BENCH_DEFAULTS, ...scenario.defaults };
  const durationMs = input.durationMs ?? defaults.durationMs;
  const network = resolveNetwork(input.network, durationMs, target);
  const scaleOut = resolveScaleOut({
    servers: input.servers,
    broker: input.broker,
    brokerRestart: input.brokerRestart,
    target,
    hasNetwork: network !== null,
    restart: input.restart,
  });
  const repeat = input.repeat ?? BENCH_DEFAULTS.repeat;
  if (repeat > 1 && (scenario.name === 'capacity' || scenario.name === 'hold')) {
    throw new OptionError('--repeat', `scenario ${scenario.name} searches or holds once per protocol; run it again to compare`);
  }
  if (repeat > 1 && input.compareEmbedded === true)
    throw new OptionError('--repeat', 'is not taken with --compare-embedded yet: the embedded baseline runs once per protocol');
  const variant = columns.find((column) => !isPlainVariant(column));
  if (variant !== undefined && (target !== undefined || scaleOut !== null)) {
    throw new OptionError(
      '--protocols',
      `${variant.name}: a variant needs a server the harness spawns alone with its settings; not with ${target !== undefined ? '--target' : '--servers/--broker'}`,
    );
  }
  if (input.compareEmbedded === true && scaleOut === null)
    throw new OptionError('--compare-embedded', 'compares a run through --broker with the embedded feed: give --broker');
  const drops = scenario.resolveDrops(input, { durationMs, target, servers: scaleOut?.servers ?? 1 });
  const thresholds = input.thresholds ?? scenario.thresholds(pollIntervalMs);
  for (const expression of thresholds) parseThreshold(expression);
  if (input.outDir !== undefined && input.outDir.trim() === '') throw new OptionError('--out', 'must name a folder');
  const resolution = input.capacityResolution;
  if (resolution !== undefined && !(typeof resolution === 'number' && resolution > 0 && resolution < 1)) {
    throw new OptionError('--capacity-resolution', `must be a share above 0 and below 1 (e.g. 5%), got ${JSON.stringify(resolution)}`);
  }
  if (input.agents !== undefined && scaleOut !== null && scaleOut.broker === 'redis')
    throw new OptionError(
      '--broker',
      'with --agents and --servers N must be redis://HOST:PORT of a Redis already running: the agents wait for work on it before the run starts',
    );
  const agents = resolveAgents(input.agents, drops.atMs.length > 0 || network !== null);
  if (agents !== null && scenario.name === 'capacity') {
    throw new OptionError('--agents', `cannot run scenario ${scenario.name} yet: its steps hold the clients on this machine`);
  }
  const chat = resolveChat(input, {
    scenario: scenario.name,
    clients: input.clients ?? defaults.clients,
    columns: columns.length,
    repeat,
    scaleOut: scaleOut !== null,
    agents: agents !== null,
    resets: (network?.resetEveryMs ?? null) !== null,
  });
  const h2StreamsPerConnection = resolveH2Streams(input.h2StreamsPerConnection, columns);

  return Object.freeze({
    clients: input.clients ?? defaults.clients,
    protocols,
    columns,
    scenario: scenario.name,
    durationMs,
    warmupMs: input.warmupMs ?? defaults.warmupMs,
    rate: input.rate ?? defaults.rate,
    payload: input.payload ?? BENCH_DEFAULTS.payload,
    pollIntervalMs,
    longPollTimeoutMs: input.longPollTimeoutMs ?? BENCH_DEFAULTS.longPollTimeoutMs,
    pingIntervalMs: input.pingIntervalMs ?? BENCH_DEFAULTS.pingIntervalMs,
    idleMs: input.idleMs ?? defaults.idleMs,
    repeat: input.repeat ?? BENCH_DEFAULTS.repeat,
    capacityDurationMs: input.capacityDurationMs ?? defaults.capacityDurationMs,
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
    targetPlan: null,
    targetPids: Object.freeze([]),
    scaleOut,
    brokerUrl: scaleOut === null ? undefined : input.broker,
    compareEmbedded: input.compareEmbedded === true,
    connectionsPerAddress: input.connectionsPerAddress ?? BENCH_DEFAULTS.connectionsPerAddress,
    sloP99Ms: input.sloP99Ms ?? BENCH_DEFAULTS.sloP99Ms,
    capacityResolution: resolution ?? BENCH_DEFAULTS.capacityResolution,
    maxClients: input.maxClients,
    timeBudgetMs: input.timeBudgetMs ?? BENCH_DEFAULTS.timeBudgetMs,
    agents,
    chat,
    h2StreamsPerConnection,
  });
}

/** A foreign target: the same window, clients and feed settings; no spawned server, no capacity phase. */
function resolveForeign(
  input: BenchOptions,
  scenario: NonNullable<ReturnType<typeof scenarioNamed>>,
  foreign: { plan: TargetPlan; protocols: readonly ProtocolName[] },
): ResolvedBenchOptions {
  if (input.agents !== undefined)
    throw new OptionError('--agents', 'is not available against a foreign --target yet: the agents measure a server the harness spawned');
  if ((input.repeat ?? 1) > 1)
    throw new OptionError('--repeat', 'is not available against a foreign --target yet: run the command again and use npm run compare');
  if (input.broker !== undefined || (input.servers ?? 1) > 1) {
    throw new OptionError(
      input.broker !== undefined ? '--broker' : '--servers',
      'starts wirelab instances of its own; it does not apply to a foreign --target',
    );
  }
  const resolved = resolveBenchOptions({
    ...input,
    target: undefined,
    controlToken: undefined,
    foreign: undefined,
    targetPids: undefined,
    protocols: [...foreign.protocols],
    scenario: scenario.name,
  });
  return Object.freeze({
    ...resolved,
    target: foreign.plan.target,
    capacityDurationMs: 0,
    targetPlan: foreign.plan,
    targetPids: Object.freeze([...(input.targetPids ?? [])]),
  });
}

/** Range checks of the `--net-*` settings (the CLI parses their text with netem/options.ts first). */
function resolveNetwork(
  input: Partial<NetworkSettings> | undefined,
  durationMs: number,
  target: string | undefined,
): Readonly<NetworkSettings> | null {
  if (input === undefined) return null;
  const duration = (flag: string, value: number | undefined | null, min: number): number | null => {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_DURATION_MS) {
      throw new OptionError(
        flag,
        `must be a duration from ${formatDurationMs(min)} to ${formatDurationMs(MAX_DURATION_MS)}, got ${JSON.stringify(value)} ms`,
      );
    }
    return value;
  };
  const latencyMs = duration('--net-latency', input.latencyMs, 0) ?? 0;
  const jitterMs = duration('--net-jitter', input.jitterMs, 0) ?? 0;
  if (jitterMs > latencyMs)
    throw new OptionError(
      '--net-jitter',
      `(${jitterMs} ms) must not exceed --net-latency (${latencyMs} ms): the delay would have to go below zero`,
    );
  const resetEveryMs = duration('--net-reset-every', input.resetEveryMs, MIN_RESET_EVERY_MS);
  if (resetEveryMs !== null && resetEveryMs >= durationMs) {
    throw new OptionError(
      '--net-reset-every',
      `(${formatDurationMs(resetEveryMs)}) would never fire: resets are timed from the window's start, and the window is ${formatDurationMs(durationMs)}; give a longer --duration`,
    );
  }
  const bandwidth = input.bandwidthBitsPerSecond ?? null;
  if (bandwidth !== null && !(typeof bandwidth === 'number' && Number.isFinite(bandwidth) && bandwidth >= MIN_BANDWIDTH_BITS)) {
    throw new OptionError('--net-bandwidth', `must be at least 1kbit (${MIN_BANDWIDTH_BITS} bits/s), got ${JSON.stringify(bandwidth)}`);
  }
  const scope = input.bandwidthScope ?? 'connection';
  if (scope !== 'connection' && scope !== 'shared')
    throw new OptionError('--net-bandwidth-scope', `must be "connection" or "shared", got ${JSON.stringify(scope)}`);
  const loss = input.lossPercent ?? null;
  if (loss !== null && !(typeof loss === 'number' && loss >= 0 && loss < 100))
    throw new OptionError('--net-loss', `must be a percentage from 0 up to (not including) 100, got ${JSON.stringify(loss)}`);
  if (loss !== null && target !== undefined) {
    throw new OptionError(
      '--net-loss',
      `cannot be used with --target: loss needs the feed server inside a network namespace the harness makes, and ${target} runs elsewhere`,
    );
  }
  const settings: NetworkSettings = {
    latencyMs,
    jitterMs,
    bandwidthBitsPerSecond: bandwidth,
    bandwidthScope: scope,
    resetEveryMs,
    lossPercent: loss,
  };
  if (latencyMs === 0 && jitterMs === 0 && bandwidth === null && resetEveryMs === null && loss === null) return null;
  return Object.freeze(settings);
}

/** Only loopback, or what the user explicitly named; never a path or query. */
function checkTarget(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OptionError('--target', `is not a URL: "${text}" (expected http://host:port)`);
  }
  if (url.protocol !== 'http:') throw new OptionError('--target', `must be an http:// URL, got "${url.protocol}"`);
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new OptionError('--target', `must be a base URL without path or query, got "${text}"`);
  }
  return url.origin;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

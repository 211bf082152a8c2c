import { Command, CommanderError } from 'commander';
import { printedByCommander, usageFromCommander } from './commander-usage.js';
import { PROTOCOL_NAMES, protocolByWord } from '../../wire/protocols.js';
import { VARIANT_GRAMMAR } from '../../wire/variants.js';
import { BENCH_DEFAULTS, MIN_PING_INTERVAL_MS } from '../defaults.js';
import { formatDurationMs } from '../report/format.js';
import { OptionError } from '../../wire/errors.js';
import type { BenchOptions } from '../options.js';
import { SCENARIO_NAMES, SCENARIOS } from '../scenarios/registry.js';
import type { ScenarioName } from '../report/types.js';
import type { ProtocolName } from '../../wire/protocols.js';
import { parseCount, parseDuration, parseShare, parseSize } from './units.js';
import { parseNetFlags, type NetFlags } from '../../netem/options.js';
import { addTargetFlags, readTargetFlags } from './target-args.js';
import { SERVER_DEFAULTS } from '../../servers/config.js';

/** The server's per-client message limit, named in `--send-rate`'s help. */
const SERVER_LIMIT = SERVER_DEFAULTS.messageRatePerSecond;

/** What the command line asks for: the library's options plus how the CLI shows them. */
export interface CliRequest {
  options: BenchOptions;
  /** Print the result JSON on stdout; everything else goes to stderr. */
  json: boolean;
  /** A per-second progress line (only ever drawn on a TTY). */
  progress: boolean;
  /** Start the live dashboard (never with --json). */
  live: boolean;
  /** `--report html`: write the one-file HTML report next to the result files. */
  report: 'html' | null;
}

type Flags = Record<string, string | string[] | boolean | undefined>;

const D = BENCH_DEFAULTS;

/** The commander program; `exitOverride` makes its errors throw instead of exiting. */
export function createProgram(): Command {
  const program = new Command('wirelab-bench')
    .description('Drive WebSocket, SSE, long polling and short polling with the same feed and compare them.')
    .option('-c, --clients <n>', `clients per protocol, e.g. 1000 or 1k (default ${D.clients})`)
    .option(
      '-p, --protocols <list>',
      `comma-separated, from ${PROTOCOL_NAMES.join(',')}, or variants ${VARIANT_GRAMMAR} such as ws+deflate,sse/h2 (default all four)`,
    )
    .option(
      '-d, --duration <time>',
      `measuring window per protocol, e.g. 30s or 2m; bare number = seconds (default ${formatDurationMs(D.durationMs)})`,
    )
    .option('--warmup <time>', `feed running before the window; bare number = seconds (default ${formatDurationMs(D.warmupMs)})`)
    .option('-r, --rate <n>', `feed updates per second (default ${D.rate})`)
    .option('--payload <bytes>', `size of each update message, e.g. 256 or 4kb (default ${D.payload})`)
    .option('-s, --scenario <name>', `${SCENARIO_NAMES.join(' or ')} (default ${D.scenario})`)
    .option('--poll-interval <time>', `short-polling interval; bare number = ms (default ${D.pollIntervalMs}ms)`)
    .option('--long-poll-timeout <time>', `long-poll hold time; bare number = ms (default ${formatDurationMs(D.longPollTimeoutMs)})`)
    .option(
      '--ping-interval <time>',
      `scenario ping: each client's PING interval, at least ${MIN_PING_INTERVAL_MS}ms (the server's rate limit); bare number = ms (default ${D.pingIntervalMs}ms)`,
    )
    .option(
      '--send-rate <n>',
      `scenario chat: messages per second each sending client sends, e.g. 1 or 0.5; above the server's limit (${SERVER_LIMIT}/s per client) the excess is refused and counted (default ${D.chatSendRate})`,
    )
    .option('--room-size <n>', 'scenario chat: clients per room, each message relayed to its room (default: one room of every client)')
    .option(
      '--senders <share>',
      'scenario chat: the share of clients that send, spread evenly over the rooms, e.g. 10% or 0.1 (default 100%)',
    )
    .option(
      '--h2-streams-per-connection <n>',
      `HTTP/2 columns (sse/h2 …): logical clients sharing one HTTP/2 connection, each a stream on it (default ${D.h2StreamsPerConnection}: a connection each)`,
    )
    .option(
      '--repeat <n>',
      `measure each protocol this many times, interleaved (ws, sse, …, ws, …); the table shows medians and the min–max spread (default ${D.repeat})`,
    )
    .option(
      '--idle <time>',
      `feed idle after the window, to measure idle cost; bare number = seconds (default ${formatDurationMs(D.idleMs)})`,
    )
    .option(
      '--capacity-duration <time>',
      `autocannon against the polling endpoints, 0 to skip; bare number = seconds (default ${formatDurationMs(D.capacityDurationMs)})`,
    )
    .option('--capacity-connections <n>', `autocannon connections (default ${D.capacityConnections})`)
    .option('--connect-concurrency <n>', `connections each worker opens at once (default ${D.connectConcurrency})`)
    .option(
      '--connect-timeout <time>',
      `a client without its first message by then has failed; bare number = ms (default ${formatDurationMs(D.connectTimeoutMs)})`,
    )
    .option(
      '--drain-timeout <time>',
      'longest wait for the last update after the window; bare number = ms (default 5s or 3 poll intervals)',
    )
    .option('--backoff-initial <time>', `client reconnect: first delay; bare number = ms (default ${D.reconnect.initialDelayMs}ms)`)
    .option('--backoff-max <time>', `client reconnect: longest delay; bare number = ms (default ${D.reconnect.maxDelayMs}ms)`)
    .option('--jitter <fraction>', `client reconnect: random share of each delay, 0 to 1 (default ${D.reconnect.jitter})`)
    .option(
      '--drop-at <times>',
      'scenario reconnect: drop every connection at these times of the window, e.g. 5s,12s (default: at 25% and 60% of it)',
    )
    .option('--drop-every <time>', 'scenario reconnect: drop every connection this often during the window, e.g. 10s')
    .option('--restart', 'scenario reconnect: kill the feed server and start it again on the same port (new epoch) instead of dropping')
    .option('--net-latency <time>', "one-way delay added in each direction by the harness's proxy, e.g. 50ms")
    .option('--net-jitter <time>', "each chunk's delay is latency ± this, e.g. 10ms (at most --net-latency)")
    .option('--net-bandwidth <rate>', 'bandwidth cap in each direction, bits per second, e.g. 1mbit or 500kbit')
    .option('--net-bandwidth-scope <scope>', 'connection (each client its own cap, default) or shared (one cap for all)')
    .option('--net-reset-every <time>', 'reset every proxied connection this often, timed from the window start, e.g. 10s')
    .option(
      '--net-loss <percent>',
      'real packet loss each way, e.g. 2% or 0.5%, by netem or nftables (needs root: the server runs in a network namespace; each protocol runs at 0% first as a control)',
    )
    .option(
      '--connections-per-address <n>',
      `clients per loopback source address; past it they spread over 127.0.0.2, 127.0.0.3 … (default ${D.connectionsPerAddress})`,
    )
    .option(
      '--slo-p99 <time>',
      `scenario capacity: a step passes while latency p99 stays under this; bare number = ms (default ${D.sloP99Ms}ms)`,
    )
    .option(
      '--capacity-resolution <share>',
      `scenario capacity: bisect until the first failure is within this of the last pass, e.g. 5% or 0.05 (default ${D.capacityResolution * 100}%)`,
    )
    .option(
      '--max-clients <n>',
      `scenario capacity: largest client count tried (default ${D.maxClients}, lowered to what the open-files limit allows)`,
    )
    .option(
      '--time-budget <time>',
      `scenario capacity: time for the whole search, shared by the protocols; bare number = seconds (default ${formatDurationMs(D.timeBudgetMs)})`,
    )
    .option(
      '--target <url>',
      'an already running server (http(s)://host:port) instead of spawning one; --preset says how to speak to it (docs/targets.md)',
    )
    .option('--control-token <token>', 'control token of the --target server (WIRELAB_CONTROL_TOKEN)')
    .option(
      '--servers <n>',
      'feed server instances, each its own process; clients spread round-robin over them; more than 1 needs --broker (default 1)',
    )
    .option(
      '--broker <redis|url>',
      '"redis": start a redis-server (on PATH) the instances share the feed through; or redis://HOST:PORT of an existing one (with --agents: the Redis the agents listen on, and with --servers N as well the instances\' feed)',
    )
    .option(
      '--broker-restart',
      "scenario failover: restart the harness's Redis (with an AOF, so its data stays) mid-window instead of killing an instance",
    )
    .option(
      '--compare-embedded',
      "with --broker: run each protocol also against one server with the embedded feed, to show the broker's hop",
    )
    .option(
      '--agents <n>',
      "split the clients over this many load agents (npm run agent) instead of this machine's threads; needs --broker redis://host:port",
    )
    .option('--agent-timeout <time>', 'with --agents: how long to wait for them to register; bare number = seconds (default 30s)')
    .option('-w, --workers <n>', 'worker threads holding the clients (default: cores - 1, at least 1)')
    .option('-o, --out <dir>', `folder for the result files (default ${D.outDir}/)`)
    .option('--no-files', 'do not write result files')
    .option(
      '--threshold <expr>',
      `pass/fail rule, repeatable, e.g. ws.latency.p99<50ms; "none" for no thresholds (default: ${defaultThresholdsHelp()})`,
      collect,
    )
    .option('--json', 'print the result JSON on stdout (logs go to stderr)')
    .option('--report <format>', 'also write a report next to the result files: html (one self-contained file)')
    .option('--no-progress', 'no per-second progress line')
    .option('--no-live', 'do not start the live dashboard')
    // Parse errors are rethrown as OptionErrors (commander-usage.ts); the CLI prints them.
    .configureOutput({ writeErr: () => undefined })
    .exitOverride();
  return addTargetFlags(program);
}

/** The default scenario's thresholds, then those of every scenario that has others of its own. */
function defaultThresholdsHelp(): string {
  const usual = SCENARIOS[D.scenario].thresholds(D.pollIntervalMs).join(' ');
  const own = SCENARIO_NAMES.map((name) => [name, SCENARIOS[name].thresholds(D.pollIntervalMs).join(' ')] as const).filter(
    ([, list]) => list !== usual,
  );
  return [usual, ...own.map(([name, list]) => `scenario ${name}: ${list}`)].join('; ');
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Parses the command line (without `node` and the script); throws OptionError or a CommanderError. */
export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}, program: Command = createProgram()): CliRequest {
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && !printedByCommander(error)) throw usageFromCommander(error, program.name());
    throw error;
  }
  return toRequest(program.opts<Flags>(), env);
}

/** Turns the flags' text into typed options; each failure names its flag and value. */
export function toRequest(flags: Flags, env: NodeJS.ProcessEnv = {}): CliRequest {
  const options: BenchOptions = {};
  const text = (name: string): string | undefined => {
    const value = flags[name];
    return typeof value === 'string' ? value : undefined;
  };
  // Every parser throws an OptionError naming the flag and the text it refuses.
  const convert = <T>(name: string, flag: string, parse: (flag: string, value: string) => T): T | undefined => {
    const value = text(name);
    return value === undefined ? undefined : parse(flag, value);
  };
  const seconds = (flag: string, value: string): number => parseDuration(flag, value, 's');
  const millis = (flag: string, value: string): number => parseDuration(flag, value, 'ms');
  assign(options, 'clients', convert('clients', '--clients', parseCount));
  assign(options, 'protocols', convert('protocols', '--protocols', parseProtocols));
  assign(options, 'durationMs', convert('duration', '--duration', seconds));
  assign(options, 'warmupMs', convert('warmup', '--warmup', seconds));
  assign(options, 'rate', convert('rate', '--rate', parseCount));
  assign(options, 'payload', convert('payload', '--payload', parseSize));
  assign(options, 'scenario', text('scenario') as ScenarioName | undefined);
  assign(options, 'pollIntervalMs', convert('pollInterval', '--poll-interval', millis));
  assign(options, 'longPollTimeoutMs', convert('longPollTimeout', '--long-poll-timeout', millis));
  assign(options, 'pingIntervalMs', convert('pingInterval', '--ping-interval', millis));
  assign(options, 'idleMs', convert('idle', '--idle', seconds));
  assign(options, 'sendRate', convert('sendRate', '--send-rate', parseRate));
  assign(options, 'roomSize', convert('roomSize', '--room-size', parseCount));
  assign(options, 'senderShare', convert('senders', '--senders', parseShare));
  assign(options, 'h2StreamsPerConnection', convert('h2StreamsPerConnection', '--h2-streams-per-connection', parseCount));
  assign(options, 'repeat', convert('repeat', '--repeat', parseCount));
  assign(options, 'capacityDurationMs', convert('capacityDuration', '--capacity-duration', seconds));
  assign(options, 'capacityConnections', convert('capacityConnections', '--capacity-connections', parseCount));
  assign(options, 'connectConcurrency', convert('connectConcurrency', '--connect-concurrency', parseCount));
  assign(options, 'connectTimeoutMs', convert('connectTimeout', '--connect-timeout', millis));
  assign(options, 'drainTimeoutMs', convert('drainTimeout', '--drain-timeout', millis));
  assign(options, 'workers', convert('workers', '--workers', parseCount));
  assign(options, 'connectionsPerAddress', convert('connectionsPerAddress', '--connections-per-address', parseCount));
  assign(options, 'sloP99Ms', convert('sloP99', '--slo-p99', millis));
  assign(options, 'capacityResolution', convert('capacityResolution', '--capacity-resolution', parseShare));
  assign(options, 'maxClients', convert('maxClients', '--max-clients', parseCount));
  assign(options, 'timeBudgetMs', convert('timeBudget', '--time-budget', seconds));
  assign(options, 'outDir', text('out'));
  assign(options, 'target', text('target'));
  readTargetFlags(flags, options);
  // The environment's token is for wirelab's own server; a foreign preset given one on the command line is told it does not apply.
  const wirelab = options.foreign === undefined || options.foreign.preset === 'wirelab';
  if (options.target !== undefined && wirelab) assign(options, 'controlToken', text('controlToken') ?? env.WIRELAB_CONTROL_TOKEN);
  else assign(options, 'controlToken', text('controlToken'));
  const reconnect = {
    initialDelayMs: convert('backoffInitial', '--backoff-initial', millis),
    maxDelayMs: convert('backoffMax', '--backoff-max', millis),
    jitter: convert('jitter', '--jitter', parseFraction),
  };
  if (Object.values(reconnect).some((value) => value !== undefined)) options.reconnect = reconnect;
  const dropAt = convert('dropAt', '--drop-at', (flag, value) => value.split(',').map((part) => parseDuration(flag, part.trim(), 's')));
  assign(options, 'dropAtMs', dropAt);
  assign(options, 'dropEveryMs', convert('dropEvery', '--drop-every', seconds));
  if (flags.restart === true) options.restart = true;
  assign(options, 'servers', convert('servers', '--servers', parseCount));
  assign(options, 'broker', text('broker'));
  if (flags.brokerRestart === true) options.brokerRestart = true;
  if (flags.compareEmbedded === true) options.compareEmbedded = true;
  const net: NetFlags = {
    netLatency: text('netLatency'),
    netJitter: text('netJitter'),
    netBandwidth: text('netBandwidth'),
    netBandwidthScope: text('netBandwidthScope'),
    netResetEvery: text('netResetEvery'),
    netLoss: text('netLoss'),
  };
  if (Object.values(net).some((value) => value !== undefined)) options.network = parseNetFlags(net);
  const thresholds = flags.threshold;
  if (Array.isArray(thresholds) && thresholds.length > 0) {
    options.thresholds = thresholds.length === 1 && thresholds[0] === 'none' ? [] : thresholds;
  }
  if (flags.files === false) options.writeFiles = false;
  // One --broker: the instances' shared feed, or with --agents the Redis the agents listen on.
  const agentCount = convert('agents', '--agents', parseCount);
  const agentTimeout = convert('agentTimeout', '--agent-timeout', seconds);
  if (agentCount !== undefined) {
    const broker = options.broker;
    if (broker === undefined) throw new OptionError('--agents', 'needs --broker redis://host:port, the Redis the agents listen on');
    if (options.compareEmbedded === true || options.brokerRestart === true)
      throw new OptionError(
        options.compareEmbedded === true ? '--compare-embedded' : '--broker-restart',
        "is for --servers N; with --agents the broker only carries the agents' work",
      );
    // With --servers N the instances share the feed through the same Redis (it must be running already: the agents wait on it).
    if ((options.servers ?? 1) <= 1) delete options.broker;
    options.agents = { count: agentCount, broker, ...(agentTimeout === undefined ? {} : { timeoutMs: agentTimeout }) };
  } else if (agentTimeout !== undefined) {
    throw new OptionError('--agent-timeout', 'is only used with --agents N');
  }
  const json = flags.json === true;
  const report = text('report');
  if (report !== undefined && report !== 'html') throw new OptionError('--report', `must be html, got "${report}"`, report);
  if (report !== undefined && flags.files === false)
    throw new OptionError('--report', 'is written next to the result files, but --no-files writes none');
  return {
    options,
    json,
    progress: flags.progress !== false && !json,
    live: flags.live !== false && !json,
    report: report === 'html' ? 'html' : null,
  };
}

function assign<K extends keyof BenchOptions>(options: BenchOptions, key: K, value: BenchOptions[K] | undefined): void {
  if (value !== undefined) options[key] = value;
}

function parseProtocols(_flag: string, text: string): ProtocolName[] {
  const list = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  // An unknown word is passed on as is: resolveBenchOptions refuses it, naming the choices.
  return list.map((name) => protocolByWord(name) ?? (name.toLowerCase() as ProtocolName));
}

function parseFraction(flag: string, text: string): number {
  if (!/^\s*\d+(\.\d+)?\s*$/.test(text)) throw new OptionError(flag, `must be a number from 0 to 1, got "${text}"`, text);
  return Number(text);
}

/** A rate that may have decimals: `1`, `0.5`, `2.5`. */
function parseRate(option: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (match === null) throw new OptionError(option, `must be a number of messages per second like 1 or 0.5, got "${text}"`, text);
  return Number(match[1]);
}

import { readdirSync, readFileSync } from 'node:fs';
import { formatCount } from '../report/format.js';
import { needsProxy } from '../../netem/options.js';
import { OptionError } from '../../wire/errors.js';
import { PROTOCOLS, type ProtocolName } from '../../wire/protocols.js';
import { SCENARIOS } from '../scenarios/registry.js';
import type { ResolvedBenchOptions } from '../options.js';

/**
 * Every socket is a file descriptor, and a process may hold only `ulimit -n` of them. Past
 * it, connects fail with EMFILE (and a server stops accepting), which looks like a hang: so
 * the limit is checked before anything starts. Node raises its own soft limit to the hard
 * one at start-up, and the spawned server inherits the same limits; worker threads share the
 * harness process's descriptor table.
 */

/** Descriptors beyond the sockets: Node's own, result files, the harness's control calls, the live dashboard. */
const BASE_MARGIN = 64;
/** Each worker thread's own (event loop, message ports) and the modules it loads. */
const PER_WORKER = 16;
/** The feed server before any client: Node's own, the listener, timers, stdio. */
const SERVER_BASE = 64;

export interface FileLimit {
  soft: number;
  hard: number;
}

/** This process's open-files limit, from /proc/self/limits; undefined where there is none (or it is unlimited). */
export function readFileLimit(limitsText?: string): FileLimit | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
  if (match === null) return undefined;
  const value = (field: string | undefined): number =>
    field === undefined || field === 'unlimited' ? Number.POSITIVE_INFINITY : Number(field);
  const soft = value(match[1]);
  return Number.isFinite(soft) ? { soft, hard: value(match[2]) } : undefined;
}

/** Descriptors this process holds now; 0 where /proc is missing. */
export function countOpenFiles(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

/**
 * What a run needs per process: the harness (its worker threads share its table) and each
 * spawned server instance. With `--agents` the harness holds no client socket (each agent
 * checks its own shard, {@link shardFileNeed}); with `--servers N` each instance holds the
 * clients it gets round robin, ⌈clients ÷ N⌉ at most.
 */
export function fileNeeds(
  options: ResolvedBenchOptions,
  openNow: number,
): { harness: number; server: number | null; sockets: number; harnessSockets: number; serverSockets: number; servers: number } {
  const { clients } = options;
  const sockets = clients + pingSocketCount(options.scenario, options.protocols, clients);
  const harnessSockets = options.agents === null ? sockets : 0;
  // The fault proxy runs in the harness: two descriptors per proxied connection.
  const proxied = options.network !== null && needsProxy(options.network) ? 2 * sockets : 0;
  const capacity = options.protocols.some((p) => PROTOCOLS[p].polled) && options.capacityDurationMs > 0 ? options.capacityConnections : 0;
  const workers = options.agents === null ? Math.min(options.workers, clients) : 0;
  const harness = openNow + harnessSockets + proxied + capacity + workers * PER_WORKER + BASE_MARGIN;
  const servers = options.scaleOut?.servers ?? 1;
  const serverSockets = Math.ceil(sockets / servers);
  const server = options.target === undefined ? SERVER_BASE + serverSockets + capacity + BASE_MARGIN : null;
  return { harness, server, sockets, harnessSockets, serverSockets, servers };
}

/** Clients that PING over a protocol without in-band PING send each on a connection of its own, beside the feed's. */
function pingSocketCount(scenario: ResolvedBenchOptions['scenario'], protocols: readonly ProtocolName[], clients: number): number {
  return SCENARIOS[scenario].clientsPing && protocols.some((p) => !PROTOCOLS[p].inBandPing) ? clients : 0;
}

/**
 * Refuses (a OptionError: exit 2) a run whose clients cannot fit under the open-files
 * limit, saying the `ulimit -n` that would let it run. Does nothing where the limit cannot
 * be read.
 */
export function checkFileLimit(
  options: ResolvedBenchOptions,
  limit: FileLimit | undefined = readFileLimit(),
  openNow: number = countOpenFiles(),
): void {
  if (limit === undefined) return;
  const needs = fileNeeds(options, openNow);
  const need = Math.max(needs.harness, needs.server ?? 0);
  if (need <= limit.soft) return;
  const holders = [
    needs.harnessSockets > 0
      ? `the harness holds ${formatCount(needs.harnessSockets)} client sockets`
      : 'the agents hold the client sockets',
    needs.server === null
      ? ''
      : needs.servers > 1
        ? `each of the ${needs.servers} feed server instances about ${formatCount(needs.serverSockets)}`
        : needs.harnessSockets > 0
          ? 'the feed server as many'
          : `the feed server ${formatCount(needs.serverSockets)}`,
  ].filter((part) => part !== '');
  const spread =
    limit.hard < need && needs.harnessSockets > 0 && options.target === undefined
      ? '; or spread the connections over processes on both sides: --servers N --broker redis://HOST:PORT --agents N (docs/scenarios/hold.md)'
      : '';
  throw new OptionError(
    '--clients',
    `${formatCount(options.clients)} needs about ${formatCount(need)} open files per process (${holders.join(', ')}, besides Node's own), but the open-files limit is ${formatCount(limit.soft)}. Run \`ulimit -n ${need}\`${hardNote(limit, need)} and start again, or use fewer --clients${spread}`,
  );
}

/** When the hard limit is below what is needed: who may raise it and where. */
function hardNote(limit: FileLimit, need: number): string {
  return limit.hard < need
    ? ` (the hard limit is ${formatCount(limit.hard)}: raising it needs root or CAP_SYS_RESOURCE, e.g. /etc/security/limits.conf for a login, LimitNOFILE= for a systemd service, --ulimit nofile=${need}:${need} for a container)`
    : '';
}

/** What one agent's shard needs in the agent's process: its sockets, its worker threads, Node's own and the margin. */
export function shardFileNeed(
  shard: { protocol: ProtocolName; pings: boolean; clients: number; threads: number },
  openNow: number,
): number {
  const pingSockets = shard.pings && !PROTOCOLS[shard.protocol].inBandPing ? shard.clients : 0;
  return openNow + shard.clients + pingSockets + shard.threads * PER_WORKER + BASE_MARGIN;
}

/**
 * An agent's check before it connects its shard: why it cannot hold `clients` connections
 * under its own open-files limit (naming the `ulimit -n` to set), or undefined when they fit.
 */
export function shardFileRefusal(need: number, clients: number, limit: FileLimit | undefined = readFileLimit()): string | undefined {
  if (limit === undefined || need <= limit.soft) return undefined;
  return `its ${formatCount(clients)} clients need about ${formatCount(need)} open files, but this agent's open-files limit is ${formatCount(limit.soft)}. Run \`ulimit -n ${need}\`${hardNote(limit, need)} before starting the agent, or start more agents (--agents N) so each shard is smaller`;
}

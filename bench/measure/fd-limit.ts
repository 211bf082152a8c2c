import { readdirSync, readFileSync } from 'node:fs';
import { formatCount } from '../report/format.js';
import { needsProxy } from '../../netem/options.js';
import { OptionError } from '../../wire/errors.js';
import { PROTOCOLS } from '../../wire/protocols.js';
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

/** What a run needs per process: the harness (its worker threads share its table) and the spawned server. */
export function fileNeeds(options: ResolvedBenchOptions, openNow: number): { harness: number; server: number | null; sockets: number } {
  const { clients } = options;
  // Clients that PING over a protocol without in-band PING send each on a connection of its own, beside the feed's.
  const pingSockets = SCENARIOS[options.scenario].clientsPing && options.protocols.some((p) => !PROTOCOLS[p].inBandPing) ? clients : 0;
  const sockets = clients + pingSockets;
  // The fault proxy runs in the harness: two descriptors per proxied connection.
  const proxied = options.network !== null && needsProxy(options.network) ? 2 * sockets : 0;
  const capacity = options.protocols.some((p) => PROTOCOLS[p].polled) && options.capacityDurationMs > 0 ? options.capacityConnections : 0;
  const workers = Math.min(options.workers, clients);
  const harness = openNow + sockets + proxied + capacity + workers * PER_WORKER + BASE_MARGIN;
  const server = options.target === undefined ? SERVER_BASE + sockets + capacity + BASE_MARGIN : null;
  return { harness, server, sockets };
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
  const server = needs.server === null ? '' : `, the feed server as many`;
  const hard =
    limit.hard < need
      ? ` (the hard limit is ${formatCount(limit.hard)}: raising it needs root or CAP_SYS_RESOURCE, e.g. /etc/security/limits.conf for a login, LimitNOFILE= for a systemd service, --ulimit nofile=${need}:${need} for a container)`
      : '';
  throw new OptionError(
    '--clients',
    `${formatCount(options.clients)} needs about ${formatCount(need)} open files per process (the harness holds ${formatCount(needs.sockets)} client sockets${server}, besides Node's own), but the open-files limit is ${formatCount(limit.soft)}. Run \`ulimit -n ${need}\`${hard} and start again, or use fewer --clients`,
  );
}

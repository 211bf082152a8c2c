import { OptionError } from '../../wire/errors.js';
import { PROTOCOL_NAMES, PROTOCOLS, type ProtocolName } from '../../wire/protocols.js';
import { TIMINGS } from '../../wire/timings.js';
import { formatDurationMs } from '../report/format.js';
import type { DropSettings, RecordedOptions } from '../report/types.js';
import { NO_SECTION, type DropInput, type PlannedDrop, type Scenario, type ScenarioContext } from './scenario.js';

/**
 * Scenario `failover`'s own defaults: the reconnect scenario's window (time for the backoff's
 * first retries), the event at 40% of it, no idle or capacity phase.
 */
export const FAILOVER_DEFAULTS = Object.freeze({
  durationMs: 20_000,
  idleMs: 0,
  capacityDurationMs: 0,
  atShare: 0.4,
});

/** The seeds' promises: reconnect (first retry) within 2 s, a connection (TCP, handshake, first message) within 500 ms. */
const RECONNECT_PROMISE_MS = 2000;
const CONNECT_PROMISE_MS = 500;

/**
 * The recovery p99 a protocol is held to when an instance dies (docs/scenarios/failover.md).
 * A held connection (WebSocket, SSE, a long poll) learns of the kill at once, from the kernel's
 * FIN or RST, and its first retry goes to the next instance within the backoff's first delay;
 * with the connect promise that is 1 s + 500 ms, inside the seeds' 2 s. A protocol polled on an
 * interval learns only at its next request, up to one interval later; that request is refused
 * and the client moves to the next instance at once (nothing is waited for an instance that
 * refuses), so its bound is one interval + the connect promise, never below the others' 2 s.
 */
export function failoverRecoveryLimitMs(protocol: ProtocolName, pollIntervalMs: number): number {
  const held = TIMINGS.backoff.initialDelayMs + CONNECT_PROMISE_MS;
  const polled = pollIntervalMs + CONNECT_PROMISE_MS;
  return Math.max(RECONNECT_PROMISE_MS, PROTOCOLS[protocol].onInterval ? polled : held);
}

/** One event at the default share of the window: an instance killed, or Redis restarted with `--broker-restart`. */
function resolveDrops(input: DropInput, { durationMs, servers }: ScenarioContext): DropSettings {
  if (input.dropAtMs !== undefined)
    throw new OptionError('--drop-at', 'only applies to --scenario reconnect (failover kills one instance at 40% of the window)');
  if (input.dropEveryMs !== undefined) throw new OptionError('--drop-every', 'only applies to --scenario reconnect');
  if (input.restart === true)
    throw new OptionError(
      '--restart',
      'only applies to --scenario reconnect; failover kills one instance of several (or restarts Redis with --broker-restart)',
    );
  const brokerRestart = input.brokerRestart === true;
  if (!brokerRestart && servers < 2) {
    throw new OptionError(
      '--scenario',
      `failover kills one instance while its clients move to another: it needs --servers 2 or more with --broker, got ${servers} server`,
    );
  }
  return Object.freeze({ atMs: Object.freeze([Math.round(durationMs * FAILOVER_DEFAULTS.atShare)]), restart: false, brokerRestart });
}

/**
 * Scenario `failover` (docs/scenarios/failover.md): several instances share one feed through
 * Redis; during the window the last instance is killed (SIGKILL) and its clients reconnect to
 * the next instance in their list, resuming with their cursor. With `--broker-restart` Redis is
 * restarted instead (the instances keep their clients). Judged on recovery and integrity.
 */
export const failover: Scenario = Object.freeze<Scenario>({
  name: 'failover',
  summary: 'one of several instances is killed during the window (--servers 2+ --broker)',
  defaults: {
    durationMs: FAILOVER_DEFAULTS.durationMs,
    idleMs: FAILOVER_DEFAULTS.idleMs,
    capacityDurationMs: FAILOVER_DEFAULTS.capacityDurationMs,
  },
  clientsPing: false,
  resolveDrops,
  thresholds: (pollIntervalMs) => [
    `*.connect.p99<${CONNECT_PROMISE_MS}ms`,
    ...PROTOCOL_NAMES.map((name) => `${name}.reconnect.recovery.p99<${failoverRecoveryLimitMs(name, pollIntervalMs)}ms`),
    '*.reconnect.notRecovered=0',
    '*.delivery.missed=0',
    '*.delivery.duplicated=0',
  ],
  dropPlan: ({ drops }) =>
    drops.atMs.map((atMs): PlannedDrop => ({ atMs, kind: drops.brokerRestart === true ? 'broker-restart' : 'failover' })),
  header: (options: RecordedOptions) => {
    const drops = options.drops as RecordedOptions['drops'] | undefined;
    if (drops === undefined) return [];
    const what = drops.brokerRestart === true ? 'Redis restarted' : 'last instance killed';
    return [`${what} at ${drops.atMs.map((ms) => formatDurationMs(ms)).join(', ')}`];
  },
  resultSection: () => NO_SECTION,
});

import { OptionError } from '../../wire/errors.js';
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
  thresholds: () => [
    '*.connect.p99<500ms',
    '*.reconnect.recovery.p99<2s',
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

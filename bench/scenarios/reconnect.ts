import { OptionError } from '../../wire/errors.js';
import { formatDurationMs } from '../report/format.js';
import type { DropKind, DropSettings, RecordedOptions } from '../report/types.js';
import { NO_SECTION, type DropInput, type PlannedDrop, type Scenario, type ScenarioContext } from './scenario.js';

/**
 * Scenario `reconnect`'s own defaults. A longer window leaves time to recover from two drops
 * (the backoff's first retries are 1 s, 2 s, 4 s); idle cost and polling capacity say nothing
 * about reconnects and are skipped. Four protocols × 1,000 clients take about two minutes.
 */
export const RECONNECT_DEFAULTS = Object.freeze({
  durationMs: 20_000,
  idleMs: 0,
  capacityDurationMs: 0,
  /** Drops at these shares of the window: 5 s and 12 s of the default 20 s. */
  dropAtShares: Object.freeze([0.25, 0.6]) as readonly number[],
  /** Shortest `--drop-every`: a storm needs time to settle before the next one. */
  minDropEveryMs: 500,
});

/** Drop times: `--drop-at` or `--drop-every`, else the default shares of the window; `--restart` only for a spawned server. */
function resolveDrops(input: DropInput, { durationMs, target }: ScenarioContext): DropSettings {
  const { dropAtMs, dropEveryMs, restart = false } = input;
  if (input.brokerRestart === true) throw new OptionError('--broker-restart', 'only applies to --scenario failover');
  if (restart && target !== undefined) {
    throw new OptionError(
      '--restart',
      `cannot restart the --target server ${target}: the harness only restarts a server it spawned itself`,
    );
  }
  if (dropAtMs !== undefined && dropEveryMs !== undefined)
    throw new OptionError('--drop-at', 'and --drop-every exclude each other: give one');
  const window = formatDurationMs(durationMs);
  let atMs: number[];
  if (dropAtMs !== undefined) {
    if (dropAtMs.length === 0) throw new OptionError('--drop-at', 'needs at least one time, like 5s,12s');
    for (const at of dropAtMs) {
      if (!Number.isInteger(at) || at <= 0 || at >= durationMs) {
        throw new OptionError(
          '--drop-at',
          `times must fall inside the ${window} window (--duration), after its start; got ${JSON.stringify(at)} ms`,
        );
      }
    }
    atMs = [...new Set(dropAtMs)].sort((a, b) => a - b);
  } else if (dropEveryMs !== undefined) {
    if (!Number.isInteger(dropEveryMs) || dropEveryMs < RECONNECT_DEFAULTS.minDropEveryMs) {
      throw new OptionError(
        '--drop-every',
        `must be at least ${RECONNECT_DEFAULTS.minDropEveryMs}ms, got ${JSON.stringify(dropEveryMs)} ms`,
      );
    }
    if (dropEveryMs >= durationMs)
      throw new OptionError(
        '--drop-every',
        `(${formatDurationMs(dropEveryMs)}) must be shorter than the ${window} window (--duration), or no drop would happen`,
      );
    atMs = [];
    for (let at = dropEveryMs; at < durationMs; at += dropEveryMs) atMs.push(at);
  } else {
    atMs = RECONNECT_DEFAULTS.dropAtShares.map((share) => Math.round(durationMs * share));
  }
  return Object.freeze({ atMs: Object.freeze(atMs), restart });
}

/**
 * Scenario `reconnect` (docs/scenarios/reconnect.md): the harness cuts every connection at set
 * moments of the window (control drops, or kills and restarts of the server with `--restart`)
 * and measures how the clients come back. Its thresholds judge recovery instead of latency
 * (its latency includes the updates delivered late, by resume, on purpose): back within 2 s,
 * every client back, and nothing lost silently.
 */
export const reconnect: Scenario = Object.freeze<Scenario>({
  name: 'reconnect',
  summary: 'the harness drops every connection during the window',
  defaults: {
    durationMs: RECONNECT_DEFAULTS.durationMs,
    idleMs: RECONNECT_DEFAULTS.idleMs,
    capacityDurationMs: RECONNECT_DEFAULTS.capacityDurationMs,
  },
  clientsPing: false,
  resolveDrops,
  thresholds: () => [
    '*.connect.p99<500ms',
    '*.reconnect.recovery.p99<2s',
    '*.reconnect.notRecovered=0',
    '*.delivery.missed=0',
    '*.server.memoryPerConnection<1mb',
  ],
  dropPlan: ({ drops }) => {
    const kind: DropKind = drops.restart ? 'restart' : 'drop';
    return drops.atMs.map((atMs): PlannedDrop => ({ atMs, kind }));
  },
  header: (options) => {
    // Results written before drops were recorded have no `drops`.
    const drops = options.drops as RecordedOptions['drops'] | undefined;
    if (drops === undefined) return [];
    const jitter = options.reconnect.jitter === 0 ? 'no jitter' : `jitter ${options.reconnect.jitter}`;
    return [
      `${drops.restart ? 'restart' : 'drop'} at ${drops.atMs.map((ms) => formatDurationMs(ms)).join(', ')} · backoff ${formatDurationMs(options.reconnect.initialDelayMs)}…${formatDurationMs(options.reconnect.maxDelayMs)}, ${jitter}`,
    ];
  },
  resultSection: () => NO_SECTION,
});

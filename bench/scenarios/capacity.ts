import { formatCount, formatDurationMs, formatPercent } from '../report/format.js';
import { NO_SECTION, refuseDrops, type Scenario } from './scenario.js';

/**
 * Scenario `capacity`'s own defaults: each step of the search is a short window (three
 * seconds, one second of warm-up) so that a four-protocol search fits the time budget; idle
 * cost and the polling endpoints' request capacity (autocannon) say nothing about it and are
 * skipped. The search starts at 500 clients (`--clients`) and doubles from there.
 */
export const CAPACITY_DEFAULTS = Object.freeze({
  clients: 500,
  durationMs: 3_000,
  warmupMs: 1_000,
  idleMs: 0,
  capacityDurationMs: 0,
});

/**
 * Scenario `capacity` (docs/scenarios/capacity.md): per protocol, the largest client count at
 * which a step meets the SLO (latency p99 under `--slo-p99`, nothing missed, every client
 * connected, the generator not saturated). The search itself is capacity-search.ts; its steps
 * run in bench/measure/capacity-steps.ts. Its verdict is the SLO, so it has no thresholds of its own.
 */
export const capacity: Scenario = Object.freeze<Scenario>({
  name: 'capacity',
  summary: 'the largest client count per protocol that meets the SLO (--slo-p99)',
  defaults: CAPACITY_DEFAULTS,
  clientsPing: false,
  resolveDrops: (input) => refuseDrops(input),
  thresholds: () => [],
  dropPlan: () => [],
  header: (options) => {
    const search = options.capacitySearch;
    if (search === undefined) return [];
    return [
      `capacity: SLO latency p99 < ${formatDurationMs(search.sloP99Ms)}, nothing missed, every client connected, generator not saturated · from ${formatCount(options.clients)} clients, doubling then bisecting to ${formatPercent(search.resolution * 100)} · at most ${formatCount(search.maxClients)} clients, ${formatDurationMs(search.timeBudgetMs)} budget`,
    ];
  },
  resultSection: () => NO_SECTION,
});

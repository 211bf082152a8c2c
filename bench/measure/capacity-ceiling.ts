import { BENCH_DEFAULTS } from '../defaults.js';
import type { ResolvedBenchOptions } from '../options.js';
import { checkFileLimit, countOpenFiles, readFileLimit, type FileLimit } from './fd-limit.js';
import type { CapacityRunSettings } from './capacity-steps.js';

/**
 * Scenario `capacity`'s ceiling, fixed before anything starts. `--max-clients` as given must
 * fit under the open-files limit (else the usual fd-limit error, naming the `ulimit -n` to
 * set); the default is lowered to the largest count that fits, so a plain run never trips it.
 * Other scenarios: the usual check of `--clients`.
 */
export function withCapacityCeiling(
  options: ResolvedBenchOptions,
  limit: FileLimit | undefined = readFileLimit(),
  openNow: number = countOpenFiles(),
): ResolvedBenchOptions {
  if (options.scenario !== 'capacity') {
    checkFileLimit(options, limit, openNow);
    return options;
  }
  const check = (clients: number): void => checkFileLimit({ ...options, clients }, limit, openNow);
  if (options.maxClients !== undefined) {
    check(options.maxClients);
    return options;
  }
  const fits = (clients: number): boolean => {
    try {
      check(clients);
      return true;
    } catch {
      return false;
    }
  };
  let ceiling: number = BENCH_DEFAULTS.maxClients;
  if (!fits(ceiling)) {
    let low = 0;
    let high = ceiling;
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (fits(mid)) low = mid;
      else high = mid;
    }
    ceiling = low;
    // Not even one client fits: the check's own error says what to raise.
    if (ceiling === 0) check(1);
  }
  return Object.freeze({ ...options, maxClients: ceiling });
}

/** One protocol's search settings: the ceiling, and an equal share of the time budget. */
export function capacitySettings(options: ResolvedBenchOptions): CapacityRunSettings {
  return {
    sloP99Ms: options.sloP99Ms,
    startClients: options.clients,
    maxClients: options.maxClients ?? BENCH_DEFAULTS.maxClients,
    resolution: options.capacityResolution,
    timeBudgetMs: Math.floor(options.timeBudgetMs / options.protocols.length),
  };
}

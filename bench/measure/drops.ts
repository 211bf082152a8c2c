import type { ResolvedBenchOptions } from '../options.js';
import { SCENARIOS } from '../scenarios/registry.js';
import type { PlannedDrop } from '../scenarios/scenario.js';

/**
 * When the window's drops happen: the scenario's own (scenario `reconnect`: `--drop-at`,
 * `--drop-every` or its defaults; control drops, or restarts with `--restart`) and, in any
 * scenario, the proxy's resets every `--net-reset-every`, timed from the window start so every
 * protocol meets them at the same moments. Empty when nothing drops.
 */
export function planDrops(options: Pick<ResolvedBenchOptions, 'scenario' | 'drops' | 'network' | 'durationMs'>): PlannedDrop[] {
  const plan: PlannedDrop[] = [...SCENARIOS[options.scenario].dropPlan(options)];
  const every = options.network?.resetEveryMs ?? null;
  if (every !== null && every > 0) {
    for (let atMs = every; atMs < options.durationMs; atMs += every) plan.push({ atMs, kind: 'net-reset' });
  }
  return plan.sort((a, b) => a.atMs - b.atMs);
}

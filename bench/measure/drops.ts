import type { ResolvedBenchOptions } from '../options.js';
import type { DropKind } from '../report/types.js';

/** A drop the harness will cause, `atMs` after the window opens. */
export interface PlannedDrop {
  readonly atMs: number;
  readonly kind: DropKind;
}

/**
 * When the window's drops happen: scenario `reconnect`'s (`--drop-at`, `--drop-every` or the
 * defaults; control drops, or restarts with `--restart`) and, in any scenario, the proxy's
 * resets every `--net-reset-every`, timed from the window start so every protocol meets them
 * at the same moments. Empty when nothing drops.
 */
export function planDrops(options: Pick<ResolvedBenchOptions, 'scenario' | 'drops' | 'network' | 'durationMs'>): PlannedDrop[] {
  const plan: PlannedDrop[] = [];
  if (options.scenario === 'reconnect') {
    const kind: DropKind = options.drops.restart ? 'restart' : 'drop';
    for (const atMs of options.drops.atMs) plan.push({ atMs, kind });
  }
  const every = options.network?.resetEveryMs ?? null;
  if (every !== null && every > 0) {
    for (let atMs = every; atMs < options.durationMs; atMs += every) plan.push({ atMs, kind: 'net-reset' });
  }
  return plan.sort((a, b) => a.atMs - b.atMs);
}

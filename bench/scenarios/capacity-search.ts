/**
 * The pure search of scenario `capacity`: the largest client count at which a step passes.
 * Doubling from a start count until a step fails (or the ceiling is reached), then bisecting
 * between the last pass and the first failure until they are within the resolution. What a
 * step is (a short window of real clients, bench/measure/capacity-steps.ts) is injected, so the
 * search is tested on its own.
 */

/** Why a step failed, in the order it is judged: a saturated generator makes the rest suspect. */
export type CapacityFailure = 'generator' | 'connect' | 'loss' | 'latency';

/** What one step found, and the figures of its curve point. */
export interface CapacityStepOutcome<Figures> {
  readonly clients: number;
  /** null: the step passed. */
  readonly failedBy: CapacityFailure | null;
  readonly figures: Figures;
}

export interface CapacitySearchSettings {
  /** The first step's client count. */
  readonly startClients: number;
  /** No step goes above it. */
  readonly maxClients: number;
  /** Bisecting stops once (first failure − last pass) ≤ resolution × first failure. */
  readonly resolution: number;
  /** No new step starts once this much time has passed, or when the next step would not fit. */
  readonly timeBudgetMs: number;
  /** The clock (ms); injectable for tests. */
  readonly now?: () => number;
}

/** Why the search ended. */
export type CapacityStop = 'resolved' | 'max-clients' | 'time-budget' | 'failed-at-start';

export interface CapacitySearchOutcome<Figures> {
  /** The largest passing count; 0 when even the first step failed. */
  readonly capacity: number;
  /** The smallest failing count seen, with what failed there; null when nothing failed. */
  readonly firstFailure: { readonly clients: number; readonly failedBy: CapacityFailure } | null;
  /** The capacity is the generator's limit, not the server's: the step above it failed on the generator. */
  readonly lowerBound: boolean;
  readonly stoppedBy: CapacityStop;
  /** Every step, in the order run. */
  readonly steps: CapacityStepOutcome<Figures>[];
}

/** Runs steps until the boundary is found, the ceiling reached or the time budget spent. */
export async function searchCapacity<Figures>(
  settings: CapacitySearchSettings,
  step: (clients: number) => Promise<CapacityStepOutcome<Figures>>,
): Promise<CapacitySearchOutcome<Figures>> {
  const now = settings.now ?? (() => performance.now());
  const started = now();
  const steps: CapacityStepOutcome<Figures>[] = [];
  let pass = 0;
  let fail: { clients: number; failedBy: CapacityFailure } | null = null;
  let longestStepMs = 0;
  let clients = Math.min(settings.startClients, settings.maxClients);
  let stoppedBy: CapacityStop = 'resolved';
  for (;;) {
    const spent = now() - started;
    // A step that would end past the budget is not started: the last one's length is the estimate.
    if (spent >= settings.timeBudgetMs || (steps.length > 0 && spent + longestStepMs > settings.timeBudgetMs)) {
      stoppedBy = 'time-budget';
      break;
    }
    const stepStart = now();
    const outcome = await step(clients);
    longestStepMs = Math.max(longestStepMs, now() - stepStart);
    steps.push(outcome);
    if (outcome.failedBy === null) pass = Math.max(pass, clients);
    else if (fail === null || clients < fail.clients) fail = { clients, failedBy: outcome.failedBy };
    const next = nextCount(pass, fail?.clients ?? null, settings);
    if (next === null) {
      if (fail === null) stoppedBy = 'max-clients';
      else if (pass === 0) stoppedBy = 'failed-at-start';
      break;
    }
    clients = next;
  }
  return { capacity: pass, firstFailure: fail, lowerBound: fail?.failedBy === 'generator', stoppedBy, steps };
}

/** The next count to try, or null when the search is done. */
export function nextCount(
  pass: number,
  fail: number | null,
  settings: Pick<CapacitySearchSettings, 'maxClients' | 'resolution'>,
): number | null {
  if (fail === null) {
    if (pass >= settings.maxClients) return null;
    return Math.min(pass * 2, settings.maxClients);
  }
  // Even the first step failed: there is no pass to bisect from; the capacity is below the start.
  if (pass === 0) return null;
  if (fail - pass <= Math.max(1, settings.resolution * fail)) return null;
  return Math.round((pass + fail) / 2);
}

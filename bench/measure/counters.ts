import { COUNTER_KEYS, emptyCounters, type WorkerCounters } from '../workers/worker-protocol.js';

/** Adds the workers' cumulative client counters. */
export function sumCounters(list: readonly WorkerCounters[]): WorkerCounters {
  const total = emptyCounters();
  for (const counters of list) for (const key of COUNTER_KEYS) total[key] += counters[key];
  return total;
}

/** What happened between two readings of the same counters. */
export function subtractCounters(after: WorkerCounters, before: WorkerCounters): WorkerCounters {
  const result = emptyCounters();
  for (const key of COUNTER_KEYS) result[key] = after[key] - before[key];
  return result;
}

import { readFileSync, readlinkSync } from 'node:fs';

/**
 * Linux's per-thread scheduler statistics, `/proc/<pid>/task/<tid>/schedstat`: nanoseconds
 * the thread ran on a CPU, and nanoseconds it was runnable but waited on a run queue for one.
 * The second is what a starved load generator shows: it had work, the CPU went to someone
 * else. Elsewhere (or when the kernel has no schedstat) the readers return undefined.
 */

export interface ThreadTimes {
  /** Nanoseconds on a CPU since the thread started. */
  runNs: number;
  /** Nanoseconds runnable but waiting on a run queue since the thread started. */
  waitNs: number;
}

/** The calling thread's id (its tid, as in `/proc/self/task/<tid>`); undefined where there is no /proc. */
export function currentThreadId(): number | undefined {
  try {
    // `/proc/thread-self` links to `<pid>/task/<tid>` of whichever thread reads it; a worker
    // thread's sync fs calls run on that thread.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** Run and wait times of thread `tid` of this process; undefined when unreadable. */
export function readThreadTimes(tid: number): ThreadTimes | undefined {
  try {
    return parseSchedstat(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** `"<run ns> <wait ns> <timeslices>"`; undefined for anything else (or an all-zero line: accounting off). */
export function parseSchedstat(text: string): ThreadTimes | undefined {
  const [run, wait, slices] = text.trim().split(/\s+/).map(Number);
  if (run === undefined || wait === undefined || !Number.isFinite(run) || !Number.isFinite(wait)) return undefined;
  if (run === 0 && wait === 0 && (slices ?? 0) === 0) return undefined;
  return { runNs: run, waitNs: wait };
}

/**
 * Each thread's run-queue wait between two readings as a share of `elapsedMs` (0–1); null
 * when any reading is missing (no schedstat here).
 */
export function waitShares(
  before: ReadonlyArray<ThreadTimes | undefined>,
  after: ReadonlyArray<ThreadTimes | undefined>,
  elapsedMs: number,
): number[] | null {
  if (before.length === 0 || before.length !== after.length || elapsedMs <= 0) return null;
  const shares: number[] = [];
  for (const [index, start] of before.entries()) {
    const end = after[index];
    if (start === undefined || end === undefined) return null;
    shares.push(Math.max(0, end.waitNs - start.waitNs) / (elapsedMs * 1e6));
  }
  return shares;
}

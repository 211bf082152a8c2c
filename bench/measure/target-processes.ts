import { readFileSync } from 'node:fs';

/**
 * Server-process figures of a target on this machine (`--target-pid`), read from /proc and
 * summed over the PIDs (nginx: master and workers). CPU is utime + stime in clock ticks; the
 * kernel's USER_HZ is 100 on every Linux the harness supports.
 */

const TICKS_PER_SECOND = 100;

export interface ProcessReading {
  /** User + system CPU of every PID, µs. */
  readonly cpuMicros: number;
  /** Resident set of every PID, bytes. */
  readonly rssBytes: number;
}

/** Reads every PID; throws naming the PID when one is gone or unreadable. */
export function readProcesses(pids: readonly number[]): ProcessReading {
  let ticks = 0;
  let rssBytes = 0;
  for (const pid of pids) {
    let stat: string;
    let status: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch (error) {
      throw new Error(
        `--target-pid ${pid}: cannot read /proc/${pid} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
    // Fields after the command name, which may hold spaces and parentheses: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    rssBytes += rss === null ? 0 : Number(rss[1]) * 1024;
  }
  return { cpuMicros: Math.round((ticks * 1e6) / TICKS_PER_SECOND), rssBytes };
}

/** The PIDs of `--target-pid 12,34`: positive integers, each once. */
export function parsePidList(text: string): number[] {
  const pids = text.split(',').map((part) => part.trim());
  const parsed = pids.map((part) => (/^[1-9]\d{0,9}$/.test(part) ? Number(part) : NaN));
  if (parsed.some((pid) => !Number.isSafeInteger(pid)))
    throw new RangeError(`must be process ids separated by commas, got ${JSON.stringify(text)}`);
  if (new Set(parsed).size !== parsed.length) throw new RangeError(`lists a process id twice: ${JSON.stringify(text)}`);
  return parsed;
}

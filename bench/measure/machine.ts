import { readFileSync } from 'node:fs';
import { arch, cpus, platform, release, totalmem, availableParallelism } from 'node:os';
import type { BenchEnvironment } from '../report/types.js';

export function describeEnvironment(): BenchEnvironment {
  return {
    node: process.version,
    platform: platform(),
    arch: arch(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    totalMemoryBytes: totalmem(),
    os: `${platform()} ${release()}`,
  };
}

/** Busy and total jiffies of the whole machine from /proc/stat; undefined where there is none. */
export function readMachineCpu(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const total = fields.reduce((sum, value) => sum + value, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** The share of all cores that was busy between two readings, 0–1. */
export function machineBusyShare(
  before: { busy: number; total: number } | undefined,
  after: { busy: number; total: number } | undefined,
): number | null {
  if (before === undefined || after === undefined || after.total <= before.total) return null;
  return (after.busy - before.busy) / (after.total - before.total);
}

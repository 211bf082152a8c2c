import { randomBytes } from 'node:crypto';

/**
 * A run's id: its UTC start time and a random suffix, `20251125-135400-3f9a`. Sorting ids
 * sorts runs by time; the suffix keeps two runs started in the same second apart.
 */
export function makeRunId(date: Date = new Date()): string {
  const iso = date.toISOString(); // 2025-11-25T13:54:00.123Z
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * Human numbers on the command line: counts accept `1k`/`2.5k`/`1m` (thousand, million);
 * durations accept `500ms`, `30s`, `2m`, `1h` (a bare number is in the flag's own unit);
 * sizes accept `256`, `4kb`, `1mb`, `64kib`. A bad text is an OptionError naming the flag and
 * the text: `--clients must be a count like 1000 or 1k, got "many"`.
 */
import { OptionError } from '../../wire/errors.js';

const COUNT_SUFFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6 };
const DURATION_SUFFIX: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_SUFFIX: Record<string, number> = { '': 1, b: 1, kb: 1000, mb: 1e6, kib: 1024, mib: 1024 * 1024 };

function parseWithSuffix(option: string, text: string, suffixes: Record<string, number>, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const multiplier = match === null ? undefined : suffixes[(match[2] ?? '').toLowerCase()];
  if (match === null || multiplier === undefined) throw new OptionError(option, `must be ${what}, got "${text}"`, text);
  return Number(match[1]) * multiplier;
}

/** `1000`, `1k`, `2.5k` → an integer count. */
export function parseCount(option: string, text: string): number {
  const value = parseWithSuffix(option, text, COUNT_SUFFIX, 'a count like 1000 or 1k');
  if (!Number.isInteger(value)) throw new OptionError(option, `must be a whole count, got "${text}" (${value})`, text);
  return value;
}

/** `30s`, `2m`, `500ms` → milliseconds; a bare number is in `bareUnit`. */
export function parseDuration(option: string, text: string, bareUnit: 'ms' | 's' = 'ms'): number {
  const suffixes = { ...DURATION_SUFFIX, '': bareUnit === 's' ? 1000 : 1 };
  return Math.round(
    parseWithSuffix(
      option,
      text,
      suffixes,
      `a duration like 30s, 2m or 500ms (a bare number is in ${bareUnit === 's' ? 'seconds' : 'milliseconds'})`,
    ),
  );
}

/** `256`, `4kb`, `64kib` → bytes. */
export function parseSize(option: string, text: string): number {
  const value = parseWithSuffix(option, text, SIZE_SUFFIX, 'a size like 256, 4kb or 64kib');
  if (!Number.isInteger(value)) throw new OptionError(option, `must be a whole number of bytes, got "${text}"`, text);
  return value;
}

/** `5%` or `0.05` → 0.05 (a share; the range is checked with the options). */
export function parseShare(option: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  if (match === null) throw new OptionError(option, `must be a share like 5% or 0.05, got "${text}"`, text);
  return match[2] === '%' ? Number(match[1]) / 100 : Number(match[1]);
}

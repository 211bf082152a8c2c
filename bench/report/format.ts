/**
 * Human units for figures in their stored units (see metrics.ts). Pure functions, no Node-only
 * imports: the terminal printer and the browser dashboard share them.
 */
import type { MetricUnit } from './metrics.js';

/** Microseconds as `850µs`, `12.3ms`, `4.20s`. */
export function formatMicros(us: number): string {
  if (us < 1000) return `${fixed(us, us < 10 ? 2 : us < 100 ? 1 : 0)}µs`;
  if (us < 1_000_000) return `${fixed(us / 1000, us < 10_000 ? 2 : us < 100_000 ? 1 : 0)}ms`;
  return `${fixed(us / 1_000_000, 2)}s`;
}

/** Milliseconds as `0.42ms`, `12.3ms`, `4.20s`. */
export function formatMillis(ms: number): string {
  return formatMicros(ms * 1000);
}

/** Bytes as `512B`, `1.5kB`, `94.2MB` (SI, as network tools report). */
export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs < 1000) return `${fixed(bytes, abs < 10 && !Number.isInteger(bytes) ? 1 : 0)}B`;
  if (abs < 1e6) return `${fixed(bytes / 1e3, abs < 1e4 ? 2 : abs < 1e5 ? 1 : 0)}kB`;
  if (abs < 1e9) return `${fixed(bytes / 1e6, abs < 1e7 ? 2 : abs < 1e8 ? 1 : 0)}MB`;
  return `${fixed(bytes / 1e9, 2)}GB`;
}

/** Whole counts with thousands separators: `1,234,567`. */
export function formatCount(value: number): string {
  if (!Number.isInteger(value)) return fixed(value, 2);
  return value.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A figure in its metric's stored unit; `null` (not measured) as `–`. */
export function formatMetric(value: number | null, unit: MetricUnit): string {
  if (value === null || !Number.isFinite(value)) return '–';
  switch (unit) {
    case 'us':
      return formatMicros(value);
    case 'ms':
      return formatMillis(value);
    case 'bytes':
      return formatBytes(value);
    case 'percent':
      return `${fixed(value, value < 10 ? 1 : 0)}%`;
    case 'per-second':
      return `${formatCount(Math.round(value))}/s`;
    case 'ratio':
      if (value === 0) return '0';
      return fixed(value, value < 0.01 ? 4 : value < 1 ? 3 : 2);
    case 'count':
      return formatCount(value);
  }
}

/** `10000` ms as `10s`, `90000` as `1m30s`, `500` as `500ms`. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${fixed(ms / 1000, ms % 1000 === 0 ? 0 : 1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`;
}

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

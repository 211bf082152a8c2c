/**
 * Every figure wirelab shows, in the terminal and in the dashboard, is written by these
 * functions, so the same figure reads the same everywhere. The convention (docs/metrics-harness.md):
 * the unit follows the number without a space; bytes are SI, as network tools count them
 * (`1.50kB` is 1,500 bytes, `94.2MB` is 94,200,000); times pick µs, ms or s to keep three
 * significant digits; counts have thousands separators; a figure that was not measured is `–`.
 * Pure functions, no Node-only imports: the browser dashboard imports this module.
 */
import type { MetricUnit } from './metrics.js';

/** What a figure that was not measured (or is not a finite number) shows as. */
export const NOT_MEASURED = '–';

type Figure = number | null | undefined;

function measured(value: Figure): value is number {
  return value !== null && value !== undefined && Number.isFinite(value);
}

/** Microseconds as `850µs`, `12.3ms`, `4.20s`. */
export function formatMicros(us: Figure): string {
  if (!measured(us)) return NOT_MEASURED;
  const abs = Math.abs(us);
  if (abs < 1000) return `${fixed(us, abs < 10 ? 2 : abs < 100 ? 1 : 0)}µs`;
  if (abs < 1_000_000) return `${fixed(us / 1000, abs < 10_000 ? 2 : abs < 100_000 ? 1 : 0)}ms`;
  return `${fixed(us / 1_000_000, 2)}s`;
}

/** Milliseconds as `0.42ms`, `12.3ms`, `4.20s`. */
export function formatMillis(ms: Figure): string {
  return measured(ms) ? formatMicros(ms * 1000) : NOT_MEASURED;
}

/** Bytes as `512B`, `1.50kB`, `94.2MB` (SI, as network tools report). */
export function formatBytes(bytes: Figure): string {
  if (!measured(bytes)) return NOT_MEASURED;
  const abs = Math.abs(bytes);
  if (abs < 1000) return `${fixed(bytes, abs < 10 && !Number.isInteger(bytes) ? 1 : 0)}B`;
  if (abs < 1e6) return `${fixed(bytes / 1e3, abs < 1e4 ? 2 : abs < 1e5 ? 1 : 0)}kB`;
  if (abs < 1e9) return `${fixed(bytes / 1e6, abs < 1e7 ? 2 : abs < 1e8 ? 1 : 0)}MB`;
  return `${fixed(bytes / 1e9, 2)}GB`;
}

/** Whole counts with thousands separators: `1,234,567`; other numbers with two decimals. */
export function formatCount(value: Figure): string {
  if (!measured(value)) return NOT_MEASURED;
  if (!Number.isInteger(value)) return fixed(value, 2);
  return value.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A percentage (0–100): `98%`, `4.5%`. */
export function formatPercent(value: Figure): string {
  return measured(value) ? `${fixed(value, Math.abs(value) < 10 ? 1 : 0)}%` : NOT_MEASURED;
}

/** A rate: `11,327/s`. */
export function formatPerSecond(value: Figure): string {
  return measured(value) ? `${formatCount(Math.round(value))}/s` : NOT_MEASURED;
}

/** A plain ratio: `0.109`, `1.00`; below 0.01 two significant digits (`0.0042`, `0.00005`: one request per 20,000 events is not 0). */
export function formatRatio(value: Figure): string {
  if (!measured(value)) return NOT_MEASURED;
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs < 0.01) return String(Number(value.toPrecision(2)));
  return fixed(value, abs < 1 ? 3 : 2);
}

/** A number without a unit, thousands separated, at most `digits` decimals: chart ticks and counts that are not whole. */
export function formatNumber(value: Figure, digits = 2): string {
  return measured(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : NOT_MEASURED;
}

/** A figure in its metric's stored unit (see metrics.ts). */
export function formatMetric(value: Figure, unit: MetricUnit): string {
  switch (unit) {
    case 'us':
      return formatMicros(value);
    case 'ms':
      return formatMillis(value);
    case 'bytes':
      return formatBytes(value);
    case 'percent':
      return formatPercent(value);
    case 'per-second':
      return formatPerSecond(value);
    case 'ratio':
      return formatRatio(value);
    case 'count':
      return formatCount(value);
  }
}

/** What a value under its measurement's resolution reads as, after `<resolution`. */
export const BELOW_RESOLUTION = 'below resolution';

/**
 * A figure with the resolution of its measurement: under it, `<1.05kB below resolution` instead
 * of a figure (RSS growth of 0 B per connection is not "costs nothing"); otherwise as formatMetric.
 */
export function formatFigure(value: Figure, unit: MetricUnit, resolution: Figure = null): string {
  if (measured(value) && measured(resolution) && Math.abs(value) < resolution)
    return `<${formatMetric(resolution, unit)} ${BELOW_RESOLUTION}`;
  return formatMetric(value, unit);
}

/** `10000` ms as `10s`, `90000` as `1m30s`, `500` as `500ms`. */
export function formatDurationMs(ms: Figure): string {
  if (!measured(ms)) return NOT_MEASURED;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${fixed(ms / 1000, ms % 1000 === 0 ? 0 : 1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`;
}

/** How a command-line setting is given: a count, a time whose bare number is ms or s, or bytes. */
export type SettingUnit = 'count' | 'ms' | 's' | 'bytes';

/**
 * A setting in the unit the user types it in, for messages about options: `0.1s` and `86400s`
 * for a flag counted in seconds, `250ms`, `2,097,152 bytes`, `1,000`.
 */
export function formatSetting(value: number, unit: SettingUnit): string {
  switch (unit) {
    case 's':
      return `${Number((value / 1000).toPrecision(6))}s`;
    case 'ms':
      return `${Number(value.toPrecision(9))}ms`;
    case 'bytes':
      return `${formatCount(value)} bytes`;
    case 'count':
      return formatCount(value);
  }
}

/** A tick of a time axis in ms, without trailing zeros: `0.5ms`, `2ms`, `1,000ms`. */
export function formatAxisMs(ms: number): string {
  return `${Number(ms.toPrecision(3)).toLocaleString('en-US', { maximumFractionDigits: 3 })}ms`;
}

/** Seconds elapsed as `m:ss` or `h:mm:ss`. */
export function formatClock(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  const mm = hours > 0 ? String(minutes).padStart(2, '0') : String(minutes);
  return `${hours > 0 ? `${hours}:` : ''}${mm}:${String(seconds).padStart(2, '0')}`;
}

/** An ISO time as `25 Nov 2025, 13:54:00`; the text itself when it is not a time. */
export function formatDate(iso: string | undefined): string {
  if (iso === undefined) return NOT_MEASURED;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString('en-GB', {
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** A change in percent: `+12.3%`, `−4.0%`, `±0%`, `+1,250%`; `from 0` when the base was 0; `–` when a side is missing. */
export function formatChange(changePercent: number | null): string {
  if (changePercent === null) return NOT_MEASURED;
  if (!Number.isFinite(changePercent)) return 'from 0';
  if (Math.abs(changePercent) < 0.05) return '±0%';
  const digits = Math.abs(changePercent) >= 1000 ? 0 : 1;
  const magnitude = Math.abs(changePercent)
    .toFixed(digits)
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${changePercent > 0 ? '+' : '−'}${magnitude}%`;
}

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

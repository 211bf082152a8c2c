/** Human figures with their units; every number the dashboard shows goes through here. */

/** Microseconds as milliseconds: `0.42 ms`, `12.3 ms`, `1 204 ms`. */
export function formatMicros(us: number | null | undefined): string {
  if (us === null || us === undefined || !Number.isFinite(us)) return '—';
  return `${formatMsNumber(us / 1000)} ms`;
}

export function formatMsNumber(ms: number): string {
  if (ms === 0) return '0';
  if (Math.abs(ms) < 1) return ms.toFixed(3);
  if (Math.abs(ms) < 10) return ms.toFixed(2);
  if (Math.abs(ms) < 100) return ms.toFixed(1);
  return Math.round(ms).toLocaleString('en-US');
}

/** A tick label in ms without trailing zeros: `0.5 ms`, `2 ms`, `1,000 ms`. */
export function formatAxisMs(ms: number): string {
  return `${Number(ms.toPrecision(3)).toLocaleString('en-US', { maximumFractionDigits: 3 })} ms`;
}

/** True for 1, 2 and 5 times a power of ten: the ticks a log axis should label. */
export function isOneTwoFive(value: number): boolean {
  if (!(value > 0)) return false;
  const mantissa = value / 10 ** Math.floor(Math.log10(value) + 1e-9);
  return [1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-6);
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const abs = Math.abs(bytes);
  if (abs < 1024) return `${Math.round(bytes * 10) / 10} B`;
  if (abs < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (abs < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

export function formatNumber(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function formatPercent(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return `${n.toFixed(1)} %`;
}

/** Seconds as `m:ss` or `h:mm:ss`. */
export function formatClock(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  const mm = hours > 0 ? String(minutes).padStart(2, '0') : String(minutes);
  return `${hours > 0 ? `${hours}:` : ''}${mm}:${String(seconds).padStart(2, '0')}`;
}

export function formatDurationMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatDate(iso: string | undefined): string {
  if (iso === undefined) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** `+12.3 %`, `−4.0 %`; null when the base is zero or either side is missing. */
export function deltaPercent(base: number | null | undefined, value: number | null | undefined): number | null {
  if (base === null || base === undefined || value === null || value === undefined) return null;
  if (!Number.isFinite(base) || !Number.isFinite(value)) return null;
  if (base === 0) return value === 0 ? 0 : null;
  return ((value - base) / Math.abs(base)) * 100;
}

export function formatDelta(delta: number | null): string {
  if (delta === null) return '—';
  if (Math.abs(delta) < 0.05) return '±0 %';
  return `${delta > 0 ? '+' : '−'}${Math.abs(delta).toFixed(1)} %`;
}

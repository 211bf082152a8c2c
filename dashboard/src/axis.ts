/**
 * Axis ticks at round values in the unit the labels show. Chart.js picks round numbers of the
 * raw value, which need not be round once formatted (a step of 250,000 bytes against a scale of
 * MB); these helpers pick round numbers of the shown unit (200kB) instead, and never a step below
 * one whole unit (no 0.2B).
 */
import type { ChartType, Plugin, Scale } from 'chart.js';

/** The unit formatBytes (bench/report/format.ts) shows for a value of this size: B, kB, MB or GB (SI), in bytes. */
export function byteUnitSize(max: number): number {
  const abs = Math.abs(max);
  if (abs < 1e3) return 1;
  if (abs < 1e6) return 1e3;
  if (abs < 1e9) return 1e6;
  return 1e9;
}

/** The smallest of 1, 2, 5 × 10^k (k ≥ 0) at least `raw`: a step that reads as a round number. */
export function niceStep(raw: number): number {
  if (!(raw > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw - 1e-9) return m * power;
  return 10 * power;
}

/** Ticks from 0 to at least `max`, about `count` steps, each a round number of `unit`s. */
export function roundTicks(max: number, unit: number, count = 5): number[] {
  const top = Math.max(max, unit);
  const step = niceStep(top / unit / count) * unit;
  const ticks: number[] = [];
  for (let value = 0; value < top + step - 1e-9; value += step) ticks.push(value);
  return ticks;
}

/** Scale options for a linear byte axis starting at 0: round kB/MB ticks, the top raised to the last one. */
export function byteTicks(): { afterBuildTicks: (scale: Scale) => void } {
  return {
    afterBuildTicks(scale: Scale) {
      const ticks = roundTicks(scale.max, byteUnitSize(scale.max));
      scale.ticks = ticks.map((value) => ({ value }));
      scale.min = 0;
      scale.max = ticks.at(-1) ?? scale.max;
    },
  };
}

/**
 * After each draw, `data-y-ticks` on the canvas holds the y axis's tick labels joined by `|`:
 * what a reader sees, for the tests.
 */
export function tickProbePlugin<T extends ChartType>(): Plugin<T> {
  return {
    id: 'wirelabTickProbe',
    afterDraw(chart) {
      const y = chart.scales.y;
      if (y === undefined) return;
      chart.canvas.dataset.yTicks = y.ticks.map((tick) => String(tick.label ?? '')).join('|');
    },
  };
}

/**
 * How the comparison table shows noise: a figure measured several times (`--repeat`) as its
 * median with the min–max spread beside it, a protocol whose figure is within the noise of the
 * best one marked `≈` (and grey), and a tail percentile resting on few samples marked `†`.
 * The rules are the noise model's (bench/report/noise.ts, docs/results.md "Noise").
 */
import { BELOW_RESOLUTION, formatCount, formatFigure, formatMetric } from '../report/format.js';
import type { MetricDefinition } from '../report/metrics.js';
import { FEW_TAIL_SAMPLES, figureOf, standings, type Figure, type Standing } from '../report/noise.js';
import type { BenchResult, ProtocolResult } from '../report/types.js';
import type { Palette } from './palette.js';

export const WITHIN_NOISE_MARK = '≈';
export const FEW_SAMPLES_MARK = '†';

/** One row's figures and where each protocol stands on it. */
export function rowFigures(metric: MetricDefinition, protocols: readonly ProtocolResult[]): { figures: Figure[]; standings: Standing[] } {
  const figures = protocols.map((protocol) => figureOf(metric, protocol));
  return { figures, standings: standings(figures, metric.better) };
}

/**
 * `1.20ms [1.05ms–1.41ms]`, `≈1.31ms [1.10ms–1.52ms]`, `4.66ms†`; a spread with nothing in it
 * (`10,000` every time) is left out, and so are the marks of a value below its measurement's
 * resolution (`<5.24kB below resolution`: there is nothing to rank). Plain text; the caller colours it.
 */
export function cellText(metric: MetricDefinition, figure: Figure, standing: Standing, protocol?: ProtocolResult): string {
  const resolution = figure.resolution ?? (protocol === undefined ? null : (metric.resolution?.(protocol) ?? null));
  const value = formatFigure(figure.value, metric.unit, resolution);
  if (value.endsWith(BELOW_RESOLUTION)) return value;
  const spread =
    figure.spread === null || figure.spread.min === figure.spread.max
      ? ''
      : ` [${formatMetric(figure.spread.min, metric.unit)}–${formatMetric(figure.spread.max, metric.unit)}]`;
  return `${standing === 'within-noise' ? WITHIN_NOISE_MARK : ''}${value}${figure.fewSamples ? FEW_SAMPLES_MARK : ''}${spread}`;
}

/** The lines under the table that say what its figures are. */
export function noiseLegend(result: BenchResult, c: Palette): string[] {
  const repetitions = Math.max(1, ...result.protocols.map((p) => p.repetitions?.length ?? 1));
  const lines: string[] = [];
  if (repetitions > 1) {
    lines.push(
      c.dim(
        `Each figure is the median of ${repetitions} repetitions, interleaved; [min–max] is the spread across them (none shown: all alike). ${WITHIN_NOISE_MARK} (grey): within the noise of the best protocol (the spreads overlap).`,
      ),
    );
  } else {
    lines.push(c.dim(`One repetition: the spread is unknown, so no difference here can be called noise or real (use --repeat 3 or more).`));
  }
  lines.push(
    c.dim(
      `${FEW_SAMPLES_MARK}: a tail percentile resting on fewer than ${formatCount(FEW_TAIL_SAMPLES)} samples beyond it: read it loosely.`,
    ),
  );
  return lines;
}

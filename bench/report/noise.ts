/**
 * The noise model: how far a figure moved across the repetitions of a protocol, whether two
 * figures differ by more than that, and whether a tail percentile rests on too few samples to
 * be read closely. No Node-only imports: the CLI, the dashboard and the HTML report share it.
 * The rules are written down in docs/results.md ("Noise").
 */
import type { MetricDefinition, MetricSense } from './metrics.js';
import type { ProtocolResult, RepetitionResult } from './types.js';

/**
 * A percentile `q` of `n` samples is set by the `n·(1−q)` slowest ones. With fewer than this
 * many beyond it, the count of samples out there varies between runs by about ±2√m (Poisson),
 * ±45 % at 20: the percentile is then an estimate to read loosely, and is marked.
 */
export const FEW_TAIL_SAMPLES = 20;

/** A change smaller than this (percent of the base) is shown and judged as no change. */
export const SAME_PERCENT = 0.05;

/** How far a figure moved across repetitions: the smallest and the largest value. */
export interface Spread {
  min: number;
  max: number;
  /** Repetitions that measured the figure (at least 2). */
  repetitions: number;
}

/** A figure as a comparison sees it. */
export interface Figure {
  /** The reported value: with repetitions, their median. Null when not measured. */
  value: number | null;
  /** Min–max across repetitions; null with a single repetition: the spread is unknown. */
  spread: Spread | null;
  /** For a percentile: samples beyond it, `n·(1−q)` of the summary's count; else null. */
  samplesBeyond: number | null;
  /** A percentile resting on fewer than {@link FEW_TAIL_SAMPLES} samples beyond it. */
  fewSamples: boolean;
  /** The smallest value the measurement tells from zero (the metric's `resolution`), or null when it is fine enough. */
  resolution?: number | null;
}

/** The figure's value is under its measurement's resolution: it reads "below resolution", not as a number. */
export function belowResolution(figure: Figure): boolean {
  const { value, resolution } = figure;
  return value !== null && resolution !== undefined && resolution !== null && Math.abs(value) < resolution;
}

/** The repetitions of a protocol's result; a result measured once is its own only repetition. */
export function repetitionsOf(result: ProtocolResult): readonly RepetitionResult[] {
  return result.repetitions !== undefined && result.repetitions.length > 0 ? result.repetitions : [result];
}

/** A metric's value, or null when it is not measured or not a finite number. */
export function readMetric(metric: MetricDefinition, result: RepetitionResult): number | null {
  try {
    const value = metric.get(result as ProtocolResult);
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  } catch {
    // A result written by an older version may lack a member the getter reads.
    return null;
  }
}

/** `n·(1−q)`: how many of `count` samples lie beyond the quantile `q`. */
export function samplesBeyond(quantile: number, count: number): number {
  return count * (1 - quantile);
}

export function figureOf(metric: MetricDefinition, result: ProtocolResult): Figure {
  const value = readMetric(metric, result);
  let spread: Spread | null = null;
  const repetitions = result.repetitions ?? [];
  if (repetitions.length >= 2) {
    const values = repetitions.map((repetition) => readMetric(metric, repetition)).filter((v): v is number => v !== null);
    if (values.length >= 2) spread = { min: Math.min(...values), max: Math.max(...values), repetitions: values.length };
  }
  let beyond: number | null = null;
  if (metric.tail !== undefined && value !== null) {
    const count = metric.tail.samples(result);
    if (count !== null && count > 0) beyond = samplesBeyond(metric.tail.quantile, count);
  }
  const resolution = metric.resolution?.(result) ?? null;
  return {
    value,
    spread,
    samplesBeyond: beyond,
    fewSamples: beyond !== null && beyond < FEW_TAIL_SAMPLES,
    ...(resolution === null ? {} : { resolution }),
  };
}

/** Two spreads share at least one value. */
export function spreadsOverlap(a: Spread, b: Spread): boolean {
  return a.min <= b.max && b.min <= a.max;
}

/** (b − a) ÷ |a| × 100; 0 when both are 0; ±Infinity when only the base is 0. */
export function changePercent(a: number, b: number): number {
  if (a === b) return 0;
  if (a === 0) return b > a ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  return ((b - a) / Math.abs(a)) * 100;
}

/**
 * - `better` / `worse`: moved by at least {@link SAME_PERCENT} in the metric's good / bad direction
 *   and outside the noise (or the spread is unknown: see `spreadKnown`);
 * - `within-noise`: the two spreads overlap;
 * - `same`: no change worth showing;
 * - `changed`: a neutral figure (a total, a setting) moved: no direction;
 * - `missing`: one side was not measured.
 */
export type Verdict = 'better' | 'worse' | 'within-noise' | 'same' | 'changed' | 'missing';

export interface Judgement {
  verdict: Verdict;
  /** See {@link changePercent}; null when a side is missing. */
  changePercent: number | null;
  /** Both sides have a spread. When false, a `better`/`worse` may still be noise: say "spread unknown". */
  spreadKnown: boolean;
}

/** Judges the change from `a` (the base, the older run) to `b`. */
export function judge(a: Figure, b: Figure, sense: MetricSense): Judgement {
  const spreadKnown = a.spread !== null && b.spread !== null;
  if (a.value === null || b.value === null) return { verdict: 'missing', changePercent: null, spreadKnown };
  const change = changePercent(a.value, b.value);
  if (Math.abs(change) < SAME_PERCENT) return { verdict: 'same', changePercent: change, spreadKnown };
  // Both under what the measurement resolves (0 B against 1.31 kB of RSS per connection): no change can be read.
  if (belowResolution(a) && belowResolution(b)) return { verdict: 'within-noise', changePercent: change, spreadKnown };
  if (a.spread !== null && b.spread !== null && spreadsOverlap(a.spread, b.spread))
    return { verdict: 'within-noise', changePercent: change, spreadKnown };
  if (sense === 'neutral') return { verdict: 'changed', changePercent: change, spreadKnown };
  const up = b.value > a.value;
  return { verdict: up === (sense === 'higher') ? 'better' : 'worse', changePercent: change, spreadKnown };
}

/**
 * Where each protocol of one run stands on one figure: `best`, `within-noise` of the best (their
 * spreads overlap), `behind`, or `none` (a neutral figure, a missing value, fewer than two
 * protocols to rank, or every protocol alike).
 */
export type Standing = 'best' | 'within-noise' | 'behind' | 'none';

export function standings(figures: readonly Figure[], sense: MetricSense): Standing[] {
  const measured = figures.filter((figure) => figure.value !== null);
  if (sense === 'neutral' || measured.length < 2) return figures.map(() => 'none');
  const pick = sense === 'higher' ? Math.max : Math.min;
  const bestValue = pick(...measured.map((figure) => figure.value as number));
  // All alike (every protocol 0 missed): nobody stands out.
  if (measured.every((figure) => figure.value === bestValue)) return figures.map(() => 'none');
  const best = measured.find((figure) => figure.value === bestValue)!;
  return figures.map((figure) => {
    if (figure.value === null) return 'none';
    if (figure.value === bestValue) return 'best';
    if (figure.spread !== null && best.spread !== null && spreadsOverlap(figure.spread, best.spread)) return 'within-noise';
    return 'behind';
  });
}

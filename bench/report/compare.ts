/**
 * Two runs compared, figure by figure and protocol by protocol: the change, its direction by
 * the metric's own sense, and whether it is within the noise (docs/results.md, "Noise"). No
 * Node-only imports: `npm run compare`, the dashboard's Δ table and the HTML report share it.
 */
import { findMetric, METRICS, type MetricDefinition } from './metrics.js';
import type { RecordedOptions } from '../options.js';
import { formatMetric } from './format.js';
import { describeNetwork } from './network-text.js';
import type { BenchResult, ProtocolResult } from './types.js';
import type { ProtocolName } from '../../wire/protocols.js';
import { figureOf, judge, type Figure, type Judgement } from './noise.js';

export interface ComparisonRow {
  metric: MetricDefinition;
  protocol: ProtocolName;
  /** The base (older) run's figure. */
  a: Figure;
  /** The other (newer) run's figure. */
  b: Figure;
  judgement: Judgement;
}

export interface RunSummary {
  id: string;
  startedAt: string;
  /** Repetitions per protocol: the most any protocol of the run has (1 without `--repeat`). */
  repetitions: number;
}

export interface Comparison {
  base: RunSummary;
  other: RunSummary;
  /** Protocols both runs measured, in the base run's order. */
  protocols: ProtocolName[];
  /** Protocols only one run measured. */
  onlyInBase: ProtocolName[];
  onlyInOther: ProtocolName[];
  /** One per metric (in METRICS order) and protocol, for the metrics asked for that either run measured. */
  rows: ComparisonRow[];
  /** Settings that change what the figures mean, where the runs differ: `clients 10 → 20`. */
  settingsDiffer: string[];
  /**
   * Protocols whose load generator was busier or starved in one run and not the other (its
   * run-queue wait changed beyond the noise, or it was saturated in one run only): latency and
   * connect-time changes there may be the machine's, not the server's.
   */
  machineDiffers: string[];
}

/** Settings that change what the figures mean: a comparison names those that differ. */
const COMPARED_SETTINGS: ReadonlyArray<readonly [string, string]> = [
  ['clients', 'clients'],
  ['rate', 'updates/s'],
  ['payload', 'payload bytes'],
  ['durationMs', 'duration ms'],
  ['scenario', 'scenario'],
  ['pollIntervalMs', 'poll interval ms'],
  ['longPollTimeoutMs', 'long-poll timeout ms'],
  ['workers', 'workers'],
  ['network', 'network'],
];

export interface CompareOptions {
  /** The metrics to compare (default: every metric). */
  metrics?: readonly MetricDefinition[];
}

/** Compares `other` against `base`, in that order (see {@link byTime} to order two runs by their start). */
export function compareResults(base: BenchResult, other: BenchResult, options: CompareOptions = {}): Comparison {
  const metrics = options.metrics ?? METRICS;
  const otherByProtocol = new Map(other.protocols.map((p) => [p.protocol, p] as const));
  const pairs = base.protocols.flatMap((p) => {
    const match = otherByProtocol.get(p.protocol);
    return match === undefined ? [] : [[p, match] as const];
  });
  const rows: ComparisonRow[] = [];
  for (const metric of metrics) {
    for (const [a, b] of pairs) {
      const figureA = figureOf(metric, a);
      const figureB = figureOf(metric, b);
      if (figureA.value === null && figureB.value === null) continue;
      rows.push({ metric, protocol: a.protocol, a: figureA, b: figureB, judgement: judge(figureA, figureB, metric.better) });
    }
  }
  const inOther = new Set(other.protocols.map((p) => p.protocol));
  const inBase = new Set(base.protocols.map((p) => p.protocol));
  return {
    base: summary(base),
    other: summary(other),
    protocols: pairs.map(([a]) => a.protocol),
    onlyInBase: base.protocols.map((p) => p.protocol).filter((p) => !inOther.has(p)),
    onlyInOther: other.protocols.map((p) => p.protocol).filter((p) => !inBase.has(p)),
    rows,
    settingsDiffer: settingsDiffer(base, other),
    machineDiffers: machineDiffers(pairs),
  };
}

const RUN_QUEUE = findMetric('generator.runQueueWait');
/** Without repetitions: the run-queue wait must move this many percentage points to name the machine. */
const UNREPEATED_WAIT_GAP_POINTS = 10;

function machineDiffers(pairs: ReadonlyArray<readonly [ProtocolResult, ProtocolResult]>): string[] {
  return pairs.flatMap(([a, b]) => {
    if (a.generator.saturated !== b.generator.saturated) {
      return [`${a.protocol}: the load generator was saturated in ${a.generator.saturated ? 'A' : 'B'} only`];
    }
    if (RUN_QUEUE === undefined) return [];
    const waitA = figureOf(RUN_QUEUE, a);
    const waitB = figureOf(RUN_QUEUE, b);
    if (waitA.value === null || waitB.value === null) return [];
    const { verdict, spreadKnown } = judge(waitA, waitB, RUN_QUEUE.better);
    if (verdict !== 'worse' && verdict !== 'better') return [];
    // Measured once, any change "differs": only a gap a quiet machine does not show (1.8% → 2.7% is not one) is named.
    if (!spreadKnown && Math.abs(waitB.value - waitA.value) < UNREPEATED_WAIT_GAP_POINTS) return [];
    return [
      `${a.protocol}: the load generator waited for a CPU ${formatMetric(waitA.value, RUN_QUEUE.unit)} → ${formatMetric(waitB.value, RUN_QUEUE.unit)} of the window (the machine was busier in ${verdict === 'worse' ? 'B' : 'A'})`,
    ];
  });
}

/** The two runs, older first (by `startedAt`, then id): a change is always read older → newer. */
export function byTime<T extends Pick<BenchResult, 'startedAt' | 'id'>>(runs: readonly T[]): T[] {
  return [...runs].sort((x, y) => {
    const dx = Date.parse(x.startedAt);
    const dy = Date.parse(y.startedAt);
    if (Number.isFinite(dx) && Number.isFinite(dy) && dx !== dy) return dx - dy;
    return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
  });
}

/**
 * The rows that gate: a chosen metric that got worse by more than `failOnPercent` and not within
 * the noise. With an unknown spread (one repetition) a change cannot be called noise, so it
 * counts. A mustBeZero figure that leaves zero (a change of +∞ %) always counts.
 */
export function regressions(comparison: Comparison, failOnPercent: number, metrics?: readonly MetricDefinition[]): ComparisonRow[] {
  const chosen = metrics === undefined ? undefined : new Set(metrics.map((m) => m.key));
  return comparison.rows.filter(
    (row) =>
      (chosen === undefined || chosen.has(row.metric.key)) &&
      row.judgement.verdict === 'worse' &&
      row.judgement.changePercent !== null &&
      Math.abs(row.judgement.changePercent) > failOnPercent,
  );
}

/**
 * The metrics a `--metric` selection names: a key (`latency.p99`, `latency.p99.9`) or a family
 * prefix (`latency`, `bandwidth`). Returns the names that match nothing in `unknown`.
 */
export function selectMetrics(names: readonly string[]): { metrics: MetricDefinition[]; unknown: string[] } {
  const picked = new Map<string, MetricDefinition>();
  const unknown: string[] = [];
  for (const name of names) {
    const exact = findMetric(name);
    const family = exact === undefined ? METRICS.filter((m) => m.key.startsWith(`${name}.`)) : [exact];
    if (family.length === 0) unknown.push(name);
    for (const m of family) picked.set(m.key, m);
  }
  return { metrics: METRICS.filter((m) => picked.has(m.key)), unknown };
}

/** By default `--fail-on` gates on the metrics the bench table shows that have a direction. */
export function defaultGateMetrics(): MetricDefinition[] {
  return METRICS.filter((m) => m.inTable && m.better !== 'neutral');
}

function summary(result: BenchResult): RunSummary {
  const repetitions = Math.max(1, ...result.protocols.map((p: ProtocolResult) => p.repetitions?.length ?? 1));
  return { id: result.id, startedAt: result.startedAt, repetitions };
}

function settingsDiffer(base: BenchResult, other: BenchResult): string[] {
  const a = base.options as unknown as Record<string, unknown>;
  const b = other.options as unknown as Record<string, unknown>;
  return COMPARED_SETTINGS.flatMap(([key, label]) =>
    JSON.stringify(a[key] ?? null) === JSON.stringify(b[key] ?? null)
      ? []
      : [`${label} ${describe(key, a[key])} → ${describe(key, b[key])}`],
  );
}

function describe(key: string, value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (key === 'network') return describeNetwork(value as NonNullable<RecordedOptions['network']>) || 'none';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

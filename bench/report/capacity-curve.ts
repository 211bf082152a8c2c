/**
 * Scenario `capacity`'s search as every view shows it: the terminal (bench/cli/capacity-print.ts),
 * the results view and the HTML report (the chart, dashboard/src/capacity-charts.ts). One table
 * of words for the failures and stops, and the curves in client order. Browser-safe.
 */
import type { BenchResult, CapacityCurvePoint, CapacitySearchFigures } from './types.js';

/** What failed first at a step, in words. */
export const CAPACITY_FAILURE_TEXT: Readonly<Record<string, string>> = Object.freeze({
  generator: 'the load generator saturated',
  connect: 'not every client connected',
  loss: 'updates were missed',
  latency: 'latency p99 passed the SLO',
});

/** Why the search ended, in words. */
export const CAPACITY_STOP_TEXT: Readonly<Record<string, string>> = Object.freeze({
  resolved: 'resolved',
  'max-clients': 'reached --max-clients',
  'time-budget': 'time budget spent',
  'failed-at-start': 'the first step failed',
});

/** The words after a lower-bound capacity. */
export const CAPACITY_LOWER_BOUND_TEXT = 'a lower bound: the generator, not the server, was the limit';

/** One protocol's search, its steps sorted by client count. */
export interface CapacityCurve {
  readonly protocol: string;
  readonly capacity: number;
  readonly firstFailure: CapacitySearchFigures['firstFailure'];
  readonly lowerBound: boolean;
  readonly stoppedBy: string;
  readonly points: readonly CapacityCurvePoint[];
}

/** Every protocol's search in a run, with the SLO they were judged by. */
export interface CapacityCurves {
  readonly sloP99Ms: number;
  readonly curves: readonly CapacityCurve[];
}

/** The run's capacity curves; null when it has no capacity search (another scenario). */
export function capacityCurves(result: Pick<BenchResult, 'protocols'>): CapacityCurves | null {
  const curves: CapacityCurve[] = [];
  let sloP99Ms: number | null = null;
  for (const p of result.protocols) {
    const search = p.capacitySearch;
    if (search === undefined || search === null) continue;
    sloP99Ms ??= search.slo.latencyP99Ms;
    curves.push({
      protocol: p.protocol,
      capacity: search.capacity,
      firstFailure: search.firstFailure,
      lowerBound: search.lowerBound,
      stoppedBy: search.stoppedBy,
      points: [...search.curve].sort((a, b) => a.clients - b.clients),
    });
  }
  return sloP99Ms === null ? null : { sloP99Ms, curves };
}

/** `2,500 failed: the load generator saturated`, or `no step failed`. */
export function capacityFailureText(search: Pick<CapacitySearchFigures, 'firstFailure'>, count: (n: number) => string): string {
  const failure = search.firstFailure;
  if (failure === null) return 'no step failed';
  return `${count(failure.clients)} failed: ${CAPACITY_FAILURE_TEXT[failure.failedBy] ?? failure.failedBy}`;
}

/** The server's CPU per client per update at the capacity step (else the first step), in µs; null when not measured. */
export function cpuPerClientUpdateAtCapacity(curve: Pick<CapacityCurve, 'capacity' | 'points'>): number | null {
  const at = curve.points.find((point) => point.clients === curve.capacity) ?? curve.points[0];
  return at?.serverCpuMicrosPerClientUpdate ?? null;
}

/** The two charts' titles and help, the same in the results view and the HTML report. */
export const CAPACITY_CHART_TEXT = Object.freeze({
  sectionTitle: 'Capacity under the SLO',
  latencyTitle: 'Capacity curve: latency by client count',
  latencyHelp: (sloP99Ms: string): string =>
    `Each point is one step of the search: latency p50 (solid) and p99 (dashed) per protocol; a cross is a step that failed. Red: the SLO (p99 < ${sloP99Ms}). A dashed line in a protocol's colour: its capacity, the last passing count (≥: a lower bound, the generator was the limit).`,
  cpuTitle: 'Server CPU per client per update',
  cpuHelp:
    "The server's CPU over each step's window divided by clients × updates: the cost of fanning one update out to one client. At small counts the server's fixed costs are spread over few clients and it reads higher.",
});

/** One protocol's verdict in words, in parts a page can style: `2,250 clients`, `(2,500 failed: …; resolved)`, the lower-bound note, the CPU cost. */
export function capacityVerdictParts(
  curve: CapacityCurve,
  format: { count: (n: number) => string; micros: (us: number | null) => string },
): { capacity: string; detail: string; lowerBound: string | null; cpu: string } {
  return {
    capacity: `${format.count(curve.capacity)} clients`,
    detail: `(${capacityFailureText(curve, format.count)}; ${CAPACITY_STOP_TEXT[curve.stoppedBy] ?? curve.stoppedBy})`,
    lowerBound: curve.lowerBound ? CAPACITY_LOWER_BOUND_TEXT : null,
    cpu: `server CPU ${format.micros(cpuPerClientUpdateAtCapacity(curve))} per client per update`,
  };
}

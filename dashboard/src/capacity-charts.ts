/**
 * Scenario `capacity`'s two charts, drawn the same way in the results view and in the one-file
 * HTML report: clients → latency p50/p99 per protocol with the SLO line and each protocol's
 * capacity marked, and clients → the server's CPU per client per update. Both x axes are the
 * client count on a log scale: the search doubles, so its steps sit evenly.
 */
import type { ChartConfiguration, Plugin, Scale, TooltipItem } from 'chart.js';
import { CAPACITY_FAILURE_TEXT, type CapacityCurves } from '../../bench/report/capacity-curve.js';
import { formatAxisMs, formatCount, formatMicros, formatMillis } from '../../bench/report/format.js';
import { dropMarkerPlugin, isOneTwoFive, type DropMarker } from './charts.js';
import { protocolColour, protocolLabel } from './protocols.js';

/** The status red: the SLO is a limit, not a protocol. */
const SLO_COLOUR = '#dc2626';
const MARKER_LEGEND_COLOUR = '#6b7280';

type Point = { x: number; y: number | null };
type LineConfig = ChartConfiguration<'line', Point[]>;

/**
 * Ticks of a log client axis at 1, 2 and 5 × 10^k inside the data's range, so every label is a
 * round count; a range narrower than that (10 to 40 clients) also gets 3, 4, 6 and 8 × 10^k.
 */
function clientTicks(scale: Scale): void {
  const within = (mantissas: readonly number[]): Array<{ value: number }> => {
    const ticks: Array<{ value: number }> = [];
    for (let power = 10 ** Math.floor(Math.log10(Math.max(1, scale.min))); power <= scale.max; power *= 10) {
      for (const m of mantissas) {
        const value = m * power;
        if (value >= scale.min - 1e-9 && value <= scale.max + 1e-9) ticks.push({ value });
      }
    }
    return ticks;
  };
  const round = within([1, 2, 5]);
  const ticks = round.length >= 3 ? round : within([1, 2, 3, 4, 5, 6, 8]);
  if (ticks.length >= 2) scale.ticks = ticks;
}

function clientAxis(min: number, max: number) {
  return {
    type: 'logarithmic' as const,
    // A little room either side so the first and last steps are not on the frame.
    min: min / 1.15,
    max: max * 1.15,
    title: { display: true, text: 'clients (log scale)' },
    afterBuildTicks: clientTicks,
    ticks: { callback: (value: number | string) => formatCount(Number(value)), maxRotation: 0, autoSkip: true, autoSkipPadding: 8 },
  };
}

function clientRange(curves: CapacityCurves): [number, number] {
  const counts = curves.curves.flatMap((curve) => curve.points.map((point) => point.clients)).filter((n) => n > 0);
  if (counts.length === 0) return [1, 10];
  return [Math.min(...counts), Math.max(...counts)];
}

/** A pass is a dot, a failed step a cross. */
function stepStyle(failed: boolean): 'circle' | 'crossRot' {
  return failed ? 'crossRot' : 'circle';
}

/** A legend click shows or hides every line of that entry's protocol (its p50 and p99 share one entry). */
function groupLegend(
  chart: {
    data: { datasets: Array<{ label?: string }> };
    isDatasetVisible(i: number): boolean;
    setDatasetVisibility(i: number, v: boolean): void;
    update(): void;
  },
  text: string,
): void {
  const members = chart.data.datasets.flatMap((d, i) => (d.label === text || d.label === `${text} p99` ? [i] : []));
  const visible = members.some((i) => chart.isDatasetVisible(i));
  for (const i of members) chart.setDatasetVisibility(i, !visible);
  chart.update();
}

/**
 * After each draw the canvas carries what a reader would see, for the tests: `data-drawn`,
 * `data-legend` (the legend's entries joined by `|`) and `data-points` (points drawn with a value).
 */
export function chartProbePlugin(): Plugin<'line'> {
  return {
    id: 'wirelabChartProbe',
    afterRender(chart) {
      const canvas = chart.canvas;
      canvas.dataset.drawn = 'true';
      canvas.dataset.legend = (chart.legend?.legendItems ?? []).map((item) => item.text).join('|');
      let points = 0;
      chart.data.datasets.forEach((dataset, i) => {
        if (!chart.isDatasetVisible(i)) return;
        for (const point of dataset.data as Point[]) if (point !== null && point.y !== null) points += 1;
      });
      canvas.dataset.points = String(points);
    },
  };
}

/** Clients → latency p50 (solid) and p99 (dashed) per protocol, the SLO as a red line, each protocol's capacity as a dashed line. */
export function capacityLatencyConfig(curves: CapacityCurves): LineConfig {
  const [min, max] = clientRange(curves);
  const datasets: LineConfig['data']['datasets'] = [];
  for (const curve of curves.curves) {
    const colour = protocolColour(curve.protocol);
    const label = protocolLabel(curve.protocol);
    const ms = (us: number | null) => (us === null || us <= 0 ? null : us / 1000);
    const styles = curve.points.map((point) => stepStyle(point.failedBy !== null));
    const common = {
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: 2,
      pointStyle: styles,
      pointRadius: 3.5,
      pointHoverRadius: 5,
      tension: 0,
      spanGaps: true,
    };
    datasets.push({ ...common, label, data: curve.points.map((point) => ({ x: point.clients, y: ms(point.latencyP50Us) })) });
    datasets.push({
      ...common,
      label: `${label} p99`,
      borderDash: [6, 4],
      data: curve.points.map((point) => ({ x: point.clients, y: ms(point.latencyP99Us) })),
    });
  }
  const sloLabel = `SLO: p99 < ${formatMillis(curves.sloP99Ms)}`;
  datasets.push({
    label: sloLabel,
    data: [
      { x: min / 1.15, y: curves.sloP99Ms },
      { x: max * 1.15, y: curves.sloP99Ms },
    ],
    borderColor: SLO_COLOUR,
    backgroundColor: SLO_COLOUR,
    borderDash: [3, 3],
    borderWidth: 1.5,
    pointRadius: 0,
    pointHitRadius: 0,
  });
  const markers: DropMarker[] = curves.curves
    .filter((curve) => curve.capacity > 0)
    .map((curve) => ({
      x: curve.capacity,
      label: `${protocolLabel(curve.protocol)} ${formatCount(curve.capacity)}${curve.lowerBound ? ' ≥' : ''}`,
      colour: protocolColour(curve.protocol),
    }));
  // Only for the legend: the capacity lines are drawn by the marker plugin.
  if (markers.length > 0)
    datasets.push({
      label: 'capacity (last pass)',
      data: [],
      borderColor: MARKER_LEGEND_COLOUR,
      backgroundColor: MARKER_LEGEND_COLOUR,
      borderDash: [4, 3],
      borderWidth: 1.5,
      pointRadius: 0,
    });
  const byLabel = new Map(curves.curves.map((curve) => [protocolLabel(curve.protocol), curve]));
  return {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      interaction: { mode: 'nearest', intersect: false },
      scales: {
        x: clientAxis(min, max),
        y: {
          type: 'logarithmic',
          title: { display: true, text: 'latency (ms, log scale)' },
          ticks: { callback: (v) => (isOneTwoFive(Number(v)) ? formatAxisMs(Number(v)) : ''), autoSkip: false },
        },
      },
      plugins: {
        legend: {
          position: 'bottom',
          labels: { boxWidth: 14, boxHeight: 2, filter: (item) => !/ p99$/.test(item.text) },
          onClick: (_event, item, legend) => groupLegend(legend.chart, item.text),
        },
        tooltip: {
          callbacks: {
            title: (items) => `${formatCount(items[0]?.parsed.x ?? 0)} clients`,
            label: (item: TooltipItem<'line'>) => {
              const name = item.dataset.label ?? '';
              const curve = byLabel.get(name.replace(/ p99$/, ''));
              const point = curve?.points.find((p) => p.clients === item.parsed.x);
              const value = `${name.endsWith(' p99') ? name : `${name} p50`}: ${formatMillis(item.parsed.y)}`;
              if (point === undefined || !name.endsWith(' p99')) return value;
              return `${value} (${point.failedBy === null ? 'pass' : `fail: ${CAPACITY_FAILURE_TEXT[point.failedBy] ?? point.failedBy}`})`;
            },
          },
        },
      },
    },
    plugins: [dropMarkerPlugin(() => markers, 'capacityMarkers'), chartProbePlugin()],
  };
}

/** Clients → the server's CPU per client per update (µs) per protocol: the fan-out's cost, which carries to another machine. */
export function capacityCpuConfig(curves: CapacityCurves): LineConfig {
  const [min, max] = clientRange(curves);
  const datasets: LineConfig['data']['datasets'] = curves.curves.map((curve) => {
    const colour = protocolColour(curve.protocol);
    return {
      label: protocolLabel(curve.protocol),
      data: curve.points.map((point) => ({ x: point.clients, y: point.serverCpuMicrosPerClientUpdate })),
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: 2,
      pointStyle: curve.points.map((point) => stepStyle(point.failedBy !== null)),
      pointRadius: 3.5,
      pointHoverRadius: 5,
      tension: 0,
      spanGaps: true,
    };
  });
  const tick = (v: number) => formatMicros(v).replace(/\.0+(?=\D|$)/, '');
  return {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      interaction: { mode: 'nearest', intersect: false },
      scales: {
        x: clientAxis(min, max),
        y: {
          type: 'linear',
          beginAtZero: true,
          title: { display: true, text: 'µs per client per update' },
          ticks: { callback: (v) => tick(Number(v)), maxTicksLimit: 6 },
        },
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 14, boxHeight: 2 } },
        tooltip: {
          callbacks: {
            title: (items) => `${formatCount(items[0]?.parsed.x ?? 0)} clients`,
            label: (item: TooltipItem<'line'>) =>
              `${item.dataset.label ?? ''}: ${formatMicros(item.parsed.y)} of server CPU per client per update`,
          },
        },
      },
    },
    plugins: [chartProbePlugin()],
  };
}

/**
 * The HTML report's own script, bundled into the page by html-report-file.ts: draws each chart
 * of the embedded report data with Chart.js. Every label goes through bench/format.ts, the
 * formatter of the CLI table, so the charts and the tables of the report read alike.
 */
import '../../../dashboard/src/style.css';
import './report.css';
import { Chart, dropMarkerPlugin, isOneTwoFive } from '../../../dashboard/src/charts.js';
import { formatBytes, formatCount, formatMetric, formatMillis } from '../format.js';
import type { AxisUnit, ReportAxis, ReportChart, ReportData } from '../html-report.js';
import { capacityCpuConfig, capacityLatencyConfig } from '../../../dashboard/src/capacity-charts.js';
import { CAPACITY_CHART_IDS } from '../capacity-report.js';

declare global {
  interface Window {
    /** For tests and the curious: the charts this page drew. */
    __wirelabReport?: { charts: string[]; errors: string[] };
  }
}

function label(unit: AxisUnit, value: number): string {
  switch (unit) {
    case 'ms':
      return formatMillis(value);
    case 'bytes':
      return formatBytes(value);
    case 'bytes-per-second':
      return `${formatBytes(value)}/s`;
    case 'per-second':
      return formatMetric(value, 'per-second');
    case 'count':
      return formatCount(value);
    case 'percent':
      return formatMetric(value, 'percent');
  }
}

/** A tick reads `50kB/s`, `2ms`, `0%`: the figure's own format without the zeros a round tick does not need. */
function tickLabel(unit: AxisUnit, value: number): string {
  return label(unit, value).replace(/\.0+(?=\D|$)/, '');
}

function axis(spec: ReportAxis, position: 'left' | 'right') {
  return {
    type: spec.log === true ? ('logarithmic' as const) : ('linear' as const),
    position,
    beginAtZero: spec.log !== true,
    title: { display: true, text: spec.title },
    ...(position === 'right' ? { grid: { drawOnChartArea: false } } : {}),
    ...(spec.integer === true ? { suggestedMax: 1 } : {}),
    ticks: {
      callback: (value: number | string) => (spec.log === true && !isOneTwoFive(Number(value)) ? '' : tickLabel(spec.unit, Number(value))),
      ...(spec.log === true ? { autoSkip: false } : { maxTicksLimit: 6 }),
      ...(spec.integer === true ? { precision: 0 } : {}),
    },
  };
}

function draw(spec: ReportChart, canvas: HTMLCanvasElement): Chart {
  const labels = spec.x.labels;
  const dash = (line: string | undefined) => (line === 'dashed' ? [6, 4] : line === 'dotted' ? [2, 3] : []);
  const datasets = spec.datasets.map((d) => ({
    label: d.label,
    data: d.points.map(([x, y]) => ({ x, y })),
    borderColor: d.colour,
    backgroundColor: d.fill ?? d.colour,
    fill: d.fill === undefined ? false : ('origin' as const),
    borderDash: dash(d.line),
    borderWidth: 2,
    pointRadius: 0,
    pointHitRadius: 6,
    // A null is a second without a value, or the break between two stretches of a protocol.
    spanGaps: false,
    tension: 0,
    yAxisID: d.axis ?? 'y',
  }));
  if (spec.markers.length > 0)
    datasets.push({
      label: 'drop',
      data: [],
      borderColor: '#dc2626',
      backgroundColor: '#dc2626',
      fill: false,
      borderDash: [4, 3],
      borderWidth: 1.5,
      pointRadius: 0,
      pointHitRadius: 0,
      spanGaps: true,
      tension: 0,
      yAxisID: 'y',
    });
  return new Chart(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      parsing: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x:
          spec.kind === 'percentile'
            ? {
                type: 'logarithmic',
                min: spec.x.min ?? 1,
                title: { display: true, text: spec.x.title },
                ticks: { autoSkip: false, maxRotation: 0, callback: (value) => labels?.[String(Math.round(Number(value)))] ?? '' },
              }
            : {
                type: 'linear',
                ...(spec.x.min === undefined ? {} : { min: spec.x.min }),
                ...(spec.x.max === undefined ? {} : { max: spec.x.max }),
                title: { display: true, text: spec.x.title },
                ticks: { callback: (value) => `${value} s`, maxTicksLimit: 10 },
              },
        y: axis(spec.y, 'left'),
        ...(spec.y1 === undefined ? {} : { y1: axis(spec.y1, 'right') }),
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 14, boxHeight: 2 } },
        tooltip: {
          callbacks: {
            label: (item) => {
              const unit = item.dataset.yAxisID === 'y1' && spec.y1 !== undefined ? spec.y1.unit : spec.y.unit;
              return `${item.dataset.label ?? ''}: ${item.parsed.y === null ? '–' : label(unit, item.parsed.y)}`;
            },
          },
        },
      },
    },
    plugins: [
      dropMarkerPlugin(() => spec.markers),
      { id: 'wirelabDrawn', afterRender: (chart) => void (chart.canvas.dataset.drawn = 'true') },
    ],
  });
}

const probe = { charts: [] as string[], errors: [] as string[] };
window.__wirelabReport = probe;
const source = document.getElementById('wirelab-report-data');
const data = JSON.parse(source?.textContent ?? '{"charts":[]}') as ReportData;
for (const spec of data.charts) {
  const canvas = document.querySelector<HTMLCanvasElement>(`canvas[data-chart="${spec.id}"]`);
  if (canvas === null) continue;
  try {
    draw(spec, canvas);
    probe.charts.push(spec.id);
  } catch (error) {
    probe.errors.push(`${spec.id}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
// Scenario capacity: the same two charts as the results view.
const capacity = data.capacity ?? null;
if (capacity !== null) {
  for (const [id, config] of [
    [CAPACITY_CHART_IDS.latency, capacityLatencyConfig(capacity)],
    [CAPACITY_CHART_IDS.cpu, capacityCpuConfig(capacity)],
  ] as const) {
    const canvas = document.querySelector<HTMLCanvasElement>(`canvas[data-chart="${id}"]`);
    if (canvas === null) continue;
    try {
      new Chart(canvas, config);
      probe.charts.push(id);
    } catch (error) {
      probe.errors.push(`${id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
document.body.dataset.ready = 'true';

/**
 * The one-file HTML report of a run (`npm run report -- RUN.json`): the comparison table
 * rendered here as HTML, and the chart data (percentile curves decoded from the stored HDR
 * histograms, the per-second time series, the reconnect timelines) handed to the page's own
 * script as JSON. No Node-only imports: html-report-file.ts bundles the page script and writes
 * the file. Readable offline: a Content-Security-Policy lets the page load nothing at all.
 */
import { percentileCurve, percentileLabel } from '../../dashboard/src/results/percentiles.js';
import { protocolColour, protocolLabel, withAlpha } from '../../dashboard/src/protocols.js';
import { formatCount, formatDurationMs, formatMetric } from './format.js';
import { METRICS, type MetricDefinition } from './metrics.js';
import { describeNetwork } from './network-text.js';
import type { RecordedOptions } from '../options.js';
import type { BenchResult, ProtocolResult, TimeseriesPoint } from './types.js';
import { FEW_TAIL_SAMPLES, figureOf, standings, type Figure, type Standing } from './noise.js';
import { sectionOf } from './sections.js';
import { capacityCurves, type CapacityCurves } from './capacity-curve.js';
import { capacityReportSection } from './capacity-report.js';
import { esc } from './html-escape.js';

/** How the page labels an axis (bench/format.ts does the formatting there too). */
export type AxisUnit = 'ms' | 'bytes' | 'bytes-per-second' | 'per-second' | 'count' | 'percent';

export interface ReportAxis {
  unit: AxisUnit;
  title: string;
  log?: boolean;
  /** Whole numbers only (clients, attempts per second). */
  integer?: boolean;
}

export interface ReportDataset {
  label: string;
  colour: string;
  /** `dashed` for a protocol's second line, `dotted` for its third. */
  line?: 'solid' | 'dashed' | 'dotted';
  fill?: string;
  axis?: 'y' | 'y1';
  /** [x, y]; y null where nothing was measured that second. */
  points: Array<[number, number | null]>;
}

export interface ReportChart {
  id: string;
  kind: 'percentile' | 'time';
  x: { title: string; min?: number; max?: number; labels?: Record<string, string> };
  y: ReportAxis;
  y1?: ReportAxis;
  datasets: ReportDataset[];
  /** Dashed red lines where the harness cut connections (x in seconds). */
  markers: Array<{ x: number; label: string; colour: string }>;
}

export interface ReportData {
  runId: string;
  charts: ReportChart[];
  /** Scenario `capacity`: the curves its two charts draw (dashboard/src/capacity-charts.ts); null for other scenarios. */
  capacity: CapacityCurves | null;
}

/** The status red: a drop is a disconnection, not a protocol. */
const DROP_COLOUR = '#dc2626';
const DROP_LABEL: Record<string, string> = {
  drop: 'drop',
  restart: 'restart',
  'net-reset': 'reset',
  failover: 'failover',
  'broker-restart': 'broker restart',
  'client-close': 'clients closed',
};

/** The charts' data: every number the page draws, computed here. */
export function reportData(result: BenchResult): ReportData {
  const charts: ReportChart[] = [];
  const percentiles = percentileChart(result);
  if (percentiles !== undefined) charts.push(percentiles);
  charts.push(...timeseriesCharts(result));
  charts.push(...result.protocols.flatMap((p) => timelineChart(result, p)));
  return { runId: result.id, charts, capacity: capacityCurves(result) };
}

interface ChartBox {
  id: string;
  title: string;
  help: string;
  wide?: boolean;
}

/** The whole page. `page` is the bundled script and style (html-report-file.ts). */
export function renderHtmlReport(result: BenchResult, page: { script: string; style: string }, generatedAt: Date = new Date()): string {
  const data = reportData(result);
  const drawn = new Set(data.charts.map((chart) => chart.id));
  const box = (spec: ChartBox): string =>
    drawn.has(spec.id)
      ? `<figure class="chart-box${spec.wide === true ? ' wide' : ''}" data-testid="${esc(spec.id)}"><figcaption><strong>${esc(spec.title)}</strong><span class="chart-help">${esc(spec.help)}</span></figcaption><div class="chart-holder"><canvas data-chart="${esc(spec.id)}" role="img" aria-label="${esc(`${spec.title}: ${spec.help}`)}"></canvas></div></figure>`
      : '';
  const reconnecting = result.protocols.filter((p) => p.reconnect !== null && p.reconnect !== undefined);
  const body = [
    `<header class="top"><h1>wirelab</h1><p class="tagline">report of run ${esc(result.id)}</p></header>`,
    '<main>',
    runHeader(result),
    '<section class="panel"><h2>Protocols side by side</h2>',
    comparisonTable(
      result,
      METRICS.filter((m) => m.inTable),
      'report-table',
    ),
    `<details class="every-metric"><summary>Every other metric</summary>${comparisonTable(
      result,
      METRICS.filter((m) => !m.inTable),
      'report-table-more',
    )}</details>`,
    notes(result),
    '</section>',
    data.capacity === null ? '' : capacityReportSection(data.capacity),
    '<section class="panel"><h2>Latency by percentile</h2>',
    drawn.has('chart-percentiles')
      ? box({
          id: 'chart-percentiles',
          title: 'Delivery latency by percentile (ms)',
          help: 'One-way delivery latency at each percentile, from the HDR histograms stored in the result. Read right for the tail: 99% means 1 update in 100 was slower.',
          wide: true,
        })
      : '<p class="empty">No latency was recorded in this run.</p>',
    '</section>',
    '<section class="panel"><h2>Second by second</h2><p class="chart-help">One point per second per protocol; the protocols ran one after another, so their lines follow each other. x: seconds since the run started.</p><div class="charts-grid">',
    box({ id: 'series-latency', title: 'Delivery latency (ms)', help: 'Over each second: p50 solid, p99 dashed. Log scale.' }),
    box({ id: 'series-messages', title: 'Messages received (per second)', help: 'Updates received per second, all clients together.' }),
    box({
      id: 'series-bytes',
      title: 'Bandwidth (bytes per second)',
      help: 'Bytes read and written at the client sockets, headers and framing included.',
    }),
    box({
      id: 'series-connected',
      title: 'Connected clients',
      help: 'Clients whose connection is up. Red dashed lines: drops the harness caused.',
    }),
    box({ id: 'series-cpu', title: 'CPU (% of one core)', help: 'Server process solid, load generator dashed.' }),
    box({ id: 'series-rss', title: 'Server memory (RSS)', help: 'Resident memory of the server process.' }),
    drawn.has('series-latency') ? '' : '<p class="empty">No time series was recorded in this run.</p>',
    '</div></section>',
    '<section class="panel"><h2>Reconnect timeline</h2>',
    reconnecting.length === 0
      ? `<p class="empty" data-testid="no-reconnect">No drops in this run (scenario ${esc(String(result.options.scenario ?? result.protocols[0]?.scenario ?? '–'))}): nothing to draw. Scenario reconnect, or --net-reset-every, cuts connections and measures the way back.</p>`
      : `<p class="chart-help">Per protocol: connected clients (solid, left axis), reconnect attempts the clients started per second (dashed) and connections or poll requests the server accepted per second (dotted, right axis); a dashed red line at each drop.</p><div class="charts-grid reconnect-charts">${reconnecting.map((p) => box({ id: `timeline-${p.protocol}`, title: `Reconnect timeline: ${protocolLabel(p.protocol)}`, help: `${formatCount(p.reconnect!.drops)} drop(s); recovery p50 ${formatMetric(p.reconnect!.recovery.count > 0 ? p.reconnect!.recovery.p50 : null, 'us')}, p99 ${formatMetric(p.reconnect!.recovery.count > 0 ? p.reconnect!.recovery.p99 : null, 'us')}.` })).join('')}</div>`,
    '</section>',
    `<footer class="report-footer">Written by wirelab on ${esc(generatedAt.toISOString())} from ${esc(result.id)}.json. This file is self-contained: it loads nothing from any network.</footer>`,
    '</main>',
  ].join('\n');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>wirelab report: ${esc(result.id)}</title>`,
    `<link rel="icon" href="data:,">`,
    `<style>${page.style.replace(/<\/style/gi, '<\\/style')}</style>`,
    '</head>',
    '<body data-view="report">',
    body,
    `<script type="application/json" id="wirelab-report-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`,
    `<script>${page.script.replace(/<\/script/gi, '<\\/script')}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function runHeader(result: BenchResult): string {
  const o = result.options as Partial<RecordedOptions>;
  const repetitions = Math.max(1, ...result.protocols.map((p) => p.repetitions?.length ?? 1));
  const network = o.network ?? null;
  const facts: Array<[string, string]> = [
    ['started', result.startedAt],
    ['duration', formatDurationMs(result.durationMs)],
    ['clients', typeof o.clients === 'number' ? `${formatCount(o.clients)} per protocol` : '–'],
    [
      'feed',
      typeof o.rate === 'number'
        ? `${formatCount(o.rate)} updates/s × ${formatMetric(typeof o.payload === 'number' ? o.payload : null, 'bytes')}`
        : '–',
    ],
    [
      'window',
      typeof o.durationMs === 'number'
        ? `${formatDurationMs(o.durationMs)} per protocol (+${formatDurationMs(o.warmupMs ?? 0)} warm-up)`
        : '–',
    ],
    ['scenario', String(o.scenario ?? result.protocols[0]?.scenario ?? '–')],
    [
      'repetitions',
      repetitions === 1 ? '1 per protocol (spread unknown)' : `${repetitions} per protocol: figures are medians, [min–max] their spread`,
    ],
    ['network', network === null ? 'left alone' : describeNetwork(network)],
    ['target', `${result.target.url}${result.target.spawned ? ' (spawned)' : ''}`],
    ['machine', `${result.environment.cpuModel} × ${result.environment.cores}, ${result.environment.os}, Node ${result.environment.node}`],
  ];
  const badges = [
    `<span class="badge ${result.passed ? 'good' : 'bad'}">${result.passed ? 'thresholds passed' : 'a threshold failed'}</span>`,
  ];
  if (result.suspect)
    badges.push(
      '<span class="badge warn" title="the load generator was saturated: some figures may understate the protocol">suspect</span>',
    );
  if (result.partial === true)
    badges.push(
      '<span class="badge warn" data-testid="partial" title="interrupted: only the protocols that finished are here">partial</span>',
    );
  return `<section class="panel run-summary"><div class="run-header"><h2>Run ${esc(result.id)}</h2><div class="badges">${badges.join(' ')}</div></div><dl class="facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl></section>`;
}

/** One column per protocol; the best protocol of each directional row bold, those within its noise marked ≈. */
function comparisonTable(result: BenchResult, metrics: readonly MetricDefinition[], testId: string): string {
  const protocols = result.protocols;
  const failing = new Set(result.thresholds.filter((t) => !t.passed).map((t) => `${t.protocol}|${t.metric}`));
  const head = `<tr><th>Metric</th>${protocols.map((p) => `<th class="num"><span class="protocol-chip" style="--protocol:${protocolColour(p.protocol)}">${esc(protocolLabel(p.protocol))}</span></th>`).join('')}</tr>`;
  const rows: string[] = [];
  let section = '';
  for (const metric of metrics) {
    const figures = protocols.map((p) => figureOf(metric, p));
    if (figures.every((f) => f.value === null)) continue;
    const title = sectionOf(metric.key);
    if (title !== section) {
      section = title;
      rows.push(`<tr class="group-row"><th colspan="${protocols.length + 1}">${esc(title)}</th></tr>`);
    }
    const ranks = standings(figures, metric.better);
    const cells = figures.map((figure, i) =>
      cell(metric, figure, ranks[i] ?? 'none', failing.has(`${protocols[i]!.protocol}|${metric.key}`)),
    );
    rows.push(
      `<tr data-metric="${esc(metric.key)}"><th scope="row">${esc(metric.label)} <span class="help" title="${esc(metric.description)}">?</span></th>${cells.join('')}</tr>`,
    );
  }
  return `<div class="table-scroll"><table class="data-table metrics-table" data-testid="${testId}"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function cell(metric: MetricDefinition, figure: Figure, standing: Standing, failedThreshold: boolean): string {
  const classes = ['num', `standing-${standing}`];
  if (failedThreshold || (metric.better === 'mustBeZero' && figure.value !== null && figure.value > 0)) classes.push('alarm');
  const marks: string[] = [];
  if (standing === 'within-noise')
    marks.push('<span class="near" title="within the noise of the best protocol: their spreads overlap">≈</span> ');
  let text = `${marks.join('')}${esc(formatMetric(figure.value, metric.unit))}`;
  if (figure.fewSamples)
    text += `<sup class="few" title="rests on ${formatCount(Math.round((figure.samplesBeyond ?? 0) * 10) / 10)} samples beyond it (fewer than ${FEW_TAIL_SAMPLES}): a rough estimate">†</sup>`;
  if (figure.spread !== null)
    text += `<span class="range">${esc(formatMetric(figure.spread.min, metric.unit))}–${esc(formatMetric(figure.spread.max, metric.unit))}</span>`;
  return `<td class="${classes.join(' ')}" data-standing="${standing}"${figure.fewSamples ? ' data-few-samples="true"' : ''}>${text}</td>`;
}

function notes(result: BenchResult): string {
  const repetitions = Math.max(1, ...result.protocols.map((p) => p.repetitions?.length ?? 1));
  const items: string[] = [
    repetitions === 1
      ? 'Each protocol was measured once, so the spread of each figure is unknown: a difference between protocols may be noise. Bold: the best protocol on that figure.'
      : `Each figure is the median of ${repetitions} repetitions; the small [min–max] under it is their spread. Bold: the best protocol; ≈: within the noise of the best (their spreads overlap).`,
    `† a tail percentile resting on fewer than ${FEW_TAIL_SAMPLES} samples beyond it (n·(1−q)): read it as a rough estimate.`,
  ];
  for (const p of result.protocols) {
    if (p.generator.saturated)
      items.push(
        `${protocolLabel(p.protocol)}: suspect, the load generator may have been the bottleneck: ${p.generator.reasons.join('; ')}`,
      );
    for (const error of p.errors.slice(0, 20)) items.push(`${protocolLabel(p.protocol)}: ${error}`);
  }
  for (const failure of result.failures) items.push(`${protocolLabel(failure.protocol)}: not measured: ${failure.message}`);
  for (const t of result.thresholds.filter((x) => !x.passed)) {
    const unit = METRICS.find((m) => m.key === t.metric)?.unit ?? 'count';
    items.push(
      `threshold ${t.expression} failed for ${t.protocol}: ${formatMetric(t.actual, unit)} (limit ${formatMetric(t.limit, unit)})`,
    );
  }
  return `<ul class="report-notes">${items.map((item) => `<li>${esc(item)}</li>`).join('')}</ul>`;
}

function percentileChart(result: BenchResult): ReportChart | undefined {
  let lastX = 2;
  const datasets: ReportDataset[] = result.protocols.flatMap((p) => {
    const curve = percentileCurve(p.histograms?.latency, p.latency);
    if (curve === undefined) return [];
    lastX = Math.max(lastX, ...curve.points.map((pt) => pt.x));
    return [
      {
        label: protocolLabel(p.protocol),
        colour: protocolColour(p.protocol),
        points: curve.points.map((pt): [number, number] => [pt.x, Math.max(pt.y, 0.001)]),
      },
    ];
  });
  if (datasets.length === 0) return undefined;
  const labels: Record<string, string> = { '2': percentileLabel(2) };
  for (let x = 10; x <= lastX * 10; x *= 10) labels[String(x)] = percentileLabel(x);
  return {
    id: 'chart-percentiles',
    kind: 'percentile',
    x: { title: 'percentile (log scale of 1/(1−p))', min: 1, labels },
    y: { unit: 'ms', title: 'latency (ms, log scale)', log: true },
    datasets,
    markers: [],
  };
}

interface SeriesLine {
  name: string;
  line?: ReportDataset['line'];
  value: (point: TimeseriesPoint) => number | null;
}

function timeseriesCharts(result: BenchResult): ReportChart[] {
  if (result.timeseries.length === 0) return [];
  const markers = dropMarkers(result.protocols);
  const seconds = (t: number) => Math.round(t / 100) / 10;
  const specs: Array<{ id: string; y: ReportAxis; lines: SeriesLine[]; drops?: boolean }> = [
    {
      id: 'series-latency',
      y: { unit: 'ms', title: 'latency (ms)', log: true },
      lines: [
        { name: 'p50', value: (p) => (p.latencyP50 === null || p.latencyP50 <= 0 ? null : p.latencyP50 / 1000) },
        { name: 'p99', line: 'dashed', value: (p) => (p.latencyP99 === null || p.latencyP99 <= 0 ? null : p.latencyP99 / 1000) },
      ],
    },
    {
      id: 'series-messages',
      y: { unit: 'per-second', title: 'messages/s' },
      lines: [{ name: 'msgs/s', value: (p) => p.messagesPerSecond }],
    },
    { id: 'series-bytes', y: { unit: 'bytes-per-second', title: 'bytes/s' }, lines: [{ name: 'bytes/s', value: (p) => p.bytesPerSecond }] },
    {
      id: 'series-connected',
      y: { unit: 'count', title: 'clients', integer: true },
      lines: [{ name: 'connected', value: (p) => p.connected }],
      drops: true,
    },
    {
      id: 'series-cpu',
      y: { unit: 'percent', title: '% of one core' },
      lines: [
        { name: 'server', value: (p) => p.serverCpuPercent },
        { name: 'generator', line: 'dashed', value: (p) => p.generatorCpuPercent },
      ],
    },
    { id: 'series-rss', y: { unit: 'bytes', title: 'RSS' }, lines: [{ name: 'RSS', value: (p) => p.serverRssBytes }] },
  ];
  const protocols = [...new Set(result.timeseries.map((p) => p.protocol))];
  return specs.map((spec) => ({
    id: spec.id,
    kind: 'time' as const,
    x: { title: 'time since the run started (s)', min: 0 },
    y: spec.y,
    datasets: protocols.flatMap((protocol) => {
      const points = result.timeseries.filter((p) => p.protocol === protocol);
      return spec.lines.map((line) => ({
        label: spec.lines.length > 1 ? `${protocolLabel(protocol)} ${line.name}` : protocolLabel(protocol),
        colour: protocolColour(protocol),
        line: line.line ?? 'solid',
        points: breakGaps(points.map((p): [number, number | null] => [seconds(p.t), line.value(p)])),
      }));
    }),
    markers: spec.drops === true ? markers : [],
  }));
}

function dropMarkers(protocols: readonly ProtocolResult[]): ReportChart['markers'] {
  return protocols.flatMap((p) => {
    const events = p.reconnect?.events ?? [];
    return events.map((event, index) => ({
      x: event.t / 1000,
      label: `↯ ${DROP_LABEL[event.kind] ?? event.kind}${events.length > 1 ? ` ${index + 1}` : ''}`,
      colour: DROP_COLOUR,
    }));
  });
}

function timelineChart(result: BenchResult, p: ProtocolResult): ReportChart[] {
  const figures = p.reconnect;
  if (figures === null || figures === undefined) return [];
  const colour = protocolColour(p.protocol);
  const points = result.timeseries.filter((pt) => pt.protocol === p.protocol);
  const storm = figures.storm ?? [];
  const fine = storm.length > 0;
  const connected = breakGaps(points.map((pt): [number, number | null] => [pt.t / 1000, pt.connected]));
  const attempts = breakGaps(
    fine
      ? storm.map((s): [number, number | null] => [s.t / 1000, s.attemptsPerSecond])
      : points.map((pt): [number, number | null] => [pt.t / 1000, pt.reconnectsPerSecond ?? null]),
  );
  const accepts = breakGaps(
    fine
      ? storm.map((s): [number, number | null] => [s.t / 1000, s.acceptedPerSecond])
      : points.map((pt): [number, number | null] => [pt.t / 1000, pt.serverAcceptedPerSecond]),
  );
  const markers = dropMarkers([p]);
  const xs = [...connected, ...attempts].map(([x]) => x).concat(markers.map((m) => m.x));
  if (xs.length === 0) return [];
  return [
    {
      id: `timeline-${p.protocol}`,
      kind: 'time',
      x: { title: 'time since the run started (s)', min: Math.floor(Math.min(...xs)), max: Math.ceil(Math.max(...xs)) },
      y: { unit: 'count', title: 'connected clients', integer: true },
      y1: { unit: 'per-second', title: 'per second', integer: true },
      datasets: [
        { label: 'connected clients', colour, fill: withAlpha(colour, 0.12), axis: 'y', points: connected },
        { label: 'reconnect attempts/s (clients)', colour, line: 'dashed', axis: 'y1', points: attempts },
        { label: 'accepts/s (server)', colour: withAlpha(colour, 0.6), line: 'dotted', axis: 'y1', points: accepts },
      ],
      markers,
    },
  ];
}

/**
 * A null between two points more than `maxGapSeconds` apart, so a protocol's line stops where
 * the protocol stopped (the others ran, or the next repetition starts later) instead of
 * drawing a straight line across.
 */
export function breakGaps(points: ReadonlyArray<[number, number | null]>, maxGapSeconds = 2): Array<[number, number | null]> {
  const out: Array<[number, number | null]> = [];
  for (const point of points) {
    const last = out.at(-1);
    if (last !== undefined && point[0] - last[0] > maxGapSeconds) out.push([(last[0] + point[0]) / 2, null]);
    out.push(point);
  }
  return out;
}

/**
 * The CSV forms of a result, built the same way by the CLI (results/<run>.csv) and by the
 * dashboard's Export CSV. No Node-only imports: this module runs in the browser too.
 *
 * - `resultsToCsv`: one row per protocol per run, columns {@link CSV_COLUMNS}.
 * - `timeseriesToCsv`: long format {@link TIMESERIES_CSV_COLUMNS}, one row per second,
 *   protocol and metric, for a spreadsheet or pandas to plot.
 *
 * Values are in the unit their column names: `_us` microseconds, `_ms` milliseconds, `_bytes`
 * bytes, `_pct` percent (0–100), `_per_s` per second; columns without a suffix are counts or
 * ratios. An empty cell means "not measured" (e.g. PING figures in a broadcast run).
 */
import { METRICS, type MetricUnit } from './metrics.js';
import type { BenchResult, ProtocolResult, TimeseriesPoint } from './types.js';

const UNIT_SUFFIX: Record<MetricUnit, string> = {
  us: '_us',
  ms: '_ms',
  bytes: '_bytes',
  percent: '_pct',
  'per-second': '_per_s',
  count: '',
  ratio: '',
};

type Cell = string | number | boolean | null;

/** Columns describing the run and protocol, before the metric columns. */
const RUN_COLUMNS: ReadonlyArray<readonly [string, (run: BenchResult, protocol: ProtocolResult) => Cell]> = [
  ['run_id', (run) => run.id],
  ['started_at', (run) => run.startedAt],
  // The column key: a variant's name (`ws+deflate`), else the protocol.
  ['protocol', (_, p) => p.variant ?? p.protocol],
  ['scenario', (_, p) => p.scenario],
  ['clients_requested', (_, p) => p.clients.requested],
  ['rate_per_s', (run) => run.options.rate],
  ['payload_bytes', (run) => run.options.payload],
  ['window_ms', (_, p) => p.window.measuredMs],
  ['events_published', (_, p) => p.window.eventsPublished],
  ['suspect', (_, p) => p.generator.saturated],
];

/** Name of a metric's CSV column: its key plus its unit, e.g. `latency.p99_us`. */
export function metricColumn(key: string, unit: MetricUnit): string {
  return `${key}${UNIT_SUFFIX[unit]}`;
}

/** The header of the per-protocol CSV, in order. */
export const CSV_COLUMNS: readonly string[] = Object.freeze([
  ...RUN_COLUMNS.map(([name]) => name),
  ...METRICS.map((metric) => metricColumn(metric.key, metric.unit)),
]);

/** The header of the long-format time-series CSV. */
export const TIMESERIES_CSV_COLUMNS = Object.freeze(['timestamp', 'protocol', 'metric', 'value'] as const);

/** The numeric members of a time-series point, with the unit the long CSV names them by. */
const SERIES_METRICS: ReadonlyArray<readonly [string, (point: TimeseriesPoint) => number | null]> = [
  ['measuring', (p) => (p.phase === 'measuring' ? 1 : 0)],
  ['connected', (p) => p.connected],
  ['messages_per_s', (p) => p.messagesPerSecond],
  ['bytes_per_s', (p) => p.bytesPerSecond],
  ['latency.p50_us', (p) => p.latencyP50],
  ['latency.p99_us', (p) => p.latencyP99],
  ['reconnects', (p) => p.reconnects],
  ['reconnects_per_s', (p) => p.reconnectsPerSecond ?? null],
  ['drops', (p) => p.drops ?? null],
  ['server.cpu_pct', (p) => p.serverCpuPercent],
  ['server.rss_bytes', (p) => p.serverRssBytes],
  ['server.accepted_per_s', (p) => p.serverAcceptedPerSecond],
  ['generator.cpu_pct', (p) => p.generatorCpuPercent],
  ['generator.loop_delay_ms', (p) => p.generatorLoopDelayMs],
];

/** The metric names that appear in the long CSV's `metric` column. */
export const TIMESERIES_METRICS: readonly string[] = Object.freeze(SERIES_METRICS.map(([name]) => name));

/** One CSV line (RFC 4180 quoting), without the line end. */
export function csvLine(cells: readonly Cell[]): string {
  return cells.map(csvCell).join(',');
}

function csvCell(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  const text = String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The cells of one protocol's row, in {@link CSV_COLUMNS} order. */
export function csvRow(run: BenchResult, protocol: ProtocolResult): Cell[] {
  return [...RUN_COLUMNS.map(([, get]) => get(run, protocol)), ...METRICS.map((metric) => metric.get(protocol))];
}

/** Header plus one row per protocol of every run given; ends with a newline. */
export function resultsToCsv(runs: readonly BenchResult[]): string {
  const lines = [csvLine(CSV_COLUMNS)];
  for (const run of runs) for (const protocol of run.protocols) lines.push(csvLine(csvRow(run, protocol)));
  return `${lines.join('\n')}\n`;
}

export function resultToCsv(run: BenchResult): string {
  return resultsToCsv([run]);
}

/**
 * Long format: `timestamp,protocol,metric,value`, one row per second, protocol and metric.
 * `timestamp` is ISO 8601 wall-clock time (run start + the point's offset); points without a
 * value for a metric (server figures before the first /stats answer) are left out.
 */
export function timeseriesToCsv(runs: BenchResult | readonly BenchResult[]): string {
  const list: readonly BenchResult[] = Array.isArray(runs) ? runs : [runs as BenchResult];
  const lines = [csvLine(TIMESERIES_CSV_COLUMNS)];
  for (const run of list) {
    const start = Date.parse(run.startedAt);
    for (const point of run.timeseries) {
      const timestamp = new Date(start + point.t).toISOString();
      for (const [name, get] of SERIES_METRICS) {
        const value = get(point);
        if (value !== null) lines.push(csvLine([timestamp, point.protocol, name, value]));
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

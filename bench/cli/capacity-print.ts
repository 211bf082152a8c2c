/** Scenario `capacity` as text: per protocol, the capacity, what failed first above it, and the curve of its steps. */
import { formatBytes, formatCount, formatMicros, formatMillis, formatNumber, formatPercent } from '../report/format.js';
import type { BenchResult, CapacitySearchFigures } from '../report/types.js';
import { CAPACITY_LOWER_BOUND_TEXT, CAPACITY_STOP_TEXT, capacityFailureText } from '../report/capacity-curve.js';
import { createPalette, visibleLength, type Palette } from './palette.js';

/** The verdict line of one protocol: `ws: 7,400 clients (8,000 failed: latency p99 passed the SLO; resolved)`. */
export function formatCapacityVerdict(protocol: string, search: CapacitySearchFigures, c: Palette = createPalette(false)): string {
  const failed = capacityFailureText(search, formatCount);
  const bound = search.lowerBound ? c.yellow(` — ${CAPACITY_LOWER_BOUND_TEXT}`) : '';
  return `${c.bold(protocol)}: ${c.bold(formatCount(search.capacity))} clients (${failed}; ${CAPACITY_STOP_TEXT[search.stoppedBy] ?? search.stoppedBy})${bound}`;
}

/** Every protocol's verdict and curve; empty when the run has no capacity search. */
export function formatCapacityCurves(result: BenchResult, c: Palette = createPalette(false)): string {
  const blocks: string[] = [];
  for (const p of result.protocols) {
    const search = p.capacitySearch;
    if (search === undefined || search === null) continue;
    const headers = [
      'clients',
      'verdict',
      'p50',
      'p99',
      'to last p99',
      'server CPU',
      'server RSS',
      'generator CPU',
      'server µs/client/update',
    ];
    const rows = [...search.curve]
      .sort((a, b) => a.clients - b.clients)
      .map((point) => [
        formatCount(point.clients),
        point.failedBy === null ? 'pass' : `fail: ${point.failedBy}`,
        formatMicros(point.latencyP50Us),
        formatMicros(point.latencyP99Us),
        formatMicros(point.lastClientP99Us),
        formatPercent(point.serverCpuPercent),
        formatBytes(point.serverRssBytes),
        formatPercent(point.generatorCpuPercent),
        formatNumber(point.serverCpuMicrosPerClientUpdate),
      ]);
    const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => visibleLength(row[i] ?? ''))));
    const line = (cells: string[]): string =>
      cells.map((text, i) => `${' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(text)))}${text}`).join('  ');
    blocks.push([formatCapacityVerdict(p.protocol, search, c), c.dim(line(headers)), ...rows.map((row) => line(row))].join('\n'));
  }
  if (blocks.length === 0) return '';
  const slo = result.protocols.find((p) => p.capacitySearch)?.capacitySearch?.slo.latencyP99Ms;
  return `${c.cyan(`Capacity under the SLO (latency p99 < ${formatMillis(slo ?? null)}, steps in client order)`)}\n${blocks.join('\n\n')}`;
}

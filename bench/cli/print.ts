/**
 * Everything the CLI shows, as strings: the header line, the comparison table and the total.
 * Measuring never prints; these functions never measure.
 */
import type { LossMechanism } from '../../netem/loss-mechanism.js';
import { PROTOCOLS } from '../../wire/protocols.js';
import { formatCount, formatDurationMs, formatMetric, formatMillis } from '../report/format.js';
import { METRICS, metricByKey, type MetricDefinition } from '../report/metrics.js';
import type { BenchResult, ProtocolResult, RecordedOptions } from '../report/types.js';
import type { ResultFiles } from '../result-files.js';
import { scenarioNamed } from '../scenarios/registry.js';
import { describeNetwork } from '../report/network-text.js';
import { lossFootnotes } from './loss-print.js';
import { createPalette, visibleLength, type Palette } from './palette.js';

const SECTIONS: Record<string, string> = {
  clients: 'Clients',
  connect: 'Connect time (TCP + handshake + first message)',
  latency: 'Delivery latency (publish → receipt, one-way)',
  spread: 'Broadcast spread (publish → first / last client)',
  ping: 'PING round trip (open loop: from each PING’s scheduled time)',
  delivery: 'Delivery integrity',
  bandwidth: 'Bandwidth (bytes at the client sockets)',
  server: 'Server process',
  generator: 'Load generator',
  capacity: 'Polling endpoint capacity (autocannon)',
  reconnect: 'Reconnect (drop → first message again; outage updates per client, summed)',
  net: 'Network faults (proxy / namespace link)',
};

/** `wirelab bench · http://127.0.0.1:41234 (spawned) · 1000 clients × ws, sse · feed 10/s × 256 B · …` */
export function formatHeader(start: { target: string; spawned: boolean; options: RecordedOptions; runId: string; lossMechanism?: LossMechanism | null }, c: Palette = createPalette(false)): string {
  const o = start.options;
  const parts = [
    c.bold('wirelab bench'),
    `${start.target}${start.spawned ? ' (spawned)' : ''}`,
    `${formatCount(o.clients)} clients × ${(o.variants ?? o.protocols).join(', ')}`,
    `scenario ${o.scenario}`,
    `feed ${formatCount(o.rate)}/s × ${formatMetric(o.payload, 'bytes')}`,
    `${formatDurationMs(o.durationMs)} window (+${formatDurationMs(o.warmupMs)} warm-up)`,
    `${o.workers} worker${o.workers === 1 ? '' : 's'}`,
  ];
  if (o.protocols.some((name) => PROTOCOLS[name]?.onInterval === true)) parts.push(`poll every ${formatDurationMs(o.pollIntervalMs)}`);
  // A result written by a version that had other scenarios names one the registry may not know.
  parts.push(...(scenarioNamed(o.scenario)?.header(o) ?? []));
  const network = o.network as RecordedOptions['network'] | undefined;
  if (network !== undefined && network !== null) parts.push(`net ${describeNetwork(network, start.lossMechanism)}`);
  return `${parts.join(c.dim(' · '))}\n${c.dim(`run ${start.runId}`)}`;
}

/** One line when a protocol is done: what a log reader wants at a glance. */
export function formatProtocolLine(result: ProtocolResult, c: Palette = createPalette(false)): string {
  const d = result.delivery;
  const ok = d.missed === 0 && d.duplicated === 0 && result.errors.length === 0;
  const mark = ok ? c.green('✓') : c.yellow('!');
  const delivery = `${formatCount(d.delivered)}/${formatCount(d.expected)} delivered${d.missed > 0 ? c.red(`, ${formatCount(d.missed)} missed`) : ''}${d.duplicated > 0 ? c.red(`, ${formatCount(d.duplicated)} duplicated`) : ''}`;
  const latency = result.latency.count > 0 ? `latency p99 ${formatMetric(result.latency.p99, 'us')}` : 'no latency samples';
  const suspect = result.generator.saturated ? c.yellow(' (generator saturated)') : '';
  const r = result.reconnect;
  let reconnect = '';
  if (r !== null && r.drops > 0) {
    const recovery = r.recovery.count > 0 ? `recovery p50 ${formatMetric(r.recovery.p50, 'us')} p99 ${formatMetric(r.recovery.p99, 'us')}` : 'no recovery';
    const away = r.notRecovered > 0 ? c.red(`, ${formatCount(r.notRecovered)} not back`) : '';
    const missed = r.missedInOutage > 0 ? c.red(`, ${formatCount(r.missedInOutage)} missed`) : '';
    reconnect = `; ${r.drops} drop${r.drops === 1 ? '' : 's'}, ${recovery}${away}, outage ${formatCount(r.recoveredByResume)}/${formatCount(r.publishedDuringOutage)} resumed${missed}${r.resets > 0 ? `, ${formatCount(r.resets)} resets` : ''}`;
  }
  return `${mark} ${c.bold(result.variant ?? result.protocol)}: ${formatCount(result.clients.connected)} clients, ${delivery}, ${latency}${reconnect}${suspect}`;
}

/** One line per drop: `↯ ws: drop at 5s of the window, 1,000 connections cut`. */
export function formatDropLine(protocol: string, drop: { kind: string; atMs: number; connections: number; tookMs: number }, c: Palette = createPalette(false)): string {
  const what = drop.kind === 'restart' ? `server restarted (back in ${formatMillis(drop.tookMs)})` : drop.kind === 'net-reset' ? 'proxy reset' : 'drop';
  return `${c.yellow('↯')} ${c.bold(protocol)}: ${what} at ${formatDurationMs(drop.atMs)} of the window, ${formatCount(drop.connections)} connection${drop.connections === 1 ? '' : 's'} cut`;
}

/** The comparison table: one column per protocol, one row per figure that any protocol has. */
export function formatTable(result: BenchResult, c: Palette = createPalette(false)): string {
  const protocols = result.protocols;
  if (protocols.length === 0) return c.yellow('No protocol produced a result.');
  const failing = new Set(result.thresholds.filter((t) => !t.passed).map((t) => `${t.variant ?? t.protocol}|${t.metric}`));
  const rows: Array<{ label: string; cells: string[] } | { section: string }> = [];
  let section = '';
  for (const metric of METRICS) {
    if (!metric.inTable) continue;
    const values = protocols.map((p) => metric.get(p));
    if (values.every((value) => value === null)) continue;
    const prefix = metric.key.split('.')[0] ?? '';
    if (prefix !== section) {
      section = prefix;
      rows.push({ section: SECTIONS[prefix] ?? prefix });
    }
    rows.push({ label: metric.label, cells: protocols.map((p, i) => cell(metric, p, values[i] ?? null, failing, c)) });
  }
  const headers = protocols.map((p) => `${p.variant ?? p.protocol}${p.generator.saturated ? '*' : ''}`);
  const labelWidth = Math.max(...rows.map((row) => ('label' in row ? row.label.length + 2 : 0)), 8);
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => ('cells' in row ? visibleLength(row.cells[i] ?? '') : 0))));
  const line = (label: string, cells: string[]): string => `${label.padEnd(labelWidth)}${cells.map((text, i) => `  ${' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(text)))}${text}`).join('')}`;
  const out: string[] = [c.bold(line('', headers))];
  for (const row of rows) {
    if ('section' in row) out.push(c.cyan(row.section));
    else out.push(line(`  ${row.label}`, row.cells));
  }
  out.push(...footnotes(result, c));
  return out.join('\n');
}

function cell(metric: MetricDefinition, protocol: ProtocolResult, value: number | null, failing: Set<string>, c: Palette): string {
  const text = formatMetric(value, metric.unit);
  if (failing.has(`${protocol.variant ?? protocol.protocol}|${metric.key}`)) return c.red(text);
  if (metric.better === 'mustBeZero' && value !== null && value > 0) return c.red(text);
  return text;
}

function footnotes(result: BenchResult, c: Palette): string[] {
  const notes: string[] = [];
  for (const p of result.protocols) {
    if (p.generator.saturated) notes.push(c.yellow(`* ${p.variant ?? p.protocol}: suspect, the load generator may have been the bottleneck: ${p.generator.reasons.join('; ')}`));
    for (const error of p.errors) notes.push(c.yellow(`! ${p.protocol}: ${error}`));
  }
  notes.push(...lossFootnotes(result, c));
  for (const failure of result.failures) notes.push(c.red(`✗ ${failure.protocol}: not measured: ${failure.message}`));
  // Results written before refusals were judged have no member.
  for (const refusal of result.refused ?? []) notes.push(c.red(`✗ ${refusal.protocol}: does not pass: ${refusal.message}`));
  const failed = result.thresholds.filter((t) => !t.passed);
  for (const t of failed) {
    const unit = metricByKey(t.metric)?.unit ?? 'count';
    notes.push(c.red(`✗ threshold ${t.expression} failed for ${t.variant ?? t.protocol}: ${formatMetric(t.actual, unit)} (limit ${formatMetric(t.limit, unit)})`));
  }
  return notes.length > 0 ? ['', ...notes] : notes;
}

/** The one-line total after the table. */
export function formatTotal(result: BenchResult, files: ResultFiles | null, c: Palette = createPalette(false)): string {
  let delivered = 0;
  let expected = 0;
  let missed = 0;
  for (const p of result.protocols) {
    delivered += p.delivery.delivered;
    expected += p.delivery.expected;
    missed += p.delivery.missed;
  }
  const passed = result.thresholds.filter((t) => t.passed).length;
  const verdict = result.passed ? c.green('PASS') : c.red('FAIL');
  const parts = [
    verdict,
    `${result.protocols.length} protocol${result.protocols.length === 1 ? '' : 's'} in ${formatDurationMs(result.durationMs)}`,
    `${formatCount(delivered)}/${formatCount(expected)} updates delivered${missed > 0 ? c.red(` (${formatCount(missed)} missed)`) : ''}`,
    `thresholds ${passed}/${result.thresholds.length} passed`,
  ];
  if (result.suspect) parts.push(c.yellow('suspect: generator saturated'));
  if (files !== null) parts.push(`results ${files.json}`);
  return parts.join(c.dim(' · '));
}


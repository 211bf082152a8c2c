/**
 * Everything the CLI shows, as strings: the header line, the comparison table and the total.
 * Measuring never prints; these functions never measure.
 */
import type { LossMechanism } from '../../netem/loss-mechanism.js';
import { PROTOCOLS } from '../../wire/protocols.js';
import { formatCount, formatDurationMs, formatMetric, formatMillis } from '../report/format.js';
import { METRICS, metricByKey, type MetricDefinition } from '../report/metrics.js';
import type { BenchResult, ProtocolResult, RecordedOptions, ThresholdOutcome } from '../report/types.js';
import type { ResultFiles } from '../result-files.js';
import { scenarioNamed } from '../scenarios/registry.js';
import { describeNetwork } from '../report/network-text.js';
import { describeSourceAddresses, sourceAddresses } from '../measure/source-addresses.js';
import { lossFootnotes } from './loss-print.js';
import { cellText, FEW_SAMPLES_MARK, noiseLegend, rowFigures } from './noise-cells.js';
import type { Figure, Standing } from '../report/noise.js';
import { createPalette, visibleLength, type Palette } from './palette.js';

const SECTIONS: Record<string, string> = {
  clients: 'Clients',
  connect: 'Connect time (TCP + handshake + first message)',
  latency: 'Delivery latency (publish → receipt, one-way)',
  spread: 'Broadcast spread (publish → first / last client)',
  ping: 'PING round trip (open loop: from each PING’s scheduled time)',
  chat: 'Chat (scenario chat: latency and delivery above are the chat messages’, sender → every member of its room)',
  http2: 'HTTP/2 connections',
  delivery: 'Delivery integrity',
  publish: 'Publishing (the harness → the target)',
  receive: 'Received (every message, marked or not)',
  bandwidth: 'Bandwidth (bytes at the client sockets)',
  server: 'Server process',
  generator: 'Load generator',
  capacity: 'Polling endpoint capacity (autocannon)',
  slo: 'Capacity under the SLO (scenario capacity)',
  hold: 'Held connections (scenario hold)',
  reconnect: 'Reconnect (drop → first message again; outage updates per client, summed)',
  net: 'Network faults (proxy / namespace link)',
};

/** `wirelab bench · http://127.0.0.1:41234 (spawned) · 1000 clients × ws, sse · feed 10/s × 256 B · …` */
export function formatHeader(
  start: {
    target: string;
    spawned: boolean;
    options: RecordedOptions;
    runId: string;
    lossMechanism?: LossMechanism | null;
    agents?: number;
  },
  c: Palette = createPalette(false),
): string {
  const o = start.options;
  const parts = [
    c.bold('wirelab bench'),
    // A foreign target: what was measured, in words (preset, protocols and their resume, publisher).
    o.targetSummary ?? `${start.target}${start.spawned ? ' (spawned)' : ''}`,
    `${formatCount(o.clients)} clients × ${(o.variants ?? o.protocols).join(', ')}`,
    `scenario ${o.scenario}`,
    // A foreign target: the harness publishes (no warm-up), or the server does (receive-only).
    o.scenario === 'chat'
      ? 'main feed idle'
      : o.preset === undefined
        ? `feed ${formatCount(o.rate)}/s × ${formatMetric(o.payload, 'bytes')}`
        : `published ${formatCount(o.rate)}/s × ${formatMetric(o.payload, 'bytes')} (if a publisher)`,
    o.preset === undefined
      ? `${formatDurationMs(o.durationMs)} window (+${formatDurationMs(o.warmupMs)} warm-up)`
      : `${formatDurationMs(o.durationMs)} window`,
    `${o.workers} worker${o.workers === 1 ? '' : 's'}`,
  ];
  if (o.protocols.some((name) => PROTOCOLS[name]?.onInterval === true)) parts.push(`poll every ${formatDurationMs(o.pollIntervalMs)}`);
  // A result written by a version that had other scenarios names one the registry may not know.
  parts.push(...(scenarioNamed(o.scenario)?.header(o) ?? []));
  if (o.h2StreamsPerConnection !== undefined) parts.push(`${formatCount(o.h2StreamsPerConnection)} clients per HTTP/2 connection`);
  // Results written before the spread existed have no `connectionsPerAddress`.
  // Agents connect from their own --source-address when given (the Agents section says), else from the planned spread.
  if (start.agents !== undefined) parts.push(`clients on ${start.agents} agent${start.agents === 1 ? '' : 's'}`);
  if (o.connectionsPerAddress !== undefined && start.agents === undefined) {
    const spread = describeSourceAddresses(
      sourceAddresses(o.clients, start.target, o.connectionsPerAddress),
      o.connectionsPerAddress,
      formatCount,
    );
    if (spread !== undefined) parts.push(spread);
  }
  const network = o.network as RecordedOptions['network'] | undefined;
  if (network !== undefined && network !== null) parts.push(`net ${describeNetwork(network, start.lossMechanism)}`);
  const scaleOut = o.scaleOut;
  if (scaleOut !== undefined && scaleOut !== null)
    parts.push(
      `${scaleOut.servers} instance${scaleOut.servers === 1 ? '' : 's'} via ${scaleOut.broker === 'redis' ? 'Redis (spawned)' : scaleOut.broker}`,
    );
  return `${parts.join(c.dim(' · '))}\n${c.dim(`run ${start.runId}`)}`;
}

/** One line when a protocol is done: what a log reader wants at a glance. */
export function formatProtocolLine(
  result: ProtocolResult,
  c: Palette = createPalette(false),
  failedThresholds: readonly ThresholdOutcome[] = [],
): string {
  const d = result.delivery;
  const ok = d.missed === 0 && d.duplicated === 0 && result.errors.length === 0;
  const mark = failedThresholds.length > 0 ? c.red('✗') : ok ? c.green('✓') : c.yellow('!');
  const thresholds =
    failedThresholds.length > 0
      ? c.red(`; threshold${failedThresholds.length === 1 ? '' : 's'} failed: ${failedThresholds.map((t) => t.expression).join(', ')}`)
      : '';
  const delivery = `${formatCount(d.delivered)}/${formatCount(d.expected)} delivered${d.missed > 0 ? c.red(`, ${formatCount(d.missed)} missed`) : ''}${d.duplicated > 0 ? c.red(`, ${formatCount(d.duplicated)} duplicated`) : ''}`;
  const latency = result.latency.count > 0 ? `latency p99 ${formatMetric(result.latency.p99, 'us')}` : 'no latency samples';
  const suspect = result.generator.saturated ? c.yellow(' (generator saturated)') : '';
  const r = result.reconnect;
  let reconnect = '';
  if (r !== null && r.drops > 0) {
    const recovery =
      r.recovery.count > 0 ? `recovery p50 ${formatMetric(r.recovery.p50, 'us')} p99 ${formatMetric(r.recovery.p99, 'us')}` : 'no recovery';
    const away = r.notRecovered > 0 ? c.red(`, ${formatCount(r.notRecovered)} not back`) : '';
    const missed = r.missedInOutage > 0 ? c.red(`, ${formatCount(r.missedInOutage)} missed`) : '';
    reconnect = `; ${r.drops} drop${r.drops === 1 ? '' : 's'}, ${recovery}${away}, outage ${formatCount(r.recoveredByResume)}/${formatCount(r.publishedDuringOutage)} resumed${missed}${r.resets > 0 ? `, ${formatCount(r.resets)} resets` : ''}`;
  }
  return `${mark} ${c.bold(result.variant ?? result.protocol)}: ${formatCount(result.clients.connected)} clients, ${delivery}, ${latency}${reconnect}${suspect}${thresholds}`;
}

/** One line per drop: `↯ ws: drop at 5s of the window, 1,000 connections cut`. */
export function formatDropLine(
  protocol: string,
  drop: { kind: string; atMs: number; connections: number; tookMs: number },
  c: Palette = createPalette(false),
): string {
  const what =
    drop.kind === 'restart'
      ? `server restarted (back in ${formatMillis(drop.tookMs)})`
      : drop.kind === 'net-reset'
        ? 'proxy reset'
        : drop.kind === 'failover'
          ? 'instance killed'
          : drop.kind === 'broker-restart'
            ? `Redis restarted (back in ${formatMillis(drop.tookMs)})`
            : drop.kind === 'client-close'
              ? 'clients closed their connections'
              : 'drop';
  return `${c.yellow('↯')} ${c.bold(protocol)}: ${what} at ${formatDurationMs(drop.atMs)} of the window, ${formatCount(drop.connections)} connection${drop.connections === 1 ? '' : 's'} cut`;
}

/** The comparison table: one column per protocol, one row per figure that any protocol has. */
export function formatTable(result: BenchResult, c: Palette = createPalette(false)): string {
  const protocols = result.protocols;
  if (protocols.length === 0) return c.yellow('No protocol produced a result.');
  const foreign = protocols.some((p) => p.foreign !== undefined && p.foreign !== null);
  const failing = new Set(result.thresholds.filter((t) => !t.passed).map((t) => `${t.variant ?? t.protocol}|${t.metric}`));
  const rows: Array<{ label: string; cells: string[] } | { section: string }> = [];
  let section = '';
  let anyFewSamples = false;
  for (const metric of METRICS) {
    if (!metric.inTable) continue;
    const values = protocols.map((p) => metric.get(p));
    const prefix = metric.key.split('.')[0] ?? '';
    // A foreign target's unmeasurable server and latency rows stay, as "–" with a footnote.
    if (values.every((value) => value === null) && !(foreign && shownWhenUnknown(metric))) continue;
    if (prefix !== section) {
      section = prefix;
      rows.push({ section: SECTIONS[prefix] ?? prefix });
    }
    const row = rowFigures(metric, protocols);
    anyFewSamples ||= row.figures.some((figure) => figure.fewSamples);
    rows.push({ label: metric.label, cells: protocols.map((p, i) => cell(metric, p, row.figures[i]!, row.standings[i]!, failing, c)) });
  }
  const headers = protocols.map((p) => `${p.variant ?? p.protocol}${p.generator.saturated ? '*' : ''}`);
  const labelWidth = Math.max(...rows.map((row) => ('label' in row ? row.label.length + 2 : 0)), 8);
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => ('cells' in row ? visibleLength(row.cells[i] ?? '') : 0))),
  );
  const line = (label: string, cells: string[]): string =>
    `${label.padEnd(labelWidth)}${cells.map((text, i) => `  ${' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(text)))}${text}`).join('')}`;
  const out: string[] = [c.bold(line('', headers))];
  for (const row of rows) {
    if ('section' in row) out.push(c.cyan(row.section));
    else out.push(line(`  ${row.label}`, row.cells));
  }
  out.push('', ...noiseLegend(result, c).filter((line) => anyFewSamples || !line.includes(FEW_SAMPLES_MARK)));
  out.push(...footnotes(result, c));
  return out.join('\n');
}

/** The rows a foreign target's table keeps even when nothing could be measured: the reader must see the "–". */
function shownWhenUnknown(metric: MetricDefinition): boolean {
  return (
    metric.key === 'server.cpuPercent' ||
    metric.key === 'server.rss' ||
    metric.key === 'server.memoryPerConnection' ||
    metric.key === 'latency.p50' ||
    metric.key === 'latency.p99'
  );
}

function cell(
  metric: MetricDefinition,
  protocol: ProtocolResult,
  figure: Figure,
  standing: Standing,
  failing: Set<string>,
  c: Palette,
): string {
  const text = cellText(metric, figure, standing, protocol);
  const value = figure.value;
  if (failing.has(`${protocol.variant ?? protocol.protocol}|${metric.key}`)) return c.red(text);
  if (metric.better === 'mustBeZero' && value !== null && value > 0) return c.red(text);
  return standing === 'within-noise' ? c.dim(text) : text;
}

function footnotes(result: BenchResult, c: Palette): string[] {
  const notes: string[] = [];
  for (const p of result.protocols) {
    if (p.generator.saturated)
      notes.push(
        c.yellow(
          `* ${p.variant ?? p.protocol}: suspect, the load generator may have been the bottleneck: ${p.generator.reasons.join('; ')}`,
        ),
      );
    for (const error of p.errors) notes.push(c.yellow(`! ${p.protocol}: ${error}`));
  }
  notes.push(...lossFootnotes(result, c));
  notes.push(...foreignFootnotes(result, c));
  for (const failure of result.failures) notes.push(c.red(`✗ ${failure.protocol}: not measured: ${failure.message}`));
  // Results written before refusals were judged have no member.
  for (const refusal of result.refused ?? []) notes.push(c.red(`✗ ${refusal.protocol}: does not pass: ${refusal.message}`));
  const failed = result.thresholds.filter((t) => !t.passed);
  for (const t of failed) {
    const unit = metricByKey(t.metric)?.unit ?? 'count';
    notes.push(
      c.red(
        `✗ threshold ${t.expression} failed for ${t.variant ?? t.protocol}: ${formatMetric(t.actual, unit)} (limit ${formatMetric(t.limit, unit)})`,
      ),
    );
  }
  return notes.length > 0 ? ['', ...notes] : notes;
}

/** Foreign targets: why figures show "–" (never 0). */
function foreignFootnotes(result: BenchResult, c: Palette): string[] {
  const notes = new Set<string>();
  for (const p of result.protocols) {
    const foreign = p.foreign;
    if (foreign === undefined || foreign === null) continue;
    if (foreign.serverUnmeasured !== null) notes.add(`– server process: ${foreign.serverUnmeasured}`);
    else notes.add('– server loop delay, bytes sent, accepts/s: not measurable on a foreign server (CPU and memory are from /proc)');
    if (foreign.preset === 'wirelab') {
      notes.add(
        "– integrity: wirelab's feed watched as it runs (no --control-token): the harness cannot fence the window, so missed and duplicated are not counted",
      );
      notes.add(
        p.latency.count > 0
          ? "– latency: the server's own timestamps, on the monotonic clock this machine shares with it (a loopback target)"
          : "– latency: the server's timestamps are its own monotonic clock, comparable only when it runs on this machine",
      );
    } else if (foreign.publish === null && foreign.timestamp !== undefined) {
      notes.add(
        `– latency: from the server's own send time (${foreign.timestamp.field}, ${foreign.timestamp.clock}) to receipt on this machine's wall clock: it includes the difference between the two machines' clocks (a server clock ahead counts as 0)`,
      );
      notes.add('– integrity: receive-only run (no --publish): nothing of the harness was published, so there is no seq to count against');
    } else if (foreign.publish === null)
      notes.add(
        '– latency and integrity: receive-only run (no --publish): nothing of the harness was published, so there is no seq or publish time to measure against',
      );
  }
  return [...notes].map((note) => c.dim(note));
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
  const verdict = result.partial === true ? c.yellow('PARTIAL (interrupted)') : result.passed ? c.green('PASS') : c.red('FAIL');
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

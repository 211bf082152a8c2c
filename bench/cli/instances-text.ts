import { formatBytes, formatCount, formatMicros, formatMillis, formatPercent } from '../report/format.js';
import type { BenchResult } from '../report/types.js';

/**
 * The per-instance figures of a run with several instances (`--servers N`), one line per
 * protocol and instance; '' for a run with one server. The table's server rows are their sum.
 */
export function formatInstances(result: BenchResult): string {
  const lines: string[] = [];
  for (const protocol of result.protocols) {
    for (const instance of protocol.instances ?? []) {
      const gone = instance.cpuMicros === null ? ' (killed in the window)' : '';
      // Scenario hold: the instance's own memory per connection, both readings after a full GC.
      const held = protocol.hold?.instances?.find((entry) => entry.url === instance.url);
      const memory =
        held === undefined
          ? ''
          : ` · after GC per connection: RSS ${formatBytes(held.rssPerConnectionBytes)}, heap ${formatBytes(held.heapPerConnectionBytes)} (${formatCount(held.connectionsPerGb)} per GB)`;
      lines.push(
        `  ${protocol.protocol.padEnd(11)} ${instance.url.padEnd(24)} ${formatCount(instance.connections).padStart(7)} connected · ${formatCount(instance.acceptedInWindow)} accepted in the window · CPU ${formatPercent(instance.cpuPercent)} · RSS ${formatBytes(instance.rssBytes)} · loop p99 ${formatMillis(instance.eventLoopDelayP99Ms)}${memory}${gone}`,
      );
    }
  }
  return lines.length === 0 ? '' : `Instances (the table's server rows are their sum)\n${lines.join('\n')}`;
}

/**
 * `--compare-embedded`: per protocol, latency and server CPU through the broker beside the same
 * protocol against one embedded-feed server in the same run; '' without a baseline.
 * In scenario failover the broker's tail includes the updates delivered late by resume.
 */
export function formatBrokerHop(result: BenchResult): string {
  const baseline = result.embedded ?? [];
  const lines: string[] = [];
  for (const broker of result.protocols) {
    const embedded = baseline.find((entry) => entry.protocol === broker.protocol);
    if (embedded === undefined) continue;
    const added = broker.latency.p50 - embedded.latency.p50;
    lines.push(
      `  ${broker.protocol.padEnd(11)} latency p50 ${formatMicros(broker.latency.p50)} vs ${formatMicros(embedded.latency.p50)} (${added >= 0 ? '+' : ''}${formatMicros(added)}) · p99 ${formatMicros(broker.latency.p99)} vs ${formatMicros(embedded.latency.p99)} · server CPU ${formatPercent(broker.server?.cpuPercent)} (summed) vs ${formatPercent(embedded.server?.cpuPercent)}`,
    );
  }
  return lines.length === 0
    ? ''
    : `Broker hop (through the broker vs one embedded-feed server, same clients and feed)\n${lines.join('\n')}`;
}

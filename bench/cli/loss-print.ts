/**
 * What the CLI shows about `--net-loss`, as strings: the line for each protocol's 0% control
 * window, and the note under the table (the header's `loss 2% (nftables numgen)` is
 * report/network-text.ts).
 */
import { formatCount, formatMetric } from '../report/format.js';
import { describeLoss } from '../report/network-text.js';
import type { Palette } from './palette.js';
import type { BenchResult, ProtocolResult } from '../report/types.js';

/** `○ ws: 0% control on the same link: 2,000/2,000 delivered, latency p99 2.1ms, 0 server retransmits`. */
export function formatLossControlLine(result: ProtocolResult, c: Palette): string {
  const d = result.delivery;
  const latency = result.latency.count > 0 ? `latency p99 ${formatMetric(result.latency.p99, 'us')}` : 'no latency samples';
  const retransmits = result.network?.loss?.serverTcp.retransSegs;
  const tcp = retransmits === undefined ? '' : `, ${formatCount(retransmits)} server retransmits`;
  const missed = d.missed > 0 ? c.red(`, ${formatCount(d.missed)} missed`) : '';
  return `${c.dim('○')} ${c.bold(result.protocol)}: 0% control on the same link: ${formatCount(d.delivered)}/${formatCount(d.expected)} delivered${missed}, ${latency}${tcp}`;
}

/** The note under the table of a lossy run: what dropped the packets, where, and what the control rows are. */
export function lossFootnotes(result: BenchResult, c: Palette): string[] {
  const network = result.network;
  if (network === null || network === undefined || network.lossPercent === null || network.namespace === null) return [];
  const mechanism = network.lossMechanism ?? null;
  const how = mechanism === null ? 'no packet dropped (a plain link)' : `${describeLoss(network.lossPercent, mechanism)} each way`;
  const control =
    network.lossPercent > 0 && mechanism !== null ? '; each protocol ran first at 0% on the same link and server: the "control" rows' : '';
  return [c.dim(`net: ${how}, on the veth of namespace ${network.namespace.name} (server ${network.namespace.serverAddress})${control}`)];
}

/**
 * The `--net-*` faults of a run in a few words, for the terminal's header line, the comparison
 * of two runs and the HTML report. Browser-safe.
 */
import { LOSS_MECHANISM_LABELS, type LossMechanism } from '../../netem/loss-mechanism.js';
import type { NetworkSettings } from '../../netem/options.js';
import { formatDurationMs } from './format.js';

/** `+50ms ±10ms one-way, 1mbit/connection, reset every 10s, loss 1% (netem)`. */
export function describeNetwork(network: Readonly<NetworkSettings>, lossMechanism?: LossMechanism | null): string {
  const parts: string[] = [];
  if (network.latencyMs > 0 || network.jitterMs > 0)
    parts.push(`+${formatDurationMs(network.latencyMs)}${network.jitterMs > 0 ? ` ±${formatDurationMs(network.jitterMs)}` : ''} one-way`);
  if (network.bandwidthBitsPerSecond !== null)
    parts.push(`${formatBits(network.bandwidthBitsPerSecond)}/${network.bandwidthScope === 'shared' ? 'shared' : 'connection'}`);
  if (network.resetEveryMs !== null) parts.push(`reset every ${formatDurationMs(network.resetEveryMs)}`);
  if (network.lossPercent !== null) parts.push(describeLoss(network.lossPercent, lossMechanism));
  return parts.join(', ');
}

function formatBits(bits: number): string {
  if (bits >= 1e9 && bits % 1e7 === 0) return `${bits / 1e9}gbit`;
  if (bits >= 1e6 && bits % 1e4 === 0) return `${bits / 1e6}mbit`;
  if (bits >= 1e3 && bits % 10 === 0) return `${bits / 1e3}kbit`;
  return `${bits}bit`;
}

/** `loss 2% (nftables numgen)`; without a known mechanism just `loss 2%`. */
export function describeLoss(lossPercent: number, mechanism: LossMechanism | null | undefined): string {
  return mechanism === null || mechanism === undefined
    ? `loss ${lossPercent}%`
    : `loss ${lossPercent}% (${LOSS_MECHANISM_LABELS[mechanism]})`;
}

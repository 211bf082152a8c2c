/**
 * Which way this machine can lose packets for real: netem where the kernel has sch_netem,
 * nftables random drops otherwise, or neither (and why, for both).
 */
import type { LossMechanism } from './loss-mechanism.js';
import { probeNetem } from './netns.js';
import { nftLossScript } from './nft-loss.js';
import { runCommand } from './run-command.js';

export type NftablesProbe =
  { available: true } | { available: false; failedCheck: 'root' | 'tools' | 'netns' | 'nftables'; reason: string };

/**
 * `root`/`netns`: nothing here can make a namespace, whatever drops the packets. `loss`:
 * namespaces work, but neither netem nor nftables can drop; the reason names both.
 */
export type LossProbe =
  { available: true; mechanism: LossMechanism } | { available: false; failedCheck: 'root' | 'netns' | 'loss'; reason: string };

let sequence = 0;

/** Checks, in order, root, `ip` and `nft`, a namespace, and a numgen drop rule in a throwaway namespace. */
export async function probeNftables(): Promise<NftablesProbe> {
  const uid = process.getuid?.();
  if (uid !== 0)
    return {
      available: false,
      failedCheck: 'root',
      reason: `nftables loss needs root to create a network namespace (running as uid ${uid ?? 'unknown'})`,
    };
  for (const [tool, args, what] of [
    ['ip', ['-V'], "iproute2's `ip`"],
    ['nft', ['--version'], '`nft` (the Debian package nftables)'],
  ] as const) {
    try {
      await runCommand(tool, args);
    } catch (error) {
      return { available: false, failedCheck: 'tools', reason: `nftables loss needs ${what}: ${(error as Error).message}` };
    }
  }
  const nsName = `wirelab-probe-nft-${process.pid.toString(36)}-${(sequence++).toString(36)}`;
  try {
    await runCommand('ip', ['netns', 'add', nsName]);
  } catch (error) {
    return { available: false, failedCheck: 'netns', reason: `cannot create a network namespace: ${(error as Error).message}` };
  }
  try {
    await runCommand('ip', ['netns', 'exec', nsName, 'nft', nftLossScript('wirelab_probe', 'lo', 1)]);
    return { available: true };
  } catch (error) {
    return {
      available: false,
      failedCheck: 'nftables',
      reason: `nft could not add a netdev ingress chain with a numgen drop rule (nf_tables, its netdev family or numgen missing from the kernel?): ${(error as Error).message}`,
    };
  } finally {
    await runCommand('ip', ['netns', 'del', nsName]).catch(() => undefined);
  }
}

/** netem when it works here, else nftables when that does, else why neither can. */
export async function probeLoss(): Promise<LossProbe> {
  const netem = await probeNetem();
  if (netem.available) return { available: true, mechanism: 'netem' };
  if (netem.failedCheck === 'root' || netem.failedCheck === 'netns')
    return { available: false, failedCheck: netem.failedCheck, reason: netem.reason };
  const nftables = await probeNftables();
  if (nftables.available) return { available: true, mechanism: 'nftables' };
  return { available: false, failedCheck: 'loss', reason: neitherReason(netem.reason, nftables.reason) };
}

/** `neither netem nor nftables can drop packets here: netem: …; nftables: …`. */
export function neitherReason(netemReason: string, nftablesReason: string): string {
  return `neither netem nor nftables can drop packets here: netem: ${netemReason}; nftables: ${nftablesReason}`;
}

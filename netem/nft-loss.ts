/**
 * Loss by nftables where the kernel has no netem: on each end of the veth, a netdev table
 * whose ingress chain counts every IPv4 packet arriving and drops a random share of them
 * (`numgen random mod 10000 < N`, so 0.01% steps: 2.5% is N = 250).
 *
 * Why ingress on the receiving end, not output on the sending one: a packet dropped on its
 * way out is reported to the sending TCP as a failed transmit, which retries it at once;
 * dropped on arrival, the sender believes it sent it and must find out the way it would on a
 * wire (duplicate ACKs, a loss probe or the retransmission timer). So host → namespace
 * packets are dropped by a table inside the namespace (ingress of its end) and namespace →
 * host packets by a table on the host (ingress of the host end), both named after the host
 * interface. The namespace's table goes with the namespace; the host's is deleted by
 * `remove()`, and by a process `exit` handler if the harness exits without it.
 */
import { execFileSync } from 'node:child_process';
import { checkLossPercent, runStep, type LinkEnds, type LinkLoss } from './loss-mechanism.js';
import type { QdiscCounters } from './qdisc-stats.js';
import { runCommand, type CommandOutput } from './run-command.js';

/** The rule draws a number in [0, this) per packet: loss is set in steps of 100 / this percent. */
export const NFT_LOSS_MODULUS = 10_000;

/** `2.5` (%) → 250: the rule drops a packet when its draw is below this. */
export function lossThreshold(lossPercent: number): number {
  return Math.round((checkLossPercent(lossPercent) * NFT_LOSS_MODULUS) / 100);
}

/** The table on each end: `wirelab_loss_wl448h` (nft names allow letters, digits and `_`). */
export function nftLossTable(ends: Pick<LinkEnds, 'hostInterface'>): string {
  return `wirelab_loss_${ends.hostInterface}`;
}

/** The two rules of the ingress chain: count what arrives, then drop a random share and count that. */
function ruleCommands(table: string, lossPercent: number): string[] {
  return [
    `add rule netdev ${table} ingress meta protocol ip counter name "arrived"`,
    `add rule netdev ${table} ingress meta protocol ip numgen random mod ${NFT_LOSS_MODULUS} < ${lossThreshold(lossPercent)} counter name "dropped" drop`,
  ];
}

/**
 * One nft transaction making the table fresh on `device` (a stale table of the same name,
 * left by a killed run, is replaced): named counters survive `set()`'s rule changes.
 */
export function nftLossScript(table: string, device: string, lossPercent: number): string {
  return [
    `add table netdev ${table}`,
    `delete table netdev ${table}`,
    `add table netdev ${table}`,
    `add counter netdev ${table} arrived`,
    `add counter netdev ${table} dropped`,
    `add chain netdev ${table} ingress { type filter hook ingress device "${device}" priority 0; policy accept; }`,
    ...ruleCommands(table, lossPercent),
  ].join('; ');
}

/** One nft transaction swapping the rules for ones with another loss; no packet sees neither. */
export function nftSetLossScript(table: string, lossPercent: number): string {
  return [`flush chain netdev ${table} ingress`, ...ruleCommands(table, lossPercent)].join('; ');
}

/** Reads `nft -j list counters table netdev T`: packets that crossed (arrived − dropped) and dropped. */
export function parseNftLossCounters(json: string): QdiscCounters {
  const parsed = JSON.parse(json) as { nftables?: Array<{ counter?: { name?: string; packets?: number } }> };
  const packets = new Map<string, number>();
  for (const entry of parsed.nftables ?? []) {
    if (entry.counter?.name !== undefined && typeof entry.counter.packets === 'number')
      packets.set(entry.counter.name, entry.counter.packets);
  }
  const arrived = packets.get('arrived');
  const dropped = packets.get('dropped');
  if (arrived === undefined || dropped === undefined) throw new Error(`nft listed no "arrived"/"dropped" counters: ${json.slice(0, 200)}`);
  return { sentPackets: arrived - dropped, droppedPackets: dropped };
}

type Nft = (args: readonly string[]) => Promise<CommandOutput>;

const hostNft: Nft = (args) => runCommand('nft', args);
const namespaceNft =
  (nsName: string): Nft =>
  (args) =>
    runCommand('ip', ['netns', 'exec', nsName, 'nft', ...args]);

/** nftables drops on both ends of the link (see the top of this file). */
export function nftablesLoss(ends: LinkEnds): LinkLoss {
  const table = nftLossTable(ends);
  const inNamespace = namespaceNft(ends.nsName);
  const read = async (nft: Nft): Promise<QdiscCounters> =>
    parseNftLossCounters((await nft(['-j', 'list', 'counters', 'table', 'netdev', table])).stdout);
  let installedOnHost = false;
  return {
    mechanism: 'nftables',
    install: async (lossPercent) => {
      await runStep('add the nftables drop rule on the namespace end', () =>
        inNamespace([nftLossScript(table, ends.nsInterface, lossPercent)]),
      );
      installedOnHost = true;
      await runStep('add the nftables drop rule on the host end', () => hostNft([nftLossScript(table, ends.hostInterface, lossPercent)]));
    },
    set: async (lossPercent) => {
      await runStep('change the nftables drop rule on the namespace end', () => inNamespace([nftSetLossScript(table, lossPercent)]));
      await runStep('change the nftables drop rule on the host end', () => hostNft([nftSetLossScript(table, lossPercent)]));
    },
    counters: async () => ({ hostToNs: await read(inNamespace), nsToHost: await read(hostNft) }),
    remove: async () => {
      if (!installedOnHost) return;
      await hostNft(['delete', 'table', 'netdev', table]).catch(() => undefined);
      installedOnHost = false;
    },
    removeSync: () => {
      if (!installedOnHost) return;
      try {
        execFileSync('nft', ['delete', 'table', 'netdev', table], { stdio: 'ignore', timeout: 5000 });
      } catch {
        // Already gone, or nothing more a dying process can do about it.
      }
    },
  };
}

/**
 * What a lossy link did over a window: read its counters at the start and at the end, and
 * subtract. The packets each way come from the loss mechanism (netem's qdiscs or the nftables
 * rules' counters); the TCP counters from the namespace, where only the feed server runs.
 */
import type { LinkLossCounters, LossMechanism } from './loss-mechanism.js';
import type { LossyLink } from './netns.js';
import { subtractTcpCounters, type TcpCounters } from './netstat.js';
import type { QdiscCounters } from './qdisc-stats.js';

/** One reading of a link's counters (cumulative since it was made). */
export interface LinkSnapshot {
  mechanism: LossMechanism | null;
  packets: LinkLossCounters;
  namespaceTcp: TcpCounters;
}

/** The difference of two readings: what happened on the link in between. */
export interface LinkWindow {
  mechanism: LossMechanism | null;
  hostToNs: QdiscCounters;
  nsToHost: QdiscCounters;
  namespaceTcp: TcpCounters;
}

export async function snapshotLink(link: Pick<LossyLink, 'mechanism' | 'counters' | 'tcpCounters'>): Promise<LinkSnapshot> {
  const [packets, namespaceTcp] = await Promise.all([link.counters(), link.tcpCounters()]);
  return { mechanism: link.mechanism, packets, namespaceTcp };
}

export function linkWindow(start: LinkSnapshot, end: LinkSnapshot): LinkWindow {
  const minus = (after: QdiscCounters, before: QdiscCounters): QdiscCounters => ({
    sentPackets: after.sentPackets - before.sentPackets,
    droppedPackets: after.droppedPackets - before.droppedPackets,
  });
  return {
    mechanism: end.mechanism,
    hostToNs: minus(end.packets.hostToNs, start.packets.hostToNs),
    nsToHost: minus(end.packets.nsToHost, start.packets.nsToHost),
    namespaceTcp: subtractTcpCounters(end.namespaceTcp, start.namespaceTcp),
  };
}

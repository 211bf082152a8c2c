/**
 * Reads the packet counters out of `tc -s qdisc show dev X`, so a run can report how many
 * packets the lossy link really dropped (TCP hides loss behind retransmits otherwise).
 */

export interface QdiscCounters {
  sentPackets: number;
  droppedPackets: number;
}

/** Sums `Sent N bytes P pkt (dropped D, ...)` over every qdisc listed; zeros when none has counters. */
export function parseQdiscCounters(text: string): QdiscCounters {
  const counters: QdiscCounters = { sentPackets: 0, droppedPackets: 0 };
  for (const match of text.matchAll(/Sent\s+\d+\s+bytes\s+(\d+)\s+pkt\s+\(dropped\s+(\d+)/g)) {
    counters.sentPackets += Number(match[1]);
    counters.droppedPackets += Number(match[2]);
  }
  return counters;
}

/**
 * The kernel's TCP counters of one network namespace, read from `/proc/net/snmp` and
 * `/proc/net/netstat` as a process inside it sees them. Under `--net-loss` the feed server
 * is the only thing in its namespace, so these are its sockets' counters: TCP hides packet
 * loss as retransmissions, and this is where they show.
 */

/** Counters of one namespace's TCP stack (cumulative since it was made, or a difference of two readings). */
export interface TcpCounters {
  /** Segments sent, not counting retransmissions (`Tcp: OutSegs`). */
  outSegs: number;
  /** Segments received (`Tcp: InSegs`). */
  inSegs: number;
  /** Segments retransmitted (`Tcp: RetransSegs`). */
  retransSegs: number;
  /** Retransmission timer expiries: the costly kind, at least 200 ms each (`TcpExt: TCPTimeouts`). */
  timeouts: number;
  /** Fast retransmits, triggered by duplicate ACKs or SACK (`TcpExt: TCPFastRetrans`). */
  fastRetrans: number;
  /** Tail loss probes sent, the quick retry of a flow's last segment (`TcpExt: TCPLossProbes`). */
  lossProbes: number;
}

/** Where each counter lives: `[section, name]` in the header/value line pairs. */
const SOURCES: Record<keyof TcpCounters, readonly [string, string]> = {
  outSegs: ['Tcp', 'OutSegs'],
  inSegs: ['Tcp', 'InSegs'],
  retransSegs: ['Tcp', 'RetransSegs'],
  timeouts: ['TcpExt', 'TCPTimeouts'],
  fastRetrans: ['TcpExt', 'TCPFastRetrans'],
  lossProbes: ['TcpExt', 'TCPLossProbes'],
};

/**
 * Parses the `Section: Name Name …` / `Section: 1 2 …` line pairs of `/proc/net/snmp` and
 * `/proc/net/netstat` (both files concatenated is fine) into section → name → value.
 */
export function parseProcNetCounters(text: string): Map<string, Map<string, number>> {
  const sections = new Map<string, Map<string, number>>();
  const lines = text.split('\n');
  for (let index = 0; index + 1 < lines.length; index += 1) {
    const header = /^(\w+):\s+(.*)$/.exec(lines[index] ?? '');
    const values = /^(\w+):\s+(.*)$/.exec(lines[index + 1] ?? '');
    if (header === null || values === null || header[1] !== values[1]) continue;
    const names = (header[2] ?? '').trim().split(/\s+/);
    const numbers = (values[2] ?? '').trim().split(/\s+/);
    // A header line is followed by its values; a values line is never a header (it has numbers).
    if (names.length !== numbers.length || !numbers.every((value) => /^-?\d+$/.test(value))) continue;
    const section = sections.get(header[1] ?? '') ?? new Map<string, number>();
    names.forEach((name, i) => section.set(name, Number(numbers[i])));
    sections.set(header[1] ?? '', section);
    index += 1;
  }
  return sections;
}

/** The TCP counters out of `/proc/net/snmp` + `/proc/net/netstat`; throws naming any that is missing. */
export function parseTcpCounters(text: string): TcpCounters {
  const sections = parseProcNetCounters(text);
  const read = (key: keyof TcpCounters): number => {
    const [section, name] = SOURCES[key];
    const value = sections.get(section)?.get(name);
    if (value === undefined) throw new Error(`/proc/net counters have no ${section}: ${name}`);
    return value;
  };
  return {
    outSegs: read('outSegs'),
    inSegs: read('inSegs'),
    retransSegs: read('retransSegs'),
    timeouts: read('timeouts'),
    fastRetrans: read('fastRetrans'),
    lossProbes: read('lossProbes'),
  };
}

/** `after − before`, counter by counter: what happened in between. */
export function subtractTcpCounters(after: TcpCounters, before: TcpCounters): TcpCounters {
  return {
    outSegs: after.outSegs - before.outSegs,
    inSegs: after.inSegs - before.inSegs,
    retransSegs: after.retransSegs - before.retransSegs,
    timeouts: after.timeouts - before.timeouts,
    fastRetrans: after.fastRetrans - before.fastRetrans,
    lossProbes: after.lossProbes - before.lossProbes,
  };
}

/** The files to `cat` inside the namespace (`ip netns exec NAME cat …`). */
export const PROC_NET_FILES = Object.freeze(['/proc/net/snmp', '/proc/net/netstat']);

import { describe, expect, it } from 'vitest';
import { parseProcNetCounters, parseTcpCounters, subtractTcpCounters } from '../../netem/netstat.js';

// Abridged /proc/net/snmp + /proc/net/netstat of a namespace (Linux 6.x), concatenated as `cat` prints them.
const SAMPLE = [
  'Ip: Forwarding DefaultTTL InReceives',
  'Ip: 2 64 1836',
  'Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors',
  'Tcp: 1 200 120000 -1 0 21 0 0 20 1136 1174 62 0 0 0',
  'Udp: InDatagrams NoPorts',
  'Udp: 0 0',
  'TcpExt: SyncookiesSent TCPFastRetrans TCPSlowStartRetrans TCPTimeouts TCPLossProbes TCPLossProbeRecovery',
  'TcpExt: 0 46 0 4 12 9',
  'IpExt: InNoRoutes InTruncatedPkts',
  'IpExt: 0 0',
  '',
].join('\n');

describe('namespace TCP counters', () => {
  it('reads the retransmission counters out of /proc/net/snmp and /proc/net/netstat', () => {
    expect(parseTcpCounters(SAMPLE)).toEqual({
      outSegs: 1174,
      inSegs: 1136,
      retransSegs: 62,
      timeouts: 4,
      fastRetrans: 46,
      lossProbes: 12,
    });
    expect(parseProcNetCounters(SAMPLE).get('Tcp')?.get('MaxConn')).toBe(-1);
  });

  it('names a counter the kernel did not list, instead of reading it as 0', () => {
    expect(() => parseTcpCounters(SAMPLE.replace('TCPTimeouts', 'TCPSomethingElse'))).toThrow(
      '/proc/net counters have no TcpExt: TCPTimeouts',
    );
    // A header whose value line does not match is skipped, not misread.
    expect(() => parseTcpCounters(SAMPLE.replace('Tcp: 1 200 120000', 'Tcp: 1 200'))).toThrow(/no Tcp: OutSegs/);
  });

  it('subtracts two readings counter by counter', () => {
    const before = parseTcpCounters(SAMPLE);
    const after = { ...before, outSegs: before.outSegs + 100, retransSegs: before.retransSegs + 7, timeouts: before.timeouts + 1 };
    expect(subtractTcpCounters(after, before)).toEqual({
      outSegs: 100,
      inSegs: 0,
      retransSegs: 7,
      timeouts: 1,
      fastRetrans: 0,
      lossProbes: 0,
    });
  });
});

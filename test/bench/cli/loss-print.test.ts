import { describe, expect, it } from 'vitest';
import { controlFigures, lossFigures, retransmittedPercent, withControl } from '../../../bench/report/loss-figures.js';
import { formatLossControlLine } from '../../../bench/cli/loss-print.js';
import { describeLoss } from '../../../bench/report/network-text.js';
import { recordedOptions, resolveBenchOptions } from '../../../bench/options.js';
import { createPalette } from '../../../bench/cli/palette.js';
import { formatHeader, formatTable } from '../../../bench/cli/print.js';
import type { NetworkFigures, ProtocolResult } from '../../../bench/report/types.js';
import { benchResult, protocolResult } from '../fixture.js';

const tcp = (retransSegs: number, timeouts = 0) => ({
  outSegs: 1000,
  inSegs: 900,
  retransSegs,
  timeouts,
  fastRetrans: retransSegs - timeouts,
  lossProbes: 3,
});

/** A protocol's result on the namespace link: `dropped` of the window's packets lost, `retrans` retransmitted. */
function onLink(protocol: 'ws' | 'long-poll', latencyUs: number, dropped: number, retrans: number): ProtocolResult {
  const window = {
    mechanism: 'nftables' as const,
    hostToNs: { sentPackets: 900, droppedPackets: Math.floor(dropped / 2) },
    nsToHost: { sentPackets: 1100, droppedPackets: Math.ceil(dropped / 2) },
    namespaceTcp: tcp(retrans, Math.min(retrans, 2)),
  };
  const network: NetworkFigures = {
    latencyMs: 0,
    jitterMs: 0,
    bandwidthBitsPerSecond: null,
    bandwidthScope: 'connection',
    resetEveryMs: null,
    lossPercent: 2,
    proxied: false,
    namespace: true,
    latencyAddedP50: null,
    latencyAddedP99: null,
    downBytesPerSecondPerClient: 3000,
    capUsedPercent: null,
    proxy: null,
    loss: lossFigures(window),
  };
  return protocolResult(protocol, { network }, latencyUs);
}

describe('--net-loss figures and printing', () => {
  it('turns the link window into figures: directions, totals, the loss applied', () => {
    const figures = lossFigures({
      mechanism: 'nftables',
      hostToNs: { sentPackets: 980, droppedPackets: 20 },
      nsToHost: { sentPackets: 1470, droppedPackets: 30 },
      namespaceTcp: tcp(28),
    });
    expect(figures).toMatchObject({ mechanism: 'nftables', sentPackets: 2450, droppedPackets: 50, appliedPercent: 2, control: null });
    expect(figures.toServer).toEqual({ sentPackets: 980, droppedPackets: 20 });
    expect(figures.toClients).toEqual({ sentPackets: 1470, droppedPackets: 30 });
    expect(
      lossFigures({
        mechanism: null,
        hostToNs: { sentPackets: 0, droppedPackets: 0 },
        nsToHost: { sentPackets: 0, droppedPackets: 0 },
        namespaceTcp: tcp(0),
      }).appliedPercent,
    ).toBeNull();
    expect(retransmittedPercent({ outSegs: 950, retransSegs: 50 })).toBe(5);
    expect(retransmittedPercent({ outSegs: 0, retransSegs: 0 })).toBeNull();
  });

  it('folds the control window into the lossy result', () => {
    const control = onLink('ws', 1000, 0, 0);
    const lossy = onLink('ws', 40_000, 50, 45);
    const paired = withControl(lossy, control);
    expect(paired.network?.loss?.control).toEqual(controlFigures(control));
    expect(paired.network?.loss?.control).toMatchObject({
      droppedPackets: 0,
      sentPackets: 2000,
      latency: control.latency,
      delivery: control.delivery,
      serverTcp: tcp(0, 0),
    });
    expect(lossy.network?.loss?.control).toBeNull(); // not mutated
    const plain = protocolResult('ws');
    expect(withControl(plain, control)).toBe(plain);
  });

  it('names the mechanism in the header, and shows applied loss, retransmits and both tails side by side', () => {
    expect(describeLoss(0.5, 'nftables')).toBe('loss 0.5% (nftables numgen)');
    expect(describeLoss(1, 'netem')).toBe('loss 1% (netem)');
    expect(describeLoss(1, null)).toBe('loss 1%');
    const options = recordedOptions(resolveBenchOptions({ clients: 10, network: { lossPercent: 2 } }));
    expect(formatHeader({ runId: 'r', target: 'http://10.213.7.2:4000', spawned: true, options, lossMechanism: 'nftables' })).toContain(
      'net loss 2% (nftables numgen)',
    );

    const protocols = [
      withControl(onLink('ws', 40_000, 50, 45), onLink('ws', 1000, 0, 1)),
      withControl(onLink('long-poll', 90_000, 60, 70), onLink('long-poll', 3000, 0, 0)),
    ];
    const run = benchResult(protocols, {
      options,
      network: {
        ...options.network!,
        proxied: false,
        namespace: { name: 'wirelab-10-213-7-0', serverAddress: '10.213.7.2' },
        lossMechanism: 'nftables',
      },
    });
    const table = formatTable(run);
    expect(table).toMatch(/loss applied \(dropped\/packets\)\s+2\.4%\s+2\.9%/);
    expect(table).toMatch(/packets dropped on the link\s+50\s+60/);
    expect(table).toMatch(/server TCP retransmits\s+45\s+70/);
    expect(table).toMatch(/server RTO timeouts\s+2\s+2/);
    expect(table).toMatch(/control: server TCP retransmits\s+1\s+0/);
    // p99 of 1,000 samples rests on 10: marked † (few samples).
    expect(table).toMatch(/control: latency p99\s+1\.98ms†\s+5\.94ms†/);
    expect(table).toMatch(/with loss: latency p99\s+79\.2ms†\s+178ms†/);
    expect(table).not.toContain('latency over injected');
    expect(table).toContain(
      'net: loss 2% (nftables numgen) each way, on the veth of namespace wirelab-10-213-7-0 (server 10.213.7.2); each protocol ran first at 0% on the same link and server',
    );
    expect(formatLossControlLine(onLink('ws', 1000, 0, 3), createPalette(false))).toBe(
      '○ ws: 0% control on the same link: 1,000/1,000 delivered, latency p99 1.98ms, 3 server retransmits',
    );
  });
});

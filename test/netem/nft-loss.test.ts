/**
 * Loss by nftables on a real namespace link. Where nftables works (root, iproute2, nft and
 * a kernel with nf_tables), the same link runs at 0% and then at 5%, and the counters must
 * agree with each other and with the kernel's own: every packet the rules count is a TCP
 * segment the namespace's stack counted, and the drops follow a binomial law. Where it does
 * not, the probe must say why and the link must fail to build, leaving nothing behind.
 */
import { describe, expect, it } from 'vitest';
import { linkWindow, snapshotLink, type LinkSnapshot, type LinkWindow } from '../../netem/link-snapshot.js';
import { probeLoss, probeNftables } from '../../netem/loss-probe.js';
import { createLossyLink, NetnsError, type LossyLink } from '../../netem/netns.js';
import { lossThreshold, nftLossScript, nftLossTable, nftSetLossScript, parseNftLossCounters } from '../../netem/nft-loss.js';
import { runCommand } from '../../netem/run-command.js';
import {
  echoInside,
  echoIntact,
  hostLossTables,
  runInlineModule,
  wirelabInterfaces,
  wirelabNamespaces,
  withinBinomial,
} from './loss-helpers.js';

const probe = await probeNftables();
console.info(`probeNftables: ${JSON.stringify(probe)}; probeLoss: ${JSON.stringify(await probeLoss())}`);

/**
 * A reading once the link is quiet: the last ACKs of a closed connection may still be on
 * their way, so read until two readings in a row agree (each takes a few exec round trips).
 */
async function settledSnapshot(link: LossyLink): Promise<LinkSnapshot> {
  let previous = await snapshotLink(link);
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const next = await snapshotLink(link);
    if (JSON.stringify(next) === JSON.stringify(previous)) return next;
    previous = next;
  }
  throw new Error('the link never went quiet');
}

async function echoWindow(link: LossyLink, port: number, size: number): Promise<{ intact: boolean; window: LinkWindow }> {
  const start = await settledSnapshot(link);
  const intact = await echoIntact(link, port, size);
  return { intact, window: linkWindow(start, await settledSnapshot(link)) };
}

/** Every packet the rules saw is a TCP segment the namespace's own stack counted. */
function expectCountersAgreeWithTcp(window: LinkWindow): void {
  const { hostToNs, nsToHost, namespaceTcp } = window;
  expect(nsToHost.sentPackets + nsToHost.droppedPackets).toBe(namespaceTcp.outSegs + namespaceTcp.retransSegs);
  expect(hostToNs.sentPackets).toBe(namespaceTcp.inSegs);
}

describe('nftables loss on a namespace link', { timeout: 60_000 }, () => {
  it('builds the rule for fractional percents, to 0.01%', () => {
    expect(lossThreshold(0)).toBe(0);
    expect(lossThreshold(0.5)).toBe(50);
    expect(lossThreshold(2)).toBe(200);
    expect(lossThreshold(2.55)).toBe(255);
    expect(lossThreshold(99.99)).toBe(9999);
    expect(() => lossThreshold(100)).toThrow(RangeError);
    expect(() => lossThreshold(-1)).toThrow(RangeError);
    const script = nftLossScript('wirelab_loss_wl448h', 'wl448h', 0.5);
    expect(script).toContain(
      'add chain netdev wirelab_loss_wl448h ingress { type filter hook ingress device "wl448h" priority 0; policy accept; }',
    );
    expect(script).toContain('meta protocol ip numgen random mod 10000 < 50 counter name "dropped" drop');
    expect(nftSetLossScript('t', 5)).toBe(
      'flush chain netdev t ingress; add rule netdev t ingress meta protocol ip counter name "arrived"; add rule netdev t ingress meta protocol ip numgen random mod 10000 < 500 counter name "dropped" drop',
    );
    expect(nftLossTable({ hostInterface: 'wl448h' })).toBe('wirelab_loss_wl448h');
  });

  it('reads the named counters out of nft -j', () => {
    const json = JSON.stringify({
      nftables: [
        { metainfo: { version: '1.0.6' } },
        { counter: { family: 'netdev', name: 'arrived', table: 't', handle: 1, packets: 1000, bytes: 64000 } },
        { counter: { family: 'netdev', name: 'dropped', table: 't', handle: 2, packets: 52, bytes: 3328 } },
      ],
    });
    expect(parseNftLossCounters(json)).toEqual({ sentPackets: 948, droppedPackets: 52 });
    expect(() => parseNftLossCounters('{"nftables":[]}')).toThrow(/no "arrived"\/"dropped" counters/);
  });

  it('0% then 5% on the same link: no drop, then drops in the binomial range; TCP carries every byte', async () => {
    if (!probe.available) {
      // No nftables here: the probe says which check failed, and a link asking for it fails and leaves nothing.
      expect(['root', 'tools', 'netns', 'nftables']).toContain(probe.failedCheck);
      const error = await createLossyLink({ lossPercent: 5, mechanism: 'nftables' }).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(NetnsError);
      expect(await hostLossTables()).toEqual([]);
      return;
    }
    const link = await createLossyLink({ lossPercent: 0, mechanism: 'nftables' });
    expect(link.mechanism).toBe('nftables');
    const echo = await echoInside(link);
    try {
      const clean = await echoWindow(link, echo.port, 300_000);
      expect(clean.intact).toBe(true);
      expect(clean.window.hostToNs).toMatchObject({ droppedPackets: 0 });
      expect(clean.window.nsToHost).toMatchObject({ droppedPackets: 0 });
      expect(clean.window.nsToHost.sentPackets).toBeGreaterThan(200);
      expectCountersAgreeWithTcp(clean.window);

      await link.setLoss(5);
      const lossy = await echoWindow(link, echo.port, 1_000_000);
      console.info(`5% on ${link.nsName}: ${JSON.stringify(lossy.window)}`);
      expect(lossy.intact).toBe(true);
      for (const direction of [lossy.window.hostToNs, lossy.window.nsToHost]) {
        const offered = direction.sentPackets + direction.droppedPackets;
        expect(offered).toBeGreaterThan(500);
        expect(withinBinomial(direction.droppedPackets, offered, 0.05), `${direction.droppedPackets} of ${offered}`).toBe(true);
      }
      expectCountersAgreeWithTcp(lossy.window);
      // The server side's lost segments come back as retransmissions, and only as those.
      expect(lossy.window.namespaceTcp.retransSegs).toBeGreaterThan(0);
    } finally {
      await echo.stop();
      await link.remove();
    }
    expect(await wirelabNamespaces()).not.toContain(link.nsName);
    expect(await hostLossTables()).not.toContain(nftLossTable(link));
    expect(await wirelabInterfaces()).not.toContain(link.hostInterface);
  });

  it('removes the host table, the link and the namespace when the process exits without remove()', async () => {
    if (!probe.available) {
      expect(probe.reason.length).toBeGreaterThan(20);
      return;
    }
    const script =
      "const { createLossyLink } = await import('./netem/netns.ts'); const link = await createLossyLink({ lossPercent: 5, mechanism: 'nftables' }); const { execFileSync } = await import('node:child_process'); console.log(link.nsName + ' ' + link.hostInterface + ' ' + execFileSync('nft', ['list', 'tables']).toString().includes('wirelab_loss_' + link.hostInterface)); process.exit(0);";
    const { line, code, stderr } = await runInlineModule(script);
    expect(code, stderr).toBe(0);
    const [nsName = '', hostInterface = '', hadTable] = line.split(' ');
    expect(hadTable).toBe('true');
    expect(await wirelabNamespaces()).not.toContain(nsName);
    expect(await hostLossTables()).not.toContain(`wirelab_loss_${hostInterface}`);
    expect(await wirelabInterfaces()).not.toContain(hostInterface);
  });

  it('installing over a table of the same name (left by a killed run) replaces it instead of adding rules', async () => {
    if (!probe.available) {
      expect(probe.available).toBe(false);
      return;
    }
    const link = await createLossyLink({ lossPercent: 1, mechanism: 'nftables' });
    const table = nftLossTable(link);
    try {
      // What a SIGKILLed run leaves: the table, its chain bound to an interface that stays.
      await runCommand('nft', [nftLossScript(table, link.hostInterface, 50)]);
      const { stdout } = await runCommand('nft', ['list', 'table', 'netdev', table]);
      expect(stdout.match(/numgen random/g)).toHaveLength(1);
      expect(stdout).toContain('< 5000 ');
    } finally {
      await link.remove();
    }
    expect(await hostLossTables()).not.toContain(table);
  });
});

/**
 * Real packet loss needs root, iproute2 and the kernel's sch_netem. Each test here asserts
 * something in every case: where netem works, TCP must carry every byte across 5% loss and
 * the link must be gone after remove(); where it does not, the probe must say why and
 * createLossyLink must fail with that reason and leave no namespace or interface behind.
 * A namespace link with 0% loss needs no netem, so the veth plumbing is tested for real on
 * any machine where namespaces can be made at all.
 */
import { describe, expect, it } from 'vitest';
import { createLossyLink, NetnsError, probeNetem, type LossyLink } from '../../netem/netns.js';
import { parseQdiscCounters } from '../../netem/qdisc-stats.js';
import { echoInside, echoIntact, runInlineModule, wirelabInterfaces, wirelabNamespaces } from './loss-helpers.js';

const probe = await probeNetem();
const namespacesWork = probe.available || probe.failedCheck === 'netem';
console.info(`probeNetem: ${JSON.stringify(probe)}`);

/** `wirelab-10-213-7-0` → 448, the block number its interfaces are named after. */
function blockOf(nsName: string): number {
  const [third = 0, fourth = 0] = nsName.replace('wirelab-10-213-', '').split('-').map(Number);
  return third * 64 + fourth / 4;
}

async function carriesTcpAndRemovesCleanly(lossPercent: number): Promise<void> {
  const link = await createLossyLink({ lossPercent });
  try {
    expect(await wirelabNamespaces()).toContain(link.nsName);
    const echo = await echoInside(link);
    try {
      expect(await echoIntact(link, echo.port, 1_000_000)).toBe(true);
      if (lossPercent > 0) {
        const { hostToNs, nsToHost } = await link.counters();
        console.info(
          `${lossPercent}% loss: host→ns sent ${hostToNs.sentPackets} dropped ${hostToNs.droppedPackets}; ns→host sent ${nsToHost.sentPackets} dropped ${nsToHost.droppedPackets}`,
        );
        // Hundreds of packets (data and ACKs) at 5% each: no drop at all has odds below 1e-4.
        expect(hostToNs.droppedPackets + nsToHost.droppedPackets).toBeGreaterThan(0);
      }
    } finally {
      await echo.stop();
    }
  } finally {
    await link.remove();
  }
  await link.remove(); // idempotent
  expect(await wirelabNamespaces()).not.toContain(link.nsName);
  expect(await wirelabInterfaces()).not.toContain(link.hostInterface);
}

describe('network namespace link', { timeout: 30_000 }, () => {
  it('probeNetem answers available, or names the check that failed and why', () => {
    if (probe.available) {
      expect(probe).toEqual({ available: true });
    } else {
      expect(['root', 'tools', 'netns', 'netem']).toContain(probe.failedCheck);
      expect(probe.reason.length).toBeGreaterThan(20);
    }
  });

  it('TCP through 5% loss each way delivers every byte; remove() deletes it all', async () => {
    if (probe.available) {
      await carriesTcpAndRemovesCleanly(5);
      return;
    }
    // No netem here: asking for loss must fail saying why, and remove what it had made.
    const error = await createLossyLink({ lossPercent: 5 }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(NetnsError);
    expect((error as NetnsError).message).toMatch(/could not set up the lossy link .*\(.+\): .+/);
    if (probe.failedCheck === 'netem') {
      // It got as far as the namespace and the veth before netem failed: both must be gone.
      const { nsName } = error as NetnsError;
      expect(nsName).toMatch(/^wirelab-10-213-/);
      expect((error as NetnsError).message).toMatch(/add netem/);
      expect(await wirelabNamespaces()).not.toContain(nsName);
      expect(await wirelabInterfaces()).not.toContain(`wl${blockOf(nsName ?? '')}h`);
    }
  });

  it('a link without loss (no netem needed) carries TCP between host and namespace', async () => {
    if (namespacesWork) {
      await carriesTcpAndRemovesCleanly(0);
      return;
    }
    await expect(createLossyLink({ lossPercent: 0 })).rejects.toThrow(/could not set up the lossy link/);
  });

  it('removes the link when the process exits without calling remove()', async () => {
    if (!namespacesWork) {
      // Nothing to create here; the reason is the probe's, checked above.
      expect(probe.available === false && ['root', 'tools', 'netns'].includes(probe.failedCheck)).toBe(true);
      return;
    }
    const script =
      "const { createLossyLink } = await import('./netem/netns.ts'); const link = await createLossyLink({ lossPercent: 0 }); console.log(link.nsName); process.exit(0);";
    const { line, code, stderr } = await runInlineModule(script);
    expect(code, stderr).toBe(0);
    expect(line).toMatch(/^wirelab-10-213-/);
    expect(await wirelabNamespaces()).not.toContain(line);
    expect(await wirelabInterfaces()).not.toContain(`wl${blockOf(line)}h`);
  });

  it('reads sent and dropped packets from tc -s output', () => {
    const text = [
      'qdisc netem 8001: root refcnt 2 limit 1000 loss 5%',
      ' Sent 123456 bytes 789 pkt (dropped 42, overlimits 0 requeues 0)',
      ' backlog 0b 0p requeues 0',
    ].join('\n');
    expect(parseQdiscCounters(text)).toEqual({ sentPackets: 789, droppedPackets: 42 });
    expect(parseQdiscCounters('qdisc noqueue 0: root refcnt 2')).toEqual({ sentPackets: 0, droppedPackets: 0 });
  });
});

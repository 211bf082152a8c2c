/**
 * Real packet loss needs root, iproute2 and the kernel's sch_netem. Each test here asserts
 * something in every case: where netem works, TCP must carry every byte across 5% loss and
 * the link must be gone after remove(); where it does not, the probe must say why and
 * createLossyLink must fail with that reason and leave no namespace or interface behind.
 * A namespace link with 0% loss needs no netem, so the veth plumbing is tested for real on
 * any machine where namespaces can be made at all.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLossyLink, NetnsError, probeNetem, type LossyLink } from '../../netem/netns.js';
import { parseQdiscCounters } from '../../netem/qdisc-stats.js';
import { runCommand } from '../../netem/run-command.js';
import { connectTo } from './helpers.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const probe = await probeNetem();
const namespacesWork = probe.available || probe.failedCheck === 'netem';
console.info(`probeNetem: ${JSON.stringify(probe)}`);

async function namespaces(): Promise<string[]> {
  const { stdout } = await runCommand('ip', ['netns', 'list']).catch(() => ({ stdout: '' }));
  return stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith('wirelab-'));
}

async function wirelabInterfaces(): Promise<string[]> {
  const { stdout } = await runCommand('ip', ['-o', 'link', 'show']).catch(() => ({ stdout: '' }));
  return [...stdout.matchAll(/^\d+: (wl\d+[hn])[@:]/gm)].map((match) => match[1] ?? '');
}

/** `wirelab-10-213-7-0` → 448, the block number its interfaces are named after. */
function blockOf(nsName: string): number {
  const [third = 0, fourth = 0] = nsName.replace('wirelab-10-213-', '').split('-').map(Number);
  return third * 64 + fourth / 4;
}

/** An echo server inside the namespace, listening on its address; resolves with its port. */
async function echoInside(link: LossyLink): Promise<{ port: number; stop: () => Promise<void> }> {
  const script =
    "const s=require('net').createServer(c=>{c.on('error',()=>{});c.pipe(c)});s.listen(0,process.argv[1],()=>console.log(s.address().port))";
  const child = link.spawn(process.execPath, ['-e', script, link.nsAddress], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return {
    port: Number(line),
    stop: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Sends `size` random bytes through an echo and resolves with whether they all came back, in order. */
async function echoesIntact(host: string, port: number, size: number): Promise<boolean> {
  const socket = await connectTo(port, host);
  const sent = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7919 + (i >> 8)) & 0xff));
  const chunks: Buffer[] = [];
  let received = 0;
  const back = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= size) resolve();
    });
    socket.once('error', reject);
  });
  socket.write(sent);
  await back;
  socket.destroy();
  return Buffer.concat(chunks).equals(sent);
}

async function carriesTcpAndRemovesCleanly(lossPercent: number): Promise<void> {
  const link = await createLossyLink({ lossPercent });
  try {
    expect(await namespaces()).toContain(link.nsName);
    const echo = await echoInside(link);
    try {
      expect(await echoesIntact(link.nsAddress, echo.port, 1_000_000)).toBe(true);
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
  expect(await namespaces()).not.toContain(link.nsName);
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
      expect(await namespaces()).not.toContain(nsName);
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
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(line).toMatch(/^wirelab-10-213-/);
    expect(await namespaces()).not.toContain(line);
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

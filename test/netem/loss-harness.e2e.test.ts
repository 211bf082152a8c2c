/**
 * `--net-loss` under the harness, on a real namespace link: each protocol runs at 0% and
 * then at 5% on the same link; TCP must still deliver every update exactly once, and the loss
 * must show where TCP puts it (retransmissions, a longer latency tail). The link and its rules
 * are gone afterwards, also when the run is interrupted. Where the machine cannot drop packets
 * at all, the run is refused up front naming both ways it tried.
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { OptionError } from '../../wire/errors.js';
import { runBench } from '../../bench/run.js';
import type { LossFigures, ProtocolResult } from '../../bench/report/types.js';
import { LOSS_MECHANISM_LABELS } from '../../netem/loss-mechanism.js';
import { probeLoss } from '../../netem/loss-probe.js';
import { ROOT, runCli } from '../helpers/run-cli.js';
import { hostLossTables, pathWithOnly, wirelabInterfaces, wirelabNamespaces, withinBinomial } from './loss-helpers.js';

const probe = await probeLoss();
const isRoot = process.getuid?.() === 0;

/** A link with nothing that can drop packets: `ip` but neither `tc` (netem) nor `nft`. */
const onlyIp = await pathWithOnly(['ip']);
afterAll(() => rm(onlyIp, { recursive: true, force: true }));

function lossOf(result: ProtocolResult): LossFigures {
  const loss = result.network?.loss;
  if (loss === null || loss === undefined) throw new Error(`${result.protocol} has no loss figures`);
  return loss;
}

/** What the header's target says about the link: `http://10.213.7.2:PORT` → its namespace, host interface and table. */
function linkOf(target: string): { nsName: string; hostInterface: string; table: string } {
  const [, third = '0', fourth = '0'] = /10\.213\.(\d+)\.(\d+)/.exec(target) ?? [];
  const base = Number(fourth) - 2;
  const hostInterface = `wl${Number(third) * 64 + base / 4}h`;
  return { nsName: `wirelab-10-213-${third}-${base}`, hostInterface, table: `wirelab_loss_${hostInterface}` };
}

describe('--net-loss under the harness', () => {
  it('5% with a 0% control on the same link: every update once, retransmissions, a longer tail; nothing left after', async () => {
    if (!probe.available) {
      await expect(runBench({ protocols: ['ws'], clients: 1, writeFiles: false, network: { lossPercent: 5 } })).rejects.toBeInstanceOf(
        OptionError,
      );
      return;
    }
    const result = await runBench(
      {
        protocols: ['ws', 'long-poll'],
        clients: 20,
        rate: 20,
        durationMs: 3000,
        warmupMs: 500,
        idleMs: 0,
        capacityDurationMs: 0,
        workers: 1,
        writeFiles: false,
        thresholds: [],
        network: { lossPercent: 5 },
      },
      { signal: AbortSignal.timeout(150_000) },
    );
    expect(result.failures).toEqual([]);
    expect(result.network).toMatchObject({ lossPercent: 5, lossMechanism: probe.mechanism, proxied: false });
    const namespace = result.network?.namespace;
    expect(namespace?.name).toMatch(/^wirelab-10-213-/);
    for (const protocol of result.protocols) {
      const loss = lossOf(protocol);
      const control = loss.control;
      console.info(
        `${protocol.protocol}: control p99 ${control?.latency.p99} µs, lossy p99 ${protocol.latency.p99} µs; ${JSON.stringify({ ...loss, control: undefined })}`,
      );
      expect(loss.mechanism).toBe(probe.mechanism);
      expect(protocol.network).toMatchObject({ namespace: true, proxied: false, latencyAddedP50: null, latencyAddedP99: null });
      if (control === null) throw new Error(`${protocol.protocol} has no control`);

      // TCP hides the loss: every update arrives, once, in order, with and without it.
      for (const delivery of [protocol.delivery, control.delivery]) {
        expect(delivery.expected).toBeGreaterThan(500);
        expect(delivery).toMatchObject({ delivered: delivery.expected, missed: 0, duplicated: 0, outOfOrder: 0 });
      }
      // The control dropped nothing; the lossy window dropped what 5% of its packets predicts.
      expect(control.droppedPackets).toBe(0);
      expect(control.sentPackets).toBeGreaterThan(0);
      const offered = loss.sentPackets + loss.droppedPackets;
      expect(withinBinomial(loss.droppedPackets, offered, 0.05), `${loss.droppedPackets} of ${offered}`).toBe(true);
      expect(loss.toServer.droppedPackets + loss.toClients.droppedPackets).toBe(loss.droppedPackets);
      expect(loss.appliedPercent).toBeCloseTo((loss.droppedPackets / offered) * 100, 2);
      // Where the loss went instead: the server's retransmissions and the latency tail.
      expect(loss.serverTcp.retransSegs).toBeGreaterThan(control.serverTcp.retransSegs);
      expect(protocol.latency.p99).toBeGreaterThan(control.latency.p99);
    }
    const link = linkOf(result.target.url);
    expect(link.nsName).toBe(namespace?.name);
    expect(await wirelabNamespaces()).not.toContain(link.nsName);
    expect(await wirelabInterfaces()).not.toContain(link.hostInterface);
    expect(await hostLossTables()).not.toContain(link.table);
  }, 180_000);

  it('an interrupted run (SIGINT during the lossy window) leaves no namespace, interface or nft table', async () => {
    if (!probe.available) {
      expect(probe.reason.length).toBeGreaterThan(20);
      return;
    }
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/cli/cli.ts',
        '--net-loss',
        '5%',
        '--protocols',
        'ws',
        '--clients',
        '5',
        '--duration',
        '3s',
        '--warmup',
        '1s',
        '--no-live',
        '--no-files',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let link: ReturnType<typeof linkOf> | undefined;
    let existedBeforeInterrupt = false;
    for await (const line of createInterface({ input: child.stdout })) {
      if (line.startsWith('wirelab bench · ')) {
        expect(line).toContain(`loss 5% (${LOSS_MECHANISM_LABELS[probe.mechanism]})`);
        link = linkOf(line);
      }
      // The control window is done: the lossy one is starting, rules at 5%.
      if (line.startsWith('○ ws: 0% control on the same link')) {
        existedBeforeInterrupt =
          (await wirelabNamespaces()).includes(link?.nsName ?? '') &&
          (probe.mechanism === 'netem' || (await hostLossTables()).includes(link?.table ?? ''));
        child.kill('SIGINT');
        child.stdout.resume();
        break;
      }
    }
    const code = await exited;
    clearTimeout(killer);
    expect(existedBeforeInterrupt, stderr).toBe(true);
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('interrupted; no result written');
    expect(await wirelabNamespaces()).not.toContain(link?.nsName);
    expect(await wirelabInterfaces()).not.toContain(link?.hostInterface);
    expect(await hostLossTables()).not.toContain(link?.table);
  }, 120_000);

  it('where neither netem nor nftables can drop packets, runBench refuses up front naming both', async () => {
    const path = process.env.PATH;
    process.env.PATH = onlyIp;
    try {
      const run = runBench({ protocols: ['ws'], clients: 1, writeFiles: false, network: { lossPercent: 2.5 } });
      await expect(run).rejects.toBeInstanceOf(OptionError);
      await expect(run).rejects.toMatchObject({ code: 'WL_BAD_OPTION', option: '--net-loss' });
      await expect(run).rejects.toThrow(
        isRoot
          ? /--net-loss 2\.5% needs the kernel's netem qdisc \(sch_netem\) or nftables to drop packets: neither netem nor nftables can drop packets here: netem: .*`(tc|ip)`.*; nftables: .*`(nft|ip)`/
          : /--net-loss 2\.5% needs root/,
      );
    } finally {
      process.env.PATH = path;
    }
  });

  it('the CLI exits 2 there, naming both, and prints nothing on stdout', async () => {
    const { code, stdout, stderr } = await runCli(['--net-loss', '1%', '--no-live', '-c', '1'], { env: { PATH: onlyIp } });
    expect(code, stderr).toBe(2);
    expect(stderr).toMatch(
      isRoot
        ? /wirelab-bench: bad option: --net-loss 1% needs the kernel's netem qdisc \(sch_netem\) or nftables to drop packets: .*netem: .*; nftables: /
        : /--net-loss 1% needs root/,
    );
    expect(stdout).toBe('');
  });
});

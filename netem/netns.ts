/**
 * Real packet loss, which a TCP proxy cannot give: a network namespace joined to the host by
 * a veth pair on a private /30, losing X% of the packets in each direction, by `tc netem` on
 * both ends (netem-loss.ts) or by nftables random drops where the kernel has no netem
 * (nft-loss.ts). The harness runs the feed server inside the namespace (`ip netns exec NAME
 * node …`, see `command()`), listening on `nsAddress`; clients stay on the host and connect
 * to `nsAddress`, so every packet crosses the lossy veth. Only the two addresses made here are
 * ever used. Needs root and iproute2, plus sch_netem or nftables: `probeLoss()`
 * (loss-probe.ts) says which this machine has, and why not.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { WirelabError } from '../wire/errors.js';
import { checkLossPercent, LinkStepError, type LinkLoss, type LinkLossCounters, type LossMechanism } from './loss-mechanism.js';
import { netemArgs, netemLoss } from './netem-loss.js';
import { PROC_NET_FILES, parseTcpCounters, type TcpCounters } from './netstat.js';
import { nftablesLoss } from './nft-loss.js';
import { CommandError, runCommand, type CommandOutput } from './run-command.js';

export type NetemProbe = { available: true } | { available: false; reason: string; failedCheck: 'root' | 'tools' | 'netns' | 'netem' };

export interface LossyLinkOptions {
  /** Packets lost in each direction, in percent (0 without a mechanism makes a plain namespace link). */
  lossPercent: number;
  /**
   * What drops the packets. Given, it is installed even at 0%, so `setLoss()` can change the
   * loss later and `counters()` counts the packets. @default 'netem' when lossPercent > 0, else none
   */
  mechanism?: LossMechanism;
  /** Extra one-way delay added by netem at each end (ms); netem only. */
  delayMs?: number;
}

export interface LossyLink {
  readonly nsName: string;
  readonly hostAddress: string;
  readonly nsAddress: string;
  readonly hostInterface: string;
  readonly nsInterface: string;
  /** What drops the packets, or null on a plain link (0% without a mechanism). */
  readonly mechanism: LossMechanism | null;
  /** `ip netns exec NAME cmd args…` as a command line, for a caller that spawns with its own options. */
  command(cmd: string, args: readonly string[]): { command: string; args: string[] };
  /** Runs a command inside the namespace to completion. */
  exec(cmd: string, args: readonly string[], timeoutMs?: number): Promise<CommandOutput>;
  /** Starts a long-lived process (the feed server) inside the namespace. */
  spawn(cmd: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Packets that crossed the link and packets dropped on it, each way, since it was made (zeros on a plain link). */
  counters(): Promise<LinkLossCounters>;
  /** Changes the loss of both directions in place; open connections stay open. Needs a mechanism. */
  setLoss(lossPercent: number): Promise<void>;
  /** The namespace's TCP counters (its `/proc/net/snmp` and `/proc/net/netstat`), since it was made. */
  tcpCounters(): Promise<TcpCounters>;
  /** Deletes the veth pair and the namespace; safe to call twice. Stop processes inside first. */
  remove(): Promise<void>;
}

/** The lossy link could not be set up (WL_NETNS). */
export class NetnsError extends WirelabError {
  constructor(
    message: string,
    /** The namespace it had made (and removed again), when it got that far. */
    readonly nsName?: string,
    options?: ErrorOptions,
  ) {
    super('WL_NETNS', message);
    this.name = 'NetnsError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

let sequence = 0;
const uniqueSuffix = (): string => `${process.pid.toString(36)}-${(sequence++).toString(36)}`;

/** Checks, in order, what real loss needs; a throwaway namespace tries netem and is removed. */
export async function probeNetem(): Promise<NetemProbe> {
  const uid = process.getuid?.();
  if (uid !== 0)
    return {
      available: false,
      failedCheck: 'root',
      reason: `packet loss needs root to create a network namespace (running as uid ${uid ?? 'unknown'})`,
    };
  for (const tool of ['ip', 'tc']) {
    try {
      await runCommand(tool, ['-V']);
    } catch (error) {
      return { available: false, failedCheck: 'tools', reason: `packet loss needs iproute2's \`${tool}\`: ${(error as Error).message}` };
    }
  }
  const nsName = `wirelab-probe-${uniqueSuffix()}`;
  try {
    await runCommand('ip', ['netns', 'add', nsName]);
  } catch (error) {
    return { available: false, failedCheck: 'netns', reason: `cannot create a network namespace: ${(error as Error).message}` };
  }
  try {
    await runCommand('ip', ['netns', 'exec', nsName, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', ...netemArgs(1)]);
    return { available: true };
  } catch (error) {
    const unknown = error instanceof CommandError && /unknown/i.test(error.detail);
    const why = unknown
      ? 'this kernel has no netem qdisc (sch_netem is not built in or loaded; `modprobe sch_netem` if it is a module)'
      : 'tc could not add a netem qdisc';
    return { available: false, failedCheck: 'netem', reason: `${why}: ${(error as Error).message}` };
  } finally {
    await runCommand('ip', ['netns', 'del', nsName]).catch(() => undefined);
  }
}

/** The /30 blocks of 10.213.0.0/16 already on an interface (ours or anyone's). */
async function blocksInUse(): Promise<Set<number>> {
  const { stdout } = await runCommand('ip', ['-4', '-o', 'addr', 'show']);
  const used = new Set<number>();
  for (const match of stdout.matchAll(/inet 10\.213\.(\d+)\.(\d+)\//g)) used.add(Number(match[1]) * 64 + Math.floor(Number(match[2]) / 4));
  return used;
}

interface ClaimedBlock {
  nsName: string;
  hostInterface: string;
  nsInterface: string;
  hostAddress: string;
  nsAddress: string;
}

/**
 * Picks a free /30 (10.213.7.0/30 first: host .1, namespace .2) and claims it by creating
 * the namespace named after it. `ip netns add` fails on an existing name, so two runs at
 * once can never take the same block, which a scan of addresses alone could not promise.
 */
async function claimBlock(): Promise<ClaimedBlock> {
  const used = await blocksInUse();
  for (let step = 0; step < 16384; step += 1) {
    const block = (7 * 64 + step) % 16384;
    if (used.has(block)) continue;
    const third = Math.floor(block / 64);
    const fourth = (block % 64) * 4;
    const nsName = `wirelab-10-213-${third}-${fourth}`;
    try {
      await runCommand('ip', ['netns', 'add', nsName]);
    } catch (error) {
      if (error instanceof CommandError && /exists/i.test(error.detail)) continue;
      throw error;
    }
    // Interface names are at most 15 characters; the block number keeps them unique too.
    return {
      nsName,
      hostInterface: `wl${block}h`,
      nsInterface: `wl${block}n`,
      hostAddress: `10.213.${third}.${fourth + 1}`,
      nsAddress: `10.213.${third}.${fourth + 2}`,
    };
  }
  throw new NetnsError('no free /30 left in 10.213.0.0/16 for a lossy link');
}

/** Builds the namespace and the lossy veth; on any failure removes what it made and throws why. */
export async function createLossyLink(options: LossyLinkOptions): Promise<LossyLink> {
  checkLossPercent(options.lossPercent);
  if (options.delayMs !== undefined && !(options.delayMs >= 0 && Number.isFinite(options.delayMs)))
    throw new RangeError(`delayMs must be ≥ 0, got ${options.delayMs}`);
  const delayMs = options.delayMs ?? 0;
  const mechanism = options.mechanism ?? (options.lossPercent > 0 || delayMs > 0 ? 'netem' : undefined);
  if (mechanism === 'nftables' && delayMs > 0) throw new RangeError('delayMs needs the netem mechanism; nftables only drops');
  let claimed: ClaimedBlock;
  try {
    claimed = await claimBlock();
  } catch (error) {
    throw new NetnsError(
      `could not set up the lossy link (create the namespace): ${error instanceof Error ? error.message : String(error)}`,
      undefined,
      { cause: error },
    );
  }
  const { nsName, hostInterface, nsInterface, hostAddress, nsAddress } = claimed;
  const ends = { nsName, hostInterface, nsInterface };
  const loss: LinkLoss | undefined =
    mechanism === 'netem' ? netemLoss(ends, delayMs) : mechanism === 'nftables' ? nftablesLoss(ends) : undefined;

  // Deleting the host end deletes its peer; the namespace goes separately. Both tolerate "already gone".
  const removeSync = (): void => {
    loss?.removeSync();
    for (const args of [
      ['link', 'del', hostInterface],
      ['netns', 'del', nsName],
    ]) {
      try {
        execFileSync('ip', args, { stdio: 'ignore', timeout: 5000 });
      } catch {
        // Already gone, or nothing more a dying process can do about it.
      }
    }
  };
  process.once('exit', removeSync);
  let removal: Promise<void> | undefined;
  const remove = (): Promise<void> => {
    removal ??= (async () => {
      process.off('exit', removeSync);
      await loss?.remove();
      await runCommand('ip', ['link', 'del', hostInterface]).catch(() => undefined);
      await runCommand('ip', ['netns', 'del', nsName]).catch(() => undefined);
    })();
    return removal;
  };

  const steps: Array<[string, string, string[]]> = [
    ['create the veth pair', 'ip', ['link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', nsInterface, 'netns', nsName]],
    ['address the host end', 'ip', ['addr', 'add', `${hostAddress}/30`, 'dev', hostInterface]],
    // One TCP segment per packet: without this, TCP hands the veth 64 KiB super-packets and a
    // single drop would lose dozens of segments at once, which no wire does.
    ['bring the host end up', 'ip', ['link', 'set', hostInterface, 'up', 'gso_max_segs', '1']],
    ['address the namespace end', 'ip', ['-n', nsName, 'addr', 'add', `${nsAddress}/30`, 'dev', nsInterface]],
    ['bring the namespace end up', 'ip', ['-n', nsName, 'link', 'set', nsInterface, 'up', 'gso_max_segs', '1']],
    ['bring the namespace loopback up', 'ip', ['-n', nsName, 'link', 'set', 'lo', 'up']],
  ];
  const fail = async (step: string, error: unknown): Promise<never> => {
    await remove();
    const cause = error instanceof Error ? error.message : String(error);
    const hint =
      step.includes('netem') && /unknown/i.test(cause) ? ' (this kernel has no sch_netem, so real packet loss is unavailable here)' : '';
    throw new NetnsError(`could not set up the lossy link ${nsName} (${step}): ${cause}${hint}`, nsName, { cause: error });
  };
  for (const [step, command, args] of steps) {
    await runCommand(command, args).catch((error: unknown) => fail(step, error));
  }
  await loss
    ?.install(options.lossPercent)
    .catch((error: unknown) => fail(error instanceof LinkStepError ? error.step : `add ${mechanism} loss`, error));

  const inNamespace = (cmd: string, args: readonly string[]) => ({ command: 'ip', args: ['netns', 'exec', nsName, cmd, ...args] });
  const noLoss = { sentPackets: 0, droppedPackets: 0 };
  return {
    nsName,
    hostAddress,
    nsAddress,
    hostInterface,
    nsInterface,
    mechanism: loss?.mechanism ?? null,
    command: inNamespace,
    exec: (cmd, args, timeoutMs) => {
      const { command, args: full } = inNamespace(cmd, args);
      return runCommand(command, full, timeoutMs);
    },
    spawn: (cmd, args, spawnOptions = {}) => {
      const { command, args: full } = inNamespace(cmd, args);
      return spawn(command, full, spawnOptions);
    },
    counters: async () => (loss === undefined ? { hostToNs: { ...noLoss }, nsToHost: { ...noLoss } } : loss.counters()),
    setLoss: async (lossPercent) => {
      if (loss === undefined)
        throw new NetnsError(`the link ${nsName} was made without a loss mechanism, so its loss cannot change`, nsName);
      await loss.set(lossPercent).catch((error: unknown) => {
        throw new NetnsError(
          `could not change the loss of ${nsName} to ${lossPercent}% (${error instanceof LinkStepError ? error.step : mechanism}): ${(error as Error).message}`,
          nsName,
          { cause: error },
        );
      });
    },
    tcpCounters: async () => parseTcpCounters((await runCommand('ip', ['netns', 'exec', nsName, 'cat', ...PROC_NET_FILES])).stdout),
    remove,
  };
}

/**
 * Real packet loss, which a TCP proxy cannot give: a network namespace joined to the host by
 * a veth pair on a private /30, with `tc netem loss` on both ends (each end shapes what it
 * sends, so each direction loses its own X%). The harness runs the feed server inside the
 * namespace (`ip netns exec NAME node …`, see `command()`), listening on `nsAddress`; clients
 * stay on the host and connect to `nsAddress`, so every packet crosses the lossy veth.
 * Only the two addresses made here are ever used. Needs root, iproute2 and the kernel's
 * sch_netem: `probeNetem()` says whether this machine has them, and why not.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { WirelabError } from '../wire/errors.js';
import { parseQdiscCounters, type QdiscCounters } from './qdisc-stats.js';
import { CommandError, runCommand, type CommandOutput } from './run-command.js';

export type NetemProbe = { available: true } | { available: false; reason: string; failedCheck: 'root' | 'tools' | 'netns' | 'netem' };

export interface LossyLinkOptions {
  /** Packets lost in each direction, in percent (0 makes a plain namespace link). */
  lossPercent: number;
  /** Extra one-way delay added by netem at each end (ms). */
  delayMs?: number;
}

export interface LossyLink {
  readonly nsName: string;
  readonly hostAddress: string;
  readonly nsAddress: string;
  readonly hostInterface: string;
  readonly nsInterface: string;
  /** `ip netns exec NAME cmd args…` as a command line, for a caller that spawns with its own options. */
  command(cmd: string, args: readonly string[]): { command: string; args: string[] };
  /** Runs a command inside the namespace to completion. */
  exec(cmd: string, args: readonly string[], timeoutMs?: number): Promise<CommandOutput>;
  /** Starts a long-lived process (the feed server) inside the namespace. */
  spawn(cmd: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Packets netem sent and dropped, each way. */
  counters(): Promise<{ hostToNs: QdiscCounters; nsToHost: QdiscCounters }>;
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

function netemArgs(options: LossyLinkOptions): string[] {
  return ['netem', 'loss', `${options.lossPercent}%`, ...(options.delayMs ? ['delay', `${options.delayMs}ms`] : [])];
}

/** Checks, in order, what real loss needs; a throwaway namespace tries netem and is removed. */
export async function probeNetem(): Promise<NetemProbe> {
  const uid = process.getuid?.();
  if (uid !== 0) return { available: false, failedCheck: 'root', reason: `packet loss needs root to create a network namespace (running as uid ${uid ?? 'unknown'})` };
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
    await runCommand('ip', ['netns', 'exec', nsName, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', ...netemArgs({ lossPercent: 1 })]);
    return { available: true };
  } catch (error) {
    const unknown = error instanceof CommandError && /unknown/i.test(error.detail);
    const why = unknown ? 'this kernel has no netem qdisc (sch_netem is not built in or loaded; `modprobe sch_netem` if it is a module)' : 'tc could not add a netem qdisc';
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
    return { nsName, hostInterface: `wl${block}h`, nsInterface: `wl${block}n`, hostAddress: `10.213.${third}.${fourth + 1}`, nsAddress: `10.213.${third}.${fourth + 2}` };
  }
  throw new NetnsError('no free /30 left in 10.213.0.0/16 for a lossy link');
}

/** Builds the namespace and the lossy veth; on any failure removes what it made and throws why. */
export async function createLossyLink(options: LossyLinkOptions): Promise<LossyLink> {
  if (!(options.lossPercent >= 0 && options.lossPercent < 100)) throw new RangeError(`lossPercent must be in [0, 100), got ${options.lossPercent}`);
  if (options.delayMs !== undefined && !(options.delayMs >= 0 && Number.isFinite(options.delayMs))) throw new RangeError(`delayMs must be ≥ 0, got ${options.delayMs}`);
  let claimed: ClaimedBlock;
  try {
    claimed = await claimBlock();
  } catch (error) {
    throw new NetnsError(`could not set up the lossy link (create the namespace): ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error });
  }
  const { nsName, hostInterface, nsInterface, hostAddress, nsAddress } = claimed;

  // Deleting the host end deletes its peer; the namespace goes separately. Both tolerate "already gone".
  const removeSync = (): void => {
    for (const args of [['link', 'del', hostInterface], ['netns', 'del', nsName]]) {
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
      await runCommand('ip', ['link', 'del', hostInterface]).catch(() => undefined);
      await runCommand('ip', ['netns', 'del', nsName]).catch(() => undefined);
    })();
    return removal;
  };

  const steps: Array<[string, string, string[]]> = [
    ['create the veth pair', 'ip', ['link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', nsInterface, 'netns', nsName]],
    ['address the host end', 'ip', ['addr', 'add', `${hostAddress}/30`, 'dev', hostInterface]],
    ['bring the host end up', 'ip', ['link', 'set', hostInterface, 'up']],
    ['address the namespace end', 'ip', ['-n', nsName, 'addr', 'add', `${nsAddress}/30`, 'dev', nsInterface]],
    ['bring the namespace end up', 'ip', ['-n', nsName, 'link', 'set', nsInterface, 'up']],
    ['bring the namespace loopback up', 'ip', ['-n', nsName, 'link', 'set', 'lo', 'up']],
  ];
  if (options.lossPercent > 0 || (options.delayMs ?? 0) > 0) {
    steps.push(
      ['add netem on the host end', 'tc', ['qdisc', 'add', 'dev', hostInterface, 'root', ...netemArgs(options)]],
      ['add netem on the namespace end', 'ip', ['netns', 'exec', nsName, 'tc', 'qdisc', 'add', 'dev', nsInterface, 'root', ...netemArgs(options)]],
    );
  }
  for (const [step, command, args] of steps) {
    try {
      await runCommand(command, args);
    } catch (error) {
      await remove();
      const cause = error instanceof Error ? error.message : String(error);
      const hint = step.includes('netem') && /unknown/i.test(cause) ? ' (this kernel has no sch_netem, so real packet loss is unavailable here)' : '';
      throw new NetnsError(`could not set up the lossy link ${nsName} (${step}): ${cause}${hint}`, nsName, { cause: error });
    }
  }

  const inNamespace = (cmd: string, args: readonly string[]) => ({ command: 'ip', args: ['netns', 'exec', nsName, cmd, ...args] });
  const qdiscCounters = async (insideNamespace: boolean, device: string): Promise<QdiscCounters> => {
    const args = ['-s', 'qdisc', 'show', 'dev', device];
    const { stdout } = insideNamespace ? await runCommand('ip', ['netns', 'exec', nsName, 'tc', ...args]) : await runCommand('tc', args);
    return parseQdiscCounters(stdout);
  };
  return {
    nsName,
    hostAddress,
    nsAddress,
    hostInterface,
    nsInterface,
    command: inNamespace,
    exec: (cmd, args, timeoutMs) => {
      const { command, args: full } = inNamespace(cmd, args);
      return runCommand(command, full, timeoutMs);
    },
    spawn: (cmd, args, spawnOptions = {}) => {
      const { command, args: full } = inNamespace(cmd, args);
      return spawn(command, full, spawnOptions);
    },
    counters: async () => ({
      hostToNs: await qdiscCounters(false, hostInterface),
      nsToHost: await qdiscCounters(true, nsInterface),
    }),
    remove,
  };
}

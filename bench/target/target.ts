import { snapshotLink, type LinkSnapshot } from '../../netem/link-snapshot.js';
import type { LossMechanism } from '../../netem/loss-mechanism.js';
import { probeLoss } from '../../netem/loss-probe.js';
import { createLossyLink, type LossyLink } from '../../netem/netns.js';
import { needsProxy, type NetworkSettings } from '../../netem/options.js';
import { startProxy, type RunningProxy } from '../../netem/proxy.js';
import { nowMicros } from '../../wire/clock.js';
import { OptionError } from '../../wire/errors.js';
import type { ResolvedBenchOptions } from '../options.js';
import type { BenchResult } from '../report/types.js';
import { ControlClient, TargetError, type FeedSettings } from './control-client.js';
import { startFleet, type Fleet } from './fleet.js';
import { spawnServer, type SpawnedServer, type SpawnServerOptions } from './spawn.js';

/** What every target has: where it is, where the clients connect, how it is controlled. */
interface TargetBase {
  readonly url: string;
  /** Where clients connect: `url`, or the fault proxy in front of it. */
  clientUrl: string;
  readonly control: ControlClient;
  /** The fault proxy between the clients and the server (`--net-latency` …), if any. */
  proxy: RunningProxy | undefined;
  /** Where HTTP/2 variants (`sse/h2`) connect: the server's h2c listener, if it has one. */
  readonly h2cUrl?: string | undefined;
}

/** A feed server the harness started itself, on loopback or behind a lossy namespace link. */
export interface SpawnedTarget extends TargetBase {
  readonly kind: 'spawned';
  /** The running process; replaced by a restart. */
  server: SpawnedServer;
  /** How it was started, so a restart starts it the same way on the same port with the same token. */
  readonly spawnOptions: SpawnServerOptions;
  /** The lossy link it sits behind (`--net-loss`), if any. */
  readonly link: LossyLink | undefined;
  /** Why a `--restart` could not bring it back, once that failed. */
  restartFailure: string | undefined;
}

/** The user's `--target`: an already running server, whose feed settings are put back afterwards. */
export interface RemoteTarget extends TargetBase {
  readonly kind: 'remote';
  readonly restore: FeedSettings;
}

/** `--servers N --broker …`: instances the harness started, sharing one feed through Redis; `url` is the first. */
export interface FleetTarget extends TargetBase {
  readonly kind: 'fleet';
  readonly fleet: Fleet;
}

/** The feed server a run talks to. */
export type Target = SpawnedTarget | RemoteTarget | FleetTarget;

/**
 * `--net-loss` needs root, iproute2 and network namespaces, and the kernel's sch_netem or
 * nftables to drop packets (netem preferred); when the machine lacks them the run stops before
 * anything starts, as bad usage (exit 2), saying which and why. Resolves with what will drop
 * the packets, or null when nothing is asked or at 0% nothing can (a plain link needs neither).
 */
export async function checkNetworkCapabilities(network: Readonly<NetworkSettings> | null): Promise<LossMechanism | null> {
  if (network === null || network.lossPercent === null) return null;
  const probe = await probeLoss();
  if (probe.available) return probe.mechanism;
  const value = `${network.lossPercent}%`;
  // A 0% link needs no loss mechanism, only a namespace.
  if (network.lossPercent === 0 && probe.failedCheck === 'loss') return null;
  if (probe.failedCheck === 'loss') {
    throw new OptionError('--net-loss', `${value} needs the kernel's netem qdisc (sch_netem) or nftables to drop packets: ${probe.reason}`);
  }
  throw new OptionError(
    '--net-loss',
    `${value} needs root, iproute2 and network namespaces to put the server behind a lossy link; this machine cannot: ${probe.reason}`,
  );
}

/**
 * Spawns the feed server (behind a lossy link with `--net-loss`, dropping packets by
 * `lossMechanism`) or reaches `--target`, then puts the fault proxy in front when the faults
 * need it.
 */
export async function openTarget(
  options: ResolvedBenchOptions,
  lossMechanism: LossMechanism | null = null,
  serverArgs: readonly string[] = [],
): Promise<Target> {
  if (options.scaleOut !== null) return fleetTarget(options);
  const target =
    options.target === undefined
      ? await spawnTarget(options.network, lossMechanism, serverArgs)
      : await reachTarget(options.target, options.controlToken);
  const network = options.network;
  if (network !== null && needsProxy(network)) {
    const server = new URL(target.url);
    try {
      // Resets are the harness's to time (from the window start), so the proxy gets no period of its own.
      target.proxy = await startProxy({
        target: { host: server.hostname, port: Number(server.port) },
        latencyMs: network.latencyMs,
        jitterMs: network.jitterMs,
        ...(network.bandwidthBitsPerSecond === null ? {} : { bandwidthBitsPerSecond: network.bandwidthBitsPerSecond }),
        bandwidthScope: network.bandwidthScope,
      });
    } catch (error) {
      await closeTarget(target).catch(() => undefined);
      throw new TargetError(`the fault proxy could not start: ${(error as Error).message}`);
    }
    target.clientUrl = target.proxy.url(target.url);
  }
  return target;
}

async function spawnTarget(
  network: Readonly<NetworkSettings> | null,
  lossMechanism: LossMechanism | null,
  serverArgs: readonly string[],
): Promise<SpawnedTarget> {
  let link: LossyLink | undefined;
  let spawnOptions: SpawnServerOptions = serverArgs.length === 0 ? {} : { extraArgs: [...serverArgs] };
  if (network !== null && network.lossPercent !== null) {
    try {
      link = await createLossyLink({ lossPercent: network.lossPercent, ...(lossMechanism === null ? {} : { mechanism: lossMechanism }) });
    } catch (error) {
      throw new TargetError(`--net-loss: ${(error as Error).message}`);
    }
    const lossy = link;
    spawnOptions = { ...spawnOptions, host: lossy.nsAddress, wrap: (command, args) => lossy.command(command, args) };
  }
  let server: SpawnedServer;
  try {
    server = await spawnServer(spawnOptions);
  } catch (error) {
    await link?.remove();
    throw error;
  }
  return {
    kind: 'spawned',
    url: server.url,
    clientUrl: server.url,
    control: new ControlClient(server.url, server.controlToken),
    proxy: undefined,
    h2cUrl: server.h2cUrl,
    server,
    // A restart must come back on the same port with the same token.
    spawnOptions: { ...spawnOptions, port: Number(new URL(server.url).port), controlToken: server.controlToken },
    link,
    restartFailure: undefined,
  };
}

async function fleetTarget(options: ResolvedBenchOptions): Promise<FleetTarget> {
  const fleet = await startFleet({
    servers: options.scaleOut?.servers ?? 1,
    broker: options.brokerUrl ?? 'redis',
    persistent: options.drops.brokerRestart === true,
  });
  const url = fleet.urls[0]!;
  return { kind: 'fleet', url, clientUrl: url, control: fleet.control, proxy: undefined, fleet };
}

async function reachTarget(url: string, controlToken: string | undefined): Promise<RemoteTarget> {
  const control = new ControlClient(url, controlToken);
  const stats = await control.stats();
  // Proves the token before any client connects, and remembers what to put back.
  await control.setFeed({ mode: 'idle' });
  return {
    kind: 'remote',
    url,
    clientUrl: url,
    control,
    proxy: undefined,
    restore: { mode: stats.feed.mode as FeedSettings['mode'], rate: stats.feed.rate, payload: stats.feed.payload },
  };
}

/**
 * Scenario `reconnect --restart`: SIGKILL the spawned server (a crash: the kernel closes its
 * sockets) and start it again on the same port with the same token; the new process has a new
 * epoch, so resuming clients get a `reset`. Resolves once the old process is gone; `ready`
 * once the new one listens.
 */
export async function restartServer(target: SpawnedTarget): Promise<{ killedAt: number; ready: Promise<void> }> {
  await target.server.kill();
  const killedAt = nowMicros();
  const ready = spawnServer(target.spawnOptions).then(
    (server) => {
      target.server = server;
    },
    (error: unknown) => {
      target.restartFailure = `--restart: the feed server could not be started again on port ${target.spawnOptions.port}: ${(error as Error).message}`;
      throw new TargetError(target.restartFailure);
    },
  );
  // The caller awaits `ready`; this keeps an early failure from being unhandled meanwhile.
  ready.catch(() => undefined);
  return { killedAt, ready };
}

/** Why the target can no longer be used (a restart that failed, a spawned server that died); undefined while it can. */
export function targetGone(target: Target): string | undefined {
  if (target.kind === 'remote') return undefined;
  if (target.kind === 'fleet') return target.fleet.gone();
  return target.restartFailure ?? target.server.exitReason();
}

/** Reads the target's lossy link (packets each way, the server's TCP counters); undefined without one. */
export function lossCounters(target: Target): (() => Promise<LinkSnapshot>) | undefined {
  const link = lossyLink(target);
  return link === undefined ? undefined : () => snapshotLink(link);
}

/** The lossy link the spawned server sits behind (`--net-loss`), if any. */
export function lossyLink(target: Target): LossyLink | undefined {
  return target.kind === 'spawned' ? target.link : undefined;
}

/** The run's network faults as the result records them, with what carried them. */
export function describeNetwork(network: Readonly<NetworkSettings> | null, target: Target): BenchResult['network'] {
  if (network === null) return null;
  const link = lossyLink(target);
  return {
    ...network,
    proxied: target.proxy !== undefined,
    namespace: link === undefined ? null : { name: link.nsName, serverAddress: link.nsAddress },
    lossMechanism: link?.mechanism ?? null,
  };
}

/**
 * Stops the proxy, then the spawned server (SIGKILL after `graceMs` of SIGTERM) and its link,
 * or puts a remote target's feed back as it was.
 */
export async function closeTarget(target: Target, graceMs?: number): Promise<void> {
  await target.proxy?.close().catch(() => undefined);
  if (target.kind === 'spawned') {
    await target.server.stop(graceMs);
    await target.link?.remove();
    return;
  }
  if (target.kind === 'fleet') {
    await target.fleet.close(graceMs);
    return;
  }
  await target.control.setFeed(target.restore).catch(() => undefined);
}

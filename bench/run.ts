import { createLossyLink, probeNetem, type LossyLink } from '../netem/netns.js';
import { needsProxy } from '../netem/options.js';
import { startProxy, type RunningProxy } from '../netem/proxy.js';
import { nowMicros } from '../wire/clock.js';
import { ControlClient, TargetError, type FeedSettings } from './target/control-client.js';
import { BENCH_DEFAULTS } from './defaults.js';
import { OptionError } from '../wire/errors.js';
import { describeEnvironment } from './measure/machine.js';
import { recordedOptions, resolveBenchOptions, type BenchOptions, type ResolvedBenchOptions } from './options.js';
import { runProtocol } from './measure/protocol-run.js';
import { makeRunId, writeResultFiles, type ResultFiles } from './result-files.js';
import { spawnServer, type SpawnedServer, type SpawnServerOptions } from './target/spawn.js';
import { evaluateThresholds } from './report/thresholds.js';
import { RESULT_SCHEMA, type BenchResult, type ProgressEvent, type ProgressListener, type ProtocolFailure, type ProtocolResult, type TimeseriesPoint } from './report/types.js';
import type { NetworkSettings } from '../netem/options.js';

export interface RunBenchHooks {
  /** Called with every progress event, in order (see {@link ProgressEvent}). Must not throw. */
  onProgress?: ProgressListener;
  /** Aborting stops the run between steps: clients are closed, the spawned server stopped. */
  signal?: AbortSignal;
  /** Told where the result files were written (when `writeFiles` is on). */
  onFiles?: (files: ResultFiles) => void;
}

/** The feed server a run talks to: spawned on loopback (or in a lossy namespace), or the user's `--target`. */
interface Target {
  url: string;
  /** Where clients connect: `url`, or the fault proxy in front of it. */
  clientUrl: string;
  /** The server the harness spawned; replaced by a restart. */
  spawned: SpawnedServer | undefined;
  /** How the spawned server was started, so a restart starts it the same way on the same port. */
  spawnOptions: SpawnServerOptions | undefined;
  control: ControlClient;
  /** A target's feed settings before the run, restored after it. */
  restore: FeedSettings | undefined;
  proxy: RunningProxy | undefined;
  link: LossyLink | undefined;
  /** Why a `--restart` could not bring the server back, once it failed. */
  restartFailure?: string;
}

/**
 * Runs the benchmark: starts (or reaches) the feed server, measures each protocol in turn
 * with the same feed, evaluates the thresholds, writes the result files, and resolves with
 * the result. Rejects with a OptionError for bad options (before anything starts), a
 * TargetError when the server cannot be started or reached, or the signal's reason when
 * aborted. A protocol that fails on its own is recorded in `failures` and the run goes on.
 */
export async function runBench(input: BenchOptions = {}, hooks: RunBenchHooks = {}): Promise<BenchResult> {
  const options = resolveBenchOptions(input);
  const emit = (event: ProgressEvent): void => hooks.onProgress?.(event);
  const runId = makeRunId();
  const startedAt = new Date();
  const runStartedAt = performance.now();
  const timeseries: TimeseriesPoint[] = [];
  const protocols: ProtocolResult[] = [];
  const failures: ProtocolFailure[] = [];

  let target: Target | undefined;
  try {
    hooks.signal?.throwIfAborted();
    await checkNetworkCapabilities(options.network);
    target = await openTarget(options);
    const targetInfo = { url: target.url, spawned: target.spawned !== undefined };
    const network = describeNetwork(options.network, target);
    emit({ type: 'start', runId, startedAt: startedAt.toISOString(), target: target.url, spawned: target.spawned !== undefined, options: recordedOptions(options), protocols: [...options.protocols] });
    let firstClientIndex = 0;
    for (const protocol of options.protocols) {
      hooks.signal?.throwIfAborted();
      try {
        const current = target;
        const context = {
          options,
          control: current.control,
          baseUrl: current.url,
          clientUrl: current.clientUrl,
          proxy: current.proxy,
          restartServer: current.spawned === undefined ? undefined : () => restartServer(current),
          lossCounters: current.link === undefined ? undefined : () => lossTotals(current.link!),
          runStartedAt,
          emit,
          timeseries,
          firstClientIndex,
          signal: hooks.signal,
        };
        protocols.push(await runProtocol(context, protocol));
      } catch (error) {
        if (hooks.signal?.aborted === true) throw hooks.signal.reason;
        if (target.restartFailure !== undefined) throw new TargetError(target.restartFailure);
        const gone = target.spawned?.exitReason();
        if (gone !== undefined) throw new TargetError(gone);
        if (error instanceof TargetError) throw error;
        const message = error instanceof Error ? error.message : String(error);
        failures.push({ protocol, message });
        emit({ type: 'protocol-failed', protocol, message });
      }
      firstClientIndex += options.clients;
    }
    await closeTarget(target);
    target = undefined;

    const thresholds = evaluateThresholds(options.thresholds, protocols);
    const finishedAt = new Date();
    const result: BenchResult = {
      schema: RESULT_SCHEMA,
      id: runId,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: Math.round(performance.now() - runStartedAt),
      target: targetInfo,
      options: recordedOptions(options),
      environment: describeEnvironment(),
      protocols,
      failures,
      timeseries,
      network,
      thresholds,
      suspect: protocols.some((p) => p.generator.saturated),
      passed: failures.length === 0 && thresholds.every((t) => t.passed),
    };
    if (options.writeFiles) {
      const files = await writeResultFiles(result, options.outDir);
      hooks.onFiles?.(files);
    }
    emit({ type: 'done', result });
    return result;
  } catch (error) {
    emit({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    if (target !== undefined) await closeTarget(target).catch(() => undefined);
  }
}

/**
 * `--net-loss` needs root, iproute2 and the kernel's sch_netem; when the machine lacks them the
 * run stops before anything starts, as bad usage (exit 2), saying which and why.
 */
async function checkNetworkCapabilities(network: Readonly<NetworkSettings> | null): Promise<void> {
  if (network === null || network.lossPercent === null) return;
  const probe = await probeNetem();
  if (probe.available) return;
  const value = `${network.lossPercent}%`;
  // A 0% link needs no netem, only a namespace: it is the control run for a lossy one.
  if (network.lossPercent === 0 && probe.failedCheck === 'netem') return;
  if (probe.failedCheck === 'netem') {
    throw new OptionError('--net-loss', `${value} needs the kernel's netem qdisc (sch_netem), which this machine lacks: ${probe.reason}`);
  }
  throw new OptionError('--net-loss', `${value} needs root, iproute2 (ip, tc) and network namespaces to put the server behind a lossy link; this machine cannot: ${probe.reason}`);
}

async function openTarget(options: ResolvedBenchOptions): Promise<Target> {
  let target: Target;
  if (options.target === undefined) {
    let link: LossyLink | undefined;
    let spawnOptions: SpawnServerOptions = {};
    if (options.network?.lossPercent !== null && options.network?.lossPercent !== undefined) {
      try {
        link = await createLossyLink({ lossPercent: options.network.lossPercent });
      } catch (error) {
        throw new TargetError(`--net-loss: ${(error as Error).message}`);
      }
      const lossy = link;
      spawnOptions = { host: lossy.nsAddress, wrap: (command, args) => lossy.command(command, args) };
    }
    let spawned: SpawnedServer;
    try {
      spawned = await spawnServer(spawnOptions);
    } catch (error) {
      await link?.remove();
      throw error;
    }
    // A restart must come back on the same port with the same token.
    spawnOptions = { ...spawnOptions, port: Number(new URL(spawned.url).port), controlToken: spawned.controlToken };
    target = { url: spawned.url, clientUrl: spawned.url, spawned, spawnOptions, control: new ControlClient(spawned.url, spawned.controlToken), restore: undefined, proxy: undefined, link };
  } else {
    const control = new ControlClient(options.target, options.controlToken);
    const stats = await control.stats();
    // Proves the token before any client connects, and remembers what to put back.
    await control.setFeed({ mode: 'idle' });
    target = {
      url: options.target,
      clientUrl: options.target,
      spawned: undefined,
      spawnOptions: undefined,
      control,
      restore: { mode: stats.feed.mode as FeedSettings['mode'], rate: stats.feed.rate, payload: stats.feed.payload },
      proxy: undefined,
      link: undefined,
    };
  }
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

/**
 * Scenario `reconnect --restart`: SIGKILL the spawned server (a crash: the kernel closes its
 * sockets) and start it again on the same port with the same token; the new process has a new
 * epoch, so resuming clients get a `reset`. Resolves once the old process is gone; `ready`
 * once the new one listens.
 */
async function restartServer(target: Target): Promise<{ killedAt: number; ready: Promise<void> }> {
  const old = target.spawned;
  if (old === undefined || target.spawnOptions === undefined) throw new Error('only a spawned server can be restarted');
  await old.kill();
  const killedAt = nowMicros();
  const ready = spawnServer(target.spawnOptions).then(
    (spawned) => {
      target.spawned = spawned;
    },
    (error: unknown) => {
      target.restartFailure = `--restart: the feed server could not be started again on port ${target.spawnOptions?.port}: ${(error as Error).message}`;
      throw new TargetError(target.restartFailure);
    },
  );
  // The caller awaits `ready`; this keeps an early failure from being unhandled meanwhile.
  ready.catch(() => undefined);
  return { killedAt, ready };
}

async function lossTotals(link: LossyLink): Promise<{ sentPackets: number; droppedPackets: number }> {
  const { hostToNs, nsToHost } = await link.counters();
  return { sentPackets: hostToNs.sentPackets + nsToHost.sentPackets, droppedPackets: hostToNs.droppedPackets + nsToHost.droppedPackets };
}

function describeNetwork(network: Readonly<NetworkSettings> | null, target: Target): BenchResult['network'] {
  if (network === null) return null;
  return {
    ...network,
    proxied: target.proxy !== undefined,
    namespace: target.link === undefined ? null : { name: target.link.nsName, serverAddress: target.link.nsAddress },
  };
}

async function closeTarget(target: Target): Promise<void> {
  await target.proxy?.close().catch(() => undefined);
  if (target.spawned !== undefined) {
    await target.spawned.stop();
    await target.link?.remove();
    return;
  }
  if (target.restore !== undefined) await target.control.setFeed(target.restore).catch(() => undefined);
}

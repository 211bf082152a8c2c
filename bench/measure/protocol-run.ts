import { linkWindow, type LinkSnapshot } from '../../netem/link-snapshot.js';
import type { RunningProxy } from '../../netem/proxy.js';
import { nowMicros } from '../../wire/clock.js';
import { PROTOCOLS } from '../../wire/protocols.js';
import { isPlainVariant, plainVariant, variantClientOptions, type Variant } from '../../wire/variants.js';
import { measurePollingCapacity } from './capacity.js';
import type { ControlClient } from '../target/control-client.js';
import { sumCounters } from './counters.js';
import { sourceAddresses } from './source-addresses.js';
import { BENCH_DEFAULTS } from '../defaults.js';
import { machineBusyShare, readMachineCpu } from './machine.js';
import type { ResolvedBenchOptions } from '../options.js';
import { planDrops } from './drops.js';
import { lossFigures } from '../report/loss-figures.js';
import type { PlannedDrop } from '../scenarios/scenario.js';
import { SCENARIOS } from '../scenarios/registry.js';
import { buildProtocolResult, type NetworkRunData, type ReconnectRunData } from './protocol-result.js';
import { readThreadTimes, waitShares } from './schedstat.js';
import { SecondSampler } from './second-sampler.js';
import { SpreadMerger } from '../workers/spread.js';
import { StormRecorder } from './storm.js';
import { WindowProfiler } from '../workers/window-profiler.js';
import type { CapacityFigures, DropEvent, Phase, ProgressEvent, ProtocolResult, TimeseriesPoint } from '../report/types.js';
import type { ProtocolName } from '../../wire/protocols.js';
import type { Fleet } from '../target/fleet.js';
import { FleetControl } from '../target/fleet-control.js';
import { instanceFigures } from './instances.js';
import { closingFenceAt, countedWindow, windowUpdates } from './window-length.js';
import { chatPlan } from './chat-result.js';
import { measureIdle } from './idle-phase.js';
import { PhaseClock } from './phase-clock.js';
import { WorkerPool, type ClientPool } from '../workers/worker-pool.js';
import type { WorkerTick } from '../workers/worker-protocol.js';

export interface ProtocolRunContext {
  readonly options: ResolvedBenchOptions;
  readonly control: ControlClient;
  /** The feed server itself: control, stats and the capacity measurement go here. */
  readonly baseUrl: string;
  /** Where the clients connect: the server, or the fault proxy in front of it. */
  readonly clientUrl: string;
  /** The fault proxy between clients and server (`--net-latency` …), if any. */
  readonly proxy: RunningProxy | undefined;
  /** Kills the spawned server (resolves once it is gone) and starts it again on the same port; scenario `reconnect --restart`. */
  readonly restartServer: (() => Promise<{ killedAt: number; ready: Promise<void> }>) | undefined;
  /** `--servers N --broker …`: the instances (clients spread round-robin over them; scenario `failover` kills one). */
  readonly fleet?: Fleet | undefined;
  /** The server counts the window's updates (`count` on /control/feed): one this harness spawned, with the embedded feed. */
  readonly countedFeed?: boolean;
  /** The lossy namespace link's packet and TCP counters so far (`--net-loss`), if any. */
  readonly lossCounters: (() => Promise<LinkSnapshot>) | undefined;
  /** performance.now() when the whole run started; time series are relative to it. */
  readonly runStartedAt: number;
  readonly emit: (event: ProgressEvent) => void;
  readonly timeseries: TimeseriesPoint[];
  /** Client ids stay unique across protocols. */
  readonly firstClientIndex: number;
  readonly signal: AbortSignal | undefined;
  /** Called once every client is connected, before the warm-up (scenario hold reads the server's memory after a GC here). */
  readonly onConnected?: () => Promise<void>;
  /** Where the clients live: this machine's worker threads unless given (agents: bench/agent/remote-pool.ts). */
  readonly createPool?: (threads: number, onTick: (worker: number, tick: WorkerTick) => void) => ClientPool;
  /** The column's variant (wire/variants.ts): what its clients ask of the server; the plain protocol when absent. */
  readonly variant?: Variant;
}

/**
 * One protocol, start to end: connect every client with the feed idle, warm up, measure a
 * window fenced by feed seqs (the feed pauses for a moment at each fence, so every client
 * agrees on the window's first and last update) — cutting every connection at the planned
 * moments when the scenario or `--net-reset-every` asks for drops — drain, measure what idle
 * clients cost, close, and for the polling endpoints measure request capacity with autocannon.
 */
export async function runProtocol(context: ProtocolRunContext, protocol: ProtocolName): Promise<ProtocolResult> {
  const { options, control, signal } = context;
  const errors: string[] = [];
  const spread = new SpreadMerger();
  // Scenario chat: the clients read their rooms; the only traffic is what they send, so the main feed stays idle.
  const chat = chatPlan(options, protocol, context.firstClientIndex);
  const feedOn = chat === undefined ? { mode: 'bench' as const, rate: options.rate, payload: options.payload } : { mode: 'idle' as const };
  const phases = new PhaseClock(protocol, context, signal);
  const setPhase = (next: Phase, durationMs?: number): void => phases.set(next, durationMs);
  const wait = (ms: number): Promise<void> => phases.wait(ms);

  setPhase('connecting');
  await control.setFeed({ mode: 'idle' });
  await control.resetCounters();
  const serverBefore = await control.stats();

  const plan = planDrops(options);
  const trackDrops = plan.length > 0;
  const sampler = new SecondSampler(protocol, context, () => phases.phase, spread);
  const storm = trackDrops
    ? new StormRecorder(protocol, control, BENCH_DEFAULTS.stormSampleMs, BENCH_DEFAULTS.attemptBinMs, nowMicros)
    : undefined;
  if (storm !== undefined) sampler.onAttempts = (pairs) => storm.addAttempts(pairs);
  // µs of the monotonic clock → ms since the run started (the time series' `t`).
  const clockOffset = nowMicros() - performance.now() * 1000;
  const toRunMs = (micros: number): number => (micros - clockOffset) / 1000 - context.runStartedAt;
  const createPool = context.createPool ?? ((threads, onTick) => new WorkerPool(threads, onTick));
  const pool = createPool(Math.min(options.workers, options.clients), (worker, tick) => sampler.addTick(worker, tick));
  // Interrupted: end the threads at once, whatever step is waiting on them, and tick no more.
  const terminate = (): void => {
    sampler.stop();
    pool.terminate(signal?.reason instanceof Error ? signal.reason : new Error('interrupted'));
  };
  signal?.addEventListener('abort', terminate, { once: true });
  sampler.start();
  try {
    signal?.throwIfAborted();
    await pool.ready();
    sampler.threadIds = pool.threadIds;
    const rssBefore = process.memoryUsage().rss;
    const connected = await pool.connect({
      url: context.clientUrl,
      ...(context.fleet === undefined ? {} : { instanceUrls: context.fleet.urls }),
      protocol,
      clients: options.clients,
      firstClientIndex: context.firstClientIndex,
      pollIntervalMs: options.pollIntervalMs,
      longPollTimeoutMs: options.longPollTimeoutMs,
      pingIntervalMs: options.pingIntervalMs,
      pings: SCENARIOS[options.scenario].clientsPing,
      connectConcurrency: options.connectConcurrency,
      connectTimeoutMs: options.connectTimeoutMs,
      reconnect: { ...options.reconnect },
      trackDrops,
      sourceAddresses: sourceAddresses(options.clients, context.clientUrl, options.connectionsPerAddress),
      variant: variantClientOptions(context.variant ?? plainVariant(protocol)),
      h2StreamsPerConnection: options.h2StreamsPerConnection,
      ...(chat === undefined ? {} : { chat }),
    });
    signal?.throwIfAborted();
    if (connected.every((reply) => reply.connected === 0)) {
      const reasons = [...new Set(connected.flatMap((reply) => reply.errors))];
      throw new Error(
        `no ${protocol} client could connect to ${context.baseUrl}${reasons.length > 0 ? `: ${reasons.slice(0, 3).join('; ')}` : ''}`,
      );
    }
    const serverConnected = await control.stats();
    const instancesConnected = control instanceof FleetControl ? control.lastInstances : [];
    await context.onConnected?.();
    const rssConnected = process.memoryUsage().rss;

    setPhase('warmup');
    await control.setFeed(feedOn);
    await wait(options.warmupMs);

    // First fence: the feed pauses, so no update is in flight while the workers learn where
    // counting starts; counters are read and reset with nothing moving.
    const firstFence = (await control.setFeed({ mode: 'idle' })).feed;
    const seqStart = firstFence.head;
    const startCounting = async (): Promise<ReturnType<typeof sumCounters>> => {
      const counters = sumCounters((await pool.sample()).map((reply) => reply.counters));
      await control.resetCounters();
      return counters;
    };
    // Scenario chat: the senders start when the workers are told to measure, so everything is counted from before that.
    const chatCountersAtStart = chat === undefined ? undefined : await startCounting();
    const measuring = await pool.measure(seqStart, firstFence.epoch, Math.max(BENCH_DEFAULTS.settleTimeoutMs, options.pollIntervalMs * 2));
    if (measuring.some((reply) => !reply.settled)) errors.push(`some clients had not received update ${seqStart} when the window opened`);
    const countersAtStart = chatCountersAtStart ?? (await startCounting());
    const proxyAtStart = context.proxy?.stats();
    const lossAtStart = await context
      .lossCounters?.()
      .catch((error: unknown) => void errors.push(`loss counters: ${(error as Error).message}`));
    const cpuStart = process.cpuUsage();
    const machineStart = readMachineCpu();
    const threadsStart = pool.threadIds.map((tid) => (tid === null ? undefined : readThreadTimes(tid)));
    const windowStartedAt = performance.now();
    const windowStartMicros = nowMicros();
    const profiler = new WindowProfiler();
    profiler.start();
    setPhase('measuring');
    sampler.measuring = true;
    storm?.start();
    const feedCallAt = performance.now();
    // A window without drops on one server with the embedded feed is counted by the server itself (window-length.ts).
    const counted = chat === undefined && countedWindow(context, plan.length);
    await control.setFeed(counted ? { ...feedOn, count: windowUpdates(options.rate, options.durationMs) } : feedOn);
    const feedCallMs = performance.now() - feedCallAt;
    // The window ends after rate × duration updates, the same count for every protocol (window-length.ts).
    // Scenario chat: the senders' schedules run for the window's duration.
    const windowEndAt =
      chat === undefined
        ? closingFenceAt(feedCallAt + feedCallMs / 2, feedCallMs / 2, options.rate, options.durationMs)
        : windowStartedAt + options.durationMs;
    // The window: the feed runs, and the harness drops connections when the plan says.
    // Each feed epoch's first and last seq in the window (a restart starts a new epoch at 0).
    const window = { epochStarts: { [firstFence.epoch]: seqStart } as Record<string, number>, epochEnds: {} as Record<string, number> };
    const drops: DropEvent[] = [];
    for (const [index, planned] of plan.entries()) {
      const waitMs = windowStartedAt + planned.atMs - performance.now();
      if (waitMs > 0) await wait(waitMs);
      const event = await dropOnce(context, protocol, pool, index, planned, window, feedOn, () => sampler.noteDrop());
      drops.push(event);
      context.emit({ type: 'drop', protocol, drop: event });
    }
    const rest = windowEndAt - performance.now();
    if (rest > 0) await wait(rest);
    // Second fence: the last update of the window.
    const secondFence = (await control.setFeed(counted ? { mode: 'idle', finish: true } : { mode: 'idle' })).feed;
    const seqEnd = secondFence.head;
    window.epochEnds[secondFence.epoch] = seqEnd;
    window.epochStarts[secondFence.epoch] ??= 0;
    const measuredMs = performance.now() - windowStartedAt;
    const threadsEnd = pool.threadIds.map((tid) => (tid === null ? undefined : readThreadTimes(tid)));
    const windowEndMicros = nowMicros();

    setPhase('draining');
    const finals = await pool.finish(seqEnd, secondFence.epoch, window.epochEnds, options.drainTimeoutMs);
    sampler.measuring = false;
    await storm?.stop();
    for (const final of finals) storm?.addAttempts(final.attemptBins);
    const proxyAtEnd = context.proxy?.stats();
    const lossAtEnd = await context
      .lossCounters?.()
      .catch((error: unknown) => void errors.push(`loss counters: ${(error as Error).message}`));
    const cpu = process.cpuUsage(cpuStart);
    await profiler.stop(`${protocol}-coordinator`);
    const machineBusy = machineBusyShare(machineStart, readMachineCpu());
    const serverWindow = await control.stats();
    const instances = control instanceof FleetControl ? instanceFigures(protocol, instancesConnected, control.lastInstances) : undefined;
    const rssAfter = process.memoryUsage().rss;

    const { idleMs, idleBefore, idleAfter } = await measureIdle(protocol, options, pool, phases);

    setPhase('closing');
    await pool.close();
    sampler.stop();

    let capacity: CapacityFigures | null = null;
    if (PROTOCOLS[protocol].polled && options.capacityDurationMs > 0) {
      setPhase('capacity');
      try {
        capacity = await measurePollingCapacity(
          context.baseUrl,
          protocol,
          { head: seqEnd, epoch: serverWindow.epoch },
          options.capacityConnections,
          options.capacityDurationMs,
        );
      } catch (error) {
        errors.push(`capacity: ${(error as Error).message}`);
      }
    }

    const reconnect: ReconnectRunData | null =
      storm === undefined
        ? null
        : {
            events: drops,
            storm: storm.figures(windowStartMicros, windowEndMicros, firstDropMicros(drops, windowStartMicros), toRunMs),
          };
    const network: NetworkRunData | null =
      options.network === null
        ? null
        : {
            settings: options.network,
            proxied: context.proxy !== undefined,
            namespace: context.lossCounters !== undefined,
            proxy: proxyAtStart !== undefined && proxyAtEnd !== undefined ? { start: proxyAtStart, end: proxyAtEnd } : null,
            loss: lossAtStart !== undefined && lossAtEnd !== undefined ? lossFigures(linkWindow(lossAtStart, lossAtEnd)) : null,
          };
    const built = buildProtocolResult({
      protocol,
      options,
      connected,
      finals,
      seqStart,
      seqEnd,
      epochs: Object.entries(window.epochEnds).map(([epoch, end]) => ({ epoch, start: window.epochStarts[epoch] ?? 0, end })),
      reconnect,
      network,
      measuredMs,
      countersAtStart,
      idleBefore,
      idleAfter,
      idleMs,
      server: { before: serverBefore, connected: serverConnected, window: serverWindow },
      serverAcceptedPerSecondPeak: sampler.acceptedPerSecondPeak,
      generator: {
        cpuMicros: cpu.user + cpu.system,
        rssBefore,
        rssConnected,
        rssAfter,
        loopDelayP99Ms: sampler.worstLoopDelayMs,
        saturation: sampler.saturation(waitShares(threadsStart, threadsEnd, measuredMs), machineBusy),
      },
      spread,
      capacity,
      errors,
    });
    const result = instances === undefined ? built : { ...built, instances };
    if (context.variant !== undefined && !isPlainVariant(context.variant)) result.variant = context.variant.name;
    setPhase('done');
    context.emit({ type: 'protocol-done', result });
    return result;
  } finally {
    signal?.removeEventListener('abort', terminate);
    sampler.stop();
    await storm?.stop();
    await pool.close();
  }
}

/** µs of the first drop: a drop's `atMs` is counted from the window start. */
function firstDropMicros(drops: readonly DropEvent[], windowStartMicros: number): number | undefined {
  const first = drops[0];
  return first === undefined ? undefined : windowStartMicros + first.atMs * 1000;
}

/**
 * One drop: every client opens a record, then the harness cuts the connections — the control
 * endpoint (`drop`), the proxy (`net-reset`), or a kill and restart of the server (`restart`:
 * the feed pauses for an instant first, so the last seq of the old epoch is known exactly) —
 * and tells the workers when it happened.
 */
async function dropOnce(
  context: ProtocolRunContext,
  protocol: ProtocolName,
  pool: ClientPool,
  index: number,
  planned: PlannedDrop,
  window: { epochStarts: Record<string, number>; epochEnds: Record<string, number> },
  feedOn: Parameters<ControlClient['setFeed']>[0],
  triggered: () => void,
): Promise<DropEvent> {
  const { control, fleet } = context;
  // Failover: only the killed instance's clients lose their connection; a Redis restart drops none.
  const killed = planned.kind === 'failover' && fleet !== undefined ? fleet.urls.length - 1 : undefined;
  const open =
    planned.kind === 'broker-restart' ? 0 : await pool.arm(index, killed === undefined ? undefined : new URL(fleet!.urls[killed]!).host);
  let connections = open;
  // When the drop is triggered (a restart pauses the feed first): the time series' clock.
  let t = 0;
  const mark = (): number => {
    t = Math.round(performance.now() - context.runStartedAt);
    triggered();
    return nowMicros();
  };
  let startedAt: number;
  let doneAt: number;
  let tookMs: number;
  switch (planned.kind) {
    case 'drop': {
      startedAt = mark();
      const answer = await control.drop(protocol);
      doneAt = nowMicros();
      connections = answer.dropped[protocol] ?? 0;
      tookMs = (doneAt - startedAt) / 1000;
      break;
    }
    case 'net-reset': {
      if (context.proxy === undefined) throw new Error('--net-reset-every needs the proxy, which is not running');
      startedAt = mark();
      connections = context.proxy.resetAll();
      doneAt = nowMicros();
      tookMs = (doneAt - startedAt) / 1000;
      break;
    }
    case 'restart': {
      if (context.restartServer === undefined) throw new Error('--restart needs a server the harness spawned');
      const paused = (await control.setFeed({ mode: 'idle' })).feed;
      window.epochEnds[paused.epoch] = paused.head;
      startedAt = mark();
      const restarted = await context.restartServer();
      doneAt = restarted.killedAt;
      pool.dropped(index, startedAt, doneAt);
      await restarted.ready;
      const resumed = (await control.setFeed(feedOn)).feed;
      window.epochStarts[resumed.epoch] = resumed.head;
      tookMs = (nowMicros() - startedAt) / 1000;
      break;
    }
    case 'failover': {
      if (fleet === undefined || killed === undefined) throw new Error('scenario failover needs --servers 2 or more with --broker');
      startedAt = mark();
      doneAt = await fleet.kill(killed);
      tookMs = (doneAt - startedAt) / 1000;
      break;
    }
    case 'broker-restart': {
      if (fleet === undefined) throw new Error('--broker-restart needs --broker redis');
      startedAt = mark();
      const restarted = await fleet.restartBroker();
      doneAt = restarted.killedAt;
      await restarted.ready;
      tookMs = (nowMicros() - startedAt) / 1000;
      connections = 0;
      break;
    }
    case 'client-close':
      throw new Error("client-close drops are a foreign target's (bench/measure/foreign-drops.ts)");
  }
  if (planned.kind !== 'restart') pool.dropped(index, startedAt, doneAt);
  return { kind: planned.kind, t, atMs: planned.atMs, connections, tookMs: Math.round(tookMs * 10) / 10 };
}

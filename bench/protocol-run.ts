import { setTimeout as delay } from 'node:timers/promises';
import { measurePollingCapacity } from './capacity.js';
import type { ControlClient } from './control-client.js';
import { sumCounters } from './counters.js';
import { BENCH_DEFAULTS } from './defaults.js';
import { machineBusyShare, readMachineCpu } from './machine.js';
import type { ResolvedBenchOptions } from './options.js';
import { buildProtocolResult } from './protocol-result.js';
import { SecondSampler } from './second-sampler.js';
import { SpreadMerger } from './spread.js';
import { WindowProfiler } from './window-profiler.js';
import type { CapacityFigures, Phase, ProgressEvent, Protocol, ProtocolResult, TimeseriesPoint } from './types.js';
import { WorkerPool } from './worker-pool.js';

export interface ProtocolRunContext {
  readonly options: ResolvedBenchOptions;
  readonly control: ControlClient;
  readonly baseUrl: string;
  /** performance.now() when the whole run started; time series are relative to it. */
  readonly runStartedAt: number;
  readonly emit: (event: ProgressEvent) => void;
  readonly timeseries: TimeseriesPoint[];
  /** Client ids stay unique across protocols. */
  readonly firstClientIndex: number;
  readonly signal: AbortSignal | undefined;
}

/**
 * One protocol, start to end: connect every client with the feed idle, warm up, measure a
 * window fenced by feed seqs (the feed pauses for a moment at each fence, so every client
 * agrees on the window's first and last update), drain, measure what idle clients cost,
 * close, and for the polling endpoints measure request capacity with autocannon.
 */
export async function runProtocol(context: ProtocolRunContext, protocol: Protocol): Promise<ProtocolResult> {
  const { options, control, signal } = context;
  const errors: string[] = [];
  const spread = new SpreadMerger();
  const feedOn = { mode: 'bench' as const, rate: options.rate, payload: options.payload };
  let phase: Phase = 'connecting';
  const setPhase = (next: Phase): void => {
    phase = next;
    context.emit({ type: 'phase', protocol, phase: next, t: Math.round(performance.now() - context.runStartedAt) });
  };
  const wait = (ms: number): Promise<void> => delay(ms, undefined, signal === undefined ? {} : { signal });

  setPhase('connecting');
  await control.setFeed({ mode: 'idle' });
  await control.resetCounters();
  const serverBefore = await control.stats();

  const sampler = new SecondSampler(protocol, context, () => phase, spread);
  const pool = new WorkerPool(Math.min(options.workers, options.clients), (worker, tick) => sampler.addTick(worker, tick));
  sampler.start();
  try {
    await pool.ready();
    const rssBefore = process.memoryUsage().rss;
    const connected = await pool.connect({
      url: context.baseUrl,
      protocol,
      scenario: options.scenario,
      clients: options.clients,
      firstClientIndex: context.firstClientIndex,
      pollIntervalMs: options.pollIntervalMs,
      longPollTimeoutMs: options.longPollTimeoutMs,
      pingIntervalMs: options.pingIntervalMs,
      connectConcurrency: options.connectConcurrency,
      connectTimeoutMs: options.connectTimeoutMs,
      reconnect: { ...options.reconnect },
    });
    signal?.throwIfAborted();
    if (connected.every((reply) => reply.connected === 0)) {
      const reasons = [...new Set(connected.flatMap((reply) => reply.errors))];
      throw new Error(`no ${protocol} client could connect to ${context.baseUrl}${reasons.length > 0 ? `: ${reasons.slice(0, 3).join('; ')}` : ''}`);
    }
    const serverConnected = await control.stats();
    const rssConnected = process.memoryUsage().rss;

    setPhase('warmup');
    await control.setFeed(feedOn);
    await wait(options.warmupMs);

    // First fence: the feed pauses, so no update is in flight while the workers learn where
    // counting starts; counters are read and reset with nothing moving.
    const seqStart = (await control.setFeed({ mode: 'idle' })).feed.head;
    const measuring = await pool.measure(seqStart, Math.max(BENCH_DEFAULTS.settleTimeoutMs, options.pollIntervalMs * 2));
    if (measuring.some((reply) => !reply.settled)) errors.push(`some clients had not received update ${seqStart} when the window opened`);
    const countersAtStart = sumCounters((await pool.sample()).map((reply) => reply.counters));
    await control.resetCounters();
    const cpuStart = process.cpuUsage();
    const machineStart = readMachineCpu();
    const windowStartedAt = performance.now();
    const profiler = new WindowProfiler();
    profiler.start();
    setPhase('measuring');
    sampler.measuring = true;
    await control.setFeed(feedOn);
    await wait(options.durationMs);
    // Second fence: the last update of the window.
    const seqEnd = (await control.setFeed({ mode: 'idle' })).feed.head;
    const measuredMs = performance.now() - windowStartedAt;

    setPhase('draining');
    const finals = await pool.finish(seqEnd, options.drainTimeoutMs);
    sampler.measuring = false;
    const cpu = process.cpuUsage(cpuStart);
    await profiler.stop(`${protocol}-coordinator`);
    const machineBusy = machineBusyShare(machineStart, readMachineCpu());
    const serverWindow = await control.stats();
    const rssAfter = process.memoryUsage().rss;

    setPhase('idle');
    const idleBefore = sumCounters((await pool.sample()).map((reply) => reply.counters));
    await wait(options.idleMs);
    const idleAfter = sumCounters((await pool.sample()).map((reply) => reply.counters));

    setPhase('closing');
    await pool.close();
    sampler.stop();

    let capacity: CapacityFigures | null = null;
    if ((protocol === 'long-poll' || protocol === 'short-poll') && options.capacityDurationMs > 0) {
      setPhase('capacity');
      try {
        capacity = await measurePollingCapacity(context.baseUrl, protocol, { head: seqEnd, epoch: serverWindow.epoch }, options.capacityConnections, options.capacityDurationMs);
      } catch (error) {
        errors.push(`capacity: ${(error as Error).message}`);
      }
    }

    const result = buildProtocolResult({
      protocol,
      options,
      connected,
      finals,
      seqStart,
      seqEnd,
      measuredMs,
      countersAtStart,
      idleBefore,
      idleAfter,
      server: { before: serverBefore, connected: serverConnected, window: serverWindow },
      serverAcceptedPerSecondPeak: sampler.acceptedPerSecondPeak,
      generator: {
        cpuMicros: cpu.user + cpu.system,
        rssBefore,
        rssConnected,
        rssAfter,
        loopDelayP99Ms: sampler.worstLoopDelayMs,
        saturation: sampler.saturation(machineBusy),
      },
      spread,
      capacity,
      errors,
    });
    setPhase('done');
    context.emit({ type: 'protocol-done', result });
    return result;
  } finally {
    sampler.stop();
    await pool.close();
  }
}

import type { ControlClient, ServerStatsSnapshot } from '../target/control-client.js';
import { createHistogram, decodeHistogram } from '../report/histogram.js';
import { SaturationJudge, type SaturationVerdict } from './saturation.js';
import { readThreadTimes, type ThreadTimes } from './schedstat.js';
import type { SpreadMerger } from '../workers/spread.js';
import type { Phase, ProgressEvent, TimeseriesPoint } from '../report/types.js';
import type { ProtocolName } from '../../wire/protocols.js';
import type { WorkerTick } from '../workers/worker-protocol.js';

export interface SamplerContext {
  /** Where /stats comes from; a foreign target's answers with a rejection (its rows stay empty). */
  readonly control: Pick<ControlClient, 'stats'>;
  /** performance.now() when the whole run started; time series are relative to it. */
  readonly runStartedAt: number;
  readonly emit: (event: ProgressEvent) => void;
  readonly timeseries: TimeseriesPoint[];
}

interface Previous {
  at: number;
  bytes: number;
  received: number;
  reconnects: number;
  cpu: NodeJS.CpuUsage;
  server: ServerStatsSnapshot | undefined;
}

/**
 * Once a second: merges the workers' latest ticks, reads the server's /stats and the
 * generator's own CPU, appends a time-series point and emits it as progress. While measuring
 * it also hands each worker thread's second (event loop, and run-queue wait read from
 * schedstat) to the saturation judge.
 */
export class SecondSampler {
  measuring = false;
  worstLoopDelayMs = 0;
  acceptedPerSecondPeak = 0;
  /** Receives the workers' reconnect-attempt bins (the storm recorder). */
  onAttempts: ((pairs: readonly number[]) => void) | undefined;
  /** The worker threads' Linux thread ids, for their run-queue wait (set once the pool is ready). */
  threadIds: ReadonlyArray<number | null> = [];
  private dropsThisSecond = 0;
  private readonly judge = new SaturationJudge();
  /** Each worker thread's last schedstat reading, and when it was taken (performance.now()). */
  private threadTimes: Array<{ at: number; times: ThreadTimes } | undefined> = [];
  private readonly latest = new Map<number, WorkerTick>();
  private readonly interval = createHistogram();
  private readonly window = createHistogram();
  private timer: NodeJS.Timeout | undefined;
  private previous: Previous | undefined;
  private statsInFlight = false;
  private lastServer: ServerStatsSnapshot | undefined;

  constructor(
    private readonly protocol: ProtocolName,
    private readonly context: SamplerContext,
    private readonly phase: () => Phase,
    private readonly spread: SpreadMerger,
  ) {}

  addTick(worker: number, tick: WorkerTick): void {
    this.latest.set(worker, tick);
    if (tick.latency !== '') {
      const latency = decodeHistogram(tick.latency);
      if (latency.totalCount > 0) {
        this.interval.add(latency);
        if (this.measuring) this.window.add(latency);
      }
    }
    this.spread.add(tick.spread);
    if (tick.attemptBins.length > 0) this.onAttempts?.(tick.attemptBins);
    if (this.measuring) {
      this.worstLoopDelayMs = Math.max(this.worstLoopDelayMs, tick.loopDelayP99Ms);
      this.judge.addLoopSecond(worker, tick.utilisation, tick.loopDelayP99Ms);
    }
  }

  /** The harness just dropped connections: counted in the current second's point. */
  noteDrop(): void {
    this.dropsThisSecond += 1;
  }

  start(): void {
    this.previous = { at: performance.now(), bytes: 0, received: 0, reconnects: 0, cpu: process.cpuUsage(), server: undefined };
    this.timer = setInterval(() => this.sample(), 1000);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Why the generator's figures may understate the protocol (empty when they are sound), from
   * the seconds of the window, each worker thread's run-queue wait over the whole window
   * (null where unreadable) and the machine's busy share.
   */
  saturation(windowWaitShares: readonly number[] | null, machineBusyShare: number | null): SaturationVerdict {
    return this.judge.verdict(windowWaitShares, machineBusyShare);
  }

  /** Each worker thread's run-queue wait over the last second, as a share of it. */
  private sampleRunQueues(): void {
    this.threadIds.forEach((tid, thread) => {
      const times = tid === null ? undefined : readThreadTimes(tid);
      const previous = this.threadTimes[thread];
      const at = performance.now();
      this.threadTimes[thread] = times === undefined ? undefined : { at, times };
      if (!this.measuring || times === undefined || previous === undefined || at <= previous.at) return;
      this.judge.addWaitSecond(thread, (times.waitNs - previous.times.waitNs) / ((at - previous.at) * 1e6));
    });
  }

  private fetchStats(): void {
    if (this.statsInFlight) return;
    this.statsInFlight = true;
    this.context.control
      .stats()
      .then((stats) => {
        this.lastServer = stats;
      })
      .catch(() => undefined)
      .finally(() => {
        this.statsInFlight = false;
      });
  }

  private sample(): void {
    this.fetchStats();
    this.sampleRunQueues();
    const now = performance.now();
    const previous = this.previous!;
    const seconds = (now - previous.at) / 1000;
    let connected = 0;
    let failed = 0;
    let bytes = 0;
    let received = 0;
    let reconnects = 0;
    let windowMessages = 0;
    let loopDelay = 0;
    for (const tick of this.latest.values()) {
      connected += tick.connected;
      failed += tick.failed;
      bytes += tick.counters.bytesRead + tick.counters.bytesWritten;
      received += tick.received;
      windowMessages += tick.windowMessages;
      reconnects += tick.counters.reconnects;
      loopDelay = Math.max(loopDelay, tick.loopDelayP99Ms);
    }
    const cpu = process.cpuUsage(previous.cpu);
    const server = this.lastServer;
    const serverFigures =
      server !== undefined && previous.server !== undefined && server !== previous.server
        ? this.serverRates(previous.server, server)
        : null;
    const perSecond = (delta: number): number => (seconds > 0 ? Math.max(0, Math.round(delta / seconds)) : 0);
    const point: TimeseriesPoint = {
      t: Math.round(now - this.context.runStartedAt),
      protocol: this.protocol,
      phase: this.phase(),
      connected,
      messagesPerSecond: perSecond(received - previous.received),
      bytesPerSecond: perSecond(bytes - previous.bytes),
      latencyP50: this.interval.totalCount > 0 ? this.interval.getValueAtPercentile(50) : null,
      latencyP99: this.interval.totalCount > 0 ? this.interval.getValueAtPercentile(99) : null,
      reconnects,
      serverCpuPercent: serverFigures?.cpuPercent ?? null,
      serverRssBytes: server?.process.rssBytes ?? null,
      serverAcceptedPerSecond: serverFigures?.acceptedPerSecond ?? null,
      generatorCpuPercent: seconds > 0 ? Math.round(((cpu.user + cpu.system) / (seconds * 1e6)) * 1000) / 10 : 0,
      generatorLoopDelayMs: Math.round(loopDelay * 100) / 100,
      reconnectsPerSecond: perSecond(reconnects - previous.reconnects),
      drops: this.dropsThisSecond,
    };
    this.dropsThisSecond = 0;
    this.interval.reset();
    this.previous = { at: now, bytes, received, reconnects, cpu: process.cpuUsage(), server: server ?? previous.server };
    this.context.timeseries.push(point);
    this.context.emit({
      type: 'tick',
      point,
      windowP99: this.window.totalCount > 0 ? this.window.getValueAtPercentile(99) : null,
      windowMessages,
      failed,
    });
  }

  /** Server CPU % and accepts/s between two /stats answers; counters restart at each reset. */
  private serverRates(
    before: ServerStatsSnapshot,
    after: ServerStatsSnapshot,
  ): { cpuPercent: number | null; acceptedPerSecond: number | null } {
    const reset = after.process.sinceResetMs < before.process.sinceResetMs;
    const cpuAfter = after.process.cpuUserMicros + after.process.cpuSystemMicros;
    const cpuBefore = reset ? 0 : before.process.cpuUserMicros + before.process.cpuSystemMicros;
    const elapsedMs = reset ? after.process.sinceResetMs : after.process.sinceResetMs - before.process.sinceResetMs;
    if (elapsedMs <= 0) return { cpuPercent: null, acceptedPerSecond: null };
    const acceptedAfter = after.transports[this.protocol]?.accepted ?? 0;
    const acceptedBefore = reset ? 0 : (before.transports[this.protocol]?.accepted ?? 0);
    const acceptedPerSecond = Math.round(Math.max(0, acceptedAfter - acceptedBefore) / (elapsedMs / 1000));
    if (this.measuring) this.acceptedPerSecondPeak = Math.max(this.acceptedPerSecondPeak, acceptedPerSecond);
    return {
      cpuPercent: Math.round((Math.max(0, cpuAfter - cpuBefore) / (elapsedMs * 1000)) * 1000) / 10,
      acceptedPerSecond,
    };
  }
}

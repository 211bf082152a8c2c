import type { ResolvedBenchOptions } from '../options.js';
import type { ForeignFigures, ProgressEvent, ProtocolResult, TimeseriesPoint } from '../report/types.js';
import type { EndpointPlan, TargetPlan } from '../target/preset.js';
import { Publisher, type PublisherResult } from '../target/publisher.js';
import { createPublishTransport } from '../target/publishers.js';
import { startAtNewest } from '../target/nchan-position.js';
import { TargetError, type ServerStatsSnapshot } from '../target/control-client.js';
import { SpreadMerger } from '../workers/spread.js';
import { WorkerPool } from '../workers/worker-pool.js';
import { sumCounters } from './counters.js';
import { machineBusyShare, readMachineCpu } from './machine.js';
import { buildProtocolResult } from './protocol-result.js';
import { readThreadTimes, waitShares } from './schedstat.js';
import { SecondSampler } from './second-sampler.js';
import { readProcesses, type ProcessReading } from './target-processes.js';
import type { Phase } from '../report/types.js';
import { measureIdle } from './idle-phase.js';
import { BENCH_DEFAULTS } from '../defaults.js';
import { nowMicros } from '../../wire/clock.js';
import { proxyInFront } from '../target/foreign-proxy.js';
import { planDrops } from './drops.js';
import { runForeignDrops } from './foreign-drops.js';
import { StormRecorder } from './storm.js';
import { PhaseClock } from './phase-clock.js';

/**
 * One protocol against a foreign target (docs/targets.md): connect every client to the
 * endpoint, then — with a publisher — publish at `--rate` for the window, the first publish
 * only once every client is connected, and drain until every client has the last seq (or the
 * drain timeout); without one, receive whatever the server sends for the window. Integrity is
 * counted on the harness's own seqs: expected = the seqs published, less those whose publish
 * failed. With `--net-*` the clients connect through the fault proxy (the publisher does not);
 * scenario `reconnect` and `--net-reset-every` drop the connections during the window, made by
 * the clients themselves or by the proxy (foreign-drops.ts), and their recovery is followed.
 */

/** One publish awaiting its acknowledgement at a time: the server sees the seqs in order, so out-of-order counts are the server's. */
const PUBLISH_IN_FLIGHT = 1;

export interface ForeignRunContext {
  readonly options: ResolvedBenchOptions;
  readonly plan: TargetPlan;
  /** The run tag every marker of this protocol carries. */
  readonly run: string;
  readonly runStartedAt: number;
  readonly emit: (event: ProgressEvent) => void;
  readonly timeseries: TimeseriesPoint[];
  readonly firstClientIndex: number;
  readonly signal: AbortSignal | undefined;
}

/** A foreign server has no /stats: the sampler's server columns stay empty. */
const NO_STATS = { stats: (): Promise<ServerStatsSnapshot> => Promise.reject(new Error('a foreign target has no /stats')) };

export async function runForeignProtocol(context: ForeignRunContext, planned: EndpointPlan): Promise<ProtocolResult> {
  const { options, plan, signal } = context;
  const positioned = await startAtNewest(plan, planned);
  const protocol = positioned.protocol;
  const errors: string[] = [];
  const spread = new SpreadMerger();
  const phases = new PhaseClock(protocol, context, signal);
  const setPhase = (next: Phase, durationMs?: number): void => phases.set(next, durationMs);
  const wait = (ms: number): Promise<void> => phases.wait(ms);
  const pids = options.targetPids;
  const readServer = (): ProcessReading | undefined => {
    if (pids.length === 0) return undefined;
    try {
      return readProcesses(pids);
    } catch (error) {
      throw new TargetError((error as Error).message);
    }
  };

  setPhase('connecting');
  const drops = planDrops(options);
  const trackDrops = drops.length > 0;
  const storm = trackDrops
    ? new StormRecorder(protocol, NO_STATS, BENCH_DEFAULTS.stormSampleMs, BENCH_DEFAULTS.attemptBinMs, nowMicros)
    : undefined;
  // µs of the monotonic clock → ms since the run started (the time series' `t`).
  const clockOffset = nowMicros() - performance.now() * 1000;
  const toRunMs = (micros: number): number => (micros - clockOffset) / 1000 - context.runStartedAt;
  const proxied = await proxyInFront(options.network, positioned);
  const proxy = proxied?.proxy;
  const endpoint = proxied?.endpoint ?? positioned;
  const sampler = new SecondSampler(
    protocol,
    { control: NO_STATS, runStartedAt: context.runStartedAt, emit: context.emit, timeseries: context.timeseries },
    () => phases.phase,
    spread,
  );
  if (storm !== undefined) sampler.onAttempts = (pairs) => storm.addAttempts(pairs);
  const pool = new WorkerPool(Math.min(options.workers, options.clients), (worker, tick) => sampler.addTick(worker, tick));
  const terminate = (): void => {
    sampler.stop();
    pool.terminate(signal?.reason instanceof Error ? signal.reason : new Error('interrupted'));
  };
  signal?.addEventListener('abort', terminate, { once: true });
  sampler.start();
  const transport = createPublishTransport(plan, { maxInFlight: PUBLISH_IN_FLIGHT, timeoutMs: options.connectTimeoutMs });
  try {
    signal?.throwIfAborted();
    await pool.ready();
    sampler.threadIds = pool.threadIds;
    const serverBefore = readServer();
    const rssBefore = process.memoryUsage().rss;
    const connected = await pool.connect({
      url: endpoint.url,
      protocol,
      clients: options.clients,
      firstClientIndex: context.firstClientIndex,
      pollIntervalMs: options.pollIntervalMs,
      longPollTimeoutMs: options.longPollTimeoutMs,
      pingIntervalMs: options.pingIntervalMs,
      // wirelab's in-band PING is not something a foreign server answers.
      pings: false,
      connectConcurrency: options.connectConcurrency,
      connectTimeoutMs: options.connectTimeoutMs,
      reconnect: { ...options.reconnect },
      trackDrops,
      target: { plan, endpoint, run: context.run },
    });
    signal?.throwIfAborted();
    if (connected.every((reply) => reply.connected === 0)) {
      const reasons = [...new Set(connected.flatMap((reply) => reply.errors))];
      throw new Error(
        `no ${protocol} client could connect to ${plan.target}${reasons.length > 0 ? `: ${reasons.slice(0, 3).join('; ')}` : ''}`,
      );
    }
    const serverConnected = readServer();
    const rssConnected = process.memoryUsage().rss;

    // Nothing was published yet: the window starts at seq 0, the run tag stands for the feed's epoch.
    await pool.measure(0, context.run, 0);
    const countersAtStart = sumCounters((await pool.sample()).map((reply) => reply.counters));
    const serverAtStart = readServer();
    const cpuStart = process.cpuUsage();
    const machineStart = readMachineCpu();
    const threadsStart = pool.threadIds.map((tid) => (tid === null ? undefined : readThreadTimes(tid)));
    const proxyAtStart = proxy?.stats();
    const windowStartedAt = performance.now();
    const windowStartMicros = nowMicros();
    setPhase('measuring');
    sampler.measuring = true;
    storm?.start();
    // The drops run beside the publisher, timed from the window start.
    const dropEvents = runForeignDrops(
      { protocol, pool, proxy, runStartedAt: context.runStartedAt, emit: context.emit, wait, triggered: () => sampler.noteDrop() },
      drops,
      windowStartedAt,
    );
    dropEvents.catch(() => undefined);
    let published: PublisherResult | undefined;
    if (transport === undefined) {
      await wait(options.durationMs);
    } else {
      const scheduled = Math.max(1, Math.ceil((options.rate * options.durationMs) / 1000));
      const publisher = new Publisher({
        transport,
        run: context.run,
        rate: options.rate,
        payload: options.payload,
        maxMessages: scheduled,
        durationMs: options.durationMs,
        maxInFlight: PUBLISH_IN_FLIGHT,
        ...(plan.publisher.kind === 'http' && plan.publisher.bodyTemplate !== undefined
          ? { bodyTemplate: plan.publisher.bodyTemplate }
          : {}),
      });
      const stop = (): void => void publisher.stop();
      signal?.addEventListener('abort', stop, { once: true });
      published = await publisher.start();
      signal?.removeEventListener('abort', stop);
      // One publish awaits its acknowledgement at a time: a slow acknowledgement slows the feed, and the reader must know.
      if (published.attempted < scheduled && published.stoppedBy === 'time')
        errors.push(
          `the publisher fell behind --rate: ${published.attempted} of ${scheduled} publishes in the window (slow acknowledgements held publishes up to ${Math.round(published.maxLagMicros / 1000)} ms behind their schedule)`,
        );
      if (published.failed > 0)
        errors.push(
          `${published.failed} of ${published.attempted} publishes failed: ${Object.entries(published.failures)
            .map(([reason, count]) => `${reason} × ${count}`)
            .join(', ')}`,
        );
    }
    const events = await dropEvents;
    const measuredMs = performance.now() - windowStartedAt;
    const windowEndMicros = nowMicros();
    const serverAtEnd = readServer();
    const threadsEnd = pool.threadIds.map((tid) => (tid === null ? undefined : readThreadTimes(tid)));

    setPhase('draining');
    const seqEnd = published?.lastSeq ?? 0;
    const finals = await pool.finish(seqEnd, context.run, { [context.run]: seqEnd }, transport === undefined ? 0 : options.drainTimeoutMs);
    sampler.measuring = false;
    await storm?.stop();
    for (const final of finals) storm?.addAttempts(final.attemptBins);
    const proxyAtEnd = proxy?.stats();
    const cpu = process.cpuUsage(cpuStart);
    const machineBusy = machineBusyShare(machineStart, readMachineCpu());
    const rssAfter = process.memoryUsage().rss;

    const { idleMs, idleBefore, idleAfter } = await measureIdle(protocol, options, pool, phases);

    setPhase('closing');
    await pool.close();
    sampler.stop();

    const result = buildProtocolResult({
      protocol,
      options,
      idleMs,
      connected,
      finals,
      seqStart: 0,
      seqEnd,
      epochs: [{ epoch: context.run, start: 0, end: seqEnd }],
      reconnect:
        storm === undefined
          ? null
          : {
              events,
              storm: storm.figures(
                windowStartMicros,
                windowEndMicros,
                events[0] === undefined ? undefined : windowStartMicros + events[0].atMs * 1000,
                toRunMs,
              ),
            },
      network:
        options.network === null
          ? null
          : {
              settings: options.network,
              proxied: proxy !== undefined,
              namespace: false,
              proxy: proxyAtStart !== undefined && proxyAtEnd !== undefined ? { start: proxyAtStart, end: proxyAtEnd } : null,
              loss: null,
            },
      measuredMs,
      countersAtStart,
      idleBefore,
      idleAfter,
      server: null,
      serverAcceptedPerSecondPeak: 0,
      generator: {
        cpuMicros: cpu.user + cpu.system,
        rssBefore,
        rssConnected,
        rssAfter,
        loopDelayP99Ms: sampler.worstLoopDelayMs,
        saturation: sampler.saturation(waitShares(threadsStart, threadsEnd, measuredMs), machineBusy),
      },
      spread,
      capacity: null,
      errors,
    });
    const foreign = foreignFigures(plan, result, finals, countersAtStart, measuredMs, published, {
      before: serverBefore,
      connected: serverConnected,
      start: serverAtStart,
      end: serverAtEnd,
    });
    const withPublishes = published === undefined ? watchedFeed(plan, result) : discountFailed(result, published);
    const final: ProtocolResult = {
      ...withPublishes,
      foreign,
      histograms: {
        ...withPublishes.histograms,
        ...(published === undefined || published.ackHistogram === '' ? {} : { publishAck: published.ackHistogram }),
      },
    };
    setPhase('done');
    context.emit({ type: 'protocol-done', result: final });
    return final;
  } finally {
    signal?.removeEventListener('abort', terminate);
    sampler.stop();
    await storm?.stop();
    await transport?.close().catch(() => undefined);
    await pool.close();
    await proxy?.close().catch(() => undefined);
  }
}

/**
 * wirelab's feed watched without a control token (`--preset wirelab`): its messages carry the
 * server's seq and its monotonic-clock timestamp. That clock is this machine's only when the
 * server runs here (a loopback target); elsewhere the latency would be meaningless and is left out.
 */
export function watchedFeed(plan: TargetPlan, result: ProtocolResult): ProtocolResult {
  if (plan.publisher.kind !== 'feed' || isLoopbackHost(new URL(plan.target).hostname)) return result;
  const none = { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return { ...result, latency: none, spread: null, histograms: { ...result.histograms, latency: '' } };
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** A seq whose publish failed is not expected at any client: taken off `expected` once per connected client. */
function discountFailed(result: ProtocolResult, published: PublisherResult): ProtocolResult {
  if (published.failedSeqs.length === 0) return result;
  const expected = Math.max(0, result.delivery.expected - published.failedSeqs.length * result.clients.connected);
  return { ...result, delivery: { ...result.delivery, expected, missed: Math.max(0, expected - result.delivery.delivered) } };
}

function foreignFigures(
  plan: TargetPlan,
  result: ProtocolResult,
  finals: ReadonlyArray<{ messages: number; counters: { unmarked: number } }>,
  countersAtStart: { unmarked: number },
  measuredMs: number,
  published: PublisherResult | undefined,
  server: {
    before: ProcessReading | undefined;
    connected: ProcessReading | undefined;
    start: ProcessReading | undefined;
    end: ProcessReading | undefined;
  },
): ForeignFigures {
  const clients = result.clients.connected;
  const seconds = measuredMs / 1000;
  const unmarked = finals.reduce((sum, final) => sum + final.counters.unmarked, 0) - countersAtStart.unmarked;
  // The window's messages the clients read as updates (marked ones, or wirelab's own feed), duplicates included.
  const updates = finals.reduce((sum, final) => sum + final.messages, 0);
  const perClientSecond = (value: number): number => (clients > 0 && seconds > 0 ? Math.round((value / clients / seconds) * 10) / 10 : 0);
  const { before, connected, start, end } = server;
  const measured = before !== undefined && connected !== undefined && start !== undefined && end !== undefined;
  const cpuMicros = measured ? end.cpuMicros - start.cpuMicros : 0;
  return {
    preset: plan.preset,
    unmarked,
    messagesPerSecondPerClient: perClientSecond(updates + unmarked),
    bytesPerSecondPerClient: perClientSecond(result.bandwidth.bytesDown),
    publish:
      published === undefined
        ? null
        : {
            attempted: published.attempted,
            acked: published.acked,
            failed: published.failed,
            failures: { ...published.failures },
            ackLatency: published.ackLatency,
            maxLagMicros: published.maxLagMicros,
          },
    server: measured
      ? {
          cpuPercent: measuredMs > 0 ? Math.round((cpuMicros / (measuredMs * 1000)) * 1000) / 10 : 0,
          cpuMicros,
          rssBytes: connected.rssBytes,
          rssBaselineBytes: before.rssBytes,
          memoryPerConnectionBytes: clients > 0 ? Math.round(Math.max(0, connected.rssBytes - before.rssBytes) / clients) : 0,
        }
      : null,
    serverUnmeasured: measured ? null : 'a foreign server has no /stats; give --target-pid PID[,PID…] for a server on this machine',
    ...(plan.timestamp === undefined ? {} : { timestamp: { field: plan.timestamp.field, clock: plan.timestamp.clock } }),
  };
}

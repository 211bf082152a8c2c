import { BENCH_DEFAULTS } from './defaults.js';
import { runForeignBench } from './foreign-run.js';
import { capacitySettings, withCapacityCeiling } from './measure/capacity-ceiling.js';
import { runCapacitySearch } from './measure/capacity-steps.js';
import { runHold, withAgentAddresses } from './measure/hold-run.js';
import { LOSS_CONTROL_PASSES, runWithLossControl } from './measure/loss-control.js';
import { describeEnvironment } from './measure/machine.js';
import { runProtocol } from './measure/protocol-run.js';
import { runEmbeddedBaseline } from './measure/embedded-compare.js';
import { refusalReasons } from './measure/refusals.js';
import { recordedOptions, resolveBenchOptions, type BenchOptions } from './options.js';
import { evaluateThresholds } from './report/thresholds.js';
import {
  RESULT_SCHEMA,
  type BenchResult,
  type ProgressEvent,
  type ProgressListener,
  type ProtocolFailure,
  type ProtocolResult,
  type TimeseriesPoint,
} from './report/types.js';
import { interleavedSteps, RepetitionCollector } from './repetition-plan.js';
import { makeRunId, type ResultFiles } from './result-files.js';
import { failRun, finishRun } from './run-end.js';
import { TargetError } from './target/control-client.js';
import { AgentRun } from './agent/agent-run.js';
import { AgentLostError } from './agent/remote-pool.js';
import { variantClientUrl } from './target/variant-target.js';
import { variantServerArgs } from '../wire/variants.js';
import {
  checkNetworkCapabilities,
  closeTarget,
  describeNetwork,
  lossCounters,
  lossyLink,
  openTarget,
  restartServer,
  targetGone,
  type Target,
} from './target/target.js';

export interface RunBenchHooks {
  /** Called with every progress event, in order (see {@link ProgressEvent}). Must not throw. */
  onProgress?: ProgressListener;
  /** Aborting stops the run between steps: clients are closed, the spawned server stopped. */
  signal?: AbortSignal;
  /** Told where the result files were written (when `writeFiles` is on). */
  onFiles?: (files: ResultFiles) => void;
}

/**
 * Runs the benchmark: starts (or reaches) the feed server, measures each protocol in turn
 * with the same feed, evaluates the thresholds, writes the result files, and resolves with
 * the result. Rejects with an OptionError for bad options (before anything starts), a
 * TargetError when the server cannot be started or reached, or the signal's reason when
 * aborted before any protocol finished; aborted later, it resolves with what was measured,
 * marked `partial` (files written). A protocol that fails on its own is recorded in
 * `failures` and the run goes on. With `repeat` > 1 each protocol is measured that many times,
 * interleaved, and its figures are the medians (bench/repetition-plan.ts).
 */
export async function runBench(input: BenchOptions = {}, hooks: RunBenchHooks = {}): Promise<BenchResult> {
  let options = resolveBenchOptions(input);
  // Someone else's server (--preset nchan|socketio|generic): the harness publishes (bench/foreign-run.ts).
  if (options.targetPlan !== null) return runForeignBench(options, hooks);
  const emit = (event: ProgressEvent): void => hooks.onProgress?.(event);
  const runId = makeRunId();
  const startedAt = new Date();
  const runStartedAt = performance.now();
  const timeseries: TimeseriesPoint[] = [];
  const protocols: ProtocolResult[] = [];
  const failures: ProtocolFailure[] = [];
  const embedded: ProtocolResult[] = [];

  let target: Target | undefined;
  let agents: AgentRun | undefined;
  try {
    hooks.signal?.throwIfAborted();
    // The open-files check (scenario capacity: against its ceiling, --max-clients, lowered to fit when defaulted).
    options = withCapacityCeiling(options);
    // `--agents N`: every agent must have registered before the server starts (docs/distributed.md).
    if (options.agents !== null) agents = await AgentRun.open(options.agents, hooks.signal);
    const lossMechanism = await checkNetworkCapabilities(options.network);
    // One spawned server per distinct server configuration the columns need (wire/variants.ts), so plain columns run on a plain server.
    let serverArgs = variantServerArgs(options.columns[0]!);
    const opening = openTarget(options, lossMechanism, serverArgs);
    target = await untilAborted(opening, hooks.signal).catch((error: unknown) => {
      // Interrupted while the server was starting: stop it once it is up.
      if (hooks.signal?.aborted === true)
        opening
          .then(
            (late) => closeTarget(late, BENCH_DEFAULTS.abortGraceMs),
            () => undefined,
          )
          .catch(() => undefined);
      throw error;
    });
    const targetInfo = { url: target.url, spawned: target.kind !== 'remote' };
    const network = describeNetwork(options.network, target);
    const link = lossyLink(target);
    const lossPercent = options.network?.lossPercent ?? 0;
    // A lossy link runs each protocol at 0% first, on the same link: the control (measure/loss-control.ts).
    const lossControl = link !== undefined && link.mechanism !== null && lossPercent > 0;
    emit({
      type: 'start',
      runId,
      startedAt: startedAt.toISOString(),
      target: target.url,
      spawned: target.kind !== 'remote',
      options: recordedOptions(options),
      protocols: [...options.protocols],
      ...(link === undefined ? {} : { lossMechanism: link.mechanism }),
      ...(options.agents === null ? {} : { agents: options.agents.count }),
    });
    let firstClientIndex = 0;
    const collector = new RepetitionCollector();
    let interrupted = false;
    const aborted = (): boolean => hooks.signal?.aborted === true;
    for (const { column, repetition } of interleavedSteps(options.columns, options.repeat)) {
      const protocol = column.protocol;
      if (aborted()) {
        interrupted = true;
        break;
      }
      const firstPoint = timeseries.length;
      // A Ctrl+C just after the protocol reported its result (while its clients close) keeps that result.
      let reported: ProtocolResult | undefined;
      try {
        const wanted = variantServerArgs(column);
        if (target.kind === 'spawned' && wanted.join(' ') !== serverArgs.join(' ')) {
          const previous = target;
          target = undefined;
          await closeTarget(previous);
          target = await untilAborted(openTarget(options, lossMechanism, wanted), hooks.signal);
          serverArgs = wanted;
        }
        const current = target;
        // A failover run killed an instance during the previous protocol: every protocol starts with all of them.
        if (current.kind === 'fleet') await current.fleet.revive();
        const shards = agents?.forProtocol(runId, current.url, options.workers);
        const context = {
          options,
          variant: column,
          control: current.control,
          baseUrl: current.url,
          clientUrl: variantClientUrl(column, current),
          proxy: current.proxy,
          restartServer: current.kind === 'spawned' ? () => restartServer(current) : undefined,
          fleet: current.kind === 'fleet' ? current.fleet : undefined,
          countedFeed: current.kind === 'spawned',
          lossCounters: lossCounters(current),
          runStartedAt,
          emit: (event: ProgressEvent): void => {
            if (event.type === 'protocol-done') reported = event.result;
            emit(event);
          },
          timeseries,
          firstClientIndex,
          signal: hooks.signal,
          ...(shards === undefined ? {} : { createPool: shards.createPool }),
        };
        const step = lossControl
          ? runWithLossControl(context, protocol, link, lossPercent)
          : options.scenario === 'capacity'
            ? runCapacitySearch(context, protocol, capacitySettings(options))
            : options.scenario === 'hold'
              ? runHold(context, protocol)
              : runProtocol(context, protocol);
        const measured = await untilAborted(shards === undefined ? step : shards.race(step), hooks.signal);
        if (shards !== undefined) measured.agents = shards.figures(measured);
        if (measured.hold && measured.agents !== undefined) measured.hold = withAgentAddresses(measured.hold, measured.agents);
        collector.add(measured);
        if (options.compareEmbedded) embedded.push(await untilAborted(runEmbeddedBaseline(context, options, protocol), hooks.signal));
      } catch (error) {
        if (aborted()) {
          interrupted = true;
          if (reported !== undefined && !lossControl) collector.add(reported);
          break;
        }
        if (target === undefined) throw error;
        const gone = targetGone(target);
        if (gone !== undefined) throw new TargetError(gone);
        if (error instanceof TargetError || error instanceof AgentLostError) throw error;
        const message = error instanceof Error ? error.message : String(error);
        const label = column.name === protocol ? '' : `${column.name}: `;
        failures.push({ protocol, message: `${options.repeat > 1 ? `repetition ${repetition + 1}: ` : ''}${label}${message}` });
        emit({ type: 'protocol-failed', protocol, message });
      } finally {
        for (let i = firstPoint; i < timeseries.length; i += 1) timeseries[i]!.repetition = repetition;
      }
      firstClientIndex += options.clients * (lossControl ? LOSS_CONTROL_PASSES : 1);
    }
    // Interrupted before any protocol finished: nothing to keep.
    if (interrupted && collector.count === 0) throw hooks.signal?.reason;
    protocols.push(...collector.combined(options.columns));
    // Interrupted: the result is written before the server is stopped (Ctrl+C must end in 2 s).
    if (!interrupted && target !== undefined) {
      await closeTarget(target);
      target = undefined;
    }

    const thresholds = evaluateThresholds(options.thresholds, protocols);
    const refused = protocols.flatMap((p) => refusalReasons(p).map((message) => ({ protocol: p.protocol, message })));
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
      ...(options.compareEmbedded ? { embedded } : {}),
      failures,
      refused,
      timeseries,
      network,
      thresholds,
      suspect: protocols.some((p) => p.generator.saturated),
      passed: !interrupted && failures.length === 0 && refused.length === 0 && thresholds.every((t) => t.passed),
      ...(interrupted ? { partial: true } : {}),
    };
    return await finishRun(result, options, emit, hooks.onFiles);
  } catch (error) {
    return failRun(error, emit);
  } finally {
    await agents?.close().catch(() => undefined);
    // Interrupted: the server gets a moment to close, then SIGKILL (Ctrl+C must end in 2 s).
    if (target !== undefined)
      await closeTarget(target, hooks.signal?.aborted === true ? BENCH_DEFAULTS.abortGraceMs : undefined).catch(() => undefined);
  }
}

/**
 * Settles like `step`, or rejects with the signal's reason as soon as it aborts: a step
 * waiting on a hung server or a connect phase must not hold an interrupted run (the step
 * itself is left to end on its own; its workers are terminated by the abort).
 */
function untilAborted<T>(step: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return step;
  if (signal.aborted) {
    step.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    step.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

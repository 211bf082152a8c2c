import { BENCH_DEFAULTS } from './defaults.js';
import { checkFileLimit } from './measure/fd-limit.js';
import { LOSS_CONTROL_PASSES, runWithLossControl } from './measure/loss-control.js';
import { describeEnvironment } from './measure/machine.js';
import { runProtocol } from './measure/protocol-run.js';
import { refusalReasons } from './measure/refusals.js';
import { recordedOptions, resolveBenchOptions, type BenchOptions } from './options.js';
import { evaluateThresholds } from './report/thresholds.js';
import { RESULT_SCHEMA, type BenchResult, type ProgressEvent, type ProgressListener, type ProtocolFailure, type ProtocolResult, type TimeseriesPoint } from './report/types.js';
import { makeRunId, writeResultFiles, type ResultFiles } from './result-files.js';
import { TargetError } from './target/control-client.js';
import { variantClientUrl } from './target/variant-target.js';
import { variantServerArgs } from '../wire/variants.js';
import { checkNetworkCapabilities, closeTarget, describeNetwork, lossCounters, lossyLink, openTarget, restartServer, targetGone, type Target } from './target/target.js';

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
    checkFileLimit(options);
    const lossMechanism = await checkNetworkCapabilities(options.network);
    // One spawned server per distinct server configuration the columns need (wire/variants.ts), so plain columns run on a plain server.
    let serverArgs = variantServerArgs(options.columns[0]!);
    const opening = openTarget(options, lossMechanism, serverArgs);
    target = await untilAborted(opening, hooks.signal).catch((error: unknown) => {
      // Interrupted while the server was starting: stop it once it is up.
      if (hooks.signal?.aborted === true) opening.then((late) => closeTarget(late, BENCH_DEFAULTS.abortGraceMs), () => undefined).catch(() => undefined);
      throw error;
    });
    const targetInfo = { url: target.url, spawned: target.kind === 'spawned' };
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
      spawned: target.kind === 'spawned',
      options: recordedOptions(options),
      protocols: [...options.protocols],
      ...(link === undefined ? {} : { lossMechanism: link.mechanism }),
    });
    let firstClientIndex = 0;
    for (const column of options.columns) {
      const protocol = column.protocol;
      hooks.signal?.throwIfAborted();
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
        const context = {
          options,
          variant: column,
          control: current.control,
          baseUrl: current.url,
          clientUrl: variantClientUrl(column, current),
          proxy: current.proxy,
          restartServer: current.kind === 'spawned' ? () => restartServer(current) : undefined,
          lossCounters: lossCounters(current),
          runStartedAt,
          emit,
          timeseries,
          firstClientIndex,
          signal: hooks.signal,
        };
        const step = lossControl ? runWithLossControl(context, protocol, link, lossPercent) : runProtocol(context, protocol);
        protocols.push(await untilAborted(step, hooks.signal));
      } catch (error) {
        if (hooks.signal?.aborted === true) throw hooks.signal.reason;
        if (target === undefined) throw error;
        const gone = targetGone(target);
        if (gone !== undefined) throw new TargetError(gone);
        if (error instanceof TargetError) throw error;
        const message = error instanceof Error ? error.message : String(error);
        failures.push({ protocol, message: column.name === protocol ? message : `${column.name}: ${message}` });
        emit({ type: 'protocol-failed', protocol, message });
      }
      firstClientIndex += options.clients * (lossControl ? LOSS_CONTROL_PASSES : 1);
    }
    await closeTarget(target);
    target = undefined;

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
      failures,
      refused,
      timeseries,
      network,
      thresholds,
      suspect: protocols.some((p) => p.generator.saturated),
      passed: failures.length === 0 && refused.length === 0 && thresholds.every((t) => t.passed),
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
    // Interrupted: the server gets a moment to close, then SIGKILL (Ctrl+C must end in 2 s).
    if (target !== undefined) await closeTarget(target, hooks.signal?.aborted === true ? BENCH_DEFAULTS.abortGraceMs : undefined).catch(() => undefined);
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

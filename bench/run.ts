import { ControlClient, TargetError, type FeedSettings } from './control-client.js';
import { describeEnvironment } from './machine.js';
import { recordedOptions, resolveBenchOptions, type BenchOptions, type ResolvedBenchOptions } from './options.js';
import { runProtocol } from './protocol-run.js';
import { writeResultFiles, type ResultFiles } from './result-files.js';
import { makeRunId } from './run-id.js';
import { spawnServer, type SpawnedServer } from './server-process.js';
import { evaluateThresholds } from './thresholds.js';
import { RESULT_SCHEMA, type BenchResult, type ProgressEvent, type ProgressListener, type ProtocolFailure, type ProtocolResult, type TimeseriesPoint } from './types.js';

export interface RunBenchHooks {
  /** Called with every progress event, in order (see {@link ProgressEvent}). Must not throw. */
  onProgress?: ProgressListener;
  /** Aborting stops the run between steps: clients are closed, the spawned server stopped. */
  signal?: AbortSignal;
  /** Told where the result files were written (when `writeFiles` is on). */
  onFiles?: (files: ResultFiles) => void;
}

/** The feed server a run talks to: spawned on loopback, or the user's `--target`. */
interface Target {
  url: string;
  spawned: SpawnedServer | undefined;
  control: ControlClient;
  /** A target's feed settings before the run, restored after it. */
  restore: FeedSettings | undefined;
}

/**
 * Runs the benchmark: starts (or reaches) the feed server, measures each protocol in turn
 * with the same feed, evaluates the thresholds, writes the result files, and resolves with
 * the result. Rejects with a BenchOptionError for bad options (before anything starts), a
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
    target = await openTarget(options);
    const targetInfo = { url: target.url, spawned: target.spawned !== undefined };
    emit({ type: 'start', runId, startedAt: startedAt.toISOString(), target: target.url, spawned: target.spawned !== undefined, options: recordedOptions(options), protocols: [...options.protocols] });
    let firstClientIndex = 0;
    for (const protocol of options.protocols) {
      hooks.signal?.throwIfAborted();
      try {
        const context = { options, control: target.control, baseUrl: target.url, runStartedAt, emit, timeseries, firstClientIndex, signal: hooks.signal };
        protocols.push(await runProtocol(context, protocol));
      } catch (error) {
        if (hooks.signal?.aborted === true) throw hooks.signal.reason;
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

async function openTarget(options: ResolvedBenchOptions): Promise<Target> {
  if (options.target === undefined) {
    const spawned = await spawnServer();
    return { url: spawned.url, spawned, control: new ControlClient(spawned.url, spawned.controlToken), restore: undefined };
  }
  const control = new ControlClient(options.target, options.controlToken);
  const stats = await control.stats();
  // Proves the token before any client connects, and remembers what to put back.
  await control.setFeed({ mode: 'idle' });
  return { url: options.target, spawned: undefined, control, restore: { mode: stats.feed.mode as FeedSettings['mode'], rate: stats.feed.rate, payload: stats.feed.payload } };
}

async function closeTarget(target: Target): Promise<void> {
  if (target.spawned !== undefined) {
    await target.spawned.stop();
    return;
  }
  if (target.restore !== undefined) await target.control.setFeed(target.restore).catch(() => undefined);
}

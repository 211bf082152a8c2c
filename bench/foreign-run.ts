import { needsProxy } from '../netem/options.js';
import { newRunTag } from '../clients/codecs/marker.js';
import { checkFileLimit } from './measure/fd-limit.js';
import { runForeignProtocol } from './measure/foreign-protocol.js';
import { describeEnvironment } from './measure/machine.js';
import { refusalReasons } from './measure/refusals.js';
import { recordedOptions, type ResolvedBenchOptions } from './options.js';
import { evaluateThresholds } from './report/thresholds.js';
import {
  RESULT_SCHEMA,
  type BenchResult,
  type ProgressEvent,
  type ProtocolFailure,
  type ProtocolResult,
  type TimeseriesPoint,
} from './report/types.js';
import { makeRunId } from './result-files.js';
import { failRun, finishRun } from './run-end.js';
import type { ProgressListener } from './report/types.js';
import type { ResultFiles } from './result-files.js';
import { TargetError } from './target/control-client.js';

/** runBench's hooks (bench/run.ts), spelled out here so the two files do not import each other. */
export interface ForeignRunHooks {
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  onFiles?: (files: ResultFiles) => void;
}

/**
 * runBench against a foreign target (`--preset nchan|socketio|generic`, docs/targets.md): each
 * endpoint of the plan in turn, each with a run tag of its own (a server that still buffers an
 * earlier protocol's messages replays them as another run's, ignored), then the same
 * thresholds, result files and events as a run against wirelab's own server.
 */
export async function runForeignBench(options: ResolvedBenchOptions, hooks: ForeignRunHooks): Promise<BenchResult> {
  const plan = options.targetPlan;
  if (plan === null) throw new TypeError('runForeignBench needs a foreign target plan');
  const emit = (event: ProgressEvent): void => hooks.onProgress?.(event);
  const runId = makeRunId();
  const startedAt = new Date();
  const runStartedAt = performance.now();
  const timeseries: TimeseriesPoint[] = [];
  const protocols: ProtocolResult[] = [];
  const failures: ProtocolFailure[] = [];
  try {
    hooks.signal?.throwIfAborted();
    checkFileLimit(options);
    emit({
      type: 'start',
      runId,
      startedAt: startedAt.toISOString(),
      target: plan.target,
      spawned: false,
      options: recordedOptions(options),
      protocols: [...options.protocols],
    });
    let firstClientIndex = 0;
    const tags = new Set<string>();
    for (const endpoint of plan.endpoints) {
      hooks.signal?.throwIfAborted();
      let run = newRunTag();
      while (tags.has(run)) run = newRunTag();
      tags.add(run);
      try {
        protocols.push(
          await runForeignProtocol(
            { options, plan, run, runStartedAt, emit, timeseries, firstClientIndex, signal: hooks.signal },
            endpoint,
          ),
        );
      } catch (error) {
        if (hooks.signal?.aborted === true) throw hooks.signal.reason;
        if (error instanceof TargetError) throw error;
        const message = error instanceof Error ? error.message : String(error);
        failures.push({ protocol: endpoint.protocol, message });
        emit({ type: 'protocol-failed', protocol: endpoint.protocol, message });
      }
      firstClientIndex += options.clients;
    }
    const thresholds = evaluateThresholds(options.thresholds, protocols);
    const refused = protocols.flatMap((p) => refusalReasons(p).map((message) => ({ protocol: p.protocol, message })));
    const result: BenchResult = {
      schema: RESULT_SCHEMA,
      id: runId,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - runStartedAt),
      target: { url: plan.target, spawned: false },
      options: recordedOptions(options),
      environment: describeEnvironment(),
      protocols,
      failures,
      refused,
      timeseries,
      network:
        options.network === null
          ? null
          : { ...options.network, proxied: needsProxy(options.network), namespace: null, lossMechanism: null },
      thresholds,
      suspect: protocols.some((p) => p.generator.saturated),
      passed: failures.length === 0 && refused.length === 0 && thresholds.every((t) => t.passed),
    };
    return await finishRun(result, options, emit, hooks.onFiles);
  } catch (error) {
    return failRun(error, emit);
  }
}

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { combineRepetitions } from '../../../bench/report/repetitions.js';
import { runBench } from '../../../bench/run.js';
import type { BenchOptions } from '../../../bench/options.js';
import type { BenchResult } from '../../../bench/report/types.js';

/** A short real run: a few clients, about a second of measuring, no files. */
export const SHORT: BenchOptions = {
  clients: 8,
  durationMs: 1200,
  warmupMs: 300,
  idleMs: 300,
  longPollTimeoutMs: 1000,
  capacityDurationMs: 0,
  rate: 25,
  workers: 1,
  writeFiles: false,
};

/**
 * The same run measured `times` times, combined as a repeated result is: every protocol's
 * repetitions through combineRepetitions, the run's own members from the first repetition.
 */
export async function repeatedRun(options: BenchOptions, times: number): Promise<BenchResult> {
  const runs: BenchResult[] = [];
  let offset = 0;
  for (let i = 0; i < times; i++) {
    // One clock for all, as repetitions inside one run have: each run starts after the last.
    const run = shiftClock(await runBench(options), offset);
    offset = Math.max(offset, ...run.timeseries.map((point) => point.t)) + 1000;
    runs.push(run);
  }
  const first = runs[0]!;
  return {
    ...first,
    protocols: first.protocols.map((p) => combineRepetitions(runs.map((run) => run.protocols.find((q) => q.protocol === p.protocol)!))),
    timeseries: runs.flatMap((run) => run.timeseries),
  };
}

/** The run with every `t` (time series, drops, storm) moved `offsetMs` later. */
function shiftClock(run: BenchResult, offsetMs: number): BenchResult {
  return {
    ...run,
    timeseries: run.timeseries.map((point) => ({ ...point, t: point.t + offsetMs })),
    protocols: run.protocols.map((p) =>
      p.reconnect === null
        ? p
        : {
            ...p,
            reconnect: {
              ...p.reconnect,
              events: p.reconnect.events.map((e) => ({ ...e, t: e.t + offsetMs })),
              storm: p.reconnect.storm.map((s) => ({ ...s, t: s.t + offsetMs })),
            },
          },
    ),
  };
}

export async function saveResult(dir: string, result: BenchResult, name = result.id): Promise<string> {
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resultToCsv, timeseriesToCsv } from './report/csv.js';
import type { ResultFiles } from './cli/print.js';
import type { BenchResult } from './report/types.js';

export type { ResultFiles };

/** Where a run's files go: `<dir>/<run-id>.json`, `.csv` and `.timeseries.csv`. */
export function resultFilePaths(outDir: string, runId: string): ResultFiles {
  return {
    json: join(outDir, `${runId}.json`),
    csv: join(outDir, `${runId}.csv`),
    timeseriesCsv: join(outDir, `${runId}.timeseries.csv`),
  };
}

/** Writes the result JSON, the per-protocol CSV and the long-format time-series CSV. */
export async function writeResultFiles(result: BenchResult, outDir: string): Promise<ResultFiles> {
  const files = resultFilePaths(outDir, result.id);
  await mkdir(outDir, { recursive: true });
  await Promise.all([
    writeFile(files.json, `${JSON.stringify(result, null, 2)}\n`),
    writeFile(files.csv, resultToCsv(result)),
    writeFile(files.timeseriesCsv, timeseriesToCsv(result)),
  ]);
  return files;
}

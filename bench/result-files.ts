import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resultToCsv, timeseriesToCsv } from './report/csv.js';
import type { BenchResult } from './report/types.js';

/** Where one run's files went. */
export interface ResultFiles {
  json: string;
  csv: string;
  timeseriesCsv: string;
}

/**
 * A run's id, which names its files: its UTC start time and a random suffix,
 * `20251125-135400-3f9a`. Sorting ids sorts runs by time; the suffix keeps two runs started in
 * the same second apart.
 */
export function makeRunId(date: Date = new Date()): string {
  const iso = date.toISOString(); // 2025-11-25T13:54:00.123Z
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

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

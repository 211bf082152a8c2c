import { resultToCsv } from '../../../bench/report/csv.js';
import type { BenchResult } from '../../../bench/report/types.js';

/**
 * Export CSV: the very CSV the CLI writes to results/<run>.csv, built by the harness's own
 * builder (bench/report/csv.ts), handed to the browser as a download.
 */
export function csvOf(result: BenchResult): string {
  return resultToCsv(result);
}

export function downloadCsv(result: BenchResult): void {
  const blob = new Blob([csvOf(result)], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `${result.id}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

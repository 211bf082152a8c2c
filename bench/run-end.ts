import type { BenchResult, ProgressEvent } from './report/types.js';
import { writeResultFiles, type ResultFiles } from './result-files.js';

/**
 * The end every run shares (bench/run.ts, bench/foreign-run.ts): the result files when asked
 * for, then the `done` event; the result is returned for the caller to resolve with.
 */
export async function finishRun(
  result: BenchResult,
  output: { readonly writeFiles: boolean; readonly outDir: string },
  emit: (event: ProgressEvent) => void,
  onFiles: ((files: ResultFiles) => void) | undefined,
): Promise<BenchResult> {
  if (output.writeFiles) {
    // Written whether or not anyone listens: `onFiles?.(await write())` would skip the write itself without a listener.
    const files = await writeResultFiles(result, output.outDir);
    onFiles?.(files);
  }
  emit({ type: 'done', result });
  return result;
}

/** A run that ended in an error: the `failed` event, then the error again for the caller. */
export function failRun(error: unknown, emit: (event: ProgressEvent) => void): never {
  emit({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  throw error;
}

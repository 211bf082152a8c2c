/**
 * The contract between the harness that writes result files, the servers that list them
 * (`GET /api/results`) and the dashboard that reads them. Browser-safe.
 */

/** The `schema` member of every result file the harness writes (docs/results.md). */
export const RESULT_SCHEMA = 'wirelab.result/1';

/** One line of `GET /api/results`: a readable run, or a file that could not be read and why. */
export interface RunListing {
  id: string;
  file: string;
  sizeBytes: number;
  modifiedAt: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  protocols?: string[];
  clients?: number | null;
  scenario?: string | null;
  passed?: boolean;
  suspect?: boolean;
  target?: string;
  error?: string;
}

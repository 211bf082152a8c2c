import type { ProgressEvent } from '../report/types.js';
import { startLiveServer } from './live-server.js';

/** The live dashboard as the CLI uses it. */
export interface LiveDashboard {
  readonly url: string;
  publish(event: ProgressEvent): void;
  close(): Promise<void>;
}

/**
 * Starts the live dashboard; resolves undefined (with the reason) when it cannot start (no
 * free port, say), because a bench without a dashboard is still a bench.
 */
export async function startLiveDashboard(resultsDir: string): Promise<{ live: LiveDashboard } | { live: undefined; reason: string }> {
  try {
    return { live: await startLiveServer({ resultsDir }) };
  } catch (error) {
    return { live: undefined, reason: `the live dashboard did not start: ${error instanceof Error ? error.message : String(error)}` };
  }
}

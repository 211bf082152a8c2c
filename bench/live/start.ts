import type { ProgressEvent } from '../report/types.js';

/** The live dashboard as the CLI uses it (bench/live-server.ts, written with the dashboard). */
export interface LiveDashboard {
  readonly url: string;
  publish(event: ProgressEvent): void;
  close(): Promise<void>;
}

interface LiveServerModule {
  startLiveServer(options: { resultsDir: string }): Promise<LiveDashboard>;
}

/**
 * Starts the live dashboard if this checkout has it; resolves undefined (with the reason)
 * when it is missing or cannot start, because a bench without a dashboard is still a bench.
 * The import is by computed name so the harness builds and runs without that module.
 */
export async function startLiveDashboard(resultsDir: string): Promise<{ live: LiveDashboard } | { live: undefined; reason: string }> {
  const specifier = './live-server.js';
  let module: LiveServerModule;
  try {
    module = (await import(specifier)) as LiveServerModule;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && (error as Error).message.includes('live-server')) return { live: undefined, reason: 'this checkout has no live dashboard (bench/live-server.ts)' };
    return { live: undefined, reason: `the live dashboard failed to load: ${(error as Error).message}` };
  }
  if (typeof module.startLiveServer !== 'function') return { live: undefined, reason: 'bench/live-server.ts does not export startLiveServer' };
  try {
    return { live: await module.startLiveServer({ resultsDir }) };
  } catch (error) {
    return { live: undefined, reason: `the live dashboard did not start: ${(error as Error).message}` };
  }
}

import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

/**
 * Opt-in diagnosis of the generator's own cost: with `WIRELAB_CPU_PROFILE=DIR`, each worker
 * thread writes a V8 CPU profile of exactly the measuring window to DIR (open it in Chrome
 * DevTools or speedscope). Off by default; costs nothing when off.
 */
export class WindowProfiler {
  private session: Session | undefined;

  constructor(private readonly dir: string | undefined = process.env.WIRELAB_CPU_PROFILE) {}

  start(): void {
    if (this.dir === undefined || this.dir === '' || this.session !== undefined) return;
    const session = new Session();
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.start');
    this.session = session;
  }

  async stop(label: string): Promise<void> {
    const session = this.session;
    if (session === undefined || this.dir === undefined) return;
    this.session = undefined;
    const profile = await new Promise<unknown>((resolve, reject) =>
      session.post('Profiler.stop', (error, result) => (error === null ? resolve(result.profile) : reject(error))),
    );
    session.disconnect();
    await writeFile(join(this.dir, `${label}-thread${threadId}.cpuprofile`), JSON.stringify(profile));
  }
}

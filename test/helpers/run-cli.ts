import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: where the npm scripts run the CLI files from. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The bench command's own file (`npm run bench`). */
export const BENCH_CLI = 'bench/cli/cli.ts';

/** How a command ended and what it printed. */
export interface CommandRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Where it runs. @default the repository root */
  cwd?: string;
  /** Variables set over the test's own environment (which always gets `NO_COLOR=1`). */
  env?: Readonly<Record<string, string>>;
  /** Killed (SIGKILL) and the promise rejected when it has not exited by then. @default 60_000 */
  timeoutMs?: number;
}

/** Runs `command args` (no shell) with no colour, collecting what it prints; bounded in time. */
export function runProcess(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandRun> {
  const { cwd = ROOT, env = {}, timeoutMs = 60_000 } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs one of the CLI files (`bench/cli/compare.ts` …) as its npm script does: `node --import tsx FILE ARGS`. */
export function runScript(script: string, args: readonly string[], options: RunOptions = {}): Promise<CommandRun> {
  return runProcess(process.execPath, ['--import', 'tsx', script, ...args], options);
}

/** Runs the bench command (`npm run bench -- ARGS`). */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CommandRun> {
  return runScript(BENCH_CLI, args, options);
}

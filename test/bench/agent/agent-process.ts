import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A real agent process (`bench/cli/agent.ts`), started by the test and stopped by its PID. */
export interface AgentProcess {
  readonly id: string;
  readonly pid: number;
  output(): string;
  /** SIGKILL: the agent dies mid-run, as a lost host would. */
  kill(): Promise<void>;
  /** SIGTERM, and wait for it to exit. */
  stop(): Promise<void>;
}

/** Starts an agent and resolves once it waits for work; `env` adds variables (the clock-skew test's). */
export async function startAgentProcess(broker: string, id: string, env: Record<string, string> = {}): Promise<AgentProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/cli/agent.ts', '--broker', broker, '--id', id, '--workers', '1'],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('waiting for work')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`agent ${id} exited with ${code} before it was ready:\n${output}`)));
  });
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    process.kill(child.pid!, signal);
    await exited;
  };
  return { id, pid: child.pid!, output: () => output, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

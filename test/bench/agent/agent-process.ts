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

export interface AgentProcessOptions {
  /** Variables to add (the clock-skew test's). */
  env?: Record<string, string>;
  /** Extra agent options (`--source-address 127.0.0.2`). */
  args?: readonly string[];
  /** Wraps the command line, e.g. `ip netns exec NAME …` to run the agent inside a namespace (netem/netns.ts). */
  wrap?: (command: string, args: readonly string[]) => { command: string; args: string[] };
}

/** Starts an agent and resolves once it waits for work. */
export async function startAgentProcess(broker: string, id: string, options: AgentProcessOptions = {}): Promise<AgentProcess> {
  const agentArgs = ['--import', 'tsx', 'bench/cli/agent.ts', '--broker', broker, '--id', id, '--workers', '1', ...(options.args ?? [])];
  // `ip netns exec` execs the command in place, so the PID is still the agent's own.
  const { command, args } = options.wrap?.(process.execPath, agentArgs) ?? { command: process.execPath, args: agentArgs };
  const child: ChildProcess = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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

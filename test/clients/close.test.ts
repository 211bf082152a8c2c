import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_NAMES, type ProtocolName } from '../../wire/protocols.js';
import { closedPort, startServer, type TestServer } from './helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/close-child.ts', import.meta.url));

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the child; kills it (and fails) if it has not exited by itself within `timeoutMs`. */
function runChild(args: string[], timeoutMs = 15_000): Promise<ChildResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

let server: TestServer;

beforeAll(async () => {
  server = await startServer({ mode: 'bench', rate: 100, payload: 80 });
});

afterAll(async () => {
  await server.close();
});

describe('close() leaves nothing behind: the process exits by itself', () => {
  it.each(PROTOCOL_NAMES)('%s, after receiving and pinging', async (protocol: ProtocolName) => {
    const result = await runChild([server.url, protocol, 'live']);
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { state: string; updates: number; resources: string[] };
    expect(report.state).toBe('closed');
    expect(report.updates).toBeGreaterThanOrEqual(3);
    expect(report.resources).not.toContain('Timeout');
    expect(report.resources).not.toContain('TCPSocketWrap');
  });

  it.each(PROTOCOL_NAMES)('%s, while waiting to reconnect', async (protocol: ProtocolName) => {
    const port = await closedPort();
    const result = await runChild([`http://127.0.0.1:${port}`, protocol, 'reconnecting']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { state: string; resources: string[] };
    expect(report.state).toBe('closed');
    expect(report.resources).toEqual([]);
  });
});

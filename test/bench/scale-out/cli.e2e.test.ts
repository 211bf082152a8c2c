import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function cli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/cli/cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('bench CLI scale-out flags', () => {
  it.each([
    [['--servers', '2'], '--servers 2 instances need --broker'],
    [['--servers', '2', '--broker', 'ftp://x'], '--broker must be "redis" or a redis:// URL'],
    [['--scenario', 'failover'], 'failover kills one instance'],
    [['--broker-restart'], '--broker-restart needs --broker redis'],
  ])(
    'exits 2 on %j, naming the problem',
    async (args, message) => {
      const { code, stderr } = await cli([...args, '--no-live', '--no-files']);
      expect(code).toBe(2);
      expect(stderr).toContain(message);
    },
    30_000,
  );
});

import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** A small test file that notes its measurements on the console (proxy timings). */
const NOISY_TEST = 'test/netem/proxy-bandwidth.test.ts';

/** `npm test`'s runner on one file, stdout piped, with the environment given. */
function runTests(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith('VITEST') && key !== 'NO_COLOR' && key !== 'FORCE_COLOR' && key !== 'CI' && key !== 'WIRELAB_TEST_LOG',
    ),
  );
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['test/run-tests.mjs', NOISY_TEST], {
      cwd: ROOT,
      env: { ...clean, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('npm test output', () => {
  it("under CI=true prints no colour codes and none of the tests' measurement notes", async () => {
    const { code, output } = await runTests({ CI: 'true' });
    expect(code, output).toBe(0);
    expect(output).toContain('Tests  4 passed');
    expect(output).not.toContain('\u001b[');
    expect(output).not.toContain('200000 bytes at 800 kbit/s:');
  }, 60_000);

  it('shows the notes when WIRELAB_TEST_LOG=1 asks, and colour when FORCE_COLOR asks', async () => {
    const { code, output } = await runTests({ WIRELAB_TEST_LOG: '1', FORCE_COLOR: '1' });
    expect(code, output).toBe(0);
    expect(output).toContain('200000 bytes at 800 kbit/s:');
    expect(output).toContain('\u001b[');
  }, 60_000);
});

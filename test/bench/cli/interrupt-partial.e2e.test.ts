import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../../../bench/report/types.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

describe('Ctrl+C after a protocol finished', () => {
  let outDir: string | undefined;
  afterAll(async () => {
    if (outDir !== undefined) await rm(outDir, { recursive: true, force: true });
  });

  it('prints and writes the partial result, says so, and exits 130', async () => {
    outDir = await mkdtemp(join(tmpdir(), 'wirelab-partial-'));
    const args = [
      '-p',
      'ws,sse',
      '-c',
      '10',
      '-d',
      '1',
      '--warmup',
      '3',
      '--idle',
      '0',
      '--capacity-duration',
      '0',
      '--threshold',
      'none',
      '--no-live',
      '-o',
      outDir,
    ];
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/cli/cli.ts', ...args], {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      let sent = false;
      const guard = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the bench did not end\n${out}\n${err}`));
      }, 60_000);
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        // ws is done; sse is connecting or warming up (3 s): press Ctrl+C now.
        if (!sent && /✓ ws: /.test(out)) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
      child.on('exit', (exitCode) => {
        clearTimeout(guard);
        resolve({ code: exitCode, stdout: out, stderr: err });
      });
    });
    expect(code, stderr).toBe(130);
    expect(stdout).toMatch(/^\s+ws\s*$/m);
    expect(stdout).toContain('PARTIAL (interrupted)');
    expect(stderr).toMatch(/wirelab-bench: interrupted; partial result \(ws only\) written to .*\.json/);
    const file = (await readdir(outDir)).find((name) => name.endsWith('.json'))!;
    const written = JSON.parse(await readFile(join(outDir, file), 'utf8')) as BenchResult;
    expect(written.partial).toBe(true);
    expect(written.protocols.map((p) => p.protocol)).toEqual(['ws']);
  }, 90_000);
});

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess, type CommandRun } from '../helpers/run-cli.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
const BIN = path.join(ROOT, manifest.bin.wirelab!);

/** Runs the installed command as npx would (its own file, from another folder), with no colour. */
function wirelab(args: string[], cwd: string, timeoutMs?: number): Promise<CommandRun> {
  return runProcess(process.execPath, [BIN, ...args], { cwd, timeoutMs });
}

describe('the wirelab command (package.json bin)', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'wirelab-bin-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('prints the version and its commands', async () => {
    expect(await wirelab(['--version'], cwd)).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });
    const help = await wirelab(['--help'], cwd);
    expect(help.code).toBe(0);
    for (const command of ['bench', 'agent', 'serve', 'compare', 'report']) expect(help.stdout).toContain(`  ${command} `);
  });

  it('refuses an unknown command with exit 2', async () => {
    const run = await wirelab(['benchmark'], cwd);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('wirelab: bad option: unknown command "benchmark"; choose from bench, agent, serve, compare, report');
  });

  it('passes the options on to each command: bench and compare speak their own usage errors', async () => {
    const bench = await wirelab(['bench', '--duration', '0'], cwd);
    expect(bench.code).toBe(2);
    expect(bench.stderr).toContain('wirelab-bench: bad option: --duration must be from 0.1s to 86400s, got 0s');
    const compare = await wirelab(['compare'], cwd);
    expect(compare.code).toBe(2);
    expect(compare.stderr).toContain('wirelab-compare: ');
    const agent = await wirelab(['agent', '--broker', 'redis://127.0.0.1:6379', '--source-address', '127.0.0.2,nowhere'], cwd);
    expect(agent.code).toBe(2);
    expect(agent.stderr).toContain('wirelab-agent: bad option: --source-address must be IP addresses separated by commas, got "nowhere"');
    const agentHelp = await wirelab(['agent', '--help'], cwd);
    expect(agentHelp.code).toBe(0);
    expect(agentHelp.stdout).toContain('--source-address <addr,...>');
  });

  it('runs a bench from another folder, writes its result there, and --report html writes the report beside it', async () => {
    const run = await wirelab(
      [
        'bench',
        '-c',
        '5',
        '-p',
        'ws',
        '-d',
        '1',
        '--warmup',
        '0',
        '--idle',
        '0',
        '--capacity-duration',
        '0',
        '--threshold',
        'none',
        '--no-live',
        '--no-progress',
        '--report',
        'html',
      ],
      cwd,
      90_000,
    );
    expect(run.code, run.stderr).toBe(0);
    const files = (await readdir(path.join(cwd, 'results'))).sort();
    const json = files.find((name) => name.endsWith('.json'))!;
    expect(files).toContain(json.replace(/\.json$/, '.html'));
    expect(run.stdout).toContain(`report ${path.join('results', json.replace(/\.json$/, '.html'))}`);
    const html = await readFile(path.join(cwd, 'results', json.replace(/\.json$/, '.html')), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).not.toMatch(/<script[^>]+src=/);
  }, 120_000);
});

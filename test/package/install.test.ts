import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm install` must print no warning on the Node the README promises: no EBADENGINE for a
 * dependency that wants a newer Node, no install script left unreviewed. `npm ci --dry-run`
 * on a copy of package.json and package-lock.json runs npm's own checks on the locked tree
 * without touching node_modules; `--offline` with an empty cache proves nothing is fetched.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'wirelab-install-'));
  await copyFile(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  await copyFile(path.join(ROOT, 'package-lock.json'), path.join(dir, 'package-lock.json'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm install', () => {
  it('prints no engine warning and no unreviewed install script for the locked tree', () => {
    const run = spawnSync('npm', ['ci', '--dry-run', '--offline', '--no-audit', '--no-fund', '--cache', path.join(dir, 'cache')], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(output.split('\n').filter((line) => /^npm warn/i.test(line))).toEqual([]);
    // The dry run did list the tree it checked.
    expect(output).toMatch(/^add fastify /m);
  });
});

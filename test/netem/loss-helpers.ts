import { existsSync } from 'node:fs';
import { mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { runCommand } from '../../netem/run-command.js';

/** The `wirelab-…` namespaces that exist now. */
export async function wirelabNamespaces(): Promise<string[]> {
  const { stdout } = await runCommand('ip', ['netns', 'list']).catch(() => ({ stdout: '' }));
  return stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith('wirelab-'));
}

/** The host ends of wirelab's veth pairs that exist now (`wl448h`). */
export async function wirelabInterfaces(): Promise<string[]> {
  const { stdout } = await runCommand('ip', ['-o', 'link', 'show']).catch(() => ({ stdout: '' }));
  return [...stdout.matchAll(/^\d+: (wl\d+[hn])[@:]/gm)].map((match) => match[1] ?? '');
}

/** The nftables loss tables in the host's ruleset (`wirelab_loss_wl448h`). */
export async function hostLossTables(): Promise<string[]> {
  const { stdout } = await runCommand('nft', ['list', 'tables']).catch(() => ({ stdout: '' }));
  return [...stdout.matchAll(/^table netdev (wirelab_loss_\S+)/gm)].map((match) => match[1] ?? '');
}

/**
 * Whether `dropped` of `offered` packets fits independent drops with probability `p`: within
 * 5 standard deviations of the mean, which a correct rule misses about once in 1.7 million.
 */
export function withinBinomial(dropped: number, offered: number, p: number): boolean {
  const mean = offered * p;
  const sd = Math.sqrt(offered * p * (1 - p));
  return Math.abs(dropped - mean) <= 5 * sd;
}

/**
 * A PATH holding only these tools (symlinks to where the current PATH finds them), so a
 * child or a probe sees a machine without the others: no `tc` means no netem, no `nft` no
 * nftables. Resolves with the folder; the caller removes it.
 */
export async function pathWithOnly(tools: readonly string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wirelab-path-'));
  for (const tool of tools) {
    const found = (process.env.PATH ?? '')
      .split(delimiter)
      .map((folder) => join(folder, tool))
      .find((candidate) => existsSync(candidate));
    // A tool missing here is missing there too, which is all the caller wants.
    if (found !== undefined) await symlink(found, join(dir, tool));
  }
  return dir;
}

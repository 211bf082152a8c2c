import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LossyLink } from '../../netem/netns.js';
import { runCommand } from '../../netem/run-command.js';
import { runProcess } from '../helpers/run-cli.js';
import { connectTo } from './helpers.js';

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

/** An echo server inside the namespace, listening on its address; resolves with its port. */
export async function echoInside(link: LossyLink): Promise<{ port: number; stop: () => Promise<void> }> {
  const script =
    "const s=require('net').createServer(c=>{c.on('error',()=>{});c.pipe(c)});s.listen(0,process.argv[1],()=>console.log(s.address().port))";
  const child = link.spawn(process.execPath, ['-e', script, link.nsAddress], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return {
    port: Number(line),
    stop: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Sends `size` patterned bytes through the echo in the namespace, closes (waiting for the close,
 * so the link is quiet after it), and answers whether all came back in order.
 */
export async function echoIntact(link: LossyLink, port: number, size: number): Promise<boolean> {
  const socket = await connectTo(port, link.nsAddress);
  const sent = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7919 + (i >> 8)) & 0xff));
  const chunks: Buffer[] = [];
  let received = 0;
  const back = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= size) resolve();
    });
    socket.once('error', reject);
  });
  socket.write(sent);
  await back;
  socket.end();
  await once(socket, 'close');
  return Buffer.concat(chunks).equals(sent);
}

/**
 * Runs an ES module `script` in a child process at the repository root (through tsx, so it can
 * import the .ts sources) and resolves with the first line it printed, its exit code and its stderr.
 */
export async function runInlineModule(script: string): Promise<{ line: string; code: number | null; stderr: string }> {
  const { code, stdout, stderr } = await runProcess(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
  return { line: stdout.split('\n')[0] ?? '', code, stderr };
}

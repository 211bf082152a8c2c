/**
 * Loss by `tc netem` on both ends of the veth: each end shapes what it sends, so each
 * direction loses its own X% (netem drops after the sender's TCP considers the packet sent,
 * as a wire would). Needs the kernel's sch_netem.
 */
import { checkLossPercent, runStep, type LinkEnds, type LinkLoss } from './loss-mechanism.js';
import { parseQdiscCounters, type QdiscCounters } from './qdisc-stats.js';
import { runCommand } from './run-command.js';

/** `netem loss X% [delay Yms]`, the qdisc's arguments. */
export function netemArgs(lossPercent: number, delayMs = 0): string[] {
  return ['netem', 'loss', `${lossPercent}%`, ...(delayMs > 0 ? ['delay', `${delayMs}ms`] : [])];
}

/** netem on both ends; `delayMs` adds one-way delay at each end too. */
export function netemLoss(ends: LinkEnds, delayMs = 0): LinkLoss {
  // `replace` both adds and changes, so install and set are one command.
  const apply = async (verb: 'add' | 'replace', lossPercent: number): Promise<void> => {
    const args = netemArgs(checkLossPercent(lossPercent), delayMs);
    await runStep(`${verb} netem on the host end`, () => runCommand('tc', ['qdisc', verb, 'dev', ends.hostInterface, 'root', ...args]));
    await runStep(`${verb} netem on the namespace end`, () =>
      runCommand('ip', ['netns', 'exec', ends.nsName, 'tc', 'qdisc', verb, 'dev', ends.nsInterface, 'root', ...args]),
    );
  };
  const read = async (insideNamespace: boolean, device: string): Promise<QdiscCounters> => {
    const args = ['-s', 'qdisc', 'show', 'dev', device];
    const { stdout } = insideNamespace
      ? await runCommand('ip', ['netns', 'exec', ends.nsName, 'tc', ...args])
      : await runCommand('tc', args);
    return parseQdiscCounters(stdout);
  };
  return {
    mechanism: 'netem',
    install: (lossPercent) => apply('add', lossPercent),
    set: (lossPercent) => apply('replace', lossPercent),
    counters: async () => ({ hostToNs: await read(false, ends.hostInterface), nsToHost: await read(true, ends.nsInterface) }),
    // The qdiscs live on the veth ends and go with them.
    remove: async () => undefined,
    removeSync: () => undefined,
  };
}

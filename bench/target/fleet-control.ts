import type { ProtocolName } from '../../wire/protocols.js';
import { ControlClient, TargetError, type FeedSettings, type ServerStatsSnapshot } from './control-client.js';

/** One instance's own `/stats`, as the result file keeps it beside the sum. */
export interface InstanceStats {
  readonly url: string;
  readonly stats: ServerStatsSnapshot;
}

/**
 * The harness's control of several instances sharing one feed through a broker (`--servers N`):
 * the same calls as one server's ControlClient, so the measuring code needs no branch.
 * The feed is one, so feed settings go to one live instance (the broker passes them to the
 * publisher and the answer's head is exact, docs/scale-out.md); drops and counter resets go to
 * every live instance; `stats` sums the per-instance figures (connections, bytes, CPU, RSS)
 * and keeps each instance's own in `lastInstances`. A killed instance is left out until revived.
 */
export class FleetControl extends ControlClient {
  private readonly members: ControlClient[];
  private readonly alive: boolean[];
  /** Every live instance's `/stats` from the latest `stats()` call. */
  lastInstances: InstanceStats[] = [];

  constructor(urls: readonly string[], token: string | undefined) {
    super(urls[0]!, token);
    this.members = urls.map((url) => new ControlClient(url, token));
    this.alive = urls.map(() => true);
  }

  /** Instance `index` is gone (killed) or back: calls skip or include it again. */
  setAlive(index: number, alive: boolean): void {
    this.alive[index] = alive;
  }

  private live(): ControlClient[] {
    const live = this.members.filter((_, index) => this.alive[index] === true);
    if (live.length === 0) throw new TargetError('every feed server instance is gone');
    return live;
  }

  override async stats(): Promise<ServerStatsSnapshot> {
    const live = this.live();
    const all = await Promise.all(live.map((member) => member.stats()));
    this.lastInstances = all.map((stats, index) => ({ url: live[index]!.baseUrl, stats }));
    return sumStats(all);
  }

  override async setFeed(settings: FeedSettings): Promise<{ feed: { head: number; epoch: string } }> {
    let lastError: unknown;
    for (const member of this.live()) {
      try {
        return await member.setFeed(settings);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  override async drop(transport?: ProtocolName): Promise<{ dropped: Partial<Record<ProtocolName, number>> }> {
    const answers = await Promise.all(this.live().map((member) => member.drop(transport)));
    const dropped: Partial<Record<ProtocolName, number>> = {};
    for (const answer of answers) {
      for (const [name, count] of Object.entries(answer.dropped) as [ProtocolName, number][]) dropped[name] = (dropped[name] ?? 0) + count;
    }
    return { dropped };
  }

  /** A full garbage collection on every live instance, then each one's memory (scenario hold reads them per instance). */
  async collectGarbageEach(): Promise<Array<{ url: string; gc: boolean; rssBytes: number; heapUsedBytes: number }>> {
    const live = this.live();
    const all = await Promise.all(live.map((member) => member.collectGarbage()));
    return all.map((memory, index) => ({ url: live[index]!.baseUrl, ...memory }));
  }

  /** Every live instance's collection; their memory summed, as `stats` sums it. */
  override async collectGarbage(): Promise<{ gc: boolean; rssBytes: number; heapUsedBytes: number }> {
    const all = await this.collectGarbageEach();
    return {
      gc: all.every((memory) => memory.gc),
      rssBytes: all.reduce((sum, memory) => sum + memory.rssBytes, 0),
      heapUsedBytes: all.reduce((sum, memory) => sum + memory.heapUsedBytes, 0),
    };
  }

  override async resetCounters(): Promise<unknown> {
    return Promise.all(this.live().map((member) => member.resetCounters()));
  }
}

/**
 * Several instances' `/stats` as one server's: counters, CPU and RSS summed; the feed and epoch
 * are the shared feed's (the first instance's view); the event-loop delay is the worst one.
 */
export function sumStats(all: readonly ServerStatsSnapshot[]): ServerStatsSnapshot {
  const first = all[0]!;
  const transports = structuredClone(first.transports);
  for (const other of all.slice(1)) {
    for (const [name, figures] of Object.entries(other.transports) as [ProtocolName, ServerStatsSnapshot['transports'][ProtocolName]][]) {
      const into = transports[name];
      for (const key of Object.keys(figures) as (keyof typeof figures)[]) into[key] += figures[key];
    }
  }
  return {
    epoch: first.epoch,
    feed: { ...first.feed },
    transports,
    process: {
      pid: first.process.pid,
      sinceResetMs: Math.max(...all.map((s) => s.process.sinceResetMs)),
      cpuUserMicros: all.reduce((sum, s) => sum + s.process.cpuUserMicros, 0),
      cpuSystemMicros: all.reduce((sum, s) => sum + s.process.cpuSystemMicros, 0),
      rssBytes: all.reduce((sum, s) => sum + s.process.rssBytes, 0),
      eventLoopDelayMs: { p99: Math.max(...all.map((s) => s.process.eventLoopDelayMs.p99)) },
    },
  };
}

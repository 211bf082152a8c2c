import { RESULT_SCHEMA } from '../../wire/result-schema.js';
import type { AgentFigures } from '../report/types.js';
import type { ClientPool } from '../workers/worker-pool.js';
import type { ClientPlan, CoordinatorMessage, WorkerMessage, WorkerTick } from '../workers/worker-protocol.js';
import type { AgentCoordinator } from './coordinator.js';
import { AGENT_DEFAULTS } from './defaults.js';
import {
  commandKey,
  type ClockEstimate,
  type AgentRegistration,
  type ShardJobResult,
  type ShardProgress,
  type StepCommand,
} from './contract.js';
import { splitShards } from './shards.js';
import { WIRELAB_VERSION } from './version.js';

type Reply<T extends WorkerMessage['type']> = Extract<WorkerMessage, { type: T }>;

/** Thread indexes of different shards never collide in the sampler (an agent has at most 64 threads). */
const THREADS_PER_SHARD = 64;

interface ShardState {
  index: number;
  jobId: string;
  firstClientIndex: number;
  clients: number;
  agent: AgentRegistration | undefined;
  clock: ClockEstimate | undefined;
  /** From the agent's last progress: what its clients had received, and when. */
  received: number;
  connected: number;
  lastProgressAt: string | undefined;
  waiting: Map<string, { resolve: (replies: WorkerMessage[]) => void; reject: (error: Error) => void }>;
  result: ShardJobResult | undefined;
  finished: Promise<ShardJobResult>;
  settle: { resolve: (result: ShardJobResult) => void; reject: (error: Error) => void };
}

/** An agent stopped (killed, its host lost) or failed its shard mid-run: the run cannot be merged. */
export class AgentLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentLostError';
  }
}

export interface RemotePoolSettings {
  runId: string;
  /** The feed server's base URL, for the agents' clock PINGs. */
  baseUrl: string;
  /** Worker threads each agent uses. */
  workers: number;
  /** How long a shard may wait for an agent to take it. */
  takeTimeoutMs: number;
}

/**
 * The agents' threads as one pool: the protocol's clients split into one shard per agent, one
 * BullMQ job per shard; each step is pushed to every shard and answered by its job's progress,
 * so the protocol's run (bench/measure/protocol-run.ts) drives agents as it drives local threads.
 */
export class RemotePool implements ClientPool {
  readonly threadIds: ReadonlyArray<number | null> = [];
  private readonly shards: ShardState[] = [];
  private failure: Error | undefined;
  private watch: NodeJS.Timeout | undefined;
  private closed = false;
  private reportLost: (error: Error) => void = () => undefined;
  /** Rejects as soon as an agent is lost, whatever step the run is in (it may be waiting out the window). */
  readonly lostPromise: Promise<never> = new Promise<never>((_, reject) => (this.reportLost = reject));

  constructor(
    private readonly coordinator: AgentCoordinator,
    private readonly settings: RemotePoolSettings,
    private readonly onTick: (worker: number, tick: WorkerTick) => void,
  ) {
    this.lostPromise.catch(() => undefined);
  }

  async ready(): Promise<void> {}

  /** Splits the clients into shards, one job each, and waits until every shard's clients connected. */
  async connect(plan: ClientPlan): Promise<Array<Reply<'connected'>>> {
    const count = this.coordinator.agents.length;
    const parts = splitShards(plan.clients, count, plan.firstClientIndex, plan.connectConcurrency).filter((part) => part.clients > 0);
    for (const part of parts) {
      const jobId = `${this.settings.runId}-${plan.protocol}-${part.index}`;
      let settle!: ShardState['settle'];
      const finished = new Promise<ShardJobResult>((resolve, reject) => (settle = { resolve, reject }));
      finished.catch(() => undefined);
      const state: ShardState = {
        index: part.index,
        jobId,
        firstClientIndex: part.firstClientIndex,
        clients: part.clients,
        agent: undefined,
        clock: undefined,
        received: 0,
        connected: 0,
        lastProgressAt: undefined,
        waiting: new Map(),
        result: undefined,
        finished,
        settle,
      };
      this.shards.push(state);
      this.coordinator.listen(jobId, {
        progress: (data) => this.progress(state, data),
        failed: (reason) =>
          this.fail(
            new AgentLostError(`${this.describe(state)} failed at ${new Date().toISOString()}: ${reason}; ${this.delivered(state)}`),
          ),
        completed: (result) => {
          state.result = result;
          state.settle.resolve(result);
        },
      });
    }
    const replies = this.shards.map((state) => this.expect(state, 'connected'));
    await this.coordinator.queue.addBulk(
      this.shards.map((state, position) => ({
        name: `${plan.protocol}-shard-${state.index}`,
        data: {
          version: WIRELAB_VERSION,
          schema: RESULT_SCHEMA,
          runId: this.settings.runId,
          shard: state.index,
          shards: count,
          plan: {
            ...plan,
            clients: state.clients,
            firstClientIndex: state.firstClientIndex,
            connectConcurrency: parts[position]!.connectConcurrency,
          },
          workers: this.settings.workers,
          baseUrl: this.settings.baseUrl,
          clockPings: AGENT_DEFAULTS.clockPings,
        },
        opts: { jobId: state.jobId, attempts: 1, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } },
      })),
    );
    this.watch = setInterval(() => void this.checkAgents(), AGENT_DEFAULTS.heartbeatEveryMs);
    const takenBy = performance.now() + this.settings.takeTimeoutMs;
    this.takeDeadline = takenBy;
    return (await Promise.all(replies)).flat() as Array<Reply<'connected'>>;
  }

  private takeDeadline = Number.POSITIVE_INFINITY;

  measure(seqStart: number, epoch: string, settleTimeoutMs: number): Promise<Array<Reply<'measuring'>>> {
    return this.broadcast({ type: 'measure', seqStart, epoch, settleTimeoutMs }, 'measuring');
  }

  arm(): Promise<number> {
    return Promise.reject(new Error('drops are not supported with --agents'));
  }

  dropped(): void {}

  finish(seqEnd: number, epoch: string, epochEnds: Record<string, number>, drainTimeoutMs: number): Promise<Array<Reply<'final'>>> {
    return this.broadcast({ type: 'finish', seqEnd, epoch, epochEnds, drainTimeoutMs }, 'final');
  }

  sample(): Promise<Array<Reply<'sample'>>> {
    return this.broadcast({ type: 'sample' }, 'sample');
  }

  /** Every shard closes its clients and returns its figures (the job's result). Safe to call twice. */
  async close(graceMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.failure === undefined && this.shards.length > 0) {
      await this.withTimeout(this.broadcast({ type: 'close' }, 'closed'), graceMs).catch(() => undefined);
      await this.withTimeout(Promise.all(this.shards.map((state) => state.finished)), graceMs).catch(() => undefined);
    } else {
      // Tell the agents still running to let go of their shard.
      await Promise.all(this.shards.map((state) => this.push(state, { type: 'close' }))).catch(() => undefined);
    }
    this.stopWatching();
  }

  terminate(reason: Error): void {
    this.fail(reason);
    void this.close();
  }

  /** Each shard's figures, once {@link close} resolved (a shard that never finished is left out). */
  figures(): AgentFigures[] {
    return this.shards.flatMap((state) => (state.result === undefined ? [] : [state.result]));
  }

  private progress(state: ShardState, data: ShardProgress): void {
    switch (data.kind) {
      case 'hello':
        state.agent = data.agent;
        state.clock = data.clock;
        return;
      case 'ticks':
        state.received = data.received;
        state.connected = data.connected;
        state.lastProgressAt = data.at;
        for (const { worker, tick } of data.ticks) this.onTick(state.index * THREADS_PER_SHARD + worker, tick);
        return;
      case 'reply': {
        const waiter = state.waiting.get(data.type);
        if (waiter === undefined) return;
        state.waiting.delete(data.type);
        waiter.resolve(data.replies);
      }
    }
  }

  /** Lost agents (heartbeat gone) and shards nobody took in time. */
  private async checkAgents(): Promise<void> {
    if (this.failure !== undefined || this.closed) return;
    for (const state of this.shards) {
      if (state.result !== undefined) continue;
      if (state.agent === undefined) {
        if (performance.now() > this.takeDeadline)
          this.fail(
            new AgentLostError(
              `shard ${state.index + 1}/${this.coordinator.agents.length} (clients ${this.range(state)}) was not taken by any agent within ${Math.round(this.settings.takeTimeoutMs / 1000)} s`,
            ),
          );
        continue;
      }
      const alive = await this.coordinator.alive(state.agent.id).catch(() => true);
      if (!alive && state.result === undefined && this.failure === undefined) {
        this.fail(
          new AgentLostError(
            `${this.describe(state)} was lost at ${new Date().toISOString()} (its heartbeat expired); ${this.delivered(state)}`,
          ),
        );
      }
    }
  }

  private describe(state: ShardState): string {
    const who = state.agent === undefined ? 'an agent' : `agent ${state.agent.id} on ${state.agent.host}`;
    return `${who} (shard ${state.index + 1}/${this.coordinator.agents.length}, clients ${this.range(state)})`;
  }

  private delivered(state: ShardState): string {
    return `by its last progress${state.lastProgressAt === undefined ? '' : ` at ${state.lastProgressAt}`} it had ${state.connected} clients connected and ${state.received} updates delivered`;
  }

  private range(state: ShardState): string {
    return `${state.firstClientIndex}–${state.firstClientIndex + state.clients - 1}`;
  }

  private expect(state: ShardState, type: WorkerMessage['type']): Promise<WorkerMessage[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => state.waiting.set(type, { resolve, reject }));
  }

  private async broadcast<T extends WorkerMessage['type']>(command: StepCommand & CoordinatorMessage, type: T): Promise<Array<Reply<T>>> {
    const replies = this.shards.map((state) => this.expect(state, type));
    await Promise.all(this.shards.map((state) => this.push(state, command)));
    return (await Promise.all(replies)).flat() as Array<Reply<T>>;
  }

  private async push(state: ShardState, command: StepCommand): Promise<void> {
    const key = commandKey(state.jobId);
    await this.coordinator.redis.multi().rpush(key, JSON.stringify(command)).pexpire(key, AGENT_DEFAULTS.stepTimeoutMs).exec();
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.reportLost(error);
    for (const state of this.shards) {
      for (const waiter of state.waiting.values()) waiter.reject(error);
      state.waiting.clear();
      state.settle.reject(error);
    }
    this.stopWatching();
    // The agents still running let go of their shards now, not when the run's step ends.
    // A shard no agent took yet is withdrawn, so no agent takes it later for a run that is over.
    for (const state of this.shards) {
      void this.push(state, { type: 'close' }).catch(() => undefined);
      if (state.agent === undefined) void this.coordinator.queue.remove(state.jobId).catch(() => undefined);
    }
  }

  private stopWatching(): void {
    if (this.watch !== undefined) clearInterval(this.watch);
    this.watch = undefined;
    for (const state of this.shards) this.coordinator.unlisten(state.jobId);
  }

  private withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`agents did not answer within ${ms} ms`)), ms))),
    ]).finally(() => clearTimeout(timer));
  }

  /** The failure that ended this pool's run, if any. */
  get lost(): Error | undefined {
    return this.failure;
  }
}

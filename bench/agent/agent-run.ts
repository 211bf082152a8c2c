import type { AgentFigures, ProtocolResult } from '../report/types.js';
import type { ClientPool } from '../workers/worker-pool.js';
import type { WorkerTick } from '../workers/worker-protocol.js';
import type { AgentSettings } from './agent-options.js';
import { AgentCoordinator } from './coordinator.js';
import { RemotePool } from './remote-pool.js';

/** One protocol's shards: the pool factory a protocol's run takes, and the agents' figures afterwards. */
export interface ProtocolShards {
  createPool: (threads: number, onTick: (worker: number, tick: WorkerTick) => void) => ClientPool;
  /** Each shard's figures, with a note where the protocol's median latency is below an agent's clock uncertainty. */
  figures(result: ProtocolResult): AgentFigures[];
  /** Settles like `step`, or rejects as soon as an agent is lost. */
  race<T>(step: Promise<T>): Promise<T>;
}

/** `bench --agents N`: the agents found for this run and the shards of each protocol. */
export class AgentRun {
  private constructor(
    private readonly coordinator: AgentCoordinator,
    private readonly settings: Required<AgentSettings>,
  ) {}

  /** Waits (at most `--agent-timeout`) until the agents asked for have registered. */
  static async open(settings: Required<AgentSettings>, signal?: AbortSignal): Promise<AgentRun> {
    return new AgentRun(await AgentCoordinator.open(settings.broker, settings.count, settings.timeoutMs, signal), settings);
  }

  forProtocol(runId: string, baseUrl: string, workers: number): ProtocolShards {
    let pool: RemotePool | undefined;
    let lost: (error: Error) => void = () => undefined;
    const lostPromise = new Promise<never>((_, reject) => (lost = reject));
    lostPromise.catch(() => undefined);
    return {
      createPool: (_threads, onTick) => {
        pool = new RemotePool(this.coordinator, { runId, baseUrl, workers, takeTimeoutMs: this.settings.timeoutMs }, onTick);
        pool.lostPromise.catch(lost);
        return pool;
      },
      race: (step) => Promise.race([step, lostPromise]),
      figures: (result) =>
        (pool?.figures() ?? []).map((figures) => ({
          ...figures,
          latencyBelowUncertainty: result.latency.count > 0 && result.latency.p50 < figures.clock.uncertaintyMicros,
        })),
    };
  }

  close(): Promise<void> {
    return this.coordinator.close();
  }
}

import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { AGENT_DEFAULTS } from './defaults.js';
import {
  AGENT_PREFIX,
  AGENT_QUEUE,
  HEARTBEAT_PATTERN,
  type AgentRegistration,
  type ShardJobResult,
  type ShardProgress,
} from './contract.js';
import { redisOptions } from './redis-url.js';
import { mismatch } from './version.js';

/** A job's events, routed to the pool that made it. */
export interface JobListener {
  progress(data: ShardProgress): void;
  failed(reason: string): void;
  completed(result: ShardJobResult): void;
}

/**
 * The coordinator's side of the agents: the Redis connection, the BullMQ queue the shard jobs go
 * to and its event stream (progress, failures, results), opened once per run.
 */
export class AgentCoordinator {
  private readonly listeners = new Map<string, JobListener>();

  private constructor(
    readonly broker: string,
    readonly redis: Redis,
    readonly queue: Queue,
    private readonly events: QueueEvents,
    readonly agents: readonly AgentRegistration[],
  ) {
    events.on('progress', ({ jobId, data }) => this.listeners.get(jobId)?.progress(data as unknown as ShardProgress));
    events.on('failed', ({ jobId, failedReason }) => this.listeners.get(jobId)?.failed(failedReason));
    events.on('completed', ({ jobId, returnvalue }) => this.listeners.get(jobId)?.completed(returnvalue as unknown as ShardJobResult));
  }

  /**
   * Connects to the broker and waits until `count` agents of this version have registered, at
   * most `timeoutMs`; rejects naming how many came (and which were refused for their version).
   */
  static async open(broker: string, count: number, timeoutMs: number, signal?: AbortSignal): Promise<AgentCoordinator> {
    const connection = redisOptions(broker);
    const redis = new Redis({ ...connection, lazyConnect: true });
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw new Error(`cannot reach the agents' broker ${broker}: ${(error as Error).message}`);
    }
    try {
      const agents = await waitForAgents(redis, count, timeoutMs, broker, signal);
      const queue = new Queue(AGENT_QUEUE, { connection, prefix: AGENT_PREFIX });
      const events = new QueueEvents(AGENT_QUEUE, { connection, prefix: AGENT_PREFIX });
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
      return new AgentCoordinator(broker, redis, queue, events, agents);
    } catch (error) {
      redis.disconnect();
      throw error;
    }
  }

  listen(jobId: string, listener: JobListener): void {
    this.listeners.set(jobId, listener);
  }

  unlisten(jobId: string): void {
    this.listeners.delete(jobId);
  }

  /** Whether an agent's heartbeat key still exists. */
  async alive(agentId: string): Promise<boolean> {
    return (await this.redis.exists(`${AGENT_PREFIX}:agent:${agentId}`)) === 1;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** The registered agents, read from their heartbeat keys. */
export async function listAgents(redis: Redis): Promise<AgentRegistration[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', HEARTBEAT_PATTERN, 'COUNT', 100);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values
    .flatMap((value) => (value === null ? [] : [JSON.parse(value) as AgentRegistration]))
    .sort((a, b) => a.id.localeCompare(b.id));
}

async function waitForAgents(
  redis: Redis,
  count: number,
  timeoutMs: number,
  broker: string,
  signal?: AbortSignal,
): Promise<AgentRegistration[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const all = await listAgents(redis);
    const usable = all.filter((agent) => mismatch(agent) === undefined);
    if (usable.length >= count) return usable.slice(0, count);
    if (performance.now() >= deadline) {
      const refused = all.filter((agent) => mismatch(agent) !== undefined);
      const note = refused.length === 0 ? '' : `; refused ${refused.map((agent) => `${agent.id} (${mismatch(agent) ?? ''})`).join(', ')}`;
      throw new AgentTimeoutError(
        `waited ${Math.round(timeoutMs / 1000)} s for ${count} agents on ${broker}, ${usable.length} came${usable.length > 0 ? ` (${usable.map((agent) => agent.id).join(', ')})` : ''}${note}`,
        usable.length,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, AGENT_DEFAULTS.registrationPollMs));
  }
}

/** Fewer agents than asked for registered in time: `came` says how many did. */
export class AgentTimeoutError extends Error {
  constructor(
    message: string,
    readonly came: number,
  ) {
    super(message);
    this.name = 'AgentTimeoutError';
  }
}

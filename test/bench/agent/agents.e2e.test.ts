import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from 'bullmq';
import { AGENT_PREFIX, AGENT_QUEUE } from '../../../bench/agent/contract.js';
import { redisOptions } from '../../../bench/agent/redis-url.js';
import { runBench } from '../../../bench/run.js';
import { RESULT_SCHEMA } from '../../../wire/result-schema.js';
import type { BenchOptions } from '../../../bench/options.js';
import { startRedis, type TestRedis } from '../../servers/broker/redis-server.js';
import { startAgentProcess, type AgentProcess } from './agent-process.js';

/** A short run: 40 clients, 2 s window, nothing after it. */
function options(broker: string, count: number, extra: BenchOptions = {}): BenchOptions {
  return {
    clients: 40,
    protocols: ['ws'],
    durationMs: 2000,
    warmupMs: 500,
    idleMs: 0,
    capacityDurationMs: 0,
    workers: 1,
    writeFiles: false,
    thresholds: [],
    agents: { count, broker, timeoutMs: 5000 },
    ...extra,
  };
}

describe('load agents through BullMQ', () => {
  let redis: TestRedis;
  let agents: AgentProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    agents = await Promise.all([startAgentProcess(redis.url, 'agent-a'), startAgentProcess(redis.url, 'agent-b')]);
  });

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.stop()));
    await redis?.stop();
  });

  it('splits the clients into two shards and merges them: clients add up, every update delivered', async () => {
    const result = await runBench(options(redis.url, 2, { protocols: ['ws', 'sse'] }));
    expect(result.failures).toEqual([]);
    for (const protocol of result.protocols) {
      const shards = protocol.agents ?? [];
      expect(shards.map((shard) => shard.shard).sort()).toEqual([0, 1]);
      expect(new Set(shards.map((shard) => shard.agent))).toEqual(new Set(['agent-a', 'agent-b']));
      expect(shards.reduce((sum, shard) => sum + shard.clients, 0)).toBe(40);
      expect(shards.reduce((sum, shard) => sum + shard.connected, 0)).toBe(protocol.clients.connected);
      expect(protocol.clients.connected).toBe(40);
      expect(protocol.delivery.expected).toBe(40 * (protocol.window.seqEnd - protocol.window.seqStart));
      expect(protocol.delivery.delivered).toBe(protocol.delivery.expected);
      expect(protocol.latency.count).toBe(protocol.delivery.delivered);
      // Same host: the estimate's interval holds 0, so nothing is applied.
      for (const shard of shards) {
        expect(Math.abs(shard.clock.offsetMicros)).toBeLessThanOrEqual(shard.clock.uncertaintyMicros);
        expect(shard.clock.appliedMicros).toBe(0);
      }
    }
    const ids = result.protocols.flatMap((protocol) => (protocol.agents ?? []).map((shard) => [shard.firstClientIndex, shard.clients]));
    expect(ids).toEqual([
      [0, 20],
      [20, 20],
      [40, 20],
      [60, 20],
    ]);
  }, 60_000);

  it('times out naming how many agents came when one is missing', async () => {
    await expect(runBench(options(redis.url, 3, { agents: { count: 3, broker: redis.url, timeoutMs: 800 } }))).rejects.toThrow(
      /waited 1 s for 3 agents on redis:\/\/127\.0\.0\.1:\d+, 2 came \(agent-a, agent-b\)/,
    );
  });

  it('recovers a skewed agent clock within its stated uncertainty and corrects the latencies', async () => {
    const skewMicros = 7_000_000;
    const skewed = await startAgentProcess(redis.url, 'agent-skewed', { env: { WIRELAB_TEST_CLOCK_SKEW_US: String(skewMicros) } });
    // The two others are busy with nothing: give the one job to the skewed agent by stopping them first.
    await Promise.all(agents.map((agent) => agent.stop()));
    try {
      const result = await runBench(options(redis.url, 1, { clients: 10 }));
      const shard = result.protocols[0]!.agents![0]!;
      expect(shard.agent).toBe('agent-skewed');
      // serverTime = localTime + offset, and the agent's clock runs skewMicros ahead.
      expect(Math.abs(shard.clock.offsetMicros + skewMicros)).toBeLessThanOrEqual(shard.clock.uncertaintyMicros);
      expect(shard.clock.appliedMicros).toBe(shard.clock.offsetMicros);
      // Uncorrected, every latency would be about 7 s.
      expect(result.protocols[0]!.latency.max).toBeLessThan(1_000_000);
      expect(result.protocols[0]!.delivery.delivered).toBe(result.protocols[0]!.delivery.expected);
    } finally {
      await skewed.stop();
      agents = await Promise.all([startAgentProcess(redis.url, 'agent-a'), startAgentProcess(redis.url, 'agent-b')]);
    }
  }, 60_000);

  it('refuses a job made by another wirelab version, failing it with the reason', async () => {
    const connection = redisOptions(redis.url);
    const queue = new Queue(AGENT_QUEUE, { connection, prefix: AGENT_PREFIX });
    const events = new QueueEvents(AGENT_QUEUE, { connection, prefix: AGENT_PREFIX });
    try {
      await events.waitUntilReady();
      const job = await queue.add('old', { version: '0.0.0-old', schema: RESULT_SCHEMA, shard: 0, shards: 1 }, { attempts: 1 });
      await expect(job.waitUntilFinished(events, 10_000)).rejects.toThrow(
        /agent agent-[ab] refuses shard 0: agent runs wirelab \S+, the job was made by wirelab 0\.0\.0-old/,
      );
    } finally {
      await events.close();
      await queue.close();
    }
  });

  it('reports an agent killed mid-run (which shard, what it had delivered) and ends the run', async () => {
    const victim = agents[1]!;
    let killed = false;
    const run = runBench(options(redis.url, 2, { durationMs: 60_000 }), {
      onProgress: (event) => {
        if (event.type === 'phase' && event.phase === 'measuring' && !killed) {
          killed = true;
          void victim.kill();
        }
      },
    });
    const started = performance.now();
    await expect(run).rejects.toThrow(
      /agent agent-b on .+ \(shard [12]\/2, clients \d+–\d+\) (was lost at .+ \(its heartbeat expired\)|failed at .+); by its last progress( at \S+)? it had \d+ clients connected and \d+ updates delivered/,
    );
    // Well before the 60 s window would have ended: the loss is noticed, not waited out.
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(killed).toBe(true);
    agents[1] = await startAgentProcess(redis.url, 'agent-b');
  }, 90_000);
});

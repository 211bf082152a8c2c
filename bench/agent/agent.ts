import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker as QueueWorker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { RESULT_SCHEMA } from '../../wire/result-schema.js';
import { AGENT_DEFAULTS } from './defaults.js';
import { appliedOffset, measureClockOffset } from './clock-offset.js';
import {
  AGENT_PREFIX,
  AGENT_QUEUE,
  commandKey,
  heartbeatKey,
  type AgentRegistration,
  type ShardJobData,
  type ShardJobResult,
  type ShardProgress,
  type StepCommand,
} from './contract.js';
import { redisOptions } from './redis-url.js';
import { checkSourceAddresses } from './source-address.js';
import { mismatch, WIRELAB_VERSION } from './version.js';
import { WorkerPool } from '../workers/worker-pool.js';
import { countOpenFiles, shardFileNeed, shardFileRefusal } from '../measure/fd-limit.js';
import type { WorkerMessage, WorkerTick } from '../workers/worker-protocol.js';

export interface AgentOptions {
  /** `redis://host:port` of the Redis the coordinator uses. */
  broker: string;
  /** @default the host name and a random suffix */
  id?: string;
  /** Worker threads holding the clients, at most. @default the job's */
  workers?: number;
  /**
   * Local addresses the shard's connections and clock PINGs leave from (`--source-address`),
   * round robin by client index; they replace the coordinator's loopback spread. Checked to be
   * this host's when the agent starts. @default the system's choice
   */
  sourceAddresses?: readonly string[];
  /** Told what the agent does (taken a job, finished it, refused it); the CLI prints it. */
  onLog?: (line: string) => void;
}

export interface RunningAgent {
  readonly registration: AgentRegistration;
  /** Stops taking work, waits for the current job, removes the registration. */
  close(): Promise<void>;
}

/**
 * A load agent: registers itself (a heartbeat key with a TTL), takes shard jobs from the BullMQ
 * queue one at a time, and runs each shard's clients in its own worker threads, so the event
 * loop that renews BullMQ's lock and the heartbeat never waits behind the clients.
 */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const sourceAddresses =
    options.sourceAddresses === undefined || options.sourceAddresses.length === 0 ? undefined : [...options.sourceAddresses];
  if (sourceAddresses !== undefined) await checkSourceAddresses(sourceAddresses);
  const connection = redisOptions(options.broker);
  const registration: AgentRegistration = {
    id: options.id ?? `${hostname()}-${randomUUID().slice(0, 8)}`,
    host: hostname(),
    pid: process.pid,
    version: WIRELAB_VERSION,
    schema: RESULT_SCHEMA,
    workers: options.workers ?? 0,
    ...(sourceAddresses === undefined ? {} : { sourceAddresses }),
    startedAt: new Date().toISOString(),
  };
  const log = options.onLog ?? (() => undefined);
  const redis = new Redis({ ...connection, lazyConnect: true });
  await redis.connect();
  const beat = (): Promise<unknown> =>
    redis.set(heartbeatKey(registration.id), JSON.stringify(registration), 'PX', AGENT_DEFAULTS.heartbeatTtlMs);
  await beat();
  const heartbeat = setInterval(() => void beat().catch(() => undefined), AGENT_DEFAULTS.heartbeatEveryMs);

  const stopping = new AbortController();
  const worker = new QueueWorker<ShardJobData, ShardJobResult>(
    AGENT_QUEUE,
    (job) => runShard(job, registration, connection, options.workers, log, stopping.signal),
    {
      connection,
      prefix: AGENT_PREFIX,
      concurrency: 1,
      lockDuration: AGENT_DEFAULTS.lockDurationMs,
      stalledInterval: AGENT_DEFAULTS.stalledIntervalMs,
      maxStalledCount: 0,
    },
  );
  worker.on('failed', (job, error) => log(`shard ${job?.data.shard ?? '?'} failed: ${error.message}`));
  await worker.waitUntilReady();
  const from = sourceAddresses === undefined ? '' : `, connecting from ${sourceAddresses.join(', ')}`;
  log(`agent ${registration.id} (wirelab ${WIRELAB_VERSION}${from}) waiting for work on ${options.broker}`);

  return {
    registration,
    async close() {
      // A shard in progress is given up (its clients closed); the coordinator reports it.
      stopping.abort();
      clearInterval(heartbeat);
      await worker.close();
      await redis.del(heartbeatKey(registration.id)).catch(() => undefined);
      await redis.quit().catch(() => undefined);
    },
  };
}

/** One shard of one protocol, from the first PING to the last client closed. */
async function runShard(
  job: Job<ShardJobData, ShardJobResult>,
  registration: AgentRegistration,
  connection: ReturnType<typeof redisOptions>,
  maxWorkers: number | undefined,
  log: (line: string) => void,
  stopping: AbortSignal,
): Promise<ShardJobResult> {
  const data = job.data;
  const refused = mismatch(data);
  if (refused !== undefined) throw new Error(`agent ${registration.id} refuses shard ${data.shard}: ${refused}`);
  const threads = Math.max(1, Math.min(maxWorkers ?? data.workers, data.workers, data.plan.clients));
  // The open-files limit is this process's own: checked here, before any client connects (the coordinator cannot see it).
  const tooMany = shardFileRefusal(shardFileNeed({ ...data.plan, threads }, countOpenFiles()), data.plan.clients);
  if (tooMany !== undefined)
    throw new Error(`agent ${registration.id} (pid ${registration.pid}) refuses shard ${data.shard + 1}/${data.shards}: ${tooMany}`);
  const jobId = job.id ?? '';
  log(
    `shard ${data.shard + 1}/${data.shards}: ${data.plan.protocol}, clients ${data.plan.firstClientIndex}–${data.plan.firstClientIndex + data.plan.clients - 1}`,
  );
  const progress = (value: ShardProgress): Promise<void> => job.updateProgress(value as unknown as object);
  // The agent's own source addresses replace the coordinator's loopback spread, for the PINGs too.
  const sourceAddresses = registration.sourceAddresses ?? data.plan.sourceAddresses;
  const estimate = await measureClockOffset(data.baseUrl, data.clockPings, sourceAddresses?.[0]);
  const clock = { ...estimate, appliedMicros: appliedOffset(estimate) };
  const cpuStart = process.cpuUsage();
  let rssPeak = process.memoryUsage().rss;
  const latest = new Map<number, WorkerTick>();
  let pending: Array<{ worker: number; tick: WorkerTick }> = [];
  const pool = new WorkerPool(threads, (worker, tick) => {
    latest.set(worker, tick);
    pending.push({ worker, tick });
  });
  // Once a second: the threads' ticks and what the shard has delivered so far, as the job's progress.
  const ticker = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    if (pending.length === 0) return;
    const ticks = pending;
    pending = [];
    let received = 0;
    let connected = 0;
    for (const tick of latest.values()) {
      received += tick.received;
      connected += tick.connected;
    }
    void progress({ kind: 'ticks', ticks, received, connected, at: new Date().toISOString() }).catch(() => undefined);
  }, 1000);
  const commands = new Redis({ ...connection });
  let saturated = false;
  // The agent's CPU from the window's start to its drain's end, as the one-machine run measures its generator.
  let windowCpuStart: NodeJS.CpuUsage | undefined;
  let window: { cpuMicros: number; messages: number } | undefined;
  let connectedClients = 0;
  try {
    await pool.ready();
    await progress({ kind: 'hello', agent: registration, clock, threadCount: threads });
    const connectedReplies = await pool.connect({
      ...data.plan,
      ...(sourceAddresses === undefined ? {} : { sourceAddresses }),
      clockOffsetMicros: clock.appliedMicros,
    });
    connectedClients = connectedReplies.reduce((sum, reply) => sum + reply.connected, 0);
    await progress({ kind: 'reply', type: 'connected', replies: connectedReplies });
    let lastStepAt = performance.now();
    for (;;) {
      // Short pops, so a stopping agent notices within a second.
      const popped = await commands.blpop(commandKey(jobId), 1);
      if (stopping.aborted) throw new Error(`agent ${registration.id} was stopped`);
      if (popped === null) {
        if (performance.now() - lastStepAt > AGENT_DEFAULTS.stepTimeoutMs)
          throw new Error(`no step from the coordinator for ${AGENT_DEFAULTS.stepTimeoutMs / 1000} s: it is gone`);
        continue;
      }
      lastStepAt = performance.now();
      const command = JSON.parse(popped[1]) as StepCommand;
      if (command.type === 'measure') windowCpuStart = process.cpuUsage();
      const replies = await step(pool, command);
      if (replies === undefined) continue;
      if (command.type === 'finish') {
        saturated = replies.some((reply) => reply.type === 'final' && reply.loopDelayP99Ms > AGENT_DEFAULTS.suspectLoopDelayMs);
        const used = process.cpuUsage(windowCpuStart);
        const messages = replies.reduce((sum, reply) => sum + (reply.type === 'final' ? reply.messages : 0), 0);
        window = { cpuMicros: used.user + used.system, messages };
      }
      await progress({ kind: 'reply', type: replies[0]?.type ?? 'closed', replies });
      if (command.type === 'close') break;
    }
  } finally {
    clearInterval(ticker);
    await pool.close();
    commands.disconnect();
  }
  const cpu = process.cpuUsage(cpuStart);
  log(`shard ${data.shard + 1}/${data.shards} done`);
  return {
    agent: registration.id,
    host: registration.host,
    ...(registration.sourceAddresses === undefined ? {} : { sourceAddresses: registration.sourceAddresses }),
    shard: data.shard,
    shards: data.shards,
    firstClientIndex: data.plan.firstClientIndex,
    clients: data.plan.clients,
    connected: connectedClients,
    threads,
    cpuMicros: cpu.user + cpu.system,
    rssPeakBytes: rssPeak,
    suspect: saturated,
    ...(window === undefined ? {} : { windowCpuMicros: window.cpuMicros, windowMessages: window.messages }),
    clock,
  };
}

/** Runs one step command on the threads; undefined for the steps that have no answer. */
async function step(pool: WorkerPool, command: StepCommand): Promise<WorkerMessage[] | undefined> {
  switch (command.type) {
    case 'measure':
      return pool.measure(command.seqStart, command.epoch, command.settleTimeoutMs);
    case 'finish':
      return pool.finish(command.seqEnd, command.epoch, command.epochEnds, command.drainTimeoutMs);
    case 'sample':
      return pool.sample();
    case 'arm':
    case 'dropped':
      // Refused by the coordinator's option check (drops are not split over agents yet).
      throw new Error(`step "${command.type}" is not supported on agents`);
    case 'close':
      await pool.close();
      return [{ type: 'closed' }];
  }
}

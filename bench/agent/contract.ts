import type { ClientPlan, CoordinatorMessage, WorkerMessage, WorkerTick } from '../workers/worker-protocol.js';
import type { AgentFigures } from '../report/types.js';

/**
 * What travels between the coordinator (`bench --agents N`) and the agents through Redis:
 * BullMQ jobs (one per shard per protocol) on one queue, step commands on a list per job,
 * replies and per-second ticks as the job's progress, the agent's figures as its result.
 */

/** Every key and queue of the agents lives under this prefix (one Redis may serve other things). */
export const AGENT_PREFIX = 'wirelab';
export const AGENT_QUEUE = 'agents';
/** `wirelab:agent:<id>` holds an agent's registration while it lives (refreshed, with a TTL). */
export const heartbeatKey = (agentId: string): string => `${AGENT_PREFIX}:agent:${agentId}`;
export const HEARTBEAT_PATTERN = `${AGENT_PREFIX}:agent:*`;
/** The list the coordinator pushes a shard's step commands to; the agent pops them. */
export const commandKey = (jobId: string): string => `${AGENT_PREFIX}:agent-step:${jobId}`;

/** What an agent writes into its heartbeat key. */
export interface AgentRegistration {
  id: string;
  host: string;
  pid: number;
  version: string;
  schema: string;
  workers: number;
  /** `--source-address`: where its connections leave from; absent for the system's choice. */
  sourceAddresses?: string[];
  startedAt: string;
}

/** One shard's job: the client plan of this shard and what the agent must agree with. */
export interface ShardJobData {
  version: string;
  schema: string;
  runId: string;
  shard: number;
  shards: number;
  plan: ClientPlan;
  /** Worker threads the agent should use for this shard (at most its clients). */
  workers: number;
  /** The feed server's base URL, for the clock-offset PINGs. */
  baseUrl: string;
  /** PING exchanges for the clock-offset estimate. */
  clockPings: number;
}

/** A step command: every CoordinatorMessage but `connect` (the job itself is the connect). */
export type StepCommand = Exclude<CoordinatorMessage, { type: 'connect' }>;

/** Per-thread replies of one step, in thread order. */
export interface StepReply {
  kind: 'reply';
  type: WorkerMessage['type'];
  replies: WorkerMessage[];
}

/** The ticks of the agent's threads in the last second, plus what the agent had delivered so far. */
export interface TickProgress {
  kind: 'ticks';
  ticks: Array<{ worker: number; tick: WorkerTick }>;
  /** Updates received by the shard's clients since they connected (the figure a lost agent is reported with). */
  received: number;
  connected: number;
  at: string;
}

/** The first progress of a job: who took it, and its clock estimate. */
export interface HelloProgress {
  kind: 'hello';
  agent: AgentRegistration;
  clock: ClockEstimate;
  threadCount: number;
}

export type ShardProgress = HelloProgress | StepReply | TickProgress;

/** The agent's offset to the feed server's clock: `serverTime ≈ localTime + offsetMicros`. */
export interface ClockEstimate {
  offsetMicros: number;
  /** ± half the smallest round trip. */
  uncertaintyMicros: number;
  samples: number;
  /** What receipt times were corrected by: the offset, or 0 when the interval holds 0 (same clock). */
  appliedMicros?: number;
}

export type ShardJobResult = AgentFigures;

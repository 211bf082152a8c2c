/** Timings of the agents and their coordinator, in one place (docs/distributed.md). */
export const AGENT_DEFAULTS = Object.freeze({
  /** An agent's registration lives this long without a refresh: a dead agent is noticed within it. */
  heartbeatTtlMs: 5000,
  heartbeatEveryMs: 1000,
  /** BullMQ's job lock and stalled-job check: short, so a lost agent's job fails soon. */
  lockDurationMs: 10_000,
  stalledIntervalMs: 5000,
  /** The longest an agent waits for the coordinator's next step before it gives the shard up. */
  stepTimeoutMs: 600_000,
  /** How long the coordinator waits for N agents to register (`--agent-timeout`). */
  agentTimeoutMs: 30_000,
  /** How often the coordinator looks for registrations while it waits for agents. */
  registrationPollMs: 250,
  /** PING exchanges per shard for the clock-offset estimate. */
  clockPings: 16,
  /** A shard whose worker threads' event-loop delay p99 went above this is marked suspect. */
  suspectLoopDelayMs: 50,
});

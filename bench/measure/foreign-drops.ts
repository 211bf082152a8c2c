import type { RunningProxy } from '../../netem/proxy.js';
import { nowMicros } from '../../wire/clock.js';
import type { ProtocolName } from '../../wire/protocols.js';
import type { DropEvent, ProgressEvent } from '../report/types.js';
import type { PlannedDrop } from '../scenarios/scenario.js';
import type { WorkerPool } from '../workers/worker-pool.js';

/** What the drops of a foreign target's window need. */
export interface ForeignDropContext {
  readonly protocol: ProtocolName;
  readonly pool: Pick<WorkerPool, 'arm' | 'cut' | 'dropped'>;
  /** The fault proxy in front of the target (`--net-*`), if any: `net-reset` drops go through it. */
  readonly proxy: RunningProxy | undefined;
  readonly runStartedAt: number;
  readonly emit: (event: ProgressEvent) => void;
  readonly wait: (ms: number) => Promise<void>;
  /** Called as each drop is triggered (the per-second sampler counts them). */
  readonly triggered: () => void;
}

/**
 * The window's drops against a foreign target, which has no control endpoint: scenario
 * `reconnect`'s drops are made by the clients themselves (each closes its open connection and
 * reconnects with its backoff, resuming as the preset says), `--net-reset-every`'s by the fault
 * proxy. `plan` times are from `windowStartedAt` (performance.now() ms). Resolves with what
 * happened, in order.
 */
export async function runForeignDrops(
  context: ForeignDropContext,
  plan: readonly PlannedDrop[],
  windowStartedAt: number,
): Promise<DropEvent[]> {
  const events: DropEvent[] = [];
  for (const [index, planned] of plan.entries()) {
    const waitMs = windowStartedAt + planned.atMs - performance.now();
    if (waitMs > 0) await context.wait(waitMs);
    const event = await dropOnce(context, index, planned);
    events.push(event);
    context.emit({ type: 'drop', protocol: context.protocol, drop: event });
  }
  return events;
}

async function dropOnce(context: ForeignDropContext, index: number, planned: PlannedDrop): Promise<DropEvent> {
  const { pool } = context;
  let connections: number;
  let startedAt: number;
  let kind: DropEvent['kind'];
  const t = Math.round(performance.now() - context.runStartedAt);
  if (planned.kind === 'net-reset') {
    if (context.proxy === undefined) throw new Error('--net-reset-every needs the proxy, which is not running');
    await pool.arm(index);
    context.triggered();
    startedAt = nowMicros();
    connections = context.proxy.resetAll();
    kind = 'net-reset';
  } else if (planned.kind === 'drop') {
    context.triggered();
    startedAt = nowMicros();
    // Each worker arms its clients' records and has them close their connections in one step.
    connections = await pool.cut(index);
    kind = 'client-close';
  } else {
    throw new Error(`a ${planned.kind} drop needs wirelab's own server; a foreign target's drops are made by its clients or the proxy`);
  }
  const doneAt = nowMicros();
  pool.dropped(index, startedAt, doneAt);
  return { kind, t, atMs: planned.atMs, connections, tookMs: Math.round((doneAt - startedAt) / 100) / 10 };
}

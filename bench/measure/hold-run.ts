/**
 * Scenario `hold` on the coordinator: one protocol's run on a quiet feed (scenarios/hold.ts),
 * with the server's memory read after a full garbage collection twice: before any client
 * (the empty server) and once every client is connected. The idle cost comes from the run's
 * idle phase, which lasts at least one full long-poll hold. With `--servers N` every instance
 * is collected and read: each one's growth ÷ its own connections, and the sum ÷ every connection.
 */
import type { ProtocolName } from '../../wire/protocols.js';
import type { AgentFigures, HoldFigures, HoldInstanceFigures, InstanceFigures, ProtocolResult } from '../report/types.js';
import { FleetControl } from '../target/fleet-control.js';
import { runProtocol, type ProtocolRunContext } from './protocol-run.js';
import { sourceAddresses } from './source-addresses.js';

type Memory = { gc: boolean; rssBytes: number; heapUsedBytes: number };
type InstanceMemory = Memory & { url: string };

/** Growth ÷ connections, rounded; 0 without a connection (memory that shrank counts as no growth). */
function perConnection(before: number, after: number, connections: number): number {
  return connections > 0 ? Math.round(Math.max(0, after - before) / connections) : 0;
}

function perGb(rssPerConnectionBytes: number): number | null {
  return rssPerConnectionBytes > 0 ? Math.floor(1e9 / rssPerConnectionBytes) : null;
}

/** The hold figures from the two readings and the run's idle phase. */
export function holdFigures(empty: Memory, full: Memory, result: ProtocolResult, idleMs: number, addresses: number): HoldFigures {
  const connections = result.clients.connected;
  const rssPerConnectionBytes = perConnection(empty.rssBytes, full.rssBytes, connections);
  const idlePerSecond = result.bandwidth.idleBytesPerClientPerSecond;
  return {
    connections,
    gc: empty.gc && full.gc,
    rssPerConnectionBytes,
    heapPerConnectionBytes: perConnection(empty.heapUsedBytes, full.heapUsedBytes, connections),
    connectionsPerGb: perGb(rssPerConnectionBytes),
    idleBytesPerConnectionPerMinute: idlePerSecond === null || idlePerSecond === undefined ? 0 : Math.round(idlePerSecond * 60),
    idleMs,
    sourceAddresses: Math.max(1, addresses),
  };
}

/** Each instance's own figures: its readings matched by URL, divided by the connections it held (the round-robin spread). */
export function holdInstanceFigures(
  empty: readonly InstanceMemory[],
  full: readonly InstanceMemory[],
  instances: readonly InstanceFigures[],
): HoldInstanceFigures[] {
  return full.flatMap((after) => {
    const before = empty.find((entry) => entry.url === after.url);
    if (before === undefined) return [];
    const connections = instances.find((entry) => entry.url === after.url)?.connections ?? 0;
    const rssPerConnectionBytes = perConnection(before.rssBytes, after.rssBytes, connections);
    return [
      {
        url: after.url,
        connections,
        rssBytes: after.rssBytes,
        heapUsedBytes: after.heapUsedBytes,
        rssPerConnectionBytes,
        heapPerConnectionBytes: perConnection(before.heapUsedBytes, after.heapUsedBytes, connections),
        connectionsPerGb: perGb(rssPerConnectionBytes),
      },
    ];
  });
}

function sum(all: readonly Memory[]): Memory {
  return {
    gc: all.every((memory) => memory.gc),
    rssBytes: all.reduce((total, memory) => total + memory.rssBytes, 0),
    heapUsedBytes: all.reduce((total, memory) => total + memory.heapUsedBytes, 0),
  };
}

/** One protocol held: the run, with the memory readings (of every instance) around its connect phase. */
export async function runHold(context: ProtocolRunContext, protocol: ProtocolName): Promise<ProtocolResult> {
  const { control, options } = context;
  const read = async (): Promise<InstanceMemory[]> =>
    control instanceof FleetControl ? control.collectGarbageEach() : [{ url: context.baseUrl, ...(await control.collectGarbage()) }];
  const empty = await read();
  let full: InstanceMemory[] | undefined;
  const result = await runProtocol({ ...context, onConnected: async () => void (full = await read()) }, protocol);
  if (full === undefined) return { ...result, hold: null };
  const addresses = sourceAddresses(options.clients, context.clientUrl, options.connectionsPerAddress).length;
  const figures = holdFigures(sum(empty), sum(full), result, options.idleMs, addresses);
  if (result.instances === undefined) return { ...result, hold: figures };
  return { ...result, hold: { ...figures, instances: holdInstanceFigures(empty, full, result.instances) } };
}

/**
 * With `--agents`, agents given `--source-address` connect from their own addresses instead of
 * the planned loopback spread: the hold figures then count those (when every agent gave some).
 */
export function withAgentAddresses(hold: HoldFigures, agents: readonly AgentFigures[]): HoldFigures {
  if (agents.length === 0 || agents.some((agent) => agent.sourceAddresses === undefined)) return hold;
  return { ...hold, sourceAddresses: new Set(agents.flatMap((agent) => agent.sourceAddresses ?? [])).size };
}

/**
 * Scenario `hold` on the coordinator: one protocol's run on a quiet feed (scenarios/hold.ts),
 * with the server's memory read after a full garbage collection twice: before any client
 * (the empty server) and once every client is connected. The idle cost comes from the run's
 * idle phase, which lasts at least one full long-poll hold.
 */
import type { ProtocolName } from '../../wire/protocols.js';
import type { HoldFigures, ProtocolResult } from '../report/types.js';
import { runProtocol, type ProtocolRunContext } from './protocol-run.js';
import { sourceAddresses } from './source-addresses.js';

type Memory = { gc: boolean; rssBytes: number; heapUsedBytes: number };

/** The hold figures from the two readings and the run's idle phase. */
export function holdFigures(empty: Memory, full: Memory, result: ProtocolResult, idleMs: number, addresses: number): HoldFigures {
  const connections = result.clients.connected;
  const perConnection = (before: number, after: number): number =>
    connections > 0 ? Math.round(Math.max(0, after - before) / connections) : 0;
  const rssPerConnectionBytes = perConnection(empty.rssBytes, full.rssBytes);
  const idlePerSecond = result.bandwidth.idleBytesPerClientPerSecond;
  return {
    connections,
    gc: empty.gc && full.gc,
    rssPerConnectionBytes,
    heapPerConnectionBytes: perConnection(empty.heapUsedBytes, full.heapUsedBytes),
    connectionsPerGb: rssPerConnectionBytes > 0 ? Math.floor(1e9 / rssPerConnectionBytes) : null,
    idleBytesPerConnectionPerMinute: idlePerSecond === null || idlePerSecond === undefined ? 0 : Math.round(idlePerSecond * 60),
    idleMs,
    sourceAddresses: Math.max(1, addresses),
  };
}

/** One protocol held: the run, with the memory readings around its connect phase. */
export async function runHold(context: ProtocolRunContext, protocol: ProtocolName): Promise<ProtocolResult> {
  const { control, options } = context;
  const empty = await control.collectGarbage();
  let full: Memory | undefined;
  const result = await runProtocol({ ...context, onConnected: async () => void (full = await control.collectGarbage()) }, protocol);
  if (full === undefined) return { ...result, hold: null };
  const addresses = sourceAddresses(options.clients, context.clientUrl, options.connectionsPerAddress).length;
  return { ...result, hold: holdFigures(empty, full, result, options.idleMs, addresses) };
}

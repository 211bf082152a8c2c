import { formatBytes, formatCount, formatMicros } from '../report/format.js';
import type { AgentFigures, BenchResult } from '../report/types.js';
import { createPalette, type Palette } from './palette.js';

/** `, 8.10µs/msg in the window`: the agent's CPU per message read, comparable with the table's generator CPU/msg. */
function perMessage(agent: AgentFigures): string {
  if (agent.windowCpuMicros === undefined || agent.windowMessages === undefined || agent.windowMessages === 0) return '';
  return ` (${formatMicros(agent.windowCpuMicros / agent.windowMessages)}/msg in the window)`;
}

/**
 * The per-agent section of a run with `--agents`: each protocol's shards, who ran them, what
 * they cost there and each agent's clock offset to the feed server (± its uncertainty).
 * Empty when the run used no agents.
 */
export function formatAgents(result: BenchResult, c: Palette = createPalette(false)): string {
  const lines: string[] = [];
  for (const protocol of result.protocols) {
    for (const agent of protocol.agents ?? []) {
      const clock = `clock ${agent.clock.offsetMicros >= 0 ? '+' : '−'}${formatMicros(Math.abs(agent.clock.offsetMicros))} ± ${formatMicros(agent.clock.uncertaintyMicros)}${agent.clock.appliedMicros === 0 && agent.clock.offsetMicros !== 0 ? ' (same clock: not applied)' : ''}`;
      const notes = [
        agent.suspect ? c.yellow('suspect (agent lagging)') : '',
        agent.latencyBelowUncertainty === true ? c.yellow('median latency below the clock uncertainty') : '',
      ].filter((note) => note !== '');
      lines.push(
        `  ${protocol.protocol.padEnd(11)} shard ${agent.shard + 1}/${agent.shards}  ${agent.agent} (${agent.host}${agent.sourceAddresses === undefined ? '' : ` from ${agent.sourceAddresses.join(', ')}`})  clients ${formatCount(agent.firstClientIndex)}–${formatCount(agent.firstClientIndex + agent.clients - 1)}, ${formatCount(agent.connected)} connected  CPU ${formatMicros(agent.cpuMicros)}${perMessage(agent)}  RSS ${formatBytes(agent.rssPeakBytes)}  ${clock}${notes.length > 0 ? `  ${notes.join(', ')}` : ''}`,
      );
    }
  }
  return lines.length === 0 ? '' : `${c.bold('Agents')}\n${lines.join('\n')}`;
}

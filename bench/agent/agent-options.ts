import { OptionError } from '../../wire/errors.js';
import { AGENT_DEFAULTS } from './defaults.js';

/** `--agents`, `--broker`, `--agent-timeout`. */
export interface AgentSettings {
  count: number;
  broker: string;
  /** How long to wait for the agents to register. @default 30000 */
  timeoutMs?: number;
}

/** Range checks of `--agents`, `--broker`, `--agent-timeout`; null when no agent is asked for. */
export function resolveAgents(input: AgentSettings | undefined, dropsOrFaults: boolean): Readonly<Required<AgentSettings>> | null {
  if (input === undefined) return null;
  const { count, broker } = input;
  if (!Number.isInteger(count) || count < 1 || count > 1000)
    throw new OptionError('--agents', `must be a whole number from 1 to 1000, got ${JSON.stringify(count)}`);
  let url: URL;
  try {
    url = new URL(broker);
  } catch {
    throw new OptionError('--broker', `is not a URL: "${broker}" (expected redis://host:port)`);
  }
  if (url.protocol !== 'redis:') throw new OptionError('--broker', `must be a redis:// URL, got "${broker}"`);
  const timeoutMs = input.timeoutMs ?? AGENT_DEFAULTS.agentTimeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 100 || timeoutMs > 3_600_000)
    throw new OptionError('--agent-timeout', `must be a duration from 100ms to 1h, got ${JSON.stringify(timeoutMs)} ms`);
  if (dropsOrFaults)
    throw new OptionError(
      '--agents',
      "cannot be combined with drops (scenario reconnect, --net-reset-every) or --net-* faults yet: those act on this machine's connections",
    );
  return Object.freeze({ count, broker, timeoutMs });
}

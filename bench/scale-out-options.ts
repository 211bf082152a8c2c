import { OptionError } from '../wire/errors.js';
import type { ScaleOutSettings } from './report/types.js';

/** Most instances `--servers` starts: each is a process of its own on this machine. */
export const MAX_SERVERS = 16;

/** What `--servers`, `--broker` and `--broker-restart` say, as given. */
export interface ScaleOutInput {
  readonly servers?: number | undefined;
  readonly broker?: string | undefined;
  readonly brokerRestart?: boolean | undefined;
  readonly target?: string | undefined;
  readonly hasNetwork: boolean;
  readonly restart?: boolean | undefined;
}

/**
 * Checks the scale-out flags against each other and the rest of the run; throws an OptionError
 * naming the flag. Null when the run is today's: one spawned server with the embedded feed.
 */
export function resolveScaleOut(input: ScaleOutInput): ScaleOutSettings | null {
  const { servers, broker, brokerRestart = false } = input;
  if (servers !== undefined && (typeof servers !== 'number' || !Number.isInteger(servers) || servers < 1 || servers > MAX_SERVERS)) {
    throw new OptionError('--servers', `must be a whole number from 1 to ${MAX_SERVERS}, got ${JSON.stringify(servers)}`);
  }
  if (broker === undefined) {
    if (servers !== undefined && servers > 1) {
      throw new OptionError(
        '--servers',
        `${servers} instances need --broker redis (or --broker redis://HOST:PORT) to share one feed; the embedded feed lives inside one process`,
      );
    }
    if (brokerRestart) throw new OptionError('--broker-restart', 'needs --broker redis (a Redis the harness starts, so it can restart it)');
    return null;
  }
  const shown = checkBroker(broker);
  if (input.target !== undefined)
    throw new OptionError(
      '--broker',
      `cannot be used with --target: the harness only starts instances of its own on the broker, and ${input.target} runs elsewhere`,
    );
  if (input.hasNetwork)
    throw new OptionError(
      '--broker',
      'cannot be combined with the --net-* faults yet: the fault proxy and the lossy link sit in front of one server',
    );
  if (input.restart === true)
    throw new OptionError(
      '--restart',
      'restarts the one spawned server; with --broker use --scenario failover (an instance killed) or --broker-restart',
    );
  if (brokerRestart && broker !== 'redis') {
    throw new OptionError('--broker-restart', `restarts the Redis the harness starts itself (--broker redis), not ${shown}`);
  }
  return Object.freeze({ servers: servers ?? 1, broker: shown });
}

/** `redis`, or a `redis://` URL with a host and nothing after the database number; the password is shown as `***`. */
function checkBroker(text: string): string {
  if (text === 'redis') return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OptionError('--broker', `must be "redis" (start one) or redis://HOST:PORT, got "${text}"`);
  }
  if (url.protocol !== 'redis:') throw new OptionError('--broker', `must be "redis" or a redis:// URL, got "${url.protocol}"`);
  if (url.hostname === '') throw new OptionError('--broker', 'names no host: give redis://HOST:PORT');
  if (!/^\/?\d*$/.test(url.pathname) || url.search !== '' || url.hash !== '')
    throw new OptionError('--broker', 'takes nothing after the database number');
  if (url.password !== '') url.password = '***';
  return url.toString();
}

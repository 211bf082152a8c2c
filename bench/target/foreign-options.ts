import { existsSync } from 'node:fs';
import { MARKER_BYTES } from '../../clients/codecs/marker.js';
import type { NetworkSettings } from '../../netem/options.js';
import { OptionError } from '../../wire/errors.js';
import type { ProtocolName } from '../../wire/protocols.js';
import type { ScenarioName } from '../report/types.js';
import { MESSAGE_PLACEHOLDER } from './publisher.js';
import type { TargetInput, TargetPlan } from './preset.js';
import { planTarget } from './presets/index.js';

/** The scenarios a foreign target runs: the others need wirelab's own server (its PING, its limits). */
const FOREIGN_SCENARIOS: readonly ScenarioName[] = ['broadcast', 'reconnect'];

/** What the bench options say about a foreign target: every TargetInput but the URL and the token (their own options). */
export type ForeignTargetOptions = Omit<TargetInput, 'target' | 'controlToken'>;

/** The parts of the bench options a foreign target's rules read. */
export interface ForeignCheckInput {
  foreign: ForeignTargetOptions | undefined;
  target: string | undefined;
  controlToken: string | undefined;
  targetPids: readonly number[] | undefined;
  protocols: readonly ProtocolName[] | undefined;
  scenario: ScenarioName;
  /** --restart (scenario reconnect): refused, the harness cannot restart someone else's server. */
  restart: boolean | undefined;
  network: Partial<NetworkSettings> | undefined;
  rate: number;
  payload: number;
}

/**
 * The plan of a foreign target (`--preset nchan|socketio|generic`), checked once where the
 * options enter, or null for wirelab's own server. Throws an OptionError naming the flag.
 */
export function resolveForeignTarget(input: ForeignCheckInput): { plan: TargetPlan; protocols: readonly ProtocolName[] } | null {
  const foreign = input.foreign;
  // `--preset wirelab` without a control token: wirelab's feed measured as it runs, receive-only, like any foreign server.
  const unsteered = foreign?.preset === 'wirelab' && input.target !== undefined && (input.controlToken ?? '') === '';
  if (foreign === undefined || (foreign.preset === 'wirelab' && !unsteered)) {
    if (input.targetPids !== undefined)
      throw new OptionError(
        '--target-pid',
        "applies to a foreign target (--preset nchan, socketio or generic); wirelab's own server reports its CPU and memory itself",
      );
    if (foreign !== undefined) {
      const extra = Object.keys(foreign).filter((key) => key !== 'preset' && foreign[key as keyof ForeignTargetOptions] !== undefined);
      if (extra.length > 0) planTarget({ ...foreign, target: input.target ?? 'http://127.0.0.1/' });
    }
    return null;
  }
  if (input.target === undefined) throw new OptionError('--preset', `${foreign.preset} needs --target: the server to measure`);
  const plan = planTarget({
    ...foreign,
    target: input.target,
    ...(input.controlToken === undefined ? {} : { controlToken: input.controlToken }),
  });
  if (unsteered && input.scenario !== 'broadcast')
    throw new OptionError(
      '--scenario',
      `${input.scenario} needs --control-token against wirelab's server: without it the harness only watches the feed as it runs (scenario broadcast)`,
    );
  if (!FOREIGN_SCENARIOS.includes(input.scenario)) {
    throw new OptionError(
      '--scenario',
      `${input.scenario} is not available against a foreign target: it needs wirelab's own server; use scenario ${FOREIGN_SCENARIOS.join(' or ')}`,
    );
  }
  if (input.restart === true)
    throw new OptionError(
      '--restart',
      `cannot restart ${plan.target}: the harness only restarts a server it spawned; against a foreign target the clients close their connections themselves`,
    );
  if (input.network?.lossPercent !== undefined && input.network.lossPercent !== null) {
    throw new OptionError(
      '--net-loss',
      `cannot be used with a foreign target: packet loss needs the server inside a network namespace the harness makes, and ${plan.target} runs on its own; --net-latency, --net-jitter, --net-bandwidth and --net-reset-every work (the proxy in front of it)`,
    );
  }
  for (const pid of input.targetPids ?? []) {
    if (!existsSync(`/proc/${pid}/stat`)) throw new OptionError('--target-pid', `${pid} is not a running process on this machine`);
  }
  const offered = plan.endpoints.map((endpoint) => endpoint.protocol);
  let protocols = offered;
  if (input.protocols !== undefined) {
    const missing = input.protocols.filter((protocol) => !offered.includes(protocol));
    if (missing.length > 0)
      throw new OptionError(
        '--protocols',
        `${missing.join(', ')} not offered by this ${plan.preset} target, which serves ${offered.join(', ')}`,
      );
    protocols = offered.filter((protocol) => input.protocols!.includes(protocol));
  }
  if (plan.publisher.kind === 'http' || plan.publisher.kind === 'socketio') {
    if (input.rate <= 0) throw new OptionError('--rate', 'must be above 0: the harness publishes at this rate');
    const template = plan.publisher.kind === 'http' ? plan.publisher.bodyTemplate : undefined;
    const overhead = template === undefined ? 0 : Buffer.byteLength(template) - MESSAGE_PLACEHOLDER.length;
    if (input.payload < MARKER_BYTES + overhead)
      throw new OptionError(
        '--payload',
        `must be at least ${MARKER_BYTES + overhead} bytes: the ${MARKER_BYTES}-byte marker${overhead > 0 ? ` and the body template's ${overhead}` : ''}`,
      );
  }
  return { plan: { ...plan, endpoints: plan.endpoints.filter((endpoint) => protocols.includes(endpoint.protocol)) }, protocols };
}

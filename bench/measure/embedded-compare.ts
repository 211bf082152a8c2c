import type { ResolvedBenchOptions } from '../options.js';
import type { ProtocolName } from '../../wire/protocols.js';
import type { ProtocolResult } from '../report/types.js';
import { NO_DROPS } from '../scenarios/scenario.js';
import { closeTarget, openTarget } from '../target/target.js';
import { runProtocol, type ProtocolRunContext } from './protocol-run.js';

/**
 * `--compare-embedded`: the same protocol, clients, feed and window once more against one
 * spawned server with the embedded feed (no broker, no drops, scenario broadcast), right after
 * the run through the broker, so the broker's hop is measured against a baseline of the same
 * run on the same machine. Its progress events are not emitted (the table would take them for
 * the protocol's own); its result goes to `BenchResult.embedded`.
 */
export async function runEmbeddedBaseline(
  context: Omit<ProtocolRunContext, 'options' | 'control' | 'baseUrl' | 'clientUrl' | 'proxy' | 'restartServer' | 'fleet' | 'lossCounters'>,
  options: ResolvedBenchOptions,
  protocol: ProtocolName,
): Promise<ProtocolResult> {
  const baseline: ResolvedBenchOptions = Object.freeze({
    ...options,
    scenario: 'broadcast',
    drops: NO_DROPS,
    scaleOut: null,
    brokerUrl: undefined,
    idleMs: 0,
    capacityDurationMs: 0,
  });
  const target = await openTarget(baseline);
  try {
    return await runProtocol(
      {
        ...context,
        options: baseline,
        control: target.control,
        baseUrl: target.url,
        clientUrl: target.clientUrl,
        proxy: undefined,
        restartServer: undefined,
        // The broker run's context carries the instances: the baseline's clients must not spread over them.
        fleet: undefined,
        lossCounters: undefined,
        emit: () => undefined,
        timeseries: [],
      },
      protocol,
    );
  } finally {
    await closeTarget(target);
  }
}

/**
 * `--net-loss P%`: TCP turns packet loss into waiting, not into missed events, so a lossy
 * window alone says little. Each protocol therefore runs twice on the same link and the same
 * server: first at 0% (the control), then at P%; the result is the lossy window with the
 * control beside it (`network.loss.control`). The control skips the idle and capacity phases
 * (they say nothing about loss), keeps its time series to itself, and reports itself with a
 * `loss-control-done` event instead of `protocol-done`.
 */
import type { LossyLink } from '../../netem/netns.js';
import { withControl } from '../report/loss-figures.js';
import { runProtocol, type ProtocolRunContext } from './protocol-run.js';
import type { ProgressEvent, ProtocolResult } from '../report/types.js';
import type { ProtocolName } from '../../wire/protocols.js';

/** Client ids each protocol uses: the control's clients, then the lossy window's. */
export const LOSS_CONTROL_PASSES = 2;

export async function runWithLossControl(
  context: ProtocolRunContext,
  protocol: ProtocolName,
  link: Pick<LossyLink, 'setLoss'>,
  lossPercent: number,
  run: (context: ProtocolRunContext, protocol: ProtocolName) => Promise<ProtocolResult> = runProtocol,
): Promise<ProtocolResult> {
  const emit = (event: ProgressEvent): void =>
    context.emit(event.type === 'protocol-done' ? { type: 'loss-control-done', protocol, result: event.result } : event);
  await link.setLoss(0);
  const control = await run(
    { ...context, options: { ...context.options, idleMs: 0, capacityDurationMs: 0 }, emit, timeseries: [] },
    protocol,
  );
  await link.setLoss(lossPercent);
  const lossy = await run({ ...context, firstClientIndex: context.firstClientIndex + context.options.clients }, protocol);
  return withControl(lossy, control);
}

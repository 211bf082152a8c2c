/**
 * `--net-loss` figures: the link's counters over a window turned into what the result shows
 * (bench/types.ts `LossFigures`), and a 0% control window folded into the lossy one.
 */
import type { LinkWindow } from '../../netem/link-snapshot.js';
import type { LossControlFigures, LossFigures, ProtocolResult } from './types.js';

/** Host → namespace is clients → server; namespace → host is server → clients. */
export function lossFigures(window: LinkWindow): LossFigures {
  const toServer = { ...window.hostToNs };
  const toClients = { ...window.nsToHost };
  const sentPackets = toServer.sentPackets + toClients.sentPackets;
  const droppedPackets = toServer.droppedPackets + toClients.droppedPackets;
  const offered = sentPackets + droppedPackets;
  return {
    mechanism: window.mechanism,
    sentPackets,
    droppedPackets,
    toServer,
    toClients,
    appliedPercent: offered > 0 ? Math.round((droppedPackets / offered) * 100 * 1000) / 1000 : null,
    serverTcp: window.namespaceTcp,
    control: null,
  };
}

/** The figures of a control window that the lossy result keeps beside its own. */
export function controlFigures(control: ProtocolResult): LossControlFigures | null {
  const loss = control.network?.loss;
  if (loss === null || loss === undefined) return null;
  return {
    measuredMs: control.window.measuredMs,
    sentPackets: loss.sentPackets,
    droppedPackets: loss.droppedPackets,
    latency: control.latency,
    delivery: control.delivery,
    serverTcp: loss.serverTcp,
  };
}

/** The lossy result with its control attached (`network.loss.control`); unchanged without loss figures. */
export function withControl(lossy: ProtocolResult, control: ProtocolResult): ProtocolResult {
  const network = lossy.network;
  if (network === null || network === undefined || network.loss === null) return lossy;
  return { ...lossy, network: { ...network, loss: { ...network.loss, control: controlFigures(control) } } };
}

/** Share of the server's segments that were retransmissions (0–100), or null when it sent none. */
export function retransmittedPercent(tcp: { outSegs: number; retransSegs: number }): number | null {
  const sent = tcp.outSegs + tcp.retransSegs;
  return sent > 0 ? Math.round((tcp.retransSegs / sent) * 100 * 1000) / 1000 : null;
}

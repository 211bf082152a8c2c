/** Network faults for the harness: the shaping proxy, real loss in a namespace, and their flags. */
export { startProxy, DEFAULT_MAX_QUEUED_BYTES, type LinkShaping, type ProxyOptions, type ProxyStats, type RunningProxy } from './proxy.js';
export { createLossyLink, probeNetem, NetnsError, type LossyLink, type LossyLinkOptions, type NetemProbe } from './netns.js';
export { probeLoss, probeNftables, type LossProbe, type NftablesProbe } from './loss-probe.js';
export { LOSS_MECHANISM_LABELS, type LinkLossCounters, type LossMechanism } from './loss-mechanism.js';
export { linkWindow, snapshotLink, type LinkSnapshot, type LinkWindow } from './link-snapshot.js';
export { parseTcpCounters, subtractTcpCounters, type TcpCounters } from './netstat.js';
export {
  needsProxy,
  parseBandwidth,
  parseBandwidthScope,
  parseLossPercent,
  parseNetDuration,
  parseNetFlags,
  type BandwidthScope,
  type NetFlags,
  type NetworkSettings,
} from './options.js';

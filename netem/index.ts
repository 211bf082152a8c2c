/** Network faults for the harness: the shaping proxy, real loss in a namespace, and their flags. */
export { startProxy, DEFAULT_MAX_QUEUED_BYTES, type LinkShaping, type ProxyOptions, type ProxyStats, type RunningProxy } from './proxy.js';
export { createLossyLink, probeNetem, NetnsError, type LossyLink, type LossyLinkOptions, type NetemProbe } from './netns.js';
export { needsProxy, parseBandwidth, parseBandwidthScope, parseLossPercent, parseNetDuration, parseNetFlags, type BandwidthScope, type NetFlags, type NetworkSettings } from './options.js';

/**
 * The `--net-*` flags of the harness, parsed and checked. Units are the ones `tc` users
 * already type: durations `50ms`, `1s`, `250us`; rates `500kbit`, `1mbit`, `1gbit` (SI, bits);
 * loss `1%` or a fraction `0.01`. Pure functions: nothing here touches the network.
 */
import { WirelabError } from '../wire/errors.js';
import type { BandwidthScope } from './delay-line.js';

/** A bad `--net-*` value: carries the flag and the text, so the CLI can print it and exit 2. */
export class NetOptionError extends WirelabError {
  constructor(
    readonly flag: string,
    readonly value: string,
    detail: string,
  ) {
    super('WL_BAD_OPTION', `${flag} ${detail}`);
    this.name = 'NetOptionError';
  }
}

/** What the harness asks of the network between its clients and the server. */
export interface NetFaults {
  /** Added one-way delay, each direction (ms). */
  latencyMs: number;
  /** Uniform spread around `latencyMs`, ± this many ms. */
  jitterMs: number;
  /** Bandwidth cap in bits per second, each direction; undefined means uncapped. */
  bandwidthBitsPerSecond: number | undefined;
  bandwidthScope: BandwidthScope;
  /** Reset every proxied connection this often (ms); undefined means never. */
  resetEveryMs: number | undefined;
  /** Real packet loss in percent, each direction (needs the netns path); undefined means none. */
  lossPercent: number | undefined;
}

/** The raw flag texts as commander hands them over; absent flags are undefined. */
export interface NetFlags {
  netLatency?: string | undefined;
  netJitter?: string | undefined;
  netBandwidth?: string | undefined;
  netBandwidthScope?: string | undefined;
  netResetEvery?: string | undefined;
  netLoss?: string | undefined;
}

const DURATION_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
// tc's SI bit rates. `bps`/`kbps`/`mbps` are left out on purpose: tc reads them as BYTES
// per second, most people read them as bits, and a silent 8x error is worse than an error.
const RATE_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };
const BYTE_RATE_UNIT = /^[kmgt]?bps$/;

/** Delay and reset periods above this are surely a typo (and would look like a hung run). */
export const MAX_DURATION_MS = 10 * 60_000;
/** Below this a run moves a few bytes per second: nothing to measure. */
export const MIN_BANDWIDTH_BITS = 1000;
/** Resets more often than this would leave no time to reconnect at all. */
export const MIN_RESET_EVERY_MS = 100;

function splitNumber(text: string): { value: number; unit: string } | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z%]*)\s*$/i.exec(text);
  if (match === null) return undefined;
  return { value: Number(match[1]), unit: (match[2] ?? '').toLowerCase() };
}

/** `50ms`, `1s`, `1.5s`, `250us`, `2m` → milliseconds. A bare number other than 0 is refused: tc reads it as µs, people as ms. */
export function parseNetDuration(flag: string, text: string): number {
  const parts = splitNumber(text);
  const multiplier = parts === undefined ? undefined : DURATION_UNITS[parts.unit];
  if (parts !== undefined && parts.unit === '' && parts.value === 0) return 0;
  if (parts === undefined || multiplier === undefined) {
    throw new NetOptionError(flag, text, `must be a duration with a unit like 50ms, 1s or 250us, got "${text}"`);
  }
  const ms = parts.value * multiplier;
  if (ms > MAX_DURATION_MS) throw new NetOptionError(flag, text, `must be at most ${MAX_DURATION_MS / 60_000} minutes, got "${text}"`);
  return ms;
}

/** `500kbit`, `1mbit`, `1.5gbit`, `64000bit` → bits per second. */
export function parseBandwidth(flag: string, text: string): number {
  const parts = splitNumber(text);
  if (parts !== undefined && BYTE_RATE_UNIT.test(parts.unit)) {
    throw new NetOptionError(flag, text, `"${text}" is ambiguous (tc reads ${parts.unit} as bytes per second): write it in bits, like 1mbit or 500kbit`);
  }
  const multiplier = parts === undefined ? undefined : RATE_UNITS[parts.unit];
  if (parts === undefined || multiplier === undefined) {
    throw new NetOptionError(flag, text, `must be a rate in bits per second like 1mbit, 500kbit or 1gbit, got "${text}"`);
  }
  const bits = parts.value * multiplier;
  if (bits < MIN_BANDWIDTH_BITS) throw new NetOptionError(flag, text, `must be at least 1kbit, got "${text}"`);
  return bits;
}

/** `1%`, `0.5%` or a fraction `0.01` → percent. 100% is refused: TCP could not even connect. */
export function parseLossPercent(flag: string, text: string): number {
  const parts = splitNumber(text);
  let percent: number | undefined;
  if (parts?.unit === '%') percent = parts.value;
  else if (parts?.unit === '' && parts.value <= 1) percent = parts.value * 100;
  else if (parts?.unit === '') {
    throw new NetOptionError(flag, text, `as a bare number is a fraction (0.01 = 1%), got "${text}": write ${parts.value}% if you meant percent`);
  }
  if (percent === undefined) throw new NetOptionError(flag, text, `must be a percentage like 1% or a fraction like 0.01, got "${text}"`);
  if (percent >= 100) throw new NetOptionError(flag, text, `must be below 100%, got "${text}"`);
  return percent;
}

export function parseBandwidthScope(flag: string, text: string): BandwidthScope {
  const scope = text.trim().toLowerCase();
  if (scope === 'connection' || scope === 'shared') return scope;
  throw new NetOptionError(flag, text, `must be "connection" (each client has its own link) or "shared" (one uplink for all), got "${text}"`);
}

/** All `--net-*` flags at once, with the checks that involve more than one of them. */
export function parseNetFlags(flags: NetFlags): NetFaults {
  const latencyMs = flags.netLatency === undefined ? 0 : parseNetDuration('--net-latency', flags.netLatency);
  const jitterMs = flags.netJitter === undefined ? 0 : parseNetDuration('--net-jitter', flags.netJitter);
  if (jitterMs > latencyMs) {
    // Delay cannot go below zero, so a larger jitter would no longer be centred on the latency.
    throw new NetOptionError('--net-jitter', flags.netJitter ?? '', `(${jitterMs} ms) must not exceed --net-latency (${latencyMs} ms): the delay would have to go below zero`);
  }
  const resetEveryMs = flags.netResetEvery === undefined ? undefined : parseNetDuration('--net-reset-every', flags.netResetEvery);
  if (resetEveryMs !== undefined && resetEveryMs < MIN_RESET_EVERY_MS) {
    throw new NetOptionError('--net-reset-every', flags.netResetEvery ?? '', `must be at least ${MIN_RESET_EVERY_MS}ms, got "${flags.netResetEvery}"`);
  }
  return {
    latencyMs,
    jitterMs,
    bandwidthBitsPerSecond: flags.netBandwidth === undefined ? undefined : parseBandwidth('--net-bandwidth', flags.netBandwidth),
    bandwidthScope: flags.netBandwidthScope === undefined ? 'connection' : parseBandwidthScope('--net-bandwidth-scope', flags.netBandwidthScope),
    resetEveryMs,
    lossPercent: flags.netLoss === undefined ? undefined : parseLossPercent('--net-loss', flags.netLoss),
  };
}

/** True when any fault needs the TCP proxy (everything but loss, which needs the netns link). */
export function needsProxy(faults: NetFaults): boolean {
  return faults.latencyMs > 0 || faults.jitterMs > 0 || faults.bandwidthBitsPerSecond !== undefined || faults.resetEveryMs !== undefined;
}

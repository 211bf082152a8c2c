/**
 * What the harness asks of the network (the one shape the harness checks, runs with and
 * records in results), and the `--net-*` flags that say it, parsed and checked. Units are the
 * ones `tc` users already type: durations `50ms`, `1s`, `250us`; rates `500kbit`, `1mbit`,
 * `1gbit` (SI, bits); loss `1%` or a fraction `0.01`. Pure: nothing here touches the network,
 * and the dashboard reads the types.
 */
import { OptionError } from '../wire/errors.js';

/** `connection`: every connection has its own cap (a client on a slow link); `shared`: one cap for all (a server uplink). */
export type BandwidthScope = 'connection' | 'shared';

/** What the harness asks of the network between its clients and the server (docs/network-faults.md). */
export interface NetworkSettings {
  /** Added one-way delay, each direction (ms). */
  latencyMs: number;
  /** Uniform spread around `latencyMs`, ± this many ms. */
  jitterMs: number;
  /** Bandwidth cap in bits per second, each direction; null means uncapped. */
  bandwidthBitsPerSecond: number | null;
  bandwidthScope: BandwidthScope;
  /** Reset every proxied connection this often (ms); null means never. */
  resetEveryMs: number | null;
  /** Real packet loss in percent, each direction (needs the netns path); null means none. */
  lossPercent: number | null;
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
    throw new OptionError(flag, `must be a duration with a unit like 50ms, 1s or 250us, got "${text}"`, text);
  }
  const ms = parts.value * multiplier;
  if (ms > MAX_DURATION_MS) throw new OptionError(flag, `must be at most ${MAX_DURATION_MS / 60_000} minutes, got "${text}"`, text);
  return ms;
}

/** `500kbit`, `1mbit`, `1.5gbit`, `64000bit` → bits per second. */
export function parseBandwidth(flag: string, text: string): number {
  const parts = splitNumber(text);
  if (parts !== undefined && BYTE_RATE_UNIT.test(parts.unit)) {
    throw new OptionError(
      flag,
      `"${text}" is ambiguous (tc reads ${parts.unit} as bytes per second): write it in bits, like 1mbit or 500kbit`,
      text,
    );
  }
  const multiplier = parts === undefined ? undefined : RATE_UNITS[parts.unit];
  if (parts === undefined || multiplier === undefined) {
    throw new OptionError(flag, `must be a rate in bits per second like 1mbit, 500kbit or 1gbit, got "${text}"`, text);
  }
  const bits = parts.value * multiplier;
  if (bits < MIN_BANDWIDTH_BITS) throw new OptionError(flag, `must be at least 1kbit, got "${text}"`, text);
  return bits;
}

/** `1%`, `0.5%` or a fraction `0.01` → percent. 100% is refused: TCP could not even connect. */
export function parseLossPercent(flag: string, text: string): number {
  const parts = splitNumber(text);
  let percent: number | undefined;
  if (parts?.unit === '%') percent = parts.value;
  else if (parts?.unit === '' && parts.value <= 1) percent = parts.value * 100;
  else if (parts?.unit === '') {
    throw new OptionError(
      flag,
      `as a bare number is a fraction (0.01 = 1%), got "${text}": write ${parts.value}% if you meant percent`,
      text,
    );
  }
  if (percent === undefined) throw new OptionError(flag, `must be a percentage like 1% or a fraction like 0.01, got "${text}"`, text);
  if (percent >= 100) throw new OptionError(flag, `must be below 100%, got "${text}"`, text);
  return percent;
}

export function parseBandwidthScope(flag: string, text: string): BandwidthScope {
  const scope = text.trim().toLowerCase();
  if (scope === 'connection' || scope === 'shared') return scope;
  throw new OptionError(flag, `must be "connection" (each client has its own link) or "shared" (one uplink for all), got "${text}"`, text);
}

/** All `--net-*` flags at once, with the checks that involve more than one of them. */
export function parseNetFlags(flags: NetFlags): NetworkSettings {
  const latencyMs = flags.netLatency === undefined ? 0 : parseNetDuration('--net-latency', flags.netLatency);
  const jitterMs = flags.netJitter === undefined ? 0 : parseNetDuration('--net-jitter', flags.netJitter);
  if (jitterMs > latencyMs) {
    // Delay cannot go below zero, so a larger jitter would no longer be centred on the latency.
    throw new OptionError(
      '--net-jitter',
      `(${jitterMs} ms) must not exceed --net-latency (${latencyMs} ms): the delay would have to go below zero`,
      flags.netJitter,
    );
  }
  const resetEveryMs = flags.netResetEvery === undefined ? null : parseNetDuration('--net-reset-every', flags.netResetEvery);
  if (resetEveryMs !== null && resetEveryMs < MIN_RESET_EVERY_MS) {
    throw new OptionError(
      '--net-reset-every',
      `must be at least ${MIN_RESET_EVERY_MS}ms, got "${flags.netResetEvery}"`,
      flags.netResetEvery,
    );
  }
  return {
    latencyMs,
    jitterMs,
    bandwidthBitsPerSecond: flags.netBandwidth === undefined ? null : parseBandwidth('--net-bandwidth', flags.netBandwidth),
    bandwidthScope:
      flags.netBandwidthScope === undefined ? 'connection' : parseBandwidthScope('--net-bandwidth-scope', flags.netBandwidthScope),
    resetEveryMs,
    lossPercent: flags.netLoss === undefined ? null : parseLossPercent('--net-loss', flags.netLoss),
  };
}

/** True when the settings need the harness's TCP proxy (everything but loss, which needs the netns link). */
export function needsProxy(settings: Readonly<NetworkSettings>): boolean {
  return settings.latencyMs > 0 || settings.jitterMs > 0 || settings.bandwidthBitsPerSecond !== null || settings.resetEveryMs !== null;
}

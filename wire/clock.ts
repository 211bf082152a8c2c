/**
 * The monotonic clock in integer microseconds. `process.hrtime()` reads CLOCK_MONOTONIC on
 * Linux, which every process on the host shares, so a timestamp taken by the server can be
 * subtracted from one taken by the load generator. Microseconds since boot stay far below
 * Number.MAX_SAFE_INTEGER. The array form is used rather than `hrtime.bigint()`, whose BigInt
 * division costs twice as much on the clients' per-message path.
 */
export function nowMicros(): number {
  const [seconds, nanos] = process.hrtime();
  return seconds * 1_000_000 + Math.floor(nanos / 1000);
}

/**
 * The monotonic clock in integer microseconds. `process.hrtime.bigint()` reads CLOCK_MONOTONIC
 * on Linux, which every process on the host shares, so a timestamp taken by the server can be
 * subtracted from one taken by the load generator. Microseconds since boot stay far below
 * Number.MAX_SAFE_INTEGER.
 */
export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

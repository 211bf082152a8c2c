/**
 * The monotonic clock in integer microseconds. `process.hrtime()` reads CLOCK_MONOTONIC on
 * Linux, which every process on the host shares, so a timestamp taken by the server can be
 * subtracted from one taken by the load generator. Microseconds since boot stay far below
 * Number.MAX_SAFE_INTEGER. The array form is used rather than `hrtime.bigint()`, whose BigInt
 * division costs twice as much on the clients' per-message path.
 */
export function nowMicros(): number {
  const [seconds, nanos] = process.hrtime();
  return seconds * 1_000_000 + Math.floor(nanos / 1000) + TEST_SKEW_MICROS;
}

/**
 * For tests only: `WIRELAB_TEST_CLOCK_SKEW_US` shifts this process's clock (and its worker
 * threads') by a fixed amount, so one machine can play an agent on a host whose clock differs
 * and the test can check that the offset estimate recovers it. Never set it otherwise.
 */
const TEST_SKEW_MICROS = Number.parseInt(process.env.WIRELAB_TEST_CLOCK_SKEW_US ?? '0', 10) || 0;

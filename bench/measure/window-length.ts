/**
 * A window counted in published updates, so "expected" is the same for every protocol of a run
 * (and across runs with the same settings): `rate × duration` updates, not whatever a timer let
 * through (99 for one protocol, 100 for the next). The feed publishes on a drift-corrected
 * schedule (update k at start + k/rate, servers/sources/bench.ts), so the harness sends the
 * closing fence half an update interval after the last update of the window is due: the fence
 * then lands between update N and N+1 as long as the control round trip stays well under an
 * update interval (at 10/s: 100 ms against about 1 ms on loopback). On a server the harness
 * spawned with the embedded feed, the server counts instead (`count` and `finish` of
 * /control/feed, docs/control.md): exact however late a busy machine's timers fire.
 */

/** Updates a window of `durationMs` at `rate` per second holds. */
export function windowUpdates(rate: number, durationMs: number): number {
  return Math.round((rate * durationMs) / 1000);
}

/**
 * When (performance.now()) to send the closing fence: `feedStartedAt` is the best estimate of
 * when the server started publishing (the middle of the control call that started it), and
 * `oneWayMs` the time a control call takes to arrive. With the feed paused (rate 0) the window
 * is its duration.
 */
export function closingFenceAt(feedStartedAt: number, oneWayMs: number, rate: number, durationMs: number): number {
  if (rate <= 0) return feedStartedAt + durationMs;
  const intervalMs = 1000 / rate;
  return feedStartedAt + (windowUpdates(rate, durationMs) + 0.5) * intervalMs - oneWayMs;
}

/**
 * Whether the server counts the window's updates itself: a server this harness spawned (so its
 * feed is the embedded one and understands `count`), a feed that runs, and no drop in the window
 * (a restart starts a new epoch, whose updates are counted as they come).
 */
export function countedWindow(
  context: { readonly countedFeed?: boolean | undefined; readonly options: { readonly rate: number } },
  drops: number,
): boolean {
  return context.countedFeed === true && context.options.rate > 0 && drops === 0;
}

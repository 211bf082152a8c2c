import { FeedClientError } from '../../clients/base.js';
import type { CloseInfo } from '../../clients/types.js';
import { formatCount } from '../report/format.js';
import type { ProtocolResult } from '../report/types.js';

/**
 * The server turning down the harness's own messages and requests: an `error` message or an
 * HTTP error answer carrying a `WL_…` code (e.g. `WL_RATE_LIMITED`), a 429, a 1008 close
 * (rate limit). A run with any of these measured less than it asked for, so it cannot pass.
 * Counted by code: `WL_…`, `HTTP 429`, `close 1008`.
 */
export type RefusalCounts = Record<string, number>;

/** The refusal code an error handed to a client's `onError` stands for, if it is one. */
export function refusalOfError(error: Error): string | undefined {
  return error instanceof FeedClientError && error.code !== undefined ? error.code : undefined;
}

/** The refusal code a lost connection stands for, if it is one: 429 (too many requests) or 1008 (policy: rate limit). */
export function refusalOfClose(info: CloseInfo): string | undefined {
  if (info.code === 429) return 'HTTP 429';
  if (info.code === 1008) return 'close 1008';
  return undefined;
}

export function addRefusal(counts: RefusalCounts, code: string, times = 1): void {
  counts[code] = (counts[code] ?? 0) + times;
}

export function mergeRefusals(into: RefusalCounts, from: Readonly<RefusalCounts>): void {
  for (const [code, count] of Object.entries(from)) addRefusal(into, code, count);
}

export function totalRefusals(counts: Readonly<RefusalCounts>): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

/**
 * Why a protocol's run cannot pass although it was measured: the server refused the
 * harness's messages, or PINGs went unanswered. Empty when nothing of the kind happened.
 */
export function refusalReasons(result: ProtocolResult): string[] {
  const reasons: string[] = [];
  // Results written before refusals were counted have no member.
  const refusals = (result.refusals as ProtocolResult['refusals'] | undefined) ?? {};
  const total = totalRefusals(refusals);
  if (total > 0) {
    const codes = Object.entries(refusals)
      .sort((a, b) => b[1] - a[1])
      .map(([code, count]) => `${code} × ${formatCount(count)}`)
      .join(', ');
    reasons.push(`the server refused ${formatCount(total)} of the harness's messages or requests (${codes})`);
  }
  const ping = result.ping;
  if (ping !== null && ping.scheduled !== undefined) {
    const failed = (ping.refused ?? 0) + (ping.unanswered ?? 0);
    if (failed > 0) {
      reasons.push(
        `${formatCount(failed)} of ${formatCount(ping.scheduled)} scheduled PINGs were refused or never answered (${formatCount(ping.answered ?? 0)} answered)`,
      );
    }
  }
  return reasons;
}

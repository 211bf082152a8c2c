import { Agent, request } from 'node:http';
import { nowMicros } from '../../wire/clock.js';
import type { ClockEstimate } from './contract.js';

/** One PING exchange: sent at local `t0`, answered at local `t1`, stamped `serverTs` by the server (µs). */
export interface PingExchange {
  t0: number;
  t1: number;
  serverTs: number;
}

/**
 * The offset of the server's clock to ours, `θ = serverTs − (t0 + t1) / 2`, from the exchange
 * with the smallest round trip (the least room for asymmetry), and its uncertainty ± half that
 * round trip: the server stamped somewhere between t0 and t1 (docs/protocol.md, section 5).
 */
export function estimateOffset(exchanges: readonly PingExchange[]): ClockEstimate {
  let best: PingExchange | undefined;
  for (const exchange of exchanges) {
    if (best === undefined || exchange.t1 - exchange.t0 < best.t1 - best.t0) best = exchange;
  }
  if (best === undefined) throw new Error('no PING exchange to estimate the clock offset from');
  return {
    offsetMicros: Math.round(best.serverTs - (best.t0 + best.t1) / 2),
    uncertaintyMicros: Math.ceil((best.t1 - best.t0) / 2),
    samples: exchanges.length,
  };
}

/**
 * The offset to apply to receipt times: the estimate, or 0 when its interval holds 0. Monotonic
 * clocks of different hosts count from their own boots and differ by seconds or days, so an
 * interval around 0 means the agent shares the server's clock (the same host) and any
 * correction would only add the estimate's noise.
 */
export function appliedOffset(estimate: ClockEstimate): number {
  return Math.abs(estimate.offsetMicros) <= estimate.uncertaintyMicros ? 0 : estimate.offsetMicros;
}

/** `count` PINGs to `POST /ping` of the feed server, one after another on one kept-alive connection (from `localAddress` when given). */
export async function measureClockOffset(baseUrl: string, count: number, localAddress?: string): Promise<ClockEstimate> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL('/ping', baseUrl);
  const exchanges: PingExchange[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const body = JSON.stringify({ id: `clock-${index}`, ts: 0 });
      let t0 = 0;
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          url,
          {
            method: 'POST',
            agent,
            ...(localAddress === undefined ? {} : { localAddress }),
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
            timeout: 5000,
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
        req.on('error', reject);
        t0 = nowMicros();
        req.end(body);
      });
      const t1 = nowMicros();
      const serverTs = answer.status === 200 ? (JSON.parse(answer.text) as { serverTs?: unknown }).serverTs : undefined;
      if (typeof serverTs !== 'number')
        throw new Error(`PING to ${baseUrl} for the clock offset answered ${answer.status} without serverTs`);
      exchanges.push({ t0, t1, serverTs });
    }
  } catch (error) {
    throw new Error(`clock offset: ${(error as Error).message}`);
  } finally {
    agent.destroy();
  }
  return estimateOffset(exchanges);
}

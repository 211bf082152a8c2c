import { WirelabError } from '../../wire/errors.js';
import type { ProtocolName } from '../../wire/protocols.js';

/** What the harness reads from `GET /stats` (see docs/metrics.md); counters restart at each reset. */
export interface ServerStatsSnapshot {
  epoch: string;
  feed: { head: number; oldest: number; published: number; mode: string; rate: number; payload: number };
  transports: Record<
    ProtocolName,
    {
      connections: number;
      accepted: number;
      requests: number;
      messagesSent: number;
      slowConsumersDropped: number;
      bytesSent: number;
      bytesReceived: number;
    }
  >;
  process: {
    pid: number;
    sinceResetMs: number;
    cpuUserMicros: number;
    cpuSystemMicros: number;
    rssBytes: number;
    eventLoopDelayMs: { p99: number };
  };
  /** Chat messages relayed and refused since the last reset, and the rooms that exist; absent on older servers. */
  chat?: { relayed: number; refused: number; rooms: number };
}

export interface FeedSettings {
  mode: 'demo' | 'bench' | 'idle';
  rate?: number;
  payload?: number;
  /** Bench mode: exactly this many updates, then the feed stops (docs/control.md). */
  count?: number;
  /** Wait until a counted feed has published its count before applying this call. */
  finish?: boolean;
}

/** The harness cannot start, reach or use the feed server (WL_TARGET): the CLI prints it and exits 1. */
export class TargetError extends WirelabError {
  constructor(message: string) {
    super('WL_TARGET', message);
    this.name = 'TargetError';
  }
}

/** The harness's calls to a wirelab server's stats and control endpoints. */
export class ControlClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  stats(): Promise<ServerStatsSnapshot> {
    return this.call('GET', '/stats');
  }

  setFeed(settings: FeedSettings): Promise<{ feed: { head: number; epoch: string } }> {
    return this.call('POST', '/control/feed', settings);
  }

  drop(transport?: ProtocolName): Promise<{ dropped: Partial<Record<ProtocolName, number>> }> {
    return this.call('POST', '/control/drop', transport === undefined ? {} : { transport });
  }

  /** A full garbage collection on the server (when it runs with --expose-gc), then its memory. */
  collectGarbage(): Promise<{ gc: boolean; rssBytes: number; heapUsedBytes: number }> {
    return this.call('POST', '/control/gc', {});
  }

  resetCounters(): Promise<unknown> {
    return this.call('POST', '/control/reset-counters', {});
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = [cause?.code, cause?.message ?? (error as Error).message].filter((part) => part !== undefined && part !== '').join(' ');
      throw new TargetError(`cannot reach ${this.baseUrl}${path}: ${why}`);
    }
    const text = await response.text();
    if (!response.ok) {
      let detail = text.slice(0, 200);
      try {
        const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
        if (parsed.error !== undefined) detail = `${parsed.error.code}: ${parsed.error.message}`;
      } catch {
        // not JSON: keep the text
      }
      const hint = response.status === 401 || response.status === 404 ? ' (is the server started with the same --control-token?)' : '';
      throw new TargetError(`${method} ${this.baseUrl}${path} answered ${response.status}: ${detail}${hint}`);
    }
    return JSON.parse(text) as T;
  }
}

import { Worker } from 'node:worker_threads';
import type { ClientPlan, CoordinatorMessage, WorkerMessage, WorkerTick } from './worker-protocol.js';

type Reply<T extends WorkerMessage['type']> = Extract<WorkerMessage, { type: T }>;

/** What a protocol's run asks of the threads holding its clients: these local ones, or agents' (bench/agent/remote-pool.ts). */
export type ClientPool = Pick<
  WorkerPool,
  'ready' | 'threadIds' | 'connect' | 'measure' | 'arm' | 'dropped' | 'finish' | 'sample' | 'close' | 'terminate'
>;

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);

/**
 * The coordinator's side of the worker threads: splits the clients evenly, broadcasts each
 * step, and waits for every worker's reply. Ticks are handed to `onTick` as they come.
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  /** Pending requests, one per worker and reply type. */
  private readonly waiting = new Map<string, { resolve: (message: WorkerMessage) => void; reject: (error: Error) => void }>();
  private failure: Error | undefined;
  private closing = false;
  private readonly readyPromises: Array<Promise<WorkerMessage>> = [];
  private readonly tids: Array<number | null> = [];

  constructor(
    count: number,
    private readonly onTick: (worker: number, tick: WorkerTick) => void,
  ) {
    for (let index = 0; index < count; index++) {
      const worker = new Worker(ENTRY);
      this.readyPromises.push(new Promise((resolve, reject) => this.waiting.set(`${index}:ready`, { resolve, reject })));
      worker.on('message', (message: WorkerMessage) => this.receive(index, message));
      worker.on('error', (error) => this.fail(new Error(`worker ${index} failed: ${error.message}`)));
      worker.on('exit', (code) => {
        if (code !== 0 && !this.closing) this.fail(new Error(`worker ${index} exited with code ${code}`));
      });
      this.workers.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Resolves when every thread has loaded (and holds no client yet). */
  async ready(): Promise<void> {
    const replies = await Promise.all(this.readyPromises);
    for (const [index, reply] of replies.entries()) this.tids[index] = reply.type === 'ready' ? reply.tid : null;
  }

  /** Each worker's Linux thread id (null where unknown), once {@link ready} resolved. */
  get threadIds(): ReadonlyArray<number | null> {
    return this.tids;
  }

  /** Splits `plan.clients` over the workers and waits until every client connected or failed. */
  async connect(plan: ClientPlan): Promise<Array<Reply<'connected'>>> {
    const share = Math.floor(plan.clients / this.workers.length);
    const extra = plan.clients % this.workers.length;
    let first = plan.firstClientIndex;
    return Promise.all(
      this.workers.map((worker, index) => {
        const clients = share + (index < extra ? 1 : 0);
        const message: CoordinatorMessage = { type: 'connect', plan: { ...plan, clients, firstClientIndex: first } };
        first += clients;
        return this.request(index, message, 'connected');
      }),
    );
  }

  /** Workers start counting updates after `seqStart` of `epoch`, once their clients have caught up to it. */
  measure(seqStart: number, epoch: string, settleTimeoutMs: number): Promise<Array<Reply<'measuring'>>> {
    return this.broadcast({ type: 'measure', seqStart, epoch, settleTimeoutMs }, 'measuring');
  }

  /** Every client (only those on `instance`, a `host:port`, when given) opens a record for drop `drop`; resolves with how many clients were open. */
  async arm(drop: number, instance?: string): Promise<number> {
    const replies = await this.broadcast(instance === undefined ? { type: 'arm', drop } : { type: 'arm', drop, instance }, 'armed');
    return replies.reduce((sum, reply) => sum + reply.open, 0);
  }

  /** Drop `drop` made by the clients themselves: each arms, then closes its open connection; resolves with how many were open. */
  async cut(drop: number): Promise<number> {
    const replies = await this.broadcast({ type: 'arm', drop, cut: true }, 'armed');
    return replies.reduce((sum, reply) => sum + reply.open, 0);
  }

  /** Tells the workers when drop `drop` happened (µs of the monotonic clock); no answer. */
  dropped(drop: number, startedAt: number, doneAt: number): void {
    if (this.failure !== undefined) return;
    for (const worker of this.workers) worker.postMessage({ type: 'dropped', drop, startedAt, doneAt } satisfies CoordinatorMessage);
  }

  /** `epochEnds`: the window's last seq in each feed epoch (more than one after a restart). */
  finish(seqEnd: number, epoch: string, epochEnds: Record<string, number>, drainTimeoutMs: number): Promise<Array<Reply<'final'>>> {
    return this.broadcast({ type: 'finish', seqEnd, epoch, epochEnds, drainTimeoutMs }, 'final');
  }

  sample(): Promise<Array<Reply<'sample'>>> {
    return this.broadcast({ type: 'sample' }, 'sample');
  }

  /** Closes every client (waiting at most `graceMs`), then ends the threads. Safe to call twice. */
  async close(graceMs = 5000): Promise<void> {
    if (this.failure === undefined && this.workers.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([this.broadcast({ type: 'close' }, 'closed').catch(() => undefined), timeout]);
      clearTimeout(timer);
    }
    this.closing = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    this.workers.length = 0;
  }

  /**
   * Ends every thread at once, without closing its clients gracefully (the kernel closes their
   * sockets): for an interrupted run. Pending requests reject with `reason`.
   */
  terminate(reason: Error): void {
    this.closing = true;
    this.fail(reason);
    for (const worker of this.workers) void worker.terminate();
    this.workers.length = 0;
  }

  private broadcast<T extends WorkerMessage['type']>(message: CoordinatorMessage, type: T): Promise<Array<Reply<T>>> {
    return Promise.all(this.workers.map((_, index) => this.request(index, message, type)));
  }

  private request<T extends WorkerMessage['type']>(index: number, message: CoordinatorMessage, type: T): Promise<Reply<T>> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const key = `${index}:${type}`;
    if (this.waiting.has(key)) return Promise.reject(new Error(`worker ${index} is already asked for "${type}"`));
    return new Promise<Reply<T>>((resolve, reject) => {
      this.waiting.set(key, { resolve: resolve as (message: WorkerMessage) => void, reject });
      this.workers[index]!.postMessage(message);
    });
  }

  private receive(index: number, message: WorkerMessage): void {
    if (message.type === 'tick') return this.onTick(index, message);
    if (message.type === 'error') return this.fail(new Error(`worker ${index}: ${message.message}`));
    const key = `${index}:${message.type}`;
    const waiter = this.waiting.get(key);
    if (waiter !== undefined) {
      this.waiting.delete(key);
      waiter.resolve(message);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}

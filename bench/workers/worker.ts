import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { parentPort } from 'node:worker_threads';
import { createClient } from '../../clients/index.js';
import { MarkerScanner } from '../../clients/codecs/marker.js';
import { targetClientOptions } from '../target/client-options.js';
import type { FeedClient, FeedClientOptions } from '../../clients/types.js';
import { nowMicros } from '../../wire/clock.js';
import { PROTOCOLS } from '../../wire/protocols.js';
import { BinnedRecorder } from './binned-recorder.js';
import { connectClients, localResourceCode } from './connect-clients.js';
import { BENCH_DEFAULTS } from '../defaults.js';
import { AttemptBins, ClientFollower, DropLog } from './drop-follower.js';
import { createHistogram, encodeHistogram } from '../report/histogram.js';
import { emptyPingTally, PingSchedule } from './ping-schedule.js';
import { addRefusal, refusalOfClose, refusalOfError, type RefusalCounts } from '../measure/refusals.js';
import { currentThreadId } from '../measure/schedstat.js';
import { SpreadRing } from './spread.js';
import { WindowProfiler } from './window-profiler.js';
import { H2Groups } from './h2-groups.js';
import { WorkerChatState } from './worker-chat.js';
import { emptyCounters, type ClientPlan, type CoordinatorMessage, type WorkerCounters, type WorkerMessage } from './worker-protocol.js';

/**
 * A worker thread holding a share of the clients. Per update it does only what the hot path
 * needs (one histogram record, one bitset write, one spread-ring write); everything else is
 * aggregated once a second and sent to the coordinator as encoded histograms and counters.
 */

const port = parentPort;
if (port === null) throw new Error('bench/workers/worker.ts must run as a worker thread');

const TICK_MS = 1000;
/** This thread's wall clock (µs since the epoch) minus its monotonic clock: a server's own send times are wall-clock times. */
const EPOCH_OFFSET_MICROS = Math.round((performance.timeOrigin + performance.now()) * 1000) - nowMicros();
const MAX_ERROR_SAMPLES = 5;
/** Node 20's monitorEventLoopDelay counts its own sampling interval in every value; it is taken off. */
const LOOP_RESOLUTION_MS = 20;

interface Slot {
  client: FeedClient;
  /** Delivery bitsets (per feed epoch) and, when drops are followed, the client's drop records. */
  follower: ClientFollower;
  connected: boolean;
  /** Set while the client's first connect runs: fails it at once (a local resource ran out). */
  connectFailure: ((error: Error) => void) | undefined;
}

const slots: Slot[] = [];
const connectHistogram = createHistogram();
/** The hot path records here; flushed into intervalLatency at each tick. */
const latencyBins = new BinnedRecorder();
/** Since the last tick; added into windowLatency at each tick while measuring. */
const intervalLatency = createHistogram();
const windowLatency = createHistogram();
const pingRaw = createHistogram();
/** Scheduled time → answer: coordinated omission is accounted for by the open-loop schedule. */
const pingCorrected = createHistogram();
let pings: PingSchedule | undefined;
/** The server's refusals of this worker's messages and requests, by code. */
let refusals: RefusalCounts = {};
const spread = new SpreadRing();
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
loopDelay.enable();
const errorSamples: string[] = [];
const profiler = new WindowProfiler();
const attempts = new AttemptBins(BENCH_DEFAULTS.attemptBinMs * 1000);
let dropLog = new DropLog(false);

let plan: ClientPlan | undefined;
let measuring = false;
let seqStart = 0;
let received = 0;
/** Clients that failed to connect so far (shown while connecting). */
let connectFailed = 0;
let windowMessages = 0;
let payloadBytes = 0;
let tickTimer: NodeJS.Timeout | undefined;
/** Scenario `chat`: rooms, senders, per-sender streams (worker-chat.ts); undefined otherwise. */
let chat: WorkerChatState | undefined;
/** HTTP/2 columns: the connections the clients share (h2-groups.ts); undefined otherwise. */
let h2Groups: H2Groups | undefined;
let lastUtilisation = performance.eventLoopUtilization();

function send(message: WorkerMessage): void {
  port!.postMessage(message);
}

function loopDelayP99(): number {
  return Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS);
}

function noteError(message: string): void {
  if (errorSamples.length < MAX_ERROR_SAMPLES && !errorSamples.includes(message)) errorSamples.push(message);
}

function counters(): WorkerCounters {
  const total = emptyCounters();
  for (const { client } of slots) {
    const c = client.counters;
    total.bytesRead += c.bytesRead;
    total.bytesWritten += c.bytesWritten;
    total.requests += c.requests;
    total.emptyPolls += c.emptyPolls;
    total.reconnects += c.reconnects;
    total.resets += c.resets;
    total.pings += c.pings;
    total.errors += c.errors;
    total.unmarked += c.unmarked;
    total.compressedBytes += c.compressedBytes;
    total.decompressedBytes += c.decompressedBytes;
  }
  // Shared HTTP/2 connections count their bytes themselves, not per client.
  if (h2Groups !== undefined) {
    total.bytesRead += h2Groups.bytesRead;
    total.bytesWritten += h2Groups.bytesWritten;
  }
  return total;
}

function connectedCount(): number {
  let count = 0;
  for (const slot of slots) if (slot.connected && slot.client.state === 'open') count += 1;
  return count;
}

/** Open clients that have received every update up to `seq` (of `epoch`, when given). */
function caughtUpCount(seq: number, epoch?: string): number {
  // Scenario chat: the clients read their rooms, not the main feed; the drain waits for quiet
  // instead, and what a member missed (one reconnecting at the end too) counts as missed per sender.
  if (chat !== undefined) return slots.filter((slot) => slot.connected).length;
  let count = 0;
  for (const slot of slots) {
    if (!slot.connected || slot.client.state !== 'open' || (slot.client.lastSeq ?? 0) < seq) continue;
    // A foreign server has no feed epoch: the harness's run tag stands for it.
    if (epoch !== undefined && plan?.target === undefined && slot.client.epoch !== epoch) continue;
    count += 1;
  }
  return count;
}

/** Clients that should catch up: the open ones; with drops followed, every client that ever connected (one may still be reconnecting). */
function expectedCount(): number {
  if (plan?.trackDrops !== true) return connectedCount();
  let count = 0;
  for (const slot of slots) if (slot.connected && slot.client.state !== 'closed') count += 1;
  return count;
}

function makeSlot(index: number, current: ClientPlan): Slot {
  const follower = new ClientFollower(dropLog, '');
  const slot: Slot = { follower, connected: false, connectFailure: undefined, client: undefined as unknown as FeedClient };
  const follow = current.trackDrops;
  // On an agent host: receipt times move onto the feed server's clock (one addition per update).
  const clockOffset = current.clockOffsetMicros ?? 0;
  const chatPart = chat?.join(
    index,
    (latency, bytes) => {
      latencyBins.record(latency);
      windowMessages += 1;
      payloadBytes += bytes;
    },
    clockOffset,
  );
  const options: FeedClientOptions = {
    ...clientUrls(index, current),
    protocol: current.protocol,
    id: `c${index}`,
    ...(current.sourceAddresses === undefined || current.sourceAddresses.length === 0
      ? {}
      : { localAddress: current.sourceAddresses[index % current.sourceAddresses.length] }),
    pollIntervalMs: current.pollIntervalMs,
    longPollTimeoutMs: current.longPollTimeoutMs,
    reconnect: { enabled: true, ...current.reconnect },
    ...(current.target === undefined
      ? {}
      : targetClientOptions(current.target.plan, current.target.endpoint, markerScanner(current.target.run))),
    ...current.variant,
    ...(h2Groups === undefined ? {} : { http2: h2Groups.connectionFor(slots.length) }),
    ...(chatPart === undefined ? {} : { room: chat!.roomOf(index) }),
    handlers: {
      // The hot path: keep it to integer arithmetic and three array writes.
      onUpdate(seq, ts, localReceivedAt, bytes) {
        // Scenario chat: the room's updates are the chat messages, counted by onChat per sender.
        if (chatPart !== undefined) {
          received += 1;
          return;
        }
        const receivedAt = localReceivedAt + clockOffset;
        const latency = receivedAt > ts ? receivedAt - ts : 0;
        received += 1;
        if (!measuring) {
          if (follow) follower.update(seq, ts, receivedAt, false);
          latencyBins.record(latency);
          return;
        }
        if (follow) {
          // After a restart the feed numbers from 0 again: the window's floor is per epoch.
          const inWindow = seq > follower.current.tracker.floorSeq;
          follower.update(seq, ts, receivedAt, inWindow);
          if (!inWindow) return;
        } else {
          if (seq <= seqStart) return;
          follower.current.tracker.record(seq);
        }
        latencyBins.record(latency);
        spread.record(seq, latency);
        windowMessages += 1;
        payloadBytes += bytes;
      },
      // Receive-only with the server's own send time (--timestamp-field): latency across two clocks.
      ...(current.target?.plan.timestamp === undefined
        ? {}
        : {
            onUnmarked(localReceivedAt: number, _bytes: number, sentAt: number | undefined) {
              if (sentAt === undefined) return;
              const latency = localReceivedAt + EPOCH_OFFSET_MICROS - sentAt;
              // A server clock ahead of this machine's gives a negative time: recorded as 0 (docs/targets.md).
              latencyBins.record(latency > 0 ? latency : 0);
            },
          }),
      onOpen(connectMicros) {
        if (!slot.connected) connectHistogram.recordValue(Math.max(0, Math.round(connectMicros)));
        slot.connected = true;
        if (follow) follower.opened(connectMicros);
      },
      ...(chatPart === undefined ? {} : { onChat: chatPart.onChat }),
      onError(error) {
        chatPart?.onError(error);
        noteError(error.message);
        const refused = refusalOfError(error);
        if (refused !== undefined) addRefusal(refusals, refused);
      },
      onClose(info) {
        chatPart?.onClose(info);
        const refused = refusalOfClose(info);
        if (refused !== undefined) addRefusal(refusals, refused);
        // Out of sockets or ports while connecting: retrying with backoff would only hide it.
        if (!slot.connected && info.error !== undefined && localResourceCode(info.error) !== undefined) slot.connectFailure?.(info.error);
        if (!follow || !info.willReconnect) return;
        const now = nowMicros();
        follower.lost(now);
        attempts.record(now + (info.delayMs ?? 0) * 1000);
      },
      ...(follow
        ? {
            onSnapshot(kind: 'initial' | 'reset', seq: number, epoch: string) {
              follower.snapshot(kind, seq, epoch, nowMicros(), measuring);
            },
          }
        : {}),
    },
  };
  slot.client = createClient(options);
  chatPart?.attach(slot.client);
  return slot;
}

let scanner: MarkerScanner | undefined;
/** One scanner per thread serves every client: a scan is synchronous and read at once. */
function markerScanner(run: string): MarkerScanner {
  scanner ??= new MarkerScanner(run);
  return scanner;
}

/** Opens the plan's clients, at most `connectConcurrency` at a time (see connectClients). */
async function connectAll(current: ClientPlan): Promise<void> {
  const outcome = await connectClients(
    current.clients,
    (index) => {
      const slot = makeSlot(current.firstClientIndex + index, current);
      slots.push(slot);
      return {
        connect: () => slot.client.connect(),
        abandon: () => {
          slot.connected = false;
          return slot.client.close();
        },
        watchFailure: (fail) => {
          slot.connectFailure = fail;
        },
      };
    },
    {
      concurrency: current.connectConcurrency,
      timeoutMs: current.connectTimeoutMs,
      onFailed: (failed) => {
        connectFailed = failed;
      },
    },
  );
  send({
    type: 'connected',
    connected: outcome.connected,
    failed: outcome.failed,
    failedBy: outcome.failedBy,
    connect: encodeHistogram(connectHistogram),
    errors: outcome.errors,
  });
}

function startTicks(): void {
  tickTimer = setInterval(() => {
    const utilisation = performance.eventLoopUtilization(lastUtilisation);
    lastUtilisation = performance.eventLoopUtilization();
    latencyBins.flushInto(intervalLatency);
    // An empty second (idle feed) costs nothing to send or merge.
    const encoded = intervalLatency.totalCount > 0 ? encodeHistogram(intervalLatency) : '';
    if (measuring) windowLatency.add(intervalLatency);
    intervalLatency.reset();
    send({
      type: 'tick',
      connected: connectedCount(),
      failed: connectFailed,
      received,
      windowMessages,
      counters: counters(),
      latency: encoded,
      spread: spread.drain(),
      loopDelayP99Ms: loopDelayP99(),
      utilisation: utilisation.utilization,
      attemptBins: attempts.drain(),
    });
    loopDelay.reset();
  }, TICK_MS);
}

/** Scenarios whose clients ping (`ping`): every connected client PINGs on its own open-loop schedule (see PingSchedule). */
function startPings(current: ClientPlan): void {
  pings = new PingSchedule(
    current.pingIntervalMs * 1000,
    pingCorrected,
    pingRaw,
    (code, message) => {
      addRefusal(refusals, code);
      noteError(`ping: ${message}`);
    },
    noteError,
  );
  pings.start(slots.filter((slot) => slot.connected).map((slot) => slot.client));
}

/** Waits, polling every 20 ms, until every client that should has `seq` (of `epoch`) or the time is up. */
async function waitForCaughtUp(seq: number, timeoutMs: number, epoch?: string): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (caughtUpCount(seq, epoch) >= expectedCount()) return true;
    if (performance.now() >= deadline) return false;
    await delay(20);
  }
}

async function measure(start: number, epoch: string, settleTimeoutMs: number): Promise<void> {
  const settled = await waitForCaughtUp(start, settleTimeoutMs);
  seqStart = start;
  for (const { follower } of slots) follower.start(seqStart, epoch);
  windowLatency.reset();
  latencyBins.reset();
  intervalLatency.reset();
  pingRaw.reset();
  pingCorrected.reset();
  refusals = {};
  windowMessages = 0;
  payloadBytes = 0;
  spread.drain();
  measuring = true;
  profiler.start();
  if (plan?.pings === true) startPings(plan);
  chat?.start(connectedClients());
  send({ type: 'measuring', settled });
}

/**
 * Every open client (on `instance` only, when given) starts a record for drop `drop`; with
 * `cut` each open one then closes its connection itself (and reconnects with its backoff).
 * Answers how many were open.
 */
function arm(drop: number, instance: string | undefined, cut: boolean): void {
  const now = nowMicros();
  let open = 0;
  for (const slot of slots) {
    if (!slot.connected) continue;
    if (instance !== undefined && slot.client.instance !== instance) continue;
    const isOpen = slot.client.state === 'open';
    if (isOpen) open += 1;
    slot.follower.arm(drop, now, isOpen);
  }
  if (cut) for (const slot of slots) if (slot.connected) slot.client.dropConnection();
  send({ type: 'armed', open });
}

async function finish(seqEnd: number, epoch: string, epochEnds: Record<string, number>, drainTimeoutMs: number): Promise<void> {
  const drainStarted = performance.now();
  // The window is over: no PING comes due any more; those sent may still be answered.
  pings?.stopScheduling();
  if (chat !== undefined) await chat.drain(drainTimeoutMs);
  else await waitForCaughtUp(seqEnd, drainTimeoutMs, epoch);
  await pings?.settle(Math.max(0, drainTimeoutMs - (performance.now() - drainStarted)));
  await profiler.stop(`${plan?.protocol ?? 'clients'}-window`);
  latencyBins.flushInto(intervalLatency);
  windowLatency.add(intervalLatency);
  intervalLatency.reset();
  measuring = false;
  const { delivery, reconnect } = dropLog.settle(
    slots.filter((slot) => slot.connected).map((slot) => slot.follower),
    epochEnds,
  );
  send({
    type: 'final',
    connected: connectedCount(),
    caughtUp: caughtUpCount(seqEnd, epoch),
    messages: windowMessages,
    payloadBytes,
    expected: delivery.expected,
    delivered: delivery.delivered,
    duplicated: delivery.duplicated,
    outOfOrder: delivery.outOfOrder,
    counters: counters(),
    latency: encodeHistogram(windowLatency),
    pingRaw: encodeHistogram(pingRaw),
    pingCorrected: encodeHistogram(pingCorrected),
    ping: pings === undefined ? emptyPingTally() : { ...pings.tally },
    refusals: { ...refusals },
    spread: spread.drain(),
    loopDelayP99Ms: loopDelayP99(),
    reconnect: plan?.trackDrops === true ? reconnect : null,
    attemptBins: attempts.drain(),
    errors: [...errorSamples],
    ...(chat === undefined ? {} : { chat: chat.report(connectedClients()) }),
    ...(h2Groups === undefined ? {} : { h2ConnectionsOpened: h2Groups.opened }),
  });
}

async function closeAll(): Promise<void> {
  measuring = false;
  if (tickTimer !== undefined) clearInterval(tickTimer);
  tickTimer = undefined;
  pings?.stopScheduling();
  chat?.stop();
  await Promise.allSettled(slots.map(({ client }) => client.close()));
  await h2Groups?.close();
  loopDelay.disable();
  send({ type: 'closed' });
}

async function handle(message: CoordinatorMessage): Promise<void> {
  switch (message.type) {
    case 'connect':
      plan = message.plan;
      if (message.plan.chat !== undefined) chat = new WorkerChatState(message.plan.chat, noteError);
      if (message.plan.variant?.http2 === true) h2Groups = new H2Groups(message.plan.url, message.plan.h2StreamsPerConnection ?? 1);
      dropLog = new DropLog(!PROTOCOLS[message.plan.protocol].holdsConnection);
      startTicks();
      await connectAll(message.plan);
      return;
    case 'measure':
      await measure(message.seqStart, message.epoch, message.settleTimeoutMs);
      return;
    case 'arm':
      arm(message.drop, message.instance, message.cut === true);
      return;
    case 'dropped':
      dropLog.dropped(message.drop, message.startedAt, message.doneAt);
      return;
    case 'finish':
      await finish(message.seqEnd, message.epoch, message.epochEnds, message.drainTimeoutMs);
      return;
    case 'sample':
      send({ type: 'sample', counters: counters(), connected: connectedCount() });
      return;
    case 'close':
      await closeAll();
      return;
  }
}

port.on('message', (message: CoordinatorMessage) => {
  handle(message).catch((error: unknown) =>
    send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
// The coordinator reads this thread's run-queue wait from /proc/self/task/<tid>/schedstat.
send({ type: 'ready', tid: currentThreadId() ?? null });

/** Round-robin over the instances: client `index` starts on instance `index % N` and moves on from there. */
function clientUrls(index: number, current: ClientPlan): Pick<FeedClientOptions, 'url' | 'urls'> {
  const instances = current.instanceUrls ?? [];
  if (instances.length < 2) return { url: current.url };
  const first = index % instances.length;
  const urls = [...instances.slice(first), ...instances.slice(0, first)];
  return { url: urls[0]!, urls: urls.slice(1) };
}

/** Whether a client connected (and so counts as a member of its room): a lookup made once, not a scan per client. */
function connectedClients(): (client: FeedClient) => boolean {
  const connected = new Set(slots.filter((slot) => slot.connected).map((slot) => slot.client));
  return (client) => connected.has(client);
}

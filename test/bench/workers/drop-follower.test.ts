import { describe, expect, it } from 'vitest';
import { ClientFollower, DropLog, AttemptBins } from '../../../bench/workers/drop-follower.js';
import { decodeHistogram } from '../../../bench/report/histogram.js';

/**
 * The per-client accounting of a drop, driven by hand: what the worker's handlers would call,
 * in the order a real client would cause. Times are µs; the feed publishes seq n at n × 100 ms.
 */
const ts = (seq: number): number => seq * 100_000;

function window(withoutLoss = false): { log: DropLog; client: ClientFollower } {
  const log = new DropLog(withoutLoss);
  const client = new ClientFollower(log, 'aaaa1111');
  client.start(10, 'aaaa1111');
  return { log, client };
}

function deliver(client: ClientFollower, from: number, to: number, receivedAt: (seq: number) => number = (seq) => ts(seq) + 1000): void {
  for (let seq = from; seq <= to; seq++) client.update(seq, ts(seq), receivedAt(seq), true);
}

describe('ClientFollower and DropLog', () => {
  it('counts a resume: outage updates recovered, recovery from the drop to the first message again', () => {
    const { log, client } = window();
    deliver(client, 11, 20);
    client.arm(0, ts(20) + 50_000, true);
    log.dropped(0, ts(20) + 50_000, ts(20) + 51_000);
    client.lost(ts(20) + 52_000);
    // Back 1 s later: the backlog 21..30 arrives at once, then live updates.
    const back = ts(30) + 60_000;
    deliver(client, 21, 30, () => back);
    deliver(client, 31, 40);
    const { delivery, reconnect } = log.settle([client], { aaaa1111: 40 });
    expect(delivery).toEqual({ expected: 30, delivered: 30, duplicated: 0, outOfOrder: 0 });
    expect(reconnect).toMatchObject({
      clientDrops: 1,
      recovered: 1,
      publishedDuringOutage: 10,
      recoveredByResume: 10,
      missedInOutage: 0,
      coveredByReset: 0,
    });
    const recovery = decodeHistogram(reconnect.recovery);
    expect(recovery.totalCount).toBe(1);
    expect(Math.abs(recovery.maxValue - (back - (ts(20) + 50_000)))).toBeLessThan(1000);
  });

  it('splits a recovery into noticed, waited and reopened, which add up to it', () => {
    const { log, client } = window();
    deliver(client, 11, 20);
    const dropAt = ts(20) + 50_000;
    client.arm(0, dropAt, true);
    log.dropped(0, dropAt, dropAt + 1000);
    client.lost(dropAt + 30_000); // the close is read 30 ms after the drop
    // The attempt that works starts 700 ms later and its first message comes 120 ms after its start.
    const back = dropAt + 30_000 + 700_000 + 120_000;
    client.opened(120_000);
    deliver(client, 21, 28, () => back);
    const { reconnect } = log.settle([client], { aaaa1111: 28 });
    const part = (encoded: string): number => decodeHistogram(encoded).maxValue;
    expect(decodeHistogram(reconnect.phases.noticed).totalCount).toBe(1);
    expect(Math.abs(part(reconnect.phases.noticed) - 30_000)).toBeLessThan(100);
    expect(Math.abs(part(reconnect.phases.waited) - 700_000)).toBeLessThan(1000);
    expect(Math.abs(part(reconnect.phases.reopened) - 120_000)).toBeLessThan(200);
    expect(Math.abs(part(reconnect.recovery) - (back - dropAt))).toBeLessThan(1000);
  });

  it('has no recovery parts for a short poll that never saw the drop', () => {
    const { log, client } = window(true);
    deliver(client, 11, 20);
    client.arm(0, ts(20) + 10, true);
    log.dropped(0, ts(20) + 10, ts(20) + 20);
    client.opened(5000);
    deliver(client, 21, 25);
    const { reconnect } = log.settle([client], { aaaa1111: 25 });
    expect(reconnect.recovered).toBe(1);
    expect(decodeHistogram(reconnect.phases.noticed).totalCount).toBe(0);
  });

  it('counts a gap in the resumed updates as missed in the outage, and a re-sent one as duplicated', () => {
    const { log, client } = window();
    deliver(client, 11, 20);
    client.arm(0, ts(20) + 10, true);
    log.dropped(0, ts(20) + 10, ts(20) + 20);
    client.lost(ts(20) + 30);
    const back = ts(26) + 1;
    for (const seq of [20, 21, 22, 24, 25, 26]) client.update(seq, ts(seq), back, true);
    deliver(client, 27, 30);
    const { delivery, reconnect } = log.settle([client], { aaaa1111: 30 });
    expect(delivery).toEqual({ expected: 20, delivered: 19, duplicated: 1, outOfOrder: 0 });
    expect(reconnect).toMatchObject({ publishedDuringOutage: 6, recoveredByResume: 5, missedInOutage: 1 });
  });

  it('does not take what the old connection still delivers for a recovery', () => {
    const { log, client } = window();
    deliver(client, 11, 20);
    client.arm(0, ts(20) + 10, true);
    log.dropped(0, ts(20) + 10, ts(20) + 20);
    client.update(21, ts(21), ts(21) + 5, true); // in flight before the close was read
    client.lost(ts(21) + 10);
    const back = ts(25) + 1;
    deliver(client, 22, 25, () => back);
    const { reconnect } = log.settle([client], { aaaa1111: 25 });
    expect(reconnect).toMatchObject({ recovered: 1, publishedDuringOutage: 4, recoveredByResume: 4 });
    expect(decodeHistogram(reconnect.recovery).maxValue).toBeGreaterThan(ts(25) - ts(20) - 1000);
  });

  it('short polling: the next answer after the drop counts even without a loss', () => {
    const { log, client } = window(true);
    deliver(client, 11, 20);
    client.arm(0, ts(20) + 10, true);
    // Not recovered before the worker knows the drop happened.
    client.update(21, ts(21), ts(21) + 5, true);
    log.dropped(0, ts(20) + 10, ts(20) + 20);
    const back = ts(29) + 1;
    deliver(client, 22, 29, () => back);
    const { reconnect } = log.settle([client], { aaaa1111: 29 });
    expect(reconnect).toMatchObject({ recovered: 1, publishedDuringOutage: 8, recoveredByResume: 8 });
  });

  it('a push client that never lost its connection has not recovered', () => {
    const { log, client } = window(false);
    deliver(client, 11, 20);
    client.arm(0, ts(20), true);
    log.dropped(0, ts(20), ts(20) + 10);
    deliver(client, 21, 25);
    const { reconnect } = log.settle([client], { aaaa1111: 25 });
    expect(reconnect).toMatchObject({ clientDrops: 1, recovered: 0 });
  });

  it('a restart: the old epoch ends where the server died, the new one starts at the reset, both are exact', () => {
    const { log, client } = window();
    deliver(client, 11, 18); // 19 and 20 were published but never arrived before the kill
    client.arm(0, ts(20) + 10, true);
    log.dropped(0, ts(20) + 10, ts(20) + 20);
    client.lost(ts(20) + 30);
    // The new server (epoch bbbb) has published 3 updates when the client comes back.
    client.snapshot('reset', 3, 'bbbb2222', ts(24), true);
    for (let seq = 4; seq <= 12; seq++) client.update(seq, ts(seq) + 9e6, ts(seq) + 9e6 + 500, true);
    const { delivery, reconnect } = log.settle([client], { aaaa1111: 20, bbbb2222: 12 });
    // Epoch a: 10 expected, 8 delivered, 2 lost with the server (covered). Epoch b: 9 after the snapshot.
    expect(delivery).toEqual({ expected: 8 + 9, delivered: 17, duplicated: 0, outOfOrder: 0 });
    expect(reconnect).toMatchObject({
      recovered: 1,
      publishedDuringOutage: 2 + 3,
      coveredByReset: 5,
      recoveredByResume: 0,
      missedInOutage: 0,
    });
  });

  it('a client still away at the next drop closes its record as not recovered', () => {
    const { log, client } = window();
    deliver(client, 11, 15);
    client.arm(0, ts(15), true);
    log.dropped(0, ts(15), ts(15) + 10);
    client.lost(ts(15) + 20);
    client.arm(1, ts(20), false);
    log.dropped(1, ts(20), ts(20) + 10);
    deliver(client, 16, 25, () => ts(25) + 1);
    const { reconnect } = log.settle([client], { aaaa1111: 25 });
    expect(reconnect).toMatchObject({ clientDrops: 2, recovered: 1, publishedDuringOutage: 10, recoveredByResume: 10 });
  });
});

describe('AttemptBins', () => {
  it('counts attempts per bin and drains them as pairs', () => {
    const bins = new AttemptBins(100_000);
    bins.record(1_000_000);
    bins.record(1_050_000);
    bins.record(1_100_000);
    expect(bins.drain()).toEqual([10, 2, 11, 1]);
    expect(bins.drain()).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  encodeMarker,
  MARKER_BYTES,
  MarkerScanner,
  markedMessage,
  newRunTag,
  TIMESTAMP_WRAP,
  unwrapTimestamp,
} from '../../clients/codecs/marker.js';

const RUN = '0a1f';
const NOW = 5_000_000_000;

function scan(text: string | Buffer, scanner = new MarkerScanner(RUN), now = NOW): Array<[number, number]> {
  const buf = typeof text === 'string' ? Buffer.from(text) : text;
  const count = scanner.scan(buf, 0, buf.length, now);
  return Array.from({ length: count }, (_, i) => [scanner.seqs[i]!, scanner.timestamps[i]!]);
}

describe('marker encoding', () => {
  it('is 32 ASCII bytes with the run, seq and timestamp in fixed places', () => {
    const marker = encodeMarker(RUN, 0x1234, 0xabcdef);
    expect(marker).toBe('~wl1.0a1f.00001234.000000abcdef~');
    expect(Buffer.byteLength(marker)).toBe(MARKER_BYTES);
  });

  it('pads a message to exactly the size asked for, and refuses a size that cannot hold the marker', () => {
    for (const bytes of [32, 33, 256, 5000]) {
      const message = markedMessage(RUN, 7, 99, bytes);
      expect(Buffer.byteLength(message)).toBe(bytes);
      expect(message.startsWith(encodeMarker(RUN, 7, 99))).toBe(true);
      expect(/^x*$/.test(message.slice(MARKER_BYTES))).toBe(true);
    }
    expect(() => markedMessage(RUN, 7, 99, 31)).toThrow(/at least 32 bytes/);
  });

  it('rejects what a marker cannot carry, naming it', () => {
    expect(() => encodeMarker('0A1F', 1, 1)).toThrow(/run tag/);
    expect(() => encodeMarker(RUN, 2 ** 32, 1)).toThrow(/seq/);
    expect(() => encodeMarker(RUN, -1, 1)).toThrow(/seq/);
    expect(() => encodeMarker(RUN, 1, 1.5)).toThrow(/timestamp/);
  });

  it('makes run tags of 4 lower-case hex digits', () => {
    expect(newRunTag(() => 0)).toBe('0000');
    expect(newRunTag(() => 0.999999)).toBe('ffff');
    expect(newRunTag()).toMatch(/^[0-9a-f]{4}$/);
  });

  it('carries the timestamp modulo 2^48 and unwraps it from the receiver clock', () => {
    expect(unwrapTimestamp(123, 456)).toBe(123);
    const now = TIMESTAMP_WRAP * 2 + 500;
    const ts = now - 1000;
    const marker = encodeMarker(RUN, 1, ts);
    expect(scan(marker, new MarkerScanner(RUN), now)).toEqual([[1, ts]]);
  });
});

describe('marker scanning', () => {
  it('finds the marker in the envelopes servers put around a body', () => {
    const message = markedMessage(RUN, 42, 1000, 100);
    const envelopes = [
      message, // nchan raw body, WebSocket frame
      JSON.stringify({ type: 'update', body: message, at: 1 }), // a server's JSON
      JSON.stringify({ wrapped: JSON.stringify({ body: message }) }), // escaped twice
      `42${JSON.stringify(['feed', message])}`, // a Socket.IO event
      encodeURIComponent(message), // form or query encoding
      `<p>${message}</p>`, // HTML
      `--b\r\nContent-Type: text/plain\r\n\r\n${message}\r\n--b--`, // multipart/mixed poll answer
    ];
    for (const envelope of envelopes) expect(scan(envelope)).toEqual([[42, 1000]]);
  });

  it('survives JSON escaping that rewrites < > & / and non-ASCII (Go, PHP)', () => {
    const message = markedMessage(RUN, 3, 77, 64);
    const escaped = JSON.stringify({ body: `<a href="/x">&é</a> ${message}` })
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/\//g, '\\/')
      .replace(/é/g, '\\u00e9');
    expect(scan(escaped)).toEqual([[3, 77]]);
  });

  it('finds every marker of a batched answer, in order, adjacent ones included', () => {
    const body =
      JSON.stringify({ items: [1, 2, 3].map((seq) => ({ body: markedMessage(RUN, seq, seq * 10, 40) })) }) +
      encodeMarker(RUN, 4, 40) +
      encodeMarker(RUN, 5, 50);
    expect(scan(body)).toEqual([
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 40],
      [5, 50],
    ]);
  });

  it('counts markers of another run apart and does not report them', () => {
    const scanner = new MarkerScanner(RUN);
    expect(scan(encodeMarker('beef', 1, 1) + encodeMarker(RUN, 2, 2), scanner)).toEqual([[2, 2]]);
    expect(scanner.otherRuns).toBe(1);
  });

  it('never takes text that only looks like a marker for one', () => {
    const good = encodeMarker(RUN, 9, 9);
    const fakes = [
      '~wl1.', // the prefix alone
      good.slice(0, 31), // cut short
      good.replace('.00000009', '.0000000g'), // not hex
      good.replace('.00000009', '.0000000A'), // upper case
      good.slice(0, 31) + '!', // wrong end
      good.replace('0a1f.', '0a1f,'), // wrong separator
      '~wl2.0a1f.00000009.000000000009~', // another format version
    ];
    for (const fake of fakes) expect(scan(`xx${fake}xx`)).toEqual([]);
    // A fake prefix just before a real marker does not hide it.
    expect(scan(`~wl1.~wl1.${good}`)).toEqual([[9, 9]]);
  });

  it('reads only the range it is given, not the rest of a reused read buffer', () => {
    const buf = Buffer.from(`${encodeMarker(RUN, 1, 1)}|${encodeMarker(RUN, 2, 2)}`);
    const scanner = new MarkerScanner(RUN);
    expect(scanner.scan(buf, 0, 33, NOW)).toBe(1);
    expect(scanner.seqs[0]).toBe(1);
    // A marker cut by the range's end is not found (the caller's framing joins split messages).
    expect(scanner.scan(buf, 33, buf.length - 1, NOW)).toBe(0);
    expect(scanner.scan(buf, 33, buf.length, NOW)).toBe(1);
    expect(scanner.seqs[0]).toBe(2);
  });
});

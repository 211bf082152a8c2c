import { messageId } from '../../../clients/websocket.js';
import { describe, expect, it } from 'vitest';
import {
  acceptFor,
  checkUpgrade,
  closePayload,
  handshakeKey,
  maskedFrame,
  OPCODE,
  WsFrameParser,
  type WsFrameHandler,
} from '../../../clients/codecs/ws-frames.js';
import { bytewise, feedReused, randomSplits, serverFrame } from '../wire.js';

type Event =
  | { kind: 'message'; text: string; binary: boolean }
  | { kind: 'ping' | 'pong'; payload: string }
  | { kind: 'close'; code: number | undefined; reason: string }
  | { kind: 'error'; code: number; message: string };

function recorder(): { events: Event[]; handler: WsFrameHandler; buffers: Buffer[] } {
  const events: Event[] = [];
  const buffers: Buffer[] = [];
  const handler: WsFrameHandler = {
    message(buf, start, end, binary) {
      buffers.push(buf);
      events.push({ kind: 'message', text: buf.toString('utf8', start, end), binary });
    },
    ping: (payload) => events.push({ kind: 'ping', payload: payload.toString() }),
    pong: (payload) => events.push({ kind: 'pong', payload: payload.toString() }),
    close: (code, reason) => events.push({ kind: 'close', code, reason: reason.toString() }),
    error: (code, message) => events.push({ kind: 'error', code, message }),
  };
  return { events, handler, buffers };
}

/** Parses `pieces` as separate reads into one reused buffer (as the client reads sockets). */
function parse(pieces: Buffer[], maxPayload?: number): Event[] {
  const { events, handler } = recorder();
  const parser = new WsFrameParser(handler, maxPayload);
  feedReused(pieces, (buf, start, end) => parser.push(buf, start, end));
  return events;
}

const mid = 'm'.repeat(300);
const big = Buffer.alloc(70_000, 0x62).toString();

/** A stream with every kind of frame, and the events it must produce. */
function sampleStream(withBig: boolean): { stream: Buffer; expected: Event[] } {
  const frames = [
    serverFrame(OPCODE.text, 'hello'),
    serverFrame(OPCODE.text, mid),
    serverFrame(OPCODE.ping, 'p1'),
    serverFrame(OPCODE.text, '{"seq":1,', { fin: false }),
    serverFrame(OPCODE.ping, 'between'),
    serverFrame(OPCODE.continuation, '"ts":2,', { fin: false }),
    serverFrame(OPCODE.pong, 'po'),
    serverFrame(OPCODE.continuation, '"type":"update"}'),
    serverFrame(OPCODE.binary, Buffer.from([0x41, 0x42])),
    serverFrame(OPCODE.text, 'sixty-four', { lengthForm: 64 }),
    serverFrame(OPCODE.text, 'sixteen', { lengthForm: 16 }),
    serverFrame(OPCODE.text, ''),
    serverFrame(OPCODE.binary, Buffer.alloc(0), { fin: false }),
    serverFrame(OPCODE.continuation, 'C'),
    ...(withBig
      ? [serverFrame(OPCODE.text, big.slice(0, 40_000), { fin: false }), serverFrame(OPCODE.continuation, big.slice(40_000))]
      : []),
    ...(withBig ? [serverFrame(OPCODE.text, big)] : []),
    serverFrame(OPCODE.close, closePayload(4000, 'dropped by control')),
    serverFrame(OPCODE.text, 'after close: ignored'),
  ];
  const expected: Event[] = [
    { kind: 'message', text: 'hello', binary: false },
    { kind: 'message', text: mid, binary: false },
    { kind: 'ping', payload: 'p1' },
    { kind: 'ping', payload: 'between' },
    { kind: 'pong', payload: 'po' },
    { kind: 'message', text: '{"seq":1,"ts":2,"type":"update"}', binary: false },
    { kind: 'message', text: 'AB', binary: true },
    { kind: 'message', text: 'sixty-four', binary: false },
    { kind: 'message', text: 'sixteen', binary: false },
    { kind: 'message', text: '', binary: false },
    { kind: 'message', text: 'C', binary: true },
    ...(withBig ? [{ kind: 'message', text: big, binary: false } as const, { kind: 'message', text: big, binary: false } as const] : []),
    { kind: 'close', code: 4000, reason: 'dropped by control' },
  ];
  return { stream: Buffer.concat(frames), expected };
}

describe('WsFrameParser', () => {
  it('reads a stream delivered whole', () => {
    const { stream, expected } = sampleStream(true);
    expect(parse([stream])).toEqual(expected);
  });

  it('reads a stream split in two at every byte', () => {
    const { stream, expected } = sampleStream(false);
    for (let at = 0; at <= stream.length; at++) {
      const events = parse([stream.subarray(0, at), stream.subarray(at)]);
      if (JSON.stringify(events) !== JSON.stringify(expected)) expect({ at, events }).toEqual({ at, events: expected });
    }
  });

  it('reads a stream delivered one byte at a time (16- and 64-bit lengths, fragments)', () => {
    const { stream, expected } = sampleStream(true);
    expect(parse(bytewise(stream))).toEqual(expected);
  });

  it('reads a stream split at random places', () => {
    const { stream, expected } = sampleStream(true);
    for (let seed = 1; seed <= 200; seed++) {
      const pieces = randomSplits(stream, seed, seed % 2 === 0 ? 16 : 4096);
      const events = parse(pieces);
      if (JSON.stringify(events) !== JSON.stringify(expected)) expect({ seed, events }).toEqual({ seed, events: expected });
    }
  });

  it('hands over a frame inside one chunk as a range of that chunk, without a copy', () => {
    const chunk = Buffer.concat([serverFrame(OPCODE.text, 'one'), serverFrame(OPCODE.text, mid), serverFrame(OPCODE.text, 'three')]);
    const { handler, buffers, events } = recorder();
    new WsFrameParser(handler).push(chunk);
    expect(events.map((e) => (e.kind === 'message' ? e.text.length : -1))).toEqual([3, 300, 5]);
    for (const buf of buffers) expect(buf).toBe(chunk);
  });

  it('reads a close frame without a status', () => {
    expect(parse([serverFrame(OPCODE.close, '')])).toEqual([{ kind: 'close', code: undefined, reason: '' }]);
  });

  it.each([
    ['a masked server frame', serverFrame(OPCODE.text, 'x', { mask: true }), 1002],
    ['RSV bits', serverFrame(OPCODE.text, 'x', { rsv: 0x40 }), 1002],
    ['a continuation without a message', serverFrame(OPCODE.continuation, 'x'), 1002],
    [
      'a new message inside a fragmented one',
      Buffer.concat([serverFrame(OPCODE.text, 'a', { fin: false }), serverFrame(OPCODE.text, 'b')]),
      1002,
    ],
    ['a control frame over 125 bytes', serverFrame(OPCODE.ping, 'p'.repeat(126)), 1002],
    ['a fragmented control frame', serverFrame(OPCODE.ping, 'p', { fin: false }), 1002],
    ['an unknown opcode', serverFrame(0x3, 'x'), 1002],
    ['a 1-byte close payload', serverFrame(OPCODE.close, Buffer.from([3])), 1002],
    ['close code 1005 on the wire', serverFrame(OPCODE.close, closePayload(1005)), 1002],
    ['close code 2999', serverFrame(OPCODE.close, closePayload(2999)), 1002],
    ['a 64-bit length with the top bit set', Buffer.from([0x81, 127, 0x80, 0, 0, 0, 0, 0, 0, 1]), 1002],
    ['a message over the size limit', serverFrame(OPCODE.text, 'x'.repeat(2000)), 1009],
    [
      'fragments over the size limit',
      Buffer.concat([serverFrame(OPCODE.text, 'x'.repeat(600), { fin: false }), serverFrame(OPCODE.continuation, 'x'.repeat(600))]),
      1009,
    ],
  ])('closes with a protocol error on %s, split or whole, and reads nothing after it', (_what, bad, code) => {
    const stream = Buffer.concat([serverFrame(OPCODE.text, 'ok'), bad, serverFrame(OPCODE.text, 'never')]);
    for (let at = 0; at <= stream.length; at++) {
      const events = parse([stream.subarray(0, at), stream.subarray(at)], 1024);
      expect(events[0]).toEqual({ kind: 'message', text: 'ok', binary: false });
      expect(events.slice(1)).toEqual([{ kind: 'error', code, message: expect.any(String) }]);
    }
  });

  it('stops when told to, even in the middle of a chunk', () => {
    const { handler, events } = recorder();
    const parser = new WsFrameParser({
      ...handler,
      message: (buf, start, end, binary) => {
        handler.message(buf, start, end, binary, false);
        parser.stop();
      },
    });
    parser.push(Buffer.concat([serverFrame(OPCODE.text, 'a'), serverFrame(OPCODE.text, 'b')]));
    expect(events).toEqual([{ kind: 'message', text: 'a', binary: false }]);
  });
});

describe('client frames', () => {
  function unmask(frame: Buffer): { fin: boolean; opcode: number; payload: Buffer; masked: boolean } {
    const short = frame[1]! & 0x7f;
    let at = 2;
    let length = short;
    if (short === 126) {
      length = frame.readUInt16BE(2);
      at = 4;
    } else if (short === 127) {
      length = Number(frame.readBigUInt64BE(2));
      at = 10;
    }
    const mask = frame.subarray(at, at + 4);
    const payload = Buffer.from(frame.subarray(at + 4, at + 4 + length).map((byte, i) => byte ^ mask[i & 3]!));
    expect(frame.length).toBe(at + 4 + length);
    return { fin: (frame[0]! & 0x80) !== 0, opcode: frame[0]! & 0x0f, payload, masked: (frame[1]! & 0x80) !== 0 };
  }

  it.each([0, 5, 125, 126, 300, 65_535, 65_536, 70_000])('masks a %i-byte payload with a fresh random key', (size) => {
    const payload = Buffer.alloc(size, 0x61);
    const a = maskedFrame(OPCODE.text, payload);
    const b = maskedFrame(OPCODE.text, payload);
    expect(unmask(a)).toEqual({ fin: true, opcode: OPCODE.text, payload, masked: true });
    if (size >= 8) expect(a.equals(b)).toBe(false);
  });

  it('matches the masking example of RFC 6455 §5.7', () => {
    const frame = maskedFrame(OPCODE.text, Buffer.from('Hello'), Buffer.from([0x37, 0xfa, 0x21, 0x3d]));
    expect(frame.toString('hex')).toBe('818537fa213d7f9f4d5158');
  });

  it('builds close payloads, cutting long reasons to fit a control frame', () => {
    expect(closePayload(1000, 'bye')).toEqual(Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65]));
    expect(closePayload(undefined)).toHaveLength(0);
    expect(closePayload(1000, 'x'.repeat(500))).toHaveLength(125);
  });
});

describe('opening handshake', () => {
  it('computes Sec-WebSocket-Accept as RFC 6455 §1.3 does', () => {
    expect(acceptFor('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('makes a fresh 16-byte key each time', () => {
    const a = handshakeKey();
    expect(Buffer.from(a, 'base64')).toHaveLength(16);
    expect(handshakeKey()).not.toBe(a);
  });

  it('accepts only the right answer', () => {
    const key = handshakeKey();
    const good = { upgrade: 'WebSocket', connection: 'Upgrade', 'sec-websocket-accept': acceptFor(key) };
    expect(checkUpgrade(good, key)).toBeUndefined();
    expect(checkUpgrade({ ...good, 'sec-websocket-accept': acceptFor(handshakeKey()) }, key)).toBe('Invalid Sec-WebSocket-Accept header');
    expect(checkUpgrade({ connection: 'Upgrade', 'sec-websocket-accept': acceptFor(key) }, key)).toBe('Invalid Upgrade header');
    expect(checkUpgrade({ ...good, 'sec-websocket-extensions': 'permessage-deflate' }, key)).toMatch(/Extensions/);
    expect(checkUpgrade({ ...good, 'sec-websocket-protocol': 'chat' }, key)).toMatch(/subprotocol/);
  });

  it('asked for a subprotocol (nchan message ids), accepts only an answer that names it', () => {
    const key = handshakeKey();
    const good = { upgrade: 'websocket', 'sec-websocket-accept': acceptFor(key), 'sec-websocket-protocol': 'ws+meta.nchan' };
    expect(checkUpgrade(good, key, false, 'ws+meta.nchan')).toBeUndefined();
    expect(checkUpgrade({ ...good, 'sec-websocket-protocol': 'chat' }, key, false, 'ws+meta.nchan')).toBe(
      'Server sent the subprotocol chat, not ws+meta.nchan',
    );
    const { 'sec-websocket-protocol': _, ...none } = good;
    expect(checkUpgrade(none, key, false, 'ws+meta.nchan')).toBe('Server did not accept the subprotocol ws+meta.nchan');
  });
});

describe('messageId (ws+meta.nchan)', () => {
  it('reads the id line a message opens with, and nothing from a message without one', () => {
    const message = Buffer.from('..id: 1796080368:2\ncontent-type: text/plain\n\n~wl1.abcd…');
    expect(messageId(message, 2, message.length)).toBe('1796080368:2');
    expect(messageId(message, 0, message.length)).toBeUndefined();
    expect(messageId(Buffer.from('id: \nx'), 0, 6)).toBeUndefined();
    expect(messageId(Buffer.from('id: 12'), 0, 6)).toBeUndefined();
    expect(messageId(Buffer.from('hello'), 0, 5)).toBeUndefined();
  });
});

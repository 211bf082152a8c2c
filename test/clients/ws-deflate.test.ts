import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { DeflateParams } from '../../clients/codecs/ws-extensions.js';
import { deflateMessage, MessageInflater } from '../../clients/ws-deflate.js';
import { OPCODE, RSV1, WsFrameParser } from '../../clients/codecs/ws-frames.js';
import { serverFrame } from './wire.js';

const TAKEOVER: DeflateParams = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};
const NO_TAKEOVER: DeflateParams = { ...TAKEOVER, serverNoContextTakeover: true, clientNoContextTakeover: true };

/** What a server with context takeover sends: one zlib stream, flushed per message, tail removed. */
async function compressInOrder(messages: Buffer[]): Promise<Buffer[]> {
  const deflate = zlib.createDeflateRaw();
  let output: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => output.push(chunk));
  const frames: Buffer[] = [];
  for (const message of messages) {
    await new Promise<void>((resolve) => {
      deflate.write(message);
      deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve());
    });
    const all = Buffer.concat(output);
    output = [];
    frames.push(all.subarray(0, all.length - 4));
  }
  deflate.close();
  return frames;
}

describe('MessageInflater', () => {
  it('inflates a stream compressed with context takeover, across more than the 32 KiB window and messages larger than it', async () => {
    const block = randomBytes(3000).toString('base64');
    const messages = Array.from({ length: 60 }, (_, index) =>
      Buffer.from(index % 17 === 16 ? block.repeat(12) : `{"n":${index},"block":"${block.slice(0, 500 + index * 7)}"}`),
    );
    const compressed = await compressInOrder(messages);
    const inflater = new MessageInflater(TAKEOVER, 10 * 1024 * 1024);
    const out = compressed.map((payload) => inflater.inflate(payload, 0, payload.length).toString('utf8'));
    expect(out).toEqual(messages.map((message) => message.toString('utf8')));
    // The later copies of a message are back-references: far smaller than the first.
    expect(compressed[33]!.length).toBeLessThan(compressed[16]!.length / 5);
  });

  it('without takeover keeps no history and inflates standalone messages', () => {
    const inflater = new MessageInflater(NO_TAKEOVER, 1024);
    for (const text of ['{"a":1}', '{"a":1}', 'x'.repeat(500)]) {
      const compressed = zlib.deflateRawSync(text, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      expect(inflater.inflate(compressed, 0, compressed.length - 4).toString('utf8')).toBe(text);
    }
  });

  it('refuses a message that inflates past the limit with a RangeError, and garbage with an Error', () => {
    const inflater = new MessageInflater(NO_TAKEOVER, 1000);
    const bomb = zlib.deflateRawSync(Buffer.alloc(100_000), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    expect(() => inflater.inflate(bomb, 0, bomb.length - 4)).toThrow(RangeError);
    const garbage = Buffer.from([0xff, 0xff, 0xff, 0x00]);
    expect(() => inflater.inflate(garbage, 0, garbage.length)).toThrow();
  });

  it('compresses what the client sends so that a fresh inflater reads it, and sends plain with a 256-byte window', () => {
    const payload = Buffer.from('{"type":"chat","from":"c1","n":1,"ts":5,"text":"hello hello hello"}');
    const compressed = deflateMessage(payload, TAKEOVER)!;
    expect(
      zlib
        .inflateRawSync(Buffer.concat([compressed, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlib.constants.Z_SYNC_FLUSH })
        .equals(payload),
    ).toBe(true);
    expect(deflateMessage(payload, { ...TAKEOVER, clientMaxWindowBits: 8 })).toBeUndefined();
  });
});

describe('WsFrameParser with permessage-deflate', () => {
  const parse = (stream: Buffer, deflate: boolean): unknown[] => {
    const events: unknown[] = [];
    const parser = new WsFrameParser(
      {
        message: (buf, start, end, binary, compressed) => events.push({ text: buf.toString('latin1', start, end), binary, compressed }),
        ping: () => events.push('ping'),
        pong: () => events.push('pong'),
        close: (code) => events.push({ close: code }),
        error: (code, message) => events.push({ error: code, message }),
      },
      1024,
      deflate,
    );
    for (let at = 0; at < stream.length; at++) parser.push(stream, at, at + 1);
    return events;
  };

  it('hands RSV1 messages over as compressed, fragmented ones too, and plain ones as plain', () => {
    const stream = Buffer.concat([
      serverFrame(OPCODE.text, 'zip', { rsv: RSV1 }),
      serverFrame(OPCODE.text, 'plain'),
      serverFrame(OPCODE.text, 'fr', { rsv: RSV1, fin: false }),
      serverFrame(OPCODE.continuation, 'ag'),
    ]);
    expect(parse(stream, true)).toEqual([
      { text: 'zip', binary: false, compressed: true },
      { text: 'plain', binary: false, compressed: false },
      { text: 'frag', binary: false, compressed: true },
    ]);
  });

  it('fails with 1002 on RSV1 without the extension, on a continuation or control frame, and on RSV2', () => {
    expect(parse(serverFrame(OPCODE.text, 'x', { rsv: RSV1 }), false)).toEqual([
      { error: 1002, message: 'RSV bits set without a negotiated extension' },
    ]);
    expect(
      parse(Buffer.concat([serverFrame(OPCODE.text, 'a', { fin: false }), serverFrame(OPCODE.continuation, 'b', { rsv: RSV1 })]), true),
    ).toEqual([{ error: 1002, message: 'RSV1 set on a continuation or control frame' }]);
    expect(parse(serverFrame(OPCODE.ping, '', { rsv: RSV1 }), true)).toEqual([
      { error: 1002, message: 'RSV1 set on a continuation or control frame' },
    ]);
    expect(parse(serverFrame(OPCODE.text, 'x', { rsv: 0x20 }), true)).toEqual([
      { error: 1002, message: 'RSV bits set without a negotiated extension' },
    ]);
  });
});

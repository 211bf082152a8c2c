import { describe, expect, it } from 'vitest';
import { head, parseMessage, readUpdateBytes, readUpdateString } from '../../../clients/codecs/feed-message.js';

const UPDATE = '{"seq":42,"ts":183920441123,"type":"update","data":{"id":3,"name":"Falcons vs Wolves","score":{"home":2,"away":1}}}';

function bytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

describe('readUpdateBytes / readUpdateString', () => {
  it('reads seq and ts of an update', () => {
    head.seq = -1;
    expect(readUpdateBytes(bytes(UPDATE), 0, Buffer.byteLength(UPDATE))).toBe(true);
    expect(head).toEqual({ seq: 42, ts: 183920441123 });
    head.seq = -1;
    expect(readUpdateString(UPDATE)).toBe(true);
    expect(head).toEqual({ seq: 42, ts: 183920441123 });
  });

  it('reads a message inside a larger buffer, range only', () => {
    const text = `data: ${UPDATE}\n\n{"seq":7`;
    const buf = bytes(text);
    expect(readUpdateBytes(buf, 6, 6 + UPDATE.length)).toBe(true);
    expect(head.seq).toBe(42);
  });

  it('reads the largest safe integers and zero', () => {
    const text = `{"seq":0,"ts":${Number.MAX_SAFE_INTEGER},"type":"update","data":{}}`;
    expect(readUpdateString(text)).toBe(true);
    expect(head).toEqual({ seq: 0, ts: Number.MAX_SAFE_INTEGER });
    expect(readUpdateBytes(bytes(text), 0, text.length)).toBe(true);
    expect(head.ts).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('accepts an update that ends right after its type', () => {
    expect(readUpdateString('{"seq":1,"ts":2,"type":"update"}')).toBe(true);
  });

  it('leaves everything else to the full parser', () => {
    const others = [
      '{"seq":41,"ts":183920440001,"type":"initial","epoch":"k3v9x2q1","data":{"events":[]}}',
      '{"seq":9000,"ts":183920449999,"type":"reset","epoch":"p0c7m3za","reason":"too-old","data":{"events":[]}}',
      '{"type":"pong","id":"c17-4","ts":183920450000,"serverTs":183920450130}',
      '{"type":"error","code":"WL_BAD_MESSAGE","message":"message is not valid JSON"}',
      '{"seq":42, "ts":1,"type":"update","data":{}}',
      '{"ts":1,"seq":42,"type":"update","data":{}}',
      '{"seq":42,"ts":1,"data":{},"type":"update"}',
      '{"seq":42,"ts":1,"type":"updates","data":{}}',
      '{"seq":-1,"ts":1,"type":"update","data":{}}',
      '{"seq":,"ts":1,"type":"update","data":{}}',
      '{"seq":12345678901234567,"ts":1,"type":"update","data":{}}',
      '{"seq":1,"ts":2,"type":"upd',
      '{"seq":1',
      '',
      'not json at all, not json at all, not json at all',
    ];
    for (const text of others) {
      expect(readUpdateString(text), text).toBe(false);
      expect(readUpdateBytes(bytes(text), 0, Buffer.byteLength(text)), text).toBe(false);
    }
  });

  it('does not read past the end of the range', () => {
    const text = '{"seq":1,"ts":2,"type":"update","data":{}}';
    const buf = bytes(`${text}99999`);
    expect(readUpdateBytes(buf, 0, 20)).toBe(false);
    expect(readUpdateBytes(buf, 0, text.length)).toBe(true);
  });
});

describe('parseMessage', () => {
  it('parses the rare messages', () => {
    expect(parseMessage('{"seq":41,"ts":5,"type":"initial","epoch":"k3v9x2q1","data":{"events":[]}}')).toEqual({
      kind: 'snapshot',
      type: 'initial',
      seq: 41,
      ts: 5,
      epoch: 'k3v9x2q1',
    });
    expect(parseMessage('{"seq":9,"ts":5,"type":"reset","epoch":"p0c7m3za","reason":"too-old","data":{}}')).toEqual({
      kind: 'snapshot',
      type: 'reset',
      seq: 9,
      ts: 5,
      epoch: 'p0c7m3za',
      reason: 'too-old',
    });
    expect(parseMessage('{"type":"pong","id":"c17-4","ts":10,"serverTs":12}')).toEqual({ kind: 'pong', id: 'c17-4', ts: 10, serverTs: 12 });
    expect(parseMessage('{"type":"error","code":"WL_BAD_MESSAGE","message":"bad"}')).toEqual({
      kind: 'error',
      code: 'WL_BAD_MESSAGE',
      message: 'bad',
    });
    expect(parseMessage('{"ts":3, "seq":2, "type":"update"}')).toEqual({ kind: 'update', seq: 2, ts: 3 });
  });

  it('reports what it cannot use, without throwing', () => {
    expect(parseMessage('{').kind).toBe('invalid');
    expect(parseMessage('[1]').kind).toBe('invalid');
    expect(parseMessage('null').kind).toBe('invalid');
    expect(parseMessage('{"type":"initial","seq":1,"ts":1}').kind).toBe('invalid');
    expect(parseMessage('{"type":"surprise"}').kind).toBe('invalid');
    expect(parseMessage('{"type":"update","seq":-4,"ts":1}').kind).toBe('invalid');
  });
});

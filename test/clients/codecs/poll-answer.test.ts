import { describe, expect, it } from 'vitest';
import { PollAnswerReader } from '../../../clients/codecs/poll-answer.js';

function events(reader: PollAnswerReader, buf: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i < reader.count; i++) out.push(buf.toString('utf8', reader.ranges[2 * i], reader.ranges[2 * i + 1]));
  return out;
}

const E1 = '{"seq":43,"ts":1,"type":"update","data":{"s":"a \\"quoted\\" }]{[ string","n":[1,{"x":2}],"b":true,"z":null}}';
const E2 = '{"seq":44,"ts":2,"type":"update","data":{"pad":"xxxx"}}';

describe('PollAnswerReader', () => {
  it('reads a canonical answer', () => {
    const reader = new PollAnswerReader();
    const buf = Buffer.from(`{"epoch":"k3v9x2q1","next":44,"events":[${E1},${E2}]}`);
    expect(reader.read(buf)).toBe(true);
    expect(reader.epoch).toBe('k3v9x2q1');
    expect(reader.next).toBe(44);
    expect(events(reader, buf)).toEqual([E1, E2]);
  });

  it('reads an empty answer', () => {
    const reader = new PollAnswerReader();
    const buf = Buffer.from('{"epoch":"k3v9x2q1","next":41,"events":[]}');
    expect(reader.read(buf)).toBe(true);
    expect(reader.count).toBe(0);
    expect(reader.next).toBe(41);
  });

  it('does not care about member order, white space or unknown members', () => {
    const reader = new PollAnswerReader();
    const buf = Buffer.from(
      `\n{ "events" : [ ${E1} ,\n ${E2} ] , "extra": {"a":[1,2,"]"]}, "n": -1.5e3, "t": true,\n "next" : 44 , "epoch" : "abc" }\n`,
    );
    expect(reader.read(buf)).toBe(true);
    expect(reader.epoch).toBe('abc');
    expect(reader.next).toBe(44);
    expect(events(reader, buf)).toEqual([E1, E2]);
  });

  it('reuses the known epoch and decodes escapes', () => {
    const reader = new PollAnswerReader();
    expect(reader.read(Buffer.from('{"epoch":"abc","next":1,"events":[]}'), 'abc')).toBe(true);
    expect(reader.epoch).toBe('abc');
    expect(reader.read(Buffer.from('{"epoch":"a\\u0062c","next":1,"events":[]}'), 'zzz')).toBe(true);
    expect(reader.epoch).toBe('abc');
  });

  it('is reusable: a shorter answer after a longer one', () => {
    const reader = new PollAnswerReader();
    const long = Buffer.from(`{"epoch":"e","next":44,"events":[${E1},${E2}]}`);
    const short = Buffer.from(`{"epoch":"e","next":44,"events":[${E2}]}`);
    expect(reader.read(long)).toBe(true);
    expect(reader.read(short)).toBe(true);
    expect(events(reader, short)).toEqual([E2]);
  });

  it('refuses malformed answers with a reason', () => {
    const reader = new PollAnswerReader();
    const bad = [
      '',
      '[]',
      '{}',
      '{"epoch":"e","next":1}',
      '{"epoch":"e","events":[]}',
      '{"next":1,"events":[]}',
      '{"epoch":"e","next":-1,"events":[]}',
      '{"epoch":"e","next":1,"events":[1]}',
      '{"epoch":"e","next":1,"events":[{"seq":1}',
      '{"epoch":"e","next":1,"events":[{"seq":1},]}',
      '{"epoch":"e","next":1,"events":{}}',
      '{"epoch":5,"next":1,"events":[]}',
      '{"epoch":"e","next":1,"events":[] "x":1}',
      '{"epoch":"e\\x","next":1,"events":[]}',
      '{"epoch":"e","next":1,"events":[{"s":"unterminated}]}',
    ];
    for (const text of bad) {
      expect(reader.read(Buffer.from(text)), text).toBe(false);
      expect(reader.error, text).not.toBe('');
    }
  });
});

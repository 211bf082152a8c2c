import { describe, expect, it } from 'vitest';
import { SseStreamParser } from '../../../clients/codecs/sse-stream.js';
import { feedReused } from '../wire.js';

interface Parsed {
  events: string[];
  retries: number[];
  parser: SseStreamParser;
}

function collect(): Parsed {
  const parsed: Parsed = { events: [], retries: [], parser: undefined as unknown as SseStreamParser };
  parsed.parser = new SseStreamParser(
    (data, start, end) => parsed.events.push(data.toString('utf8', start, end)),
    (ms) => parsed.retries.push(ms),
  );
  return parsed;
}

/** Each chunk is a separate read into one reused buffer, as the SSE client reads its socket. */
function parseChunks(chunks: Buffer[]): Parsed {
  const parsed = collect();
  feedReused(chunks, (buf, start, end) => parsed.parser.push(buf, start, end));
  return parsed;
}

/** Deterministic PRNG so a failing split can be reproduced. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function splitAt(buf: Buffer, points: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let last = 0;
  for (const point of [...points].sort((a, b) => a - b)) {
    chunks.push(buf.subarray(last, point));
    last = point;
  }
  chunks.push(buf.subarray(last));
  return chunks;
}

const M1 = '{"seq":41,"ts":100,"type":"initial","epoch":"k3v9x2q1","data":{"events":[]}}';
const M2 = '{"seq":42,"ts":183920441123,"type":"update","data":{"name":"Ünïcødé ✓ 🚀","s":"a:b"}}';
const M3 = '{"seq":43,"ts":183920441124,"type":"update","data":{}}';

function stream(eol: string): string {
  return [
    'retry: 1000',
    '',
    ': hb',
    '',
    'id: k3v9x2q1:41',
    `data: ${M1}`,
    '',
    'id: k3v9x2q1:42',
    `data:${M2}`,
    '',
    ': comment between events',
    'event: ignored',
    'id: k3v9x2q1:43',
    `data: ${M3}`,
    '',
    '',
    ': hb',
    '',
  ].join(eol);
}

describe('SseStreamParser (input in a reused buffer)', () => {
  it('parses a whole stream in one chunk', () => {
    const parsed = parseChunks([Buffer.from(stream('\n'))]);
    expect(parsed.events).toEqual([M1, M2, M3]);
    expect(parsed.retries).toEqual([1000]);
    expect(parsed.parser.lastEventId).toBe('k3v9x2q1:43');
  });

  for (const [name, eol] of [
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ] as const) {
    it(`gives the same events for every split into two chunks (${name})`, () => {
      const buf = Buffer.from(stream(eol));
      for (let i = 0; i <= buf.length; i++) {
        const parsed = parseChunks(splitAt(buf, [i]));
        expect(parsed.events, `split at ${i}`).toEqual([M1, M2, M3]);
        expect(parsed.retries).toEqual([1000]);
        expect(parsed.parser.lastEventId).toBe('k3v9x2q1:43');
      }
    });

    it(`gives the same events fed byte by byte and in random pieces (${name})`, () => {
      const buf = Buffer.from(stream(eol));
      const byByte = parseChunks(Array.from({ length: buf.length }, (_, i) => buf.subarray(i, i + 1)));
      expect(byByte.events).toEqual([M1, M2, M3]);
      const random = prng(name.length * 7919);
      for (let round = 0; round < 300; round++) {
        const points = Array.from({ length: 1 + Math.floor(random() * 12) }, () => Math.floor(random() * (buf.length + 1)));
        const parsed = parseChunks(splitAt(buf, points));
        expect(parsed.events, `points ${points.join(',')}`).toEqual([M1, M2, M3]);
      }
    });
  }

  it('handles mixed line ends, including a CRLF split between chunks', () => {
    const parsed = parseChunks([Buffer.from(`data: a\r`), Buffer.from(`\ndata: b\r\r\ndata: c\n\r`), Buffer.from('\n')]);
    // "data: a\r\n" + "data: b\r" + "\r\n"(blank) → event "a\nb"; "data: c\n" + "\r"(blank) → "c"; "\n" is a blank line.
    expect(parsed.events).toEqual(['a\nb', 'c']);
  });

  it('joins several data lines with LF', () => {
    const parsed = parseChunks([Buffer.from('data: one\ndata\ndata:  three\n\n')]);
    expect(parsed.events).toEqual(['one\n\n three']);
  });

  it('dispatches an empty data line as an empty event, and ignores events without data', () => {
    const parsed = parseChunks([Buffer.from('data\n\nid: 5\n\nevent: x\n\n')]);
    expect(parsed.events).toEqual(['']);
    expect(parsed.parser.lastEventId).toBe('5');
  });

  it('skips a leading BOM even when split', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('data: x\n\n')]);
    for (let i = 0; i <= body.length; i++) {
      expect(parseChunks(splitAt(body, [i])).events, `split at ${i}`).toEqual(['x']);
    }
    expect(parseChunks([Buffer.from([0xef, 0xbb]), Buffer.from('data: y\n\n')]).events).toEqual([]);
  });

  it('ignores ids containing NUL, keeps an empty id, and bad retry values', () => {
    const parsed = parseChunks([Buffer.from('id: a\0b\ndata: 1\n\nretry: 12x\nretry:\nretry: 250\ndata: 2\n\nid\ndata: 3\n\n')]);
    expect(parsed.events).toEqual(['1', '2', '3']);
    expect(parsed.retries).toEqual([250]);
    expect(parsed.parser.lastEventId).toBe('');
  });

  it('drops an incomplete event at reset and keeps the last event id', () => {
    const parsed = collect();
    parsed.parser.push(Buffer.from('id: e:1\ndata: 1\n\nid: e:2\ndata: par'));
    expect(parsed.events).toEqual(['1']);
    parsed.parser.reset();
    parsed.parser.push(Buffer.from('tial\n\ndata: 2\n\n'));
    expect(parsed.events).toEqual(['1', '2']);
    expect(parsed.parser.lastEventId).toBe('e:1');
  });

  it('handles a long line spread over many chunks', () => {
    const long = `{"seq":1,"ts":2,"type":"update","data":{"pad":"${'x'.repeat(200_000)}"}}`;
    const buf = Buffer.from(`id: e:1\ndata: ${long}\n\n`);
    const chunks: Buffer[] = [];
    for (let i = 0; i < buf.length; i += 1000) chunks.push(buf.subarray(i, i + 1000));
    expect(parseChunks(chunks).events).toEqual([long]);
  });

  it('hands over single-line data as a range of the input, without copying', () => {
    const chunk = Buffer.from('xxid: e:1\ndata: hello\n\nyy');
    let seen: Buffer | undefined;
    const parser = new SseStreamParser((data, start, end) => {
      seen = data;
      expect(data.toString('utf8', start, end)).toBe('hello');
    });
    parser.push(chunk, 2, chunk.length - 2);
    expect(seen?.buffer).toBe(chunk.buffer);
    expect(seen?.byteOffset).toBe(chunk.byteOffset + 2);
  });

  it('keeps nothing of its input: an event split across reads survives the buffer being overwritten', () => {
    const events: string[] = [];
    const parser = new SseStreamParser((data, start, end) => events.push(data.toString('utf8', start, end)));
    const buf = Buffer.from('id: e:7\ndata: first line\ndata: sec');
    parser.push(buf);
    buf.fill(0x21);
    const rest = Buffer.from('ond\n\n');
    parser.push(rest);
    rest.fill(0x21);
    expect(events).toEqual(['first line\nsecond']);
    expect(parser.lastEventId).toBe('e:7');
  });
});

import { describe, expect, it } from 'vitest';
import {
  BodyCollector,
  BodyDecoder,
  HttpParseError,
  MAX_HEAD_BYTES,
  ResponseHeadReader,
  type ResponseHead,
} from '../../../clients/codecs/http-response.js';
import { SseStreamParser } from '../../../clients/codecs/sse-stream.js';
import { bytewise, chunked, feedReused, randomSplits, splitAt } from '../wire.js';

interface Read {
  head: ResponseHead | undefined;
  body: string;
  ends: number;
  errors: string[];
}

/**
 * Reads a whole response from `pieces` as the clients do: the head, then the body through a
 * BodyDecoder, each piece a separate read into one reused buffer; `closed` tells the decoder
 * the connection ended after the last piece.
 */
function readResponse(pieces: Buffer[], closed = false): Read {
  const read: Read = { head: undefined, body: '', ends: 0, errors: [] };
  const heads = new ResponseHeadReader();
  const parts: Buffer[] = [];
  let decoder: BodyDecoder | undefined;
  const sink = {
    data: (buf: Buffer, start: number, end: number) => parts.push(Buffer.from(buf.subarray(start, end))),
    end: () => (read.ends += 1),
    error: (message: string) => read.errors.push(message),
  };
  feedReused(pieces, (buf, start, end) => {
    if (decoder !== undefined) {
      decoder.push(buf, start, end);
      return;
    }
    const got = heads.push(buf, start, end);
    if (got === undefined) return;
    read.head = got.head;
    decoder = new BodyDecoder(got.head, sink);
    decoder.start();
    decoder.push(got.buf, got.bodyStart, got.bodyEnd);
  });
  if (closed) decoder?.finish();
  read.body = Buffer.concat(parts).toString();
  return read;
}

const HEAD =
  'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\nX-Folded: one\r\n  two\r\nSet-Thing: a\r\nset-thing: b\r\n\r\n';
const BODY_PIECES = ['retry: 1000\n\n', 'id: e:1\ndata: {"seq":1}\n\n', 'x'.repeat(300), ': hb\n\n', '\r\n\r\n0\r\n'];
const BODY = BODY_PIECES.join('');

describe('ResponseHeadReader', () => {
  it('parses the status line and the headers (lower case, repeated joined, folded)', () => {
    const read = readResponse([Buffer.from(HEAD)]);
    expect(read.head).toEqual({
      status: 200,
      statusText: 'OK',
      version: 'HTTP/1.1',
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'transfer-encoding': 'chunked',
        'x-folded': 'one two',
        'set-thing': 'a, b',
      },
    });
  });

  it('accepts bare LF line ends and a missing reason phrase', () => {
    const read = readResponse([Buffer.from('HTTP/1.0 204\nA: 1\n\n')]);
    expect(read.head).toMatchObject({ status: 204, statusText: '', version: 'HTTP/1.0', headers: { a: '1' } });
    expect(read.ends).toBe(1);
  });

  it('finds the end of the head split at every byte, and the body bytes after it', () => {
    const whole = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello`);
    for (let at = 0; at <= whole.length; at++) {
      const read = readResponse(splitAt(whole, [at]));
      expect({ at, status: read.head?.status, body: read.body, ends: read.ends }).toEqual({ at, status: 200, body: 'hello', ends: 1 });
    }
    expect(readResponse(bytewise(whole)).body).toBe('hello');
  });

  it.each([
    ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n'],
    ['a bad status', 'HTTP/1.1 2000 OK\r\n\r\n'],
    ['HTTP/2', 'HTTP/2 200\r\n\r\n'],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n'],
    ['a bad header name', 'HTTP/1.1 200 OK\r\nbad name: x\r\n\r\n'],
  ])('refuses %s', (_what, text) => {
    expect(() => new ResponseHeadReader().push(Buffer.from(text))).toThrow(HttpParseError);
  });

  it('refuses a head larger than the limit, even fed in pieces', () => {
    const reader = new ResponseHeadReader();
    const line = Buffer.from(`X-Pad: ${'p'.repeat(1000)}\r\n`);
    reader.push(Buffer.from('HTTP/1.1 200 OK\r\n'));
    expect(() => {
      for (let i = 0; i < MAX_HEAD_BYTES / line.length + 2; i++) reader.push(line);
    }).toThrow(/larger than/);
  });
});

describe('BodyDecoder', () => {
  const response = Buffer.concat([
    Buffer.from(HEAD),
    chunked(BODY_PIECES, { extension: ';name=value;q="x"', trailers: ['X-Trailer: 1', 'X-Other: 2'], upper: true }),
  ]);

  it('decodes a chunked body with extensions and trailers', () => {
    const read = readResponse([response]);
    expect(read).toMatchObject({ body: BODY, ends: 1, errors: [] });
  });

  it('decodes it split in two at every byte', () => {
    for (let at = 0; at <= response.length; at++) {
      const read = readResponse(splitAt(response, [at]));
      if (read.body !== BODY || read.ends !== 1 || read.errors.length > 0)
        expect({ at, read }).toEqual({ at, read: { ...read, body: BODY, ends: 1, errors: [] } });
    }
  });

  it('decodes it byte by byte and in random pieces', () => {
    expect(readResponse(bytewise(response))).toMatchObject({ body: BODY, ends: 1, errors: [] });
    for (let seed = 1; seed <= 100; seed++)
      expect(readResponse(randomSplits(response, seed, 40)), `seed ${seed}`).toMatchObject({ body: BODY, ends: 1 });
  });

  it('ignores what follows the last chunk', () => {
    const read = readResponse([
      Buffer.concat([
        Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'),
        chunked(['abc']),
        Buffer.from('5\r\nextra\r\n'),
      ]),
    ]);
    expect(read).toMatchObject({ body: 'abc', ends: 1 });
  });

  it('reports a chunked body cut off by the close as not finished', () => {
    const decoder = new BodyDecoder(
      { status: 200, statusText: '', version: 'HTTP/1.1', headers: { 'transfer-encoding': 'chunked' } },
      { data() {}, end() {}, error() {} },
    );
    decoder.push(Buffer.from('5\r\nab'));
    expect(decoder.finish()).toBe(false);
  });

  it('reads a body delimited by the close of the connection', () => {
    const whole = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: 1\n\ndata: 2\n\n');
    for (let at = 0; at <= whole.length; at++) {
      expect(readResponse(splitAt(whole, [at]), true)).toMatchObject({ body: 'data: 1\n\ndata: 2\n\n', ends: 1 });
    }
    expect(readResponse([whole], false)).toMatchObject({ ends: 0 });
  });

  it('reads a Content-Length body and nothing after it; an empty one ends at once', () => {
    expect(readResponse([Buffer.from('HTTP/1.1 400 Bad\r\nContent-Length: 3\r\n\r\nabcdef')])).toMatchObject({ body: 'abc', ends: 1 });
    expect(readResponse([Buffer.from('HTTP/1.1 400 Bad\r\nContent-Length: 0\r\n\r\n')])).toMatchObject({ body: '', ends: 1 });
    expect(readResponse([Buffer.from('HTTP/1.1 304 Not Modified\r\n\r\n')])).toMatchObject({ body: '', ends: 1 });
  });

  it('prefers chunked over Content-Length, and refuses conflicting lengths', () => {
    expect(
      readResponse([
        Buffer.concat([
          Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n'),
          chunked(['chunked wins']),
        ]),
      ]),
    ).toMatchObject({ body: 'chunked wins', ends: 1 });
    expect(() => readResponse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nx')])).toThrow(/content-length/);
    expect(() => readResponse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nx')])).toThrow(/content-length/);
  });

  it.each([
    ['a bad size', 'zz\r\nab\r\n'],
    ['a missing size', '\r\nab\r\n'],
    ['data longer than its size', '2\r\nabc\r\n'],
    ['a size line ending in CR only', '2\rab\r\n'],
    ['a huge size', 'fffffffffffffff\r\n'],
  ])('reports %s as an error and reads nothing more', (_what, body) => {
    const read = readResponse([Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}1\r\nx\r\n0\r\n\r\n`)]);
    expect(read.errors).toHaveLength(1);
    expect(read.ends).toBe(0);
  });

  it('collects a small error body, or gives up past its limit', () => {
    const bodies: Array<string | undefined> = [];
    const head: ResponseHead = { status: 503, statusText: '', version: 'HTTP/1.1', headers: { 'transfer-encoding': 'chunked' } };
    const ok = new BodyDecoder(head, new BodyCollector(100, (body) => bodies.push(body?.toString())));
    feedReused(bytewise(chunked(['{"error":', '{"code":"X"}}'])), (buf, start, end) => ok.push(buf, start, end));
    const big = new BodyDecoder(head, new BodyCollector(10, (body) => bodies.push(body?.toString())));
    big.push(chunked(['0123456789abcdef']));
    expect(bodies).toEqual(['{"error":{"code":"X"}}', undefined]);
  });
});

describe('SSE through chunked encoding', () => {
  const M1 = '{"seq":41,"ts":100,"type":"initial","epoch":"k3v9x2q1","data":{"events":[]}}';
  const M2 = '{"seq":42,"ts":183920441123,"type":"update","data":{"name":"Ünïcødé ✓ 🚀"}}';
  const M3 = '{"seq":43,"ts":183920441124,"type":"update","data":{}}';
  // One chunk per server write, as the SSE transport sends them, with a split event and a
  // multi-line one thrown in.
  const writes = [
    'retry: 1000\n\n',
    `id: k3v9x2q1:41\ndata: ${M1}\n\n`,
    `id: k3v9x2q1:42\nda`,
    `ta: ${M2}\n\n: hb\n\n`,
    `id: k3v9x2q1:43\ndata: ${M3}\ndata: second line\n\n`,
  ];
  const response = Buffer.concat([
    Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n'),
    chunked(writes),
  ]);
  const expected = [M1, M2, `${M3}\nsecond line`];

  function sse(pieces: Buffer[]): { events: string[]; retries: number[]; lastEventId: string; ends: number } {
    const events: string[] = [];
    const retries: number[] = [];
    let ends = 0;
    const parser = new SseStreamParser(
      (data, start, end) => events.push(data.toString('utf8', start, end)),
      (ms) => retries.push(ms),
    );
    const heads = new ResponseHeadReader();
    let decoder: BodyDecoder | undefined;
    const sink = {
      data: (buf: Buffer, start: number, end: number) => parser.push(buf, start, end),
      end: () => (ends += 1),
      error: () => {},
    };
    feedReused(pieces, (buf, start, end) => {
      if (decoder !== undefined) return decoder.push(buf, start, end);
      const got = heads.push(buf, start, end);
      if (got === undefined) return;
      decoder = new BodyDecoder(got.head, sink);
      decoder.push(got.buf, got.bodyStart, got.bodyEnd);
    });
    return { events, retries, lastEventId: parser.lastEventId, ends };
  }

  it('gives every event split in two at every byte', () => {
    for (let at = 0; at <= response.length; at++) {
      const got = sse(splitAt(response, [at]));
      expect({ at, ...got }).toEqual({ at, events: expected, retries: [1000], lastEventId: 'k3v9x2q1:43', ends: 1 });
    }
  });

  it('gives every event fed byte by byte and in random pieces', () => {
    expect(sse(bytewise(response))).toEqual({ events: expected, retries: [1000], lastEventId: 'k3v9x2q1:43', ends: 1 });
    for (let seed = 1; seed <= 100; seed++) expect(sse(randomSplits(response, seed, 64)).events, `seed ${seed}`).toEqual(expected);
  });
});

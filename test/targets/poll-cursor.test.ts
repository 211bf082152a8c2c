import { describe, expect, it } from 'vitest';
import type { ResponseHead } from '../../clients/codecs/http-response.js';
import { isEmptyPollStatus, parsePollCursor, PollCursorState } from '../../clients/poll-cursor.js';

function head(status: number, headers: Record<string, string> = {}): ResponseHead {
  return { status, statusText: '', version: 'HTTP/1.1', headers };
}

describe('--poll-cursor', () => {
  it('reads every documented form', () => {
    expect(parsePollCursor('none')).toEqual({ kind: 'none' });
    expect(parsePollCursor('etag')).toEqual({ kind: 'validators', etag: true, lastModified: false });
    expect(parsePollCursor('last-modified')).toEqual({ kind: 'validators', etag: false, lastModified: true });
    expect(parsePollCursor('etag+last-modified')).toEqual({ kind: 'validators', etag: true, lastModified: true });
    expect(parsePollCursor('query:since')).toEqual({ kind: 'query', param: 'since', from: { kind: 'json', path: ['since'] } });
    expect(parsePollCursor('query:after=json:items.-1.id')).toEqual({
      kind: 'query',
      param: 'after',
      from: { kind: 'json', path: ['items', -1, 'id'] },
    });
    expect(parsePollCursor('query:cursor=header:X-Next-Cursor')).toEqual({
      kind: 'query',
      param: 'cursor',
      from: { kind: 'header', name: 'x-next-cursor' },
    });
  });

  it('names what is wrong with a bad one', () => {
    expect(() => parsePollCursor('etags')).toThrow(/must be none, etag/);
    expect(() => parsePollCursor('query:')).toThrow(/query parameter name/);
    expect(() => parsePollCursor('query:a b')).toThrow(/query parameter name/);
    expect(() => parsePollCursor('query:a=xml:b')).toThrow(/json:PATH or header:NAME/);
    expect(() => parsePollCursor('query:a=json:b..c')).toThrow(/JSON path/);
    expect(() => parsePollCursor('query:a=header:bad header')).toThrow(/HTTP token/);
  });

  it('treats 304, 204 and 408 as nothing new', () => {
    expect([200, 204, 304, 408, 404].map(isEmptyPollStatus)).toEqual([false, true, true, true, false]);
  });
});

describe('cursor state', () => {
  it('sends the last answer validators as If-None-Match and If-Modified-Since (nchan)', () => {
    const state = new PollCursorState(parsePollCursor('etag+last-modified'));
    expect(state.headerLines()).toBe('');
    state.update(head(200, { etag: '3', 'last-modified': 'Mon, 30 Nov 2026 19:43:17 GMT' }), Buffer.from('m'));
    expect(state.headerLines()).toBe('If-None-Match: 3\r\nIf-Modified-Since: Mon, 30 Nov 2026 19:43:17 GMT\r\n');
    // A 304 without validators keeps the position.
    state.update(head(304), Buffer.alloc(0));
    expect(state.describe()).toBe('If-None-Match: 3, If-Modified-Since: Mon, 30 Nov 2026 19:43:17 GMT');
    expect(state.target('/poll/feed')).toBe('/poll/feed');
  });

  it('sends only the validators asked for, and never a value that would break the request', () => {
    const state = new PollCursorState(parsePollCursor('etag'));
    state.update(head(200, { etag: '"v1"', 'last-modified': 'x' }), Buffer.alloc(0));
    expect(state.headerLines()).toBe('If-None-Match: "v1"\r\n');
    state.update(head(200, { etag: 'bad\r\nInjected: 1' }), Buffer.alloc(0));
    expect(state.headerLines()).toBe('If-None-Match: "v1"\r\n');
  });

  it('adds a query value taken from the JSON answer, keeping the endpoint query', () => {
    const state = new PollCursorState(parsePollCursor('query:after=json:next'));
    expect(state.target('/events?room=a')).toBe('/events?room=a');
    state.update(head(200), Buffer.from('{"next":17,"items":[]}'));
    expect(state.target('/events?room=a')).toBe('/events?room=a&after=17');
    // An answer without the field, or not JSON, keeps the last value.
    state.update(head(200), Buffer.from('not json'));
    state.update(head(200), Buffer.from('{"items":[]}'));
    expect(state.target('/events')).toBe('/events?after=17');
  });

  it('takes a value from the last item, or from a header, encoded for the query', () => {
    const last = new PollCursorState(parsePollCursor('query:after=json:items.-1.id'));
    last.update(head(200), Buffer.from('{"items":[{"id":"a"},{"id":"b c"}]}'));
    expect(last.target('/p')).toBe('/p?after=b%20c');
    const header = new PollCursorState(parsePollCursor('query:cursor=header:x-next'));
    header.update(head(304, { 'x-next': 'k/9' }), Buffer.alloc(0));
    expect(header.target('/p')).toBe('/p?cursor=k%2F9');
  });
});

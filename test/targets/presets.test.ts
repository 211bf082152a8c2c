import { describe, expect, it } from 'vitest';
import { planTarget, PRESETS } from '../../bench/target/presets/index.js';
import type { TargetInput } from '../../bench/target/preset.js';
import { PRESET_NAMES } from '../../bench/target/preset.js';

function plan(input: Partial<TargetInput> & Pick<TargetInput, 'preset'>) {
  return planTarget({ target: 'http://127.0.0.1:8080', ...input });
}

describe('presets', () => {
  it('has one preset per name, each saying what the server must provide', () => {
    expect(Object.keys(PRESETS)).toEqual([...PRESET_NAMES]);
    for (const preset of Object.values(PRESETS)) expect(preset.requires.length).toBeGreaterThan(0);
  });

  it('wirelab: the four protocols on the server itself; steered only with a control token', () => {
    const steered = plan({ preset: 'wirelab', controlToken: 'secret' });
    expect(steered.endpoints.map((e) => [e.protocol, e.url, e.format])).toEqual([
      ['ws', 'http://127.0.0.1:8080', 'wirelab'],
      ['sse', 'http://127.0.0.1:8080', 'wirelab'],
      ['long-poll', 'http://127.0.0.1:8080', 'wirelab'],
      ['short-poll', 'http://127.0.0.1:8080', 'wirelab'],
    ]);
    expect(steered.publisher).toEqual({ kind: 'feed', steered: true });
    expect(steered.summary).not.toContain('secret');
    expect(plan({ preset: 'wirelab' }).publisher).toEqual({ kind: 'feed', steered: false });
  });

  it('nchan: /sub for ws, sse and long-poll, /poll for interval-poll, /pub to publish, ETag + Last-Modified cursor', () => {
    const nchan = plan({
      preset: 'nchan',
      target: 'https://rt.example:8443',
      channel: 'feed',
      headers: { authorization: 'Bearer t0ken' },
      insecure: true,
    });
    expect(nchan.endpoints.map((e) => [e.protocol, e.url])).toEqual([
      ['ws', 'wss://rt.example:8443/sub/feed'],
      ['sse', 'https://rt.example:8443/sub/feed'],
      ['long-poll', 'https://rt.example:8443/sub/feed'],
      ['short-poll', 'https://rt.example:8443/poll/feed'],
    ]);
    expect(nchan.endpoints[3]).toMatchObject({ cursor: { kind: 'validators', etag: true, lastModified: true }, drain: true });
    expect(nchan.endpoints[0]!.cursor).toBeUndefined();
    expect(nchan.publisher).toEqual({
      kind: 'http',
      url: 'https://rt.example:8443/pub/feed',
      method: 'POST',
      headers: { authorization: 'Bearer t0ken' },
    });
    expect(nchan.insecure).toBe(true);
    // Secrets stay out of what is printed.
    expect(nchan.summary).not.toContain('t0ken');
  });

  it('nchan: every path can be moved; a URL with credentials or a query is printed without them', () => {
    const moved = plan({
      preset: 'nchan',
      channel: 'c',
      urls: { 'short-poll': '/ip/c', ws: 'ws://other:81/w?token=abc' },
      publish: 'http://user:pw@127.0.0.1:8080/p?key=k',
    });
    expect(moved.endpoints.find((e) => e.protocol === 'short-poll')!.url).toBe('http://127.0.0.1:8080/ip/c');
    expect(moved.endpoints.find((e) => e.protocol === 'ws')!.url).toBe('ws://other:81/w?token=abc');
    expect(moved.summary).not.toMatch(/abc|pw|key=k/);
  });

  it('socketio: ws and long-poll at /socket.io/, publishing by emit', () => {
    const io = plan({ preset: 'socketio', event: 'tick', namespace: '/live' });
    expect(io.endpoints.map((e) => [e.protocol, e.url, e.socketio])).toEqual([
      ['ws', 'ws://127.0.0.1:8080/socket.io/', { namespace: '/live' }],
      ['long-poll', 'http://127.0.0.1:8080/socket.io/', { namespace: '/live' }],
    ]);
    expect(io.publisher).toMatchObject({ kind: 'socketio', event: 'tick', namespace: '/live', url: 'http://127.0.0.1:8080/socket.io/' });
  });

  it('generic: only the protocols given; the cursor and drain; receive-only without --publish', () => {
    const generic = plan({
      preset: 'generic',
      urls: { sse: '/s', 'short-poll': '/events' },
      pollCursor: 'query:after=json:next',
      pollDrain: true,
    });
    expect(generic.endpoints.map((e) => [e.protocol, e.url, e.resume])).toEqual([
      ['sse', 'http://127.0.0.1:8080/s', 'Last-Event-ID'],
      ['short-poll', 'http://127.0.0.1:8080/events', 'query after'],
    ]);
    expect(generic.endpoints[1]).toMatchObject({ cursor: { kind: 'query', param: 'after' }, drain: true });
    expect(generic.publisher).toEqual({ kind: 'none' });
    expect(generic.summary).toContain('receive-only');
    const publishing = plan({
      preset: 'generic',
      urls: { ws: '/ws' },
      publish: '/in',
      publishMethod: 'put',
      publishBody: '{"m":"{{message}}"}',
      publishHeaders: { 'content-type': 'application/json' },
    });
    expect(publishing.publisher).toEqual({
      kind: 'http',
      url: 'http://127.0.0.1:8080/in',
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      bodyTemplate: '{"m":"{{message}}"}',
    });
  });

  it('names the flag of every bad or misplaced option', () => {
    const cases: Array<[Partial<TargetInput> & Pick<TargetInput, 'preset'>, RegExp]> = [
      [{ preset: 'nchan' }, /--channel is required with --preset nchan/],
      [{ preset: 'nchan', channel: 'a b' }, /--channel must be/],
      [{ preset: 'wirelab', channel: 'x' }, /--channel does not apply to --preset wirelab/],
      [{ preset: 'socketio', publish: '/p' }, /--publish does not apply to --preset socketio/],
      [{ preset: 'generic' }, /give at least one with --preset generic/],
      [{ preset: 'generic', urls: { ws: 'ftp://x/' } }, /--ws-url must be http\(s\):\/\/ or ws\(s\):\/\//],
      [{ preset: 'generic', urls: { 'short-poll': '/p' }, pollCursor: 'etags' }, /--poll-cursor must be none, etag/],
      [
        { preset: 'generic', urls: { ws: '/w' }, publish: '/p', publishBody: '{}' },
        /--publish-body must contain \{\{message\}\} exactly once/,
      ],
      [
        { preset: 'generic', urls: { ws: '/w' }, publish: '/p', publishMethod: 'GET' },
        /--publish-method must be a method that carries a body/,
      ],
      [{ preset: 'socketio', namespace: 'live' }, /--namespace must start with '\/'/],
      [{ preset: 'wirelab', target: 'ftp://x' }, /--target must be http\(s\):\/\/ or ws\(s\):\/\//],
      [{ preset: 'wirelab', target: 'nope' }, /--target must be an absolute URL/],
      [{ preset: 'bogus' as 'wirelab' }, /--preset must be wirelab, nchan, socketio, generic/],
    ];
    for (const [input, message] of cases) expect(() => plan(input), JSON.stringify(input)).toThrow(message);
  });
});

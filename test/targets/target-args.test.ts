import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../bench/cli/cli-args.js';
import { parsePidList, readProcesses } from '../../bench/measure/target-processes.js';
import { recordedOptions, resolveBenchOptions } from '../../bench/options.js';

describe('foreign-target flags', () => {
  it('map onto the bench options: preset, channel, URLs, publish, headers, cursor, PIDs', () => {
    const { options } = parseCliArgs([
      '--target',
      'http://127.0.0.1:9000',
      '--preset',
      'generic',
      '--ws-url',
      '/ws',
      '--poll-url',
      '/events',
      '--poll-cursor',
      'query:after=json:next',
      '--publish',
      '/publish',
      '--publish-method',
      'put',
      '--publish-header',
      'Content-Type: application/json',
      '--publish-body',
      '{"m":"{{message}}"}',
      '--header',
      'Authorization: Bearer abc',
      '--header',
      'X-Team: lab',
      '--insecure',
      '--poll-drain',
      '--target-pid',
      '12, 34',
    ]);
    expect(options.foreign).toEqual({
      preset: 'generic',
      urls: { ws: '/ws', 'short-poll': '/events' },
      publish: '/publish',
      publishMethod: 'put',
      publishHeaders: { 'Content-Type': 'application/json' },
      publishBody: '{"m":"{{message}}"}',
      headers: { Authorization: 'Bearer abc', 'X-Team': 'lab' },
      insecure: true,
      pollCursor: 'query:after=json:next',
      pollDrain: true,
    });
    expect(options.targetPids).toEqual([12, 34]);
    expect(options.controlToken).toBeUndefined();
  });

  it('read the receive-only timestamp flags, checked by the preset', () => {
    const args = ['--target', 'http://127.0.0.1:9000', '--preset', 'generic', '--sse-url', '/sse', '--timestamp-field', 'data.sentAt'];
    const { options } = parseCliArgs([...args, '--timestamp-clock', 'epoch-us']);
    expect(options.foreign).toMatchObject({ timestampField: 'data.sentAt', timestampClock: 'epoch-us' });
    const resolved = resolveBenchOptions(options);
    expect(resolved.targetPlan?.timestamp).toEqual({ field: 'data.sentAt', path: ['data', 'sentAt'], clock: 'epoch-us' });
    expect(resolved.targetPlan?.summary).toMatch(/latency from the server's own data\.sentAt \(epoch-us\)$/);
    expect(() => resolveBenchOptions(parseCliArgs([...args, '--timestamp-clock', 'hours']).options)).toThrow(
      /--timestamp-clock must be one of/,
    );
  });

  it('leave the environment control token to wirelab targets', () => {
    expect(
      parseCliArgs(['--target', 'http://127.0.0.1:9000', '--preset', 'nchan', '--channel', 'c'], { WIRELAB_CONTROL_TOKEN: 't' }).options
        .controlToken,
    ).toBeUndefined();
    expect(parseCliArgs(['--target', 'http://127.0.0.1:9000'], { WIRELAB_CONTROL_TOKEN: 't' }).options.controlToken).toBe('t');
  });

  it('refuse a malformed header without echoing its value', () => {
    expect(() =>
      parseCliArgs(['--target', 'http://127.0.0.1:9000', '--preset', 'nchan', '--channel', 'c', '--header', 'no colon s3cret']),
    ).toThrow(/--header/);
    try {
      parseCliArgs(['--header', 'bad name: s3cret']);
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret');
    }
  });

  it("plan the target once: the protocols are the plan's, the recorded options name the preset and hold no header", () => {
    const resolved = resolveBenchOptions({
      target: 'http://user:pw@127.0.0.1:9000/?k=secret',
      foreign: { preset: 'nchan', channel: 'feed', headers: { Authorization: 'Bearer zzz' } },
    });
    expect(resolved.protocols).toEqual(['ws', 'sse', 'long-poll', 'short-poll']);
    expect(resolved.capacityDurationMs).toBe(0);
    expect(resolved.targetPlan?.preset).toBe('nchan');
    const recorded = JSON.stringify(recordedOptions(resolved));
    expect(recorded).toContain('"preset":"nchan"');
    expect(recorded).not.toMatch(/pw|secret|zzz|Authorization/);
    expect(() => resolveBenchOptions({ target: 'http://127.0.0.1:9000', foreign: { preset: 'nchan' } })).toThrow(/--channel/);
    expect(() => resolveBenchOptions({ foreign: { preset: 'nchan', channel: 'x' } })).toThrow(/--preset nchan needs --target/);
    expect(() =>
      resolveBenchOptions({ target: 'http://127.0.0.1:9000', foreign: { preset: 'nchan', channel: 'x', pollCursor: 'etag' } }),
    ).toThrow(/--poll-cursor does not apply to --preset nchan/);
  });
});

describe('--target-pid', () => {
  it('parses process ids and refuses anything else', () => {
    expect(parsePidList('1,22, 333')).toEqual([1, 22, 333]);
    expect(() => parsePidList('1,x')).toThrow(/process ids/);
    expect(() => parsePidList('0')).toThrow(/process ids/);
    expect(() => parsePidList('5,5')).toThrow(/twice/);
  });

  it('sums CPU and RSS over the PIDs from /proc, and names a PID that is gone', () => {
    const one = readProcesses([process.pid]);
    expect(one.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(one.cpuMicros).toBeGreaterThan(0);
    const twice = readProcesses([process.pid, process.ppid]);
    expect(twice.rssBytes).toBeGreaterThan(one.rssBytes);
    expect(() => readProcesses([2 ** 30])).toThrow(new RegExp(`--target-pid ${2 ** 30}`));
  });
});

import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram, parseCliArgs } from '../../bench/cli-args.js';
import { BenchOptionError } from '../../bench/option-error.js';

/** A program whose help and errors go nowhere, so tests stay quiet. */
function quietProgram() {
  return createProgram().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
}

const parse = (...argv: string[]) => parseCliArgs(argv, {}, quietProgram());

describe('parseCliArgs', () => {
  it('turns human units into options', () => {
    const request = parse('-c', '1k', '-d', '2m', '--warmup', '500ms', '-r', '100', '--payload', '4kb', '-p', 'ws,sse', '--poll-interval', '250');
    expect(request.options).toMatchObject({ clients: 1000, durationMs: 120_000, warmupMs: 500, rate: 100, payload: 4000, protocols: ['ws', 'sse'], pollIntervalMs: 250 });
    expect(request).toMatchObject({ json: false, progress: true, live: true });
  });

  it('reads a bare --duration in seconds, like autocannon', () => {
    expect(parse('--duration', '30').options.durationMs).toBe(30_000);
    expect(parse('--duration', '30s').options.durationMs).toBe(30_000);
  });

  it('gives only what was set, so defaults stay in one place', () => {
    expect(parse().options).toEqual({});
  });

  it('collects repeated thresholds; "none" clears them', () => {
    expect(parse('--threshold', 'ws.latency.p99<50ms', '--threshold', '*.delivery.missed=0').options.thresholds).toEqual(['ws.latency.p99<50ms', '*.delivery.missed=0']);
    expect(parse('--threshold', 'none').options.thresholds).toEqual([]);
  });

  it('--json turns off the progress line and the live dashboard', () => {
    expect(parse('--json')).toMatchObject({ json: true, progress: false, live: false });
    expect(parse('--no-progress', '--no-live')).toMatchObject({ progress: false, live: false });
    expect(parse('--no-files').options.writeFiles).toBe(false);
  });

  it('takes the control token from the environment only with --target', () => {
    expect(parseCliArgs(['--target', 'http://127.0.0.1:3000'], { WIRELAB_CONTROL_TOKEN: 't' }, quietProgram()).options.controlToken).toBe('t');
    expect(parseCliArgs([], { WIRELAB_CONTROL_TOKEN: 't' }, quietProgram()).options.controlToken).toBeUndefined();
  });

  it.each([
    [['--clients', 'many'], '--clients', 'many'],
    [['--duration', '5x'], '--duration', '5x'],
    [['--payload', '1.5'], '--payload', '1.5'],
    [['--jitter', 'lots'], '--jitter', 'lots'],
  ])('refuses %j naming %s and its value', (argv, flag, value) => {
    let caught: unknown;
    try {
      parse(...argv);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BenchOptionError);
    expect((caught as BenchOptionError).option).toBe(flag);
    expect((caught as Error).message).toContain(`"${value}"`);
  });

  it('lets commander refuse unknown flags', () => {
    expect(() => parse('--bogus')).toThrow(CommanderError);
  });
});

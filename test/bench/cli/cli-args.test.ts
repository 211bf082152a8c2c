import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram, parseCliArgs } from '../../../bench/cli/cli-args.js';
import { OptionError } from '../../../wire/errors.js';

/** A program whose help and errors go nowhere, so tests stay quiet. */
function quietProgram() {
  return createProgram().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
}

const parse = (...argv: string[]) => parseCliArgs(argv, {}, quietProgram());

/** The OptionError that parsing `argv` throws; the test fails when it throws another kind, or nothing. */
function refusal(...argv: string[]): OptionError {
  try {
    parse(...argv);
  } catch (error) {
    expect(error).toBeInstanceOf(OptionError);
    return error as OptionError;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

describe('parseCliArgs', () => {
  it('turns human units into options', () => {
    const request = parse(
      '-c',
      '1k',
      '-d',
      '2m',
      '--warmup',
      '500ms',
      '-r',
      '100',
      '--payload',
      '4kb',
      '-p',
      'ws,sse',
      '--poll-interval',
      '250',
    );
    expect(request.options).toMatchObject({
      clients: 1000,
      durationMs: 120_000,
      warmupMs: 500,
      rate: 100,
      payload: 4000,
      protocols: ['ws', 'sse'],
      pollIntervalMs: 250,
    });
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
    expect(parse('--threshold', 'ws.latency.p99<50ms', '--threshold', '*.delivery.missed=0').options.thresholds).toEqual([
      'ws.latency.p99<50ms',
      '*.delivery.missed=0',
    ]);
    expect(parse('--threshold', 'none').options.thresholds).toEqual([]);
  });

  it('--json turns off the progress line and the live dashboard', () => {
    expect(parse('--json')).toMatchObject({ json: true, progress: false, live: false });
    expect(parse('--no-progress', '--no-live')).toMatchObject({ progress: false, live: false });
    expect(parse('--no-files').options.writeFiles).toBe(false);
  });

  it('takes the control token from the environment only with --target', () => {
    expect(parseCliArgs(['--target', 'http://127.0.0.1:3000'], { WIRELAB_CONTROL_TOKEN: 't' }, quietProgram()).options.controlToken).toBe(
      't',
    );
    expect(parseCliArgs([], { WIRELAB_CONTROL_TOKEN: 't' }, quietProgram()).options.controlToken).toBeUndefined();
  });

  it.each([
    [['--clients', 'many'], '--clients', 'many'],
    [['--duration', '5x'], '--duration', '5x'],
    [['--payload', '1.5'], '--payload', '1.5'],
    [['--jitter', 'lots'], '--jitter', 'lots'],
  ])('refuses %j naming %s and its value', (argv, flag, value) => {
    const error = refusal(...argv);
    expect(error.option).toBe(flag);
    expect(error.message).toContain(`"${value}"`);
  });

  it("refuses unknown flags and missing values as usage errors of its own, not in commander's format", () => {
    expect(refusal('--bogus').message).toBe('bad option: --bogus is not an option of wirelab-bench');
    expect(() => parse('--clients')).toThrow('bad option: --clients needs a value');
    expect(() => parse('--help')).toThrow(CommanderError);
  });

  it('reads --repeat and --report html', () => {
    expect(parse('--repeat', '3', '--report', 'html')).toMatchObject({ options: { repeat: 3 }, report: 'html' });
    expect(parse().report).toBeNull();
    expect(() => parse('--report', 'pdf')).toThrow('bad option: --report must be html, got "pdf"');
    expect(() => parse('--report', 'html', '--no-files')).toThrow(/--report is written next to the result files/);
  });

  it('reads the reconnect scenario and the --net-* flags', () => {
    const request = parse(
      '-s',
      'reconnect',
      '--drop-at',
      '5s, 12',
      '--restart',
      '--jitter',
      '0',
      '--net-latency',
      '50ms',
      '--net-jitter',
      '10ms',
      '--net-bandwidth',
      '1mbit',
      '--net-bandwidth-scope',
      'shared',
      '--net-reset-every',
      '30s',
    );
    expect(request.options).toMatchObject({
      scenario: 'reconnect',
      dropAtMs: [5000, 12_000],
      restart: true,
      reconnect: { jitter: 0 },
      network: {
        latencyMs: 50,
        jitterMs: 10,
        bandwidthBitsPerSecond: 1e6,
        bandwidthScope: 'shared',
        resetEveryMs: 30_000,
        lossPercent: null,
      },
    });
    expect(parse('--drop-every', '10').options.dropEveryMs).toBe(10_000);
    expect(parse('--net-loss', '1%').options.network?.lossPercent).toBe(1);
  });

  it.each([
    [['--net-latency', '50'], '--net-latency', '"50"'],
    [['--net-bandwidth', '1mbps'], '--net-bandwidth', '1mbps'],
    [['--net-latency', '10ms', '--net-jitter', '20ms'], '--net-jitter', '20 ms'],
    [['--net-loss', '5'], '--net-loss', '5%'],
    [['--net-bandwidth-scope', 'everyone'], '--net-bandwidth-scope', 'everyone'],
    [['--drop-at', '5s,soon'], '--drop-at', 'soon'],
  ])('refuses %j as an OptionError (WL_BAD_OPTION) naming %s and the value', (argv, flag, value) => {
    const error = refusal(...argv);
    expect(error.option).toBe(flag);
    expect(error.code).toBe('WL_BAD_OPTION');
    expect(error.message).toContain(flag);
    expect(error.message).toContain(value);
    expect(error.message).not.toContain(`${flag} ${flag}`);
    expect(error.message.match(/bad option: /g)).toHaveLength(1);
  });

  it('passes on the error the flag parser threw, with the text it refused, unconverted', () => {
    expect(refusal('--net-latency', 'soon')).toMatchObject({
      option: '--net-latency',
      value: 'soon',
      message: 'bad option: --net-latency must be a duration with a unit like 50ms, 1s or 250us, got "soon"',
    });
  });
});

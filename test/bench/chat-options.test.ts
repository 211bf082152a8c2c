import { describe, expect, it } from 'vitest';
import { recordedOptions, resolveBenchOptions, type BenchOptions } from '../../bench/options.js';
import { SCENARIOS } from '../../bench/scenarios/registry.js';
import { SERVER_DEFAULTS } from '../../servers/config.js';
import { OptionError } from '../../wire/errors.js';

function refusal(options: BenchOptions): OptionError {
  try {
    resolveBenchOptions(options);
  } catch (error) {
    if (error instanceof OptionError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
}

describe('scenario chat options', () => {
  it('resolves the defaults: one room of everyone, every client sends once a second, the feed idle', () => {
    const options = resolveBenchOptions({ scenario: 'chat' });
    expect(options.chat).toEqual({
      sendRate: 1,
      roomSize: null,
      senderShare: 1,
      textBytes: 64,
      serverLimit: SERVER_DEFAULTS.messageRatePerSecond,
    });
    expect(options.rate).toBe(0);
    expect(options.capacityDurationMs).toBe(0);
    expect(recordedOptions(options).chat).toEqual(options.chat);
  });

  it('refuses the chat flags outside scenario chat, naming each', () => {
    expect(refusal({ sendRate: 2 }).message).toContain('--send-rate');
    expect(refusal({ scenario: 'ping', roomSize: 5 }).message).toContain('--room-size');
    expect(refusal({ senderShare: 0.5 }).message).toContain('--senders');
  });

  it('refuses values out of range, naming the flag', () => {
    expect(refusal({ scenario: 'chat', sendRate: 0 }).message).toMatch(/--send-rate.*above 0/);
    expect(refusal({ scenario: 'chat', rate: 10 }).message).toMatch(/--rate.*main feed stays idle/);
    expect(refusal({ scenario: 'chat', sendRate: 5000 }).message).toContain('--send-rate');
    expect(refusal({ scenario: 'chat', roomSize: 0 }).message).toContain('--room-size');
    expect(refusal({ scenario: 'chat', senderShare: 1.5 }).message).toContain('--senders');
    expect(refusal({ scenario: 'chat', clients: 100, roomSize: 5, senderShare: 0.1 }).message).toMatch(/--senders.*room of 5 is no sender/);
  });

  it('refuses a layout with more rooms than the server keeps', () => {
    const error = refusal({ scenario: 'chat', clients: 5000, roomSize: 2, protocols: ['ws', 'sse'] });
    expect(error.message).toMatch(/--room-size.*5000 rooms.*maxRooms/);
  });

  it('refuses what chat cannot run with yet: other instances, agents, connection resets', () => {
    expect(refusal({ scenario: 'chat', network: { resetEveryMs: 1000 } }).message).toContain('--net-reset-every');
    expect(refusal({ scenario: 'chat', servers: 2, broker: 'redis' }).message).toContain('--servers');
    expect(refusal({ scenario: 'chat', agents: { count: 2, broker: 'redis://127.0.0.1:6379' } }).message).toContain('--agents');
  });

  it('warns in the header when --send-rate is above the server’s per-client limit, and measures the refusals', () => {
    const limit = SERVER_DEFAULTS.messageRatePerSecond;
    const over = recordedOptions(
      resolveBenchOptions({ scenario: 'chat', sendRate: limit * 2, roomSize: 50, clients: 200, senderShare: 0.1 }),
    );
    const header = SCENARIOS.chat.header(over);
    expect(header[0]).toBe(`chat: 10% of the clients send ${limit * 2}/s × 64B, 4 rooms of 50`);
    expect(header[1]).toContain(`above the server's limit of ${limit} messages/s per client`);
    const within = recordedOptions(resolveBenchOptions({ scenario: 'chat', sendRate: limit }));
    expect(SCENARIOS.chat.header(within)).toEqual([`chat: every client sends ${limit}/s × 64B, one room of everyone`]);
  });
});

describe('--h2-streams-per-connection', () => {
  it('takes a count for HTTP/2 columns, 1 by default', () => {
    expect(resolveBenchOptions({ protocols: ['sse/h2'] }).h2StreamsPerConnection).toBe(1);
    expect(resolveBenchOptions({ protocols: ['ws', 'sse/h2'], h2StreamsPerConnection: 50 }).h2StreamsPerConnection).toBe(50);
  });

  it('refuses it without an HTTP/2 column, and out of range', () => {
    expect(refusal({ protocols: ['ws', 'sse'], h2StreamsPerConnection: 4 }).message).toMatch(
      /--h2-streams-per-connection.*HTTP\/2 columns/,
    );
    expect(refusal({ protocols: ['sse/h2'], h2StreamsPerConnection: 0 }).message).toContain('--h2-streams-per-connection');
  });
});

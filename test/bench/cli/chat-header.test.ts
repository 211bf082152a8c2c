import { describe, expect, it } from 'vitest';
import { formatHeader } from '../../../bench/cli/print.js';
import { recordedOptions, resolveBenchOptions } from '../../../bench/options.js';

const header = (options: Parameters<typeof resolveBenchOptions>[0]): string =>
  formatHeader({ runId: 'r', target: 'http://127.0.0.1:40000', spawned: true, options: recordedOptions(resolveBenchOptions(options)) });

describe('the header of scenario chat and of shared HTTP/2 connections', () => {
  it('says the main feed is idle, who sends how fast to which rooms, and warns above the server’s limit', () => {
    const text = header({ scenario: 'chat', clients: 200, roomSize: 50, sendRate: 20, senderShare: 0.1 });
    expect(text).toContain('main feed idle');
    expect(text).not.toContain('feed 0/s');
    expect(text).toContain('chat: 10% of the clients send 20/s × 64B, 4 rooms of 50');
    expect(text).toContain("warning: --send-rate 20/s is above the server's limit of 10 messages/s per client");
  });

  it('names the clients per HTTP/2 connection when more than one', () => {
    expect(header({ protocols: ['sse/h2'], h2StreamsPerConnection: 50 })).toContain('50 clients per HTTP/2 connection');
    expect(header({ protocols: ['sse/h2'] })).not.toContain('per HTTP/2 connection');
  });
});

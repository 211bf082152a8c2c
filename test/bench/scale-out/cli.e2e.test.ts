import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.js';

describe('bench CLI scale-out flags', () => {
  it.each([
    [['--servers', '2'], '--servers 2 instances need --broker'],
    [['--servers', '2', '--broker', 'ftp://x'], '--broker must be "redis" or a redis:// URL'],
    [['--scenario', 'failover'], 'failover kills one instance'],
    [['--broker-restart'], '--broker-restart needs --broker redis'],
  ])(
    'exits 2 on %j, naming the problem',
    async (args, message) => {
      const { code, stderr } = await runCli([...args, '--no-live', '--no-files']);
      expect(code).toBe(2);
      expect(stderr).toContain(message);
    },
    30_000,
  );
});

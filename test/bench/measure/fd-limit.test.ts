import { describe, expect, it } from 'vitest';
import { checkFileLimit, readFileLimit } from '../../../bench/measure/fd-limit.js';
import { resolveBenchOptions } from '../../../bench/options.js';
import { OptionError } from '../../../wire/errors.js';

function refusal(run: () => void): OptionError {
  try {
    run();
  } catch (error) {
    if (error instanceof OptionError) return error;
    throw error;
  }
  throw new Error('expected an OptionError');
}

describe('the open-files check', () => {
  const hold = resolveBenchOptions({ scenario: 'hold', clients: 30_000, protocols: ['ws'] });

  it('reads soft and hard limits from /proc/self/limits', () => {
    const text =
      'Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                20000                files\n';
    expect(readFileLimit(text)).toEqual({ soft: 20_000, hard: 20_000 });
  });

  it('names the ulimit to run and, when the hard limit is in the way, who may raise it and where', () => {
    const error = refusal(() => checkFileLimit(hold, { soft: 20_000, hard: 20_000 }, 20));
    expect(error.option).toBe('--clients');
    const need = Number(/`ulimit -n (\d+)`/.exec(error.message)?.[1]);
    expect(need).toBeGreaterThan(30_000);
    expect(error.message).toContain('the open-files limit is 20,000');
    expect(error.message).toContain('the hard limit is 20,000: raising it needs root or CAP_SYS_RESOURCE');
    expect(error.message).toContain('/etc/security/limits.conf');
    expect(error.message).toContain(`--ulimit nofile=${need}:${need} for a container`);
  });

  it('says nothing of the hard limit when only the soft one is low, and lets a run that fits through', () => {
    const error = refusal(() => checkFileLimit(hold, { soft: 1024, hard: 1_000_000 }, 20));
    expect(error.message).toMatch(/Run `ulimit -n \d+` and start again/);
    expect(error.message).not.toContain('hard limit');
    expect(() => checkFileLimit(hold, { soft: 40_000, hard: 40_000 }, 20)).not.toThrow();
  });
});

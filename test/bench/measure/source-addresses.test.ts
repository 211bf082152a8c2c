import { describe, expect, it } from 'vitest';
import { describeSourceAddresses, sourceAddresses } from '../../../bench/measure/source-addresses.js';

describe('sourceAddresses', () => {
  it('leaves the choice to the system up to the per-address count', () => {
    expect(sourceAddresses(28_000, 'http://127.0.0.1:8080', 28_000)).toEqual([]);
  });
  it('spreads over as many loopback addresses as the count needs', () => {
    expect(sourceAddresses(30_000, 'http://127.0.0.1:8080', 28_000)).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(sourceAddresses(600, 'http://127.0.0.1:1', 1)).toHaveLength(600);
    expect(sourceAddresses(600, 'http://127.0.0.1:1', 1)[254]).toBe('127.0.1.1');
  });
  it('never spreads towards a server off loopback', () => {
    expect(sourceAddresses(30_000, 'http://10.0.0.5:8080', 28_000)).toEqual([]);
  });
  it('says so in words for the header', () => {
    expect(describeSourceAddresses(['127.0.0.1', '127.0.0.2'], 28_000, (n) => n.toLocaleString('en-US'))).toBe(
      'clients from 2 loopback source addresses (127.0.0.1–127.0.0.2, ≤ 28,000 each)',
    );
    expect(describeSourceAddresses([], 28_000, String)).toBeUndefined();
  });
});

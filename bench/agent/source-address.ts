import { once } from 'node:events';
import { isIP, createServer } from 'node:net';
import { OptionError } from '../../wire/errors.js';

/**
 * An agent's `--source-address`: the local addresses its clients' connections (and its clock
 * PINGs) leave from, so several agents on one machine look like separate hosts to the server
 * and each has its own ephemeral port range. Given, they replace the loopback spread the
 * coordinator plans (bench/measure/source-addresses.ts); clients take them round robin by index.
 */

/** `127.0.0.2` or `127.0.0.2,127.0.0.3`: each an IPv4 or IPv6 address, no duplicates. */
export function parseSourceAddresses(text: string): string[] {
  const addresses = text.split(',').map((part) => part.trim());
  for (const address of addresses) {
    if (isIP(address) === 0)
      throw new OptionError('--source-address', `must be IP addresses separated by commas, got "${address}" in "${text}"`, text);
  }
  const repeated = addresses.find((address, index) => addresses.indexOf(address) !== index);
  if (repeated !== undefined) throw new OptionError('--source-address', `names ${repeated} twice`, text);
  return addresses;
}

/**
 * Binds a throwaway socket to each address, so an address this host does not have is refused
 * when the agent starts (naming it), not as every client's EADDRNOTAVAIL in the middle of a run.
 */
export async function checkSourceAddresses(addresses: readonly string[]): Promise<void> {
  for (const address of addresses) {
    const probe = createServer();
    try {
      probe.listen(0, address);
      // once() rejects with the 'error' event's error (EADDRNOTAVAIL) instead of 'listening'.
      await once(probe, 'listening');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new OptionError('--source-address', `${address} is not an address of this host (${code})`, address);
    } finally {
      if (probe.listening) {
        probe.close();
        await once(probe, 'close');
      }
    }
  }
}

/**
 * One source address reaches one server address and port through at most the ephemeral port
 * range (about 28,000 ports on Linux, /proc/sys/net/ipv4/ip_local_port_range). Past that,
 * connects fail with EADDRNOTAVAIL. On Linux every address of 127.0.0.0/8 is loopback, so
 * for a loopback server the clients spread over 127.0.0.1, 127.0.0.2, … (round robin by
 * client index, each client binding its socket's local address), automatically when the
 * count needs it.
 */

/** The loopback source addresses `clients` connections to `url` need with at most `perAddress` each; empty when the system's choice will do (or the server is not on loopback). */
export function sourceAddresses(clients: number, url: string, perAddress: number): string[] {
  if (clients <= perAddress) return [];
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return [];
  }
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)) return [];
  const count = Math.ceil(clients / perAddress);
  // 127.0.0.1 … 127.0.0.254, then 127.0.1.1 …: far more than any client count needs.
  return Array.from({ length: count }, (_, i) => `127.0.${Math.floor(i / 254)}.${(i % 254) + 1}`);
}

/** The header's words for the spread, or undefined when there is none: `clients from 2 loopback source addresses (127.0.0.1–127.0.0.2, ≤ 28,000 each)`. */
export function describeSourceAddresses(
  addresses: readonly string[],
  perAddress: number,
  formatCount: (n: number) => string,
): string | undefined {
  if (addresses.length === 0) return undefined;
  return `clients from ${addresses.length} loopback source addresses (${addresses[0]}–${addresses[addresses.length - 1]}, ≤ ${formatCount(perAddress)} each)`;
}

/** The heading of each metric family (the key's first part), for the report tables. */
export const SECTION_TITLES: Readonly<Record<string, string>> = {
  clients: 'Clients',
  connect: 'Connect time (TCP + handshake + first message)',
  latency: 'Delivery latency (publish → receipt, one-way)',
  spread: 'Broadcast spread (publish → first / last client)',
  ping: 'PING round trip (coordinated-omission corrected)',
  chat: 'Chat (scenario chat)',
  http2: 'HTTP/2 connections',
  delivery: 'Delivery integrity',
  bandwidth: 'Bandwidth (bytes at the client sockets)',
  server: 'Server process',
  generator: 'Load generator',
  capacity: 'Polling endpoint capacity (autocannon)',
  reconnect: 'Reconnect',
  net: 'Network faults',
};

export function sectionOf(key: string): string {
  const prefix = key.split('.')[0] ?? '';
  return SECTION_TITLES[prefix] ?? prefix;
}

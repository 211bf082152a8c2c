/** Connection settings both ioredis and BullMQ take. */
export type BrokerConnection = { host: string; port: number; username?: string; password?: string; db: number; maxRetriesPerRequest: null };

/** The ioredis options of a `redis://[user:password@]host:port[/db]` URL (BullMQ needs `maxRetriesPerRequest: null`). */
export function redisOptions(broker: string): BrokerConnection {
  let url: URL;
  try {
    url = new URL(broker);
  } catch {
    throw new Error(`--broker is not a URL: "${broker}" (expected redis://host:port)`);
  }
  if (url.protocol !== 'redis:') throw new Error(`--broker must be a redis:// URL, got "${url.protocol}"`);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    host: url.hostname,
    port: url.port === '' ? 6379 : Number(url.port),
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    db,
    maxRetriesPerRequest: null,
  };
}

import { createHash } from 'node:crypto';
import type { RedisConnection } from './connection.js';
import type { BrokerKeys } from './keys.js';

/** A Lua script run with EVALSHA, loaded with EVAL when the broker does not know it yet. */
export interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** Runs `script`; after a broker restart its script cache is empty, so NOSCRIPT falls back to EVAL. */
export async function runScript(
  client: RedisConnection,
  { source, sha }: Script,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  try {
    return await client.sendCommand(['EVALSHA', sha, String(keys.length), ...keys, ...args]);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.sendCommand(['EVAL', source, String(keys.length), ...keys, ...args]);
  }
}

/**
 * Lua: the seq of the stream's last id. The top entry's id, or, for a stream emptied by hand,
 * the id it last generated (XINFO is cheap on an empty stream); 0 when there is no stream.
 */
const LAST_SEQ = `
local function lastSeq(key)
  local top = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
  if #top > 0 then return tonumber(string.match(top[1][1], '^(%d+)')) end
  if redis.call('EXISTS', key) == 0 then return 0 end
  local info = redis.call('XINFO', 'STREAM', key)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then return tonumber(string.match(info[i + 1], '^(%d+)')) end
  end
  return 0
end
`;

/**
 * Appends a batch of updates. Refused unless the feed is still in the caller's epoch, the
 * caller holds the publisher lock, and the first seq follows the stream's last one: a stale or
 * second publisher can never write, and ids never skip. XADD's own rule (an explicit id must be
 * greater than the last) backs the last check. Entries are trimmed to about the history size.
 * KEYS: stream, epoch, publisher, snapshot. ARGV: epoch, owner, maxlen, count, then per update
 * seq, ts, json, snapshot ('' when unchanged).
 */
export const PUBLISH = script(`${LAST_SEQ}
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return redis.error_reply('WLEPOCH the feed is no longer in epoch ' .. ARGV[1]) end
if redis.call('GET', KEYS[3]) ~= ARGV[2] then return redis.error_reply('WLLOCK this instance does not hold the publisher lock') end
local last = lastSeq(KEYS[1])
if tonumber(ARGV[5]) ~= last + 1 then return redis.error_reply('WLSEQ the stream ends at seq ' .. string.format('%d', last) .. ', not just before ' .. ARGV[5]) end
local count = tonumber(ARGV[4])
local snapSeq, snapJson
for i = 0, count - 1 do
  local base = 5 + i * 4
  if ARGV[base + 3] ~= '' then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], ARGV[base] .. '-0', 'e', ARGV[1], 't', ARGV[base + 1], 'm', ARGV[base + 2], 's', ARGV[base + 3])
    snapSeq, snapJson = ARGV[base], ARGV[base + 3]
  else
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], ARGV[base] .. '-0', 'e', ARGV[1], 't', ARGV[base + 1], 'm', ARGV[base + 2])
  end
end
if snapSeq then redis.call('HSET', KEYS[4], 'seq', snapSeq, 'json', snapJson) end
return count
`);

/** The feed's epoch ('' when none) and the seq of the stream's last id ('0' when none). KEYS: stream, epoch. */
export const FEED_STATE = script(`${LAST_SEQ}
return { redis.call('GET', KEYS[2]) or '', string.format('%d', lastSeq(KEYS[1])) }
`);

/**
 * Starts a new feed run if the epoch is still `expected` ('' for none): the old stream and
 * snapshot go, the new epoch is set, and a notice tells every reader. Returns the epoch now in
 * force, whoever set it. KEYS: epoch, stream, snapshot, control. ARGV: expected, candidate.
 */
export const NEW_EPOCH = script(`
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return current end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('SET', KEYS[1], ARGV[2])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', '1000', '*', 'type', 'epoch', 'epoch', ARGV[2])
return ARGV[2]
`);

/**
 * Takes the publisher lock when it is free (SET NX PX) or renews it when the caller already
 * holds it; 1 when the caller holds it afterwards. KEYS: publisher. ARGV: owner, ttl ms.
 */
export const CLAIM_LOCK = script(`
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
  return 1
end
return 0
`);

/** Gives the lock up if the caller holds it. KEYS: publisher. ARGV: owner. */
export const RELEASE_LOCK = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * Stores new feed settings under a new version and posts a `set` notice for the publisher.
 * Returns the version. KEYS: settings, control. ARGV: mode, rate, payload.
 */
export const SET_SETTINGS = script(`
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'mode', ARGV[1], 'rate', ARGV[2], 'payload', ARGV[3])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', '1000', '*', 'type', 'set', 'version', version, 'mode', ARGV[1], 'rate', ARGV[2], 'payload', ARGV[3])
return version
`);

/** The settings, first seeded from ARGV (mode, rate, payload) if the feed has none. KEYS: settings. */
export const SEED_SETTINGS = script(`
if redis.call('HEXISTS', KEYS[1], 'mode') == 0 then
  redis.call('HINCRBY', KEYS[1], 'version', 1)
  redis.call('HSET', KEYS[1], 'mode', ARGV[1], 'rate', ARGV[2], 'payload', ARGV[3])
end
return redis.call('HGETALL', KEYS[1])
`);

/** The feed's epoch ('' when none) and the seq of its stream's last id, in one atomic look. */
export async function feedState(client: RedisConnection, keys: BrokerKeys): Promise<[string, number]> {
  const [epoch, last] = (await runScript(client, FEED_STATE, [keys.stream, keys.epoch], [])) as [string, string];
  return [epoch, Number(last)];
}

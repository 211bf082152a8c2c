// The broker tests start the same redis-server the harness does (`--broker redis`).
export { startRedis, type LocalRedis as TestRedis, type RedisOptions } from '../../../bench/target/redis-server.js';

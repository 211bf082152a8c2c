/**
 * `npm run agent -- --broker redis://host:port [--id NAME] [--workers N] [--source-address ADDR]`: a load agent that
 * waits for shards of a `bench --agents N` run, runs them, and reports back (docs/distributed.md).
 * Exits 0 on Ctrl+C once the current shard is given up, 2 on bad usage, 1 when the broker is unreachable.
 */
import { Command, CommanderError } from 'commander';
import { startAgent } from '../agent/agent.js';
import { redisOptions } from '../agent/redis-url.js';
import { checkSourceAddresses, parseSourceAddresses } from '../agent/source-address.js';

const EXIT = Object.freeze({ ok: 0, runtime: 1, usage: 2 });

async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('wirelab-agent')
    .description('A load agent: takes shards of the clients of a `bench --agents N` run through BullMQ on Redis.')
    .requiredOption('--broker <url>', 'the Redis the coordinator uses, redis://host:port')
    .option('--id <name>', "this agent's name in results (default: host name and a random suffix)")
    .option('-w, --workers <n>', "worker threads holding the clients, at most (default: the coordinator's --workers)")
    .option(
      '--source-address <addr,...>',
      "local address(es) the clients connect from, round robin (e.g. 127.0.0.2, so agents on one machine look like separate hosts); must be this host's (default: the system's choice)",
    )
    .exitOverride();
  let flags: { broker: string; id?: string; workers?: string; sourceAddress?: string };
  let sourceAddresses: string[] | undefined;
  try {
    program.parse([...argv], { from: 'user' });
    flags = program.opts();
    redisOptions(flags.broker);
    if (flags.workers !== undefined && !/^[1-9]\d*$/.test(flags.workers))
      throw new Error(`--workers must be a whole number of at least 1, got "${flags.workers}"`);
    if (flags.sourceAddress !== undefined) {
      sourceAddresses = parseSourceAddresses(flags.sourceAddress);
      await checkSourceAddresses(sourceAddresses);
    }
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    process.stderr.write(`wirelab-agent: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  const log = (line: string): void => void process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  let agent;
  try {
    agent = await startAgent({
      broker: flags.broker,
      ...(flags.id === undefined ? {} : { id: flags.id }),
      ...(flags.workers === undefined ? {} : { workers: Number(flags.workers) }),
      ...(sourceAddresses === undefined ? {} : { sourceAddresses }),
      onLog: log,
    });
  } catch (error) {
    process.stderr.write(`wirelab-agent: cannot start on ${flags.broker}: ${(error as Error).message}\n`);
    return EXIT.runtime;
  }
  const running = agent;
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      log('stopping');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
  return EXIT.ok;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`wirelab-agent: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT.runtime);
  },
);

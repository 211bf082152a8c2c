/**
 * Agents that look like separate hosts to the server. Where the machine allows network
 * namespaces (root and iproute2; netem/netns.ts), each agent runs inside its own namespace,
 * joined to the host by a veth pair, so its connections leave from the namespace's own address
 * and use its own port range; the feed server and Redis listen on the first link's host end,
 * which both namespaces reach through their default route. Everywhere, two agents on loopback
 * connect from their own `--source-address` (127.0.0.2, 127.0.0.3). Either way the feed
 * server (in this process, so it can watch) must see each agent's clients come from that
 * agent's address and nothing else, and every update must be delivered.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runBench } from '../../../bench/run.js';
import { startRedis, type LocalRedis } from '../../../bench/target/redis-server.js';
import { createLossyLink, NetnsError, probeNetem, type LossyLink } from '../../../netem/netns.js';
import { buildServer, type WirelabServer } from '../../../servers/app.js';
import { PROTOCOLS } from '../../../wire/protocols.js';
import { startAgentProcess, type AgentProcess, type AgentProcessOptions } from './agent-process.js';

const TOKEN = 'agent-hosts-token';
const CLIENTS = 40;
const probe = await probeNetem();
// A plain namespace link needs no netem qdisc: only root, iproute2 and namespaces.
const namespacesWork = probe.available || probe.failedCheck === 'netem';
const FEED_PATHS = new Set([PROTOCOLS.ws.path, PROTOCOLS.sse.path]);

/** The feed server on `host`, counting which remote address each feed connection came from. */
async function watchedServer(host: string): Promise<{ server: WirelabServer; url: string; feedSockets: Map<string, Set<Socket>> }> {
  const server = await buildServer({ port: 0, host, mode: 'idle', controlToken: TOKEN });
  const feedSockets = new Map<string, Set<Socket>>();
  server.app.addHook('onRequest', async (request) => {
    if (!FEED_PATHS.has(new URL(request.url, 'http://x').pathname)) return;
    const socket = request.raw.socket;
    const address = socket.remoteAddress ?? 'unknown';
    const sockets = feedSockets.get(address) ?? new Set<Socket>();
    sockets.add(socket);
    feedSockets.set(address, sockets);
  });
  return { server, url: await server.listen(), feedSockets };
}

interface Hosts {
  /** Where the feed server and Redis listen for the agents. */
  serverHost: string;
  agents: Array<{ id: string; address: string; options: AgentProcessOptions }>;
}

describe('agents as separate hosts', () => {
  let cleanup: Array<() => Promise<void>> = [];

  afterEach(async () => {
    // In reverse: agents before the links they run in, Redis and the server last.
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    cleanup = [];
  });

  /** Two agents, one shard each per protocol: each agent's 20 clients must come from its own address, all delivered. */
  async function runFromTwoHosts(hosts: Hosts): Promise<void> {
    const redis: LocalRedis = await startRedis({ alsoBind: hosts.serverHost === '127.0.0.1' ? [] : [hosts.serverHost] });
    cleanup.push(() => redis.stop());
    const { server, url, feedSockets } = await watchedServer(hosts.serverHost);
    cleanup.push(() => server.close());
    const broker = `redis://${hosts.serverHost}:${redis.port}`;
    const agents: AgentProcess[] = [];
    for (const agent of hosts.agents) {
      const started = await startAgentProcess(broker, agent.id, agent.options);
      agents.push(started);
      cleanup.push(() => started.stop());
    }
    const result = await runBench({
      target: url,
      controlToken: TOKEN,
      clients: CLIENTS,
      protocols: ['ws', 'sse'],
      durationMs: 1500,
      warmupMs: 300,
      idleMs: 0,
      capacityDurationMs: 0,
      workers: 1,
      writeFiles: false,
      thresholds: [],
      agents: { count: 2, broker: redis.url, timeoutMs: 10_000 },
    });
    expect(result.failures).toEqual([]);
    for (const protocol of result.protocols) {
      expect(protocol.clients.connected).toBe(CLIENTS);
      expect(protocol.delivery.delivered).toBe(protocol.delivery.expected);
      expect(protocol.delivery.expected).toBe(CLIENTS * (protocol.window.seqEnd - protocol.window.seqStart));
      expect(new Set((protocol.agents ?? []).map((shard) => shard.agent))).toEqual(new Set(hosts.agents.map((agent) => agent.id)));
      // Each shard's window CPU is per message its clients read: together, every latency sample.
      expect((protocol.agents ?? []).reduce((sum, shard) => sum + (shard.windowMessages ?? 0), 0)).toBe(protocol.latency.count);
      for (const shard of protocol.agents ?? []) expect(shard.windowCpuMicros).toBeGreaterThan(0);
      // The result names the addresses an agent was told to connect from, and only those.
      for (const shard of protocol.agents ?? []) {
        const given = hosts.agents.find((agent) => agent.id === shard.agent)?.options.args;
        expect(shard.sourceAddresses).toEqual(given === undefined ? undefined : [given[given.indexOf('--source-address') + 1]]);
      }
    }
    // Each agent holds one shard of each protocol (20 ws + 20 sse clients), all from its own address;
    // no feed connection comes from anywhere else (the coordinator holds none).
    const counts = Object.fromEntries([...feedSockets].map(([address, sockets]) => [address, sockets.size]));
    expect(counts).toEqual(Object.fromEntries(hosts.agents.map((agent) => [agent.address, CLIENTS])));
  }

  it('two agents with --source-address 127.0.0.2 and 127.0.0.3: the server sees each agent’s clients from its address', async () => {
    await runFromTwoHosts({
      serverHost: '127.0.0.1',
      agents: [
        { id: 'agent-from-2', address: '127.0.0.2', options: { args: ['--source-address', '127.0.0.2'] } },
        { id: 'agent-from-3', address: '127.0.0.3', options: { args: ['--source-address', '127.0.0.3'] } },
      ],
    });
  }, 90_000);

  it(
    namespacesWork
      ? 'two agents in their own network namespaces: the server sees each agent’s clients from its namespace’s address'
      : 'namespaces are unavailable here: the probe says why and no link can be made',
    async () => {
      if (!namespacesWork) {
        expect(probe.available).toBe(false);
        if (!probe.available) expect(probe.reason).toMatch(/root|iproute2|namespace/);
        await expect(createLossyLink({ lossPercent: 0 })).rejects.toBeInstanceOf(NetnsError);
        return;
      }
      const links: LossyLink[] = [];
      for (let index = 0; index < 2; index++) {
        const link = await createLossyLink({ lossPercent: 0 });
        cleanup.push(() => link.remove());
        // The default route through its own host end: the namespace reaches every host address (the server's).
        await link.exec('ip', ['route', 'add', 'default', 'via', link.hostAddress]);
        links.push(link);
      }
      await runFromTwoHosts({
        serverHost: links[0]!.hostAddress,
        agents: links.map((link, index) => ({
          id: `agent-ns-${index + 1}`,
          address: link.nsAddress,
          options: { wrap: (command, args) => link.command(command, args) },
        })),
      });
    },
    90_000,
  );
});

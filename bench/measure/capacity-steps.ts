/**
 * Scenario `capacity` on the coordinator: each step of the search (scenarios/capacity-search.ts)
 * is one short measuring window of the protocol at one client count, on the same feed, judged
 * against the SLO. Not to be confused with capacity.ts, the polling endpoints' request capacity
 * (autocannon), which this scenario switches off.
 */
import type { ProtocolName } from '../../wire/protocols.js';
import type { ResolvedBenchOptions } from '../options.js';
import type { CapacityCurvePoint, CapacityFailureKind, CapacitySearchFigures, ProtocolResult } from '../report/types.js';
import { searchCapacity, type CapacityStepOutcome } from '../scenarios/capacity-search.js';
import { runProtocol, type ProtocolRunContext } from './protocol-run.js';

/** What one step measures: a protocol run at `options.clients`. Injectable so tests can count steps. */
export type StepRunner = (context: ProtocolRunContext, protocol: ProtocolName) => Promise<ProtocolResult>;

/** The search's settings for one protocol, resolved from the options. */
export interface CapacityRunSettings {
  readonly sloP99Ms: number;
  readonly startClients: number;
  readonly maxClients: number;
  readonly resolution: number;
  /** This protocol's share of `--time-budget`. */
  readonly timeBudgetMs: number;
}

/**
 * The step's verdict, first failure first: a saturated generator (its figures would understate
 * the server), then clients that never connected, then missed updates, then latency p99 over the SLO.
 */
export function judgeStep(result: ProtocolResult, sloP99Ms: number): CapacityFailureKind | null {
  if (result.generator.saturated) return 'generator';
  if (result.clients.connected < result.clients.requested) return 'connect';
  if (result.delivery.missed > 0 || result.delivery.resets > 0) return 'loss';
  // Latency summaries are in µs; the SLO is given in ms.
  if (result.latency.count === 0 || result.latency.p99 > sloP99Ms * 1000) return 'latency';
  return null;
}

/** A step's point on the curve. */
export function curvePoint(result: ProtocolResult, failedBy: CapacityFailureKind | null): CapacityCurvePoint {
  const clients = result.clients.requested;
  const updates = result.window.eventsPublished;
  const server = result.server;
  return {
    clients,
    failedBy,
    connected: result.clients.connected,
    missed: result.delivery.missed,
    latencyP50Us: result.latency.p50,
    latencyP99Us: result.latency.p99,
    lastClientP99Us: result.spread?.last.p99 ?? null,
    serverCpuPercent: server?.cpuPercent ?? null,
    serverRssBytes: server?.rssBytes ?? null,
    generatorCpuPercent: result.generator.cpuPercent,
    serverCpuMicrosPerClientUpdate:
      server !== null && clients > 0 && updates > 0 ? Math.round((server.cpuMicros / (clients * updates)) * 100) / 100 : null,
  };
}

/**
 * Searches one protocol's capacity. Resolves with the result of the last passing step (the
 * first step when none passed) carrying the search in `capacitySearch`. Each step opens its
 * clients afresh: the window's fences and delivery accounting are per run of clients.
 */
export async function runCapacitySearch(
  context: ProtocolRunContext,
  protocol: ProtocolName,
  settings: CapacityRunSettings,
  runStep: StepRunner = runProtocol,
): Promise<ProtocolResult> {
  const results = new Map<number, ProtocolResult>();
  let firstClientIndex = context.firstClientIndex;
  const step = async (clients: number): Promise<CapacityStepOutcome<CapacityCurvePoint>> => {
    context.signal?.throwIfAborted();
    const options: ResolvedBenchOptions = Object.freeze({ ...context.options, clients });
    const result = await runStep({ ...context, options, firstClientIndex }, protocol);
    firstClientIndex += clients;
    results.set(clients, result);
    const failedBy = judgeStep(result, settings.sloP99Ms);
    return { clients, failedBy, figures: curvePoint(result, failedBy) };
  };
  const outcome = await searchCapacity(settings, step);
  const shown = results.get(outcome.capacity) ?? results.get(outcome.steps[0]?.clients ?? -1);
  if (shown === undefined) throw new Error(`no capacity step ran within the ${settings.timeBudgetMs} ms time budget`);
  const capacitySearch: CapacitySearchFigures = {
    capacity: outcome.capacity,
    firstFailure: outcome.firstFailure,
    lowerBound: outcome.lowerBound,
    stoppedBy: outcome.stoppedBy,
    slo: { latencyP99Ms: settings.sloP99Ms },
    curve: outcome.steps.map((s) => s.figures),
  };
  return { ...shown, capacitySearch };
}

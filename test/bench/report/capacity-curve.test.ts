import { describe, expect, it } from 'vitest';
import { capacityCurves, capacityVerdictParts } from '../../../bench/report/capacity-curve.js';
import { formatCount, formatMicros } from '../../../bench/report/format.js';
import type { CapacityCurvePoint, CapacitySearchFigures } from '../../../bench/report/types.js';
import { protocolResult } from '../fixture.js';

function point(clients: number, failedBy: CapacityCurvePoint['failedBy'], cpu: number | null): CapacityCurvePoint {
  return {
    clients,
    failedBy,
    connected: clients,
    missed: 0,
    latencyP50Us: 1000,
    latencyP99Us: failedBy === null ? 50_000 : 150_000,
    lastClientP99Us: null,
    serverCpuPercent: 5,
    serverRssBytes: 1e8,
    generatorCpuPercent: 10,
    serverCpuMicrosPerClientUpdate: cpu,
  };
}

const search: CapacitySearchFigures = {
  capacity: 750,
  firstFailure: { clients: 1000, failedBy: 'generator' },
  lowerBound: true,
  stoppedBy: 'resolved',
  slo: { latencyP99Ms: 100 },
  // In the order run: doubling, then bisecting.
  curve: [point(500, null, 30), point(1000, 'generator', 20), point(750, null, 22.5)],
};

describe('the capacity curves every view draws', () => {
  it('puts the steps in client order, keeps the SLO, and is null for a run without a search', () => {
    const curves = capacityCurves({ protocols: [protocolResult('ws', { capacitySearch: search }), protocolResult('sse')] });
    expect(curves?.sloP99Ms).toBe(100);
    expect(curves?.curves.map((curve) => curve.protocol)).toEqual(['ws']);
    expect(curves?.curves[0]?.points.map((p) => p.clients)).toEqual([500, 750, 1000]);
    expect(capacityCurves({ protocols: [protocolResult('ws')] })).toBeNull();
  });

  it('words the verdict as the terminal does, with the CPU cost at the capacity step', () => {
    const curve = capacityCurves({ protocols: [protocolResult('ws', { capacitySearch: search })] })!.curves[0]!;
    expect(capacityVerdictParts(curve, { count: formatCount, micros: formatMicros })).toEqual({
      capacity: '750 clients',
      detail: '(1,000 failed: the load generator saturated; resolved)',
      lowerBound: 'a lower bound: the generator, not the server, was the limit',
      cpu: 'server CPU 22.5µs per client per update',
    });
  });
});

/**
 * A capacity run's own section of the run panel: per protocol the capacity and what failed
 * first above it, then the curve (clients → latency p50/p99, the SLO, the capacities) and the
 * server's CPU per client per update (dashboard/src/capacity-charts.ts).
 */
import { CAPACITY_CHART_TEXT, capacityVerdictParts, type CapacityCurves } from '../../../bench/report/capacity-curve.js';
import { formatCount, formatMicros, formatMillis } from '../../../bench/report/format.js';
import { capacityCpuConfig, capacityLatencyConfig } from '../capacity-charts.js';
import { Chart, chartBox } from '../charts.js';
import { h } from '../dom.js';
import { protocolColour, protocolLabel } from '../protocols.js';

/** The section, and a function that draws its charts once it is in the document (a canvas needs its size). */
export function capacitySection(curves: CapacityCurves): { element: HTMLElement; draw: () => Chart[] } {
  const verdicts = curves.curves.map((curve) => {
    const words = capacityVerdictParts(curve, { count: formatCount, micros: formatMicros });
    return h(
      'li',
      { 'data-protocol': curve.protocol },
      h('span', { class: 'protocol-chip small', style: `--protocol:${protocolColour(curve.protocol)}` }, protocolLabel(curve.protocol)),
      ' ',
      h('strong', {}, words.capacity),
      ` ${words.detail} `,
      words.lowerBound === null ? null : h('span', { class: 'badge warn' }, words.lowerBound),
      ` · ${words.cpu}`,
    );
  });
  const latency = chartBox(
    CAPACITY_CHART_TEXT.latencyTitle,
    CAPACITY_CHART_TEXT.latencyHelp(formatMillis(curves.sloP99Ms)),
    'chart-capacity-latency',
  );
  const cpu = chartBox(CAPACITY_CHART_TEXT.cpuTitle, CAPACITY_CHART_TEXT.cpuHelp, 'chart-capacity-cpu');
  // Both across the panel: the client axis needs the width, and a lone half-width box leaves a hole.
  latency.box.classList.add('wide');
  cpu.box.classList.add('wide');
  const element = h(
    'section',
    { class: 'capacity-section', 'data-testid': 'capacity-section' },
    h('h4', {}, CAPACITY_CHART_TEXT.sectionTitle),
    h('ul', { class: 'plain capacity-verdicts', 'data-testid': 'capacity-verdicts' }, ...verdicts),
    h('div', { class: 'charts-grid capacity-charts' }, latency.box, cpu.box),
  );
  const draw = (): Chart[] =>
    element.isConnected ? [new Chart(latency.canvas, capacityLatencyConfig(curves)), new Chart(cpu.canvas, capacityCpuConfig(curves))] : [];
  return { element, draw };
}

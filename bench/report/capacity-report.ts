/**
 * Scenario `capacity` in the one-file HTML report: per protocol the capacity and what failed
 * first above it, and the boxes of its two charts; the page's script draws them from the
 * report data's `capacity` (dashboard/src/capacity-charts.ts, the results view's charts).
 */
import { protocolColour, protocolLabel } from '../../dashboard/src/protocols.js';
import { CAPACITY_CHART_TEXT, capacityVerdictParts, type CapacityCurves } from './capacity-curve.js';
import { formatCount, formatMicros, formatMillis } from './format.js';
import { esc } from './html-escape.js';

/** The canvases' `data-chart` names, which the page's script looks for. */
export const CAPACITY_CHART_IDS = Object.freeze({ latency: 'chart-capacity-latency', cpu: 'chart-capacity-cpu' });

function chartBox(id: string, title: string, help: string, wide: boolean): string {
  return `<figure class="chart-box${wide ? ' wide' : ''}" data-testid="${esc(id)}"><figcaption><strong>${esc(title)}</strong><span class="chart-help">${esc(help)}</span></figcaption><div class="chart-holder"><canvas data-chart="${esc(id)}" role="img" aria-label="${esc(`${title}: ${help}`)}"></canvas></div></figure>`;
}

/** The section's HTML. */
export function capacityReportSection(curves: CapacityCurves): string {
  const verdicts = curves.curves.map((curve) => {
    const words = capacityVerdictParts(curve, { count: formatCount, micros: formatMicros });
    const bound = words.lowerBound === null ? '' : ` <span class="badge warn">${esc(words.lowerBound)}</span>`;
    return `<li data-protocol="${esc(curve.protocol)}"><span class="protocol-chip small" style="--protocol:${protocolColour(curve.protocol)}">${esc(protocolLabel(curve.protocol))}</span> <strong>${esc(words.capacity)}</strong> ${esc(words.detail)}${bound} · ${esc(words.cpu)}</li>`;
  });
  return [
    `<section class="panel capacity-section" data-testid="capacity-section"><h2>${esc(CAPACITY_CHART_TEXT.sectionTitle)}</h2>`,
    `<ul class="plain capacity-verdicts" data-testid="capacity-verdicts">${verdicts.join('')}</ul>`,
    '<div class="charts-grid capacity-charts">',
    chartBox(
      CAPACITY_CHART_IDS.latency,
      CAPACITY_CHART_TEXT.latencyTitle,
      CAPACITY_CHART_TEXT.latencyHelp(formatMillis(curves.sloP99Ms)),
      true,
    ),
    chartBox(CAPACITY_CHART_IDS.cpu, CAPACITY_CHART_TEXT.cpuTitle, CAPACITY_CHART_TEXT.cpuHelp, true),
    '</div></section>',
  ].join('');
}

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  LogarithmicScale,
  PointElement,
  Title,
  Tooltip,
  type ChartConfiguration,
  type Plugin,
} from 'chart.js';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  BarController,
  BarElement,
  LinearScale,
  LogarithmicScale,
  CategoryScale,
  Legend,
  Tooltip,
  Title,
  Filler,
);

Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.color = '#374151';
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

export { Chart };
export type { ChartConfiguration };

/** True for 1, 2 and 5 times a power of ten: the ticks a log axis should label. */
export function isOneTwoFive(value: number): boolean {
  if (!(value > 0)) return false;
  const mantissa = value / 10 ** Math.floor(Math.log10(value) + 1e-9);
  return [1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-6);
}

/** A chart in a titled box with a one-line explanation; the canvas fills the box. */
export function chartBox(title: string, helpText: string, testId: string): { box: HTMLElement; canvas: HTMLCanvasElement } {
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `${title}: ${helpText}`);
  const box = document.createElement('figure');
  box.className = 'chart-box';
  box.dataset.testid = testId;
  const caption = document.createElement('figcaption');
  const heading = document.createElement('strong');
  heading.textContent = title;
  const explanation = document.createElement('span');
  explanation.className = 'chart-help';
  explanation.textContent = helpText;
  caption.append(heading, explanation);
  const holder = document.createElement('div');
  holder.className = 'chart-holder';
  holder.append(canvas);
  box.append(caption, holder);
  return { box, canvas };
}

/** A vertical line on a time chart where the harness cut connections. */
export interface DropMarker {
  /** Position on the x axis (the chart's own unit, seconds here). */
  x: number;
  label: string;
  colour: string;
}

/**
 * Draws each marker of `markers()` as a dashed vertical line with a small label at the top
 * (Chart.js has no annotation plugin bundled; this is all the timelines need); with more than
 * ten markers, lines only. After each draw the canvas carries `data-drop-markers` (or the
 * `probe` given), the number of markers that fell inside the plot area, so tests can see they were drawn.
 */
export function dropMarkerPlugin(markers: () => readonly DropMarker[], probe = 'dropMarkers'): Plugin<'line'> {
  return {
    id: 'wirelabDropMarkers',
    afterDatasetsDraw(chart) {
      const x = chart.scales.x;
      const area = chart.chartArea;
      if (x === undefined || area === undefined) return;
      const ctx = chart.ctx;
      let drawn = 0;
      ctx.save();
      ctx.font = '11px system-ui, sans-serif';
      ctx.textBaseline = 'top';
      const all = markers();
      // Many markers (a proxy reset every few seconds of a long run): lines only.
      const labelled = all.length <= 10;
      const rowEnds = [-Infinity, -Infinity, -Infinity];
      for (const marker of all) {
        const px = x.getPixelForValue(marker.x);
        if (!Number.isFinite(px) || px < area.left - 0.5 || px > area.right + 0.5) continue;
        drawn += 1;
        ctx.strokeStyle = marker.colour;
        ctx.globalAlpha = 0.85;
        ctx.lineWidth = 1.5;
        ctx.setLineDash([4, 3]);
        ctx.beginPath();
        ctx.moveTo(px, area.top);
        ctx.lineTo(px, area.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.globalAlpha = 1;
        if (!labelled) continue;
        ctx.fillStyle = marker.colour;
        const width = ctx.measureText(marker.label).width;
        // Label to the right of the line, or to its left near the right edge; on the first of
        // three rows where it does not overlap the label before it (else none).
        const left = px + 4 + width > area.right ? px - 4 - width : px + 4;
        const row = rowEnds.findIndex((end) => left > end + 3);
        if (row === -1) continue;
        rowEnds[row] = left + width;
        ctx.fillText(marker.label, left, area.top + 2 + row * 13);
      }
      ctx.restore();
      chart.canvas.dataset[probe] = String(drawn);
    },
  };
}

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
} from 'chart.js';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, LinearScale, LogarithmicScale, CategoryScale, Legend, Tooltip, Title, Filler);

Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.color = '#374151';
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

export { Chart };
export type { ChartConfiguration };

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

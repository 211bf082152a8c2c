import type { BenchResult, Phase, ProgressEvent, ProtocolResult, TimeseriesPoint } from '../../../bench/report/types.js';
import { byteTicks, tickProbePlugin } from '../axis.js';
import { Chart, chartBox, dropMarkerPlugin, isOneTwoFive, type DropMarker } from '../charts.js';
import { clear, h, help } from '../dom.js';
import {
  formatAxisMs,
  formatBytes,
  formatClock,
  formatCount,
  formatMicros,
  formatNumber,
  formatPercent,
  NOT_MEASURED,
} from '../../../bench/report/format.js';
import { httpUrl, type ServerInfo } from '../http.js';
import { protocolColour, protocolLabel, type ProtocolName } from '../protocols.js';
import { serverBack, serverGone } from '../server-note.js';
import type { View } from '../view.js';

const PHASE_HELP: Record<string, string> = {
  starting: 'starting the feed server',
  connecting: 'opening every client connection',
  warmup: 'clients connected; not measured yet',
  measuring: 'the measured window: latency, bytes and delivery count from here',
  draining: 'feed stopped; waiting for the last updates to arrive',
  idle: 'feed idle: measuring the cost of keeping clients connected',
  closing: 'closing every client',
  capacity: 'autocannon: how many poll requests per second the server sustains',
  done: 'finished',
};

interface LiveRun {
  runId: string;
  target: string;
  protocols: ProtocolName[];
  options: Record<string, unknown>;
  startedAtMs: number | undefined;
  current: { protocol: ProtocolName; phase: Phase; t: number } | undefined;
  lastPoint: TimeseriesPoint | undefined;
  ticks: number;
  results: ProtocolResult[];
  failures: Array<{ protocol: ProtocolName; message: string }>;
  done: BenchResult | undefined;
  failed: string | undefined;
}

interface SeriesSpec {
  key: string;
  title: string;
  help: string;
  axis: string;
  /** Values from one point; several give several lines per protocol (solid, then dashed). */
  lines: Array<{ name: string; value: (point: TimeseriesPoint) => number | null; dashed?: boolean }>;
  tick: (value: number) => string;
  log?: boolean;
  /** Whole numbers only (clients, reconnects). */
  integer?: boolean;
  /** Draw a dashed red line at each drop the harness caused. */
  drops?: boolean;
  /** A byte axis: ticks at round kB/MB. */
  bytes?: boolean;
  /** Shown only for runs that cut connections: elsewhere polling's ordinary requests would read as a storm. */
  onlyWithDrops?: boolean;
}

/** The status red: a drop is a disconnection, not a protocol. */
const DROP_COLOUR = '#dc2626';

const SERIES: SeriesSpec[] = [
  {
    key: 'latency',
    title: 'Delivery latency (ms)',
    help: 'One-way, publish to receipt, over each second: p50 solid, p99 dashed. Lower is better.',
    axis: 'latency (ms)',
    lines: [
      { name: 'p50', value: (p) => (p.latencyP50 === null ? null : p.latencyP50 / 1000) },
      { name: 'p99', value: (p) => (p.latencyP99 === null ? null : p.latencyP99 / 1000), dashed: true },
    ],
    tick: (v) => formatAxisMs(v),
    log: true,
  },
  {
    key: 'messages',
    title: 'Messages received (msgs/s)',
    help: 'Updates received per second by all clients together.',
    axis: 'messages/s',
    lines: [{ name: 'msgs/s', value: (p) => p.messagesPerSecond }],
    tick: (v) => formatNumber(v, v < 10 ? 1 : 0),
  },
  {
    key: 'bytes',
    title: 'Bandwidth (bytes/s)',
    help: 'Bytes read and written at the client sockets per second, headers and framing included.',
    axis: 'bytes/s',
    lines: [{ name: 'bytes/s', value: (p) => p.bytesPerSecond }],
    tick: (v) => `${formatBytes(v)}/s`,
    bytes: true,
  },
  {
    key: 'connected',
    title: 'Connected clients',
    help: 'Clients whose connection is up (or whose last poll was answered). Red dashed lines: drops the harness caused.',
    axis: 'clients',
    lines: [{ name: 'connected', value: (p) => p.connected }],
    tick: (v) => formatNumber(v, 0),
    integer: true,
    drops: true,
  },
  {
    key: 'storm',
    title: 'Reconnect storm (per second)',
    help: 'Reconnect attempts the clients started each second (solid) and connections or poll requests the server accepted each second (dashed). Red dashed lines: drops.',
    axis: 'per second',
    lines: [
      { name: 'attempts/s', value: (p) => p.reconnectsPerSecond ?? null },
      { name: 'server accepts/s', value: (p) => p.serverAcceptedPerSecond, dashed: true },
    ],
    tick: (v) => `${formatNumber(v, 0)}/s`,
    integer: true,
    drops: true,
    onlyWithDrops: true,
  },
  {
    key: 'reconnects',
    title: 'Reconnects (total)',
    help: 'Reconnections made by the clients of this protocol so far (cumulative).',
    axis: 'reconnects',
    lines: [{ name: 'reconnects', value: (p) => p.reconnects }],
    tick: (v) => formatNumber(v, 0),
    integer: true,
  },
  {
    key: 'cpu',
    title: 'CPU (% of one core)',
    help: "Server process CPU solid; the load generator's own CPU dashed (if it nears 100 % per thread, results are suspect).",
    axis: '% of one core',
    lines: [
      { name: 'server', value: (p) => p.serverCpuPercent },
      { name: 'generator', value: (p) => p.generatorCpuPercent, dashed: true },
    ],
    tick: (v) => `${formatNumber(v, v < 10 ? 1 : 0)}%`,
  },
  {
    key: 'memory',
    title: 'Server memory (RSS)',
    help: 'Resident memory of the server process.',
    axis: 'RSS',
    lines: [{ name: 'RSS', value: (p) => p.serverRssBytes }],
    tick: (v) => formatBytes(v),
    bytes: true,
  },
];

declare global {
  interface Window {
    __wirelabLive?: { ticks: number; runId: string | undefined; phase: string | undefined; done: boolean; drops: number };
  }
}

/** The running bench, drawn from the harness's progress events (`GET /live/events`, SSE). */
export class LiveView implements View {
  readonly element: HTMLElement;
  private readonly statusLine: HTMLElement;
  private readonly connectionNote: HTMLElement;
  private readonly nowStrip: HTMLElement;
  private readonly chartsGrid: HTMLElement;
  private readonly doneTable: HTMLElement;
  private readonly doneSection: HTMLElement;
  private readonly charts = new Map<string, Chart<'line', Array<{ x: number; y: number | null }>>>();
  private readonly chartBoxes = new Map<string, HTMLElement>();
  /** One per `drop` event of the run, drawn on the charts whose spec asks for it. */
  private readonly dropMarkers: DropMarker[] = [];
  private source: EventSource | undefined;
  private run: LiveRun | undefined;
  private dirty = false;
  private lastFlush = 0;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private info: ServerInfo | undefined;
  private streamState: 'idle' | 'open' | 'error' | 'unavailable' = 'idle';
  private readonly probe = {
    ticks: 0,
    runId: undefined as string | undefined,
    phase: undefined as string | undefined,
    done: false,
    drops: 0,
  };

  constructor() {
    window.__wirelabLive = this.probe;
    this.statusLine = h('div', { class: 'live-status', 'data-testid': 'live-status', role: 'status' });
    this.connectionNote = h('div', { class: 'notice', hidden: true, 'data-testid': 'live-note' });
    this.nowStrip = h('dl', { class: 'stats now-strip', 'data-testid': 'live-now' });
    this.chartsGrid = h('div', { class: 'charts-grid' });
    this.doneTable = h('div', { class: 'live-done', 'data-testid': 'live-done' });
    this.doneSection = h('section', {}, h('h3', {}, 'Finished protocols'), this.doneTable);
    this.element = h(
      'section',
      { class: 'view live-view', 'data-view': 'live' },
      h(
        'header',
        { class: 'view-header' },
        h('h2', {}, 'Live bench'),
        h(
          'p',
          { class: 'lede' },
          'The run in progress, one point per second per protocol. The protocols run one after another with the same feed and the same clients.',
        ),
      ),
      this.connectionNote,
      this.statusLine,
      this.nowStrip,
      this.chartsGrid,
      this.doneSection,
    );
    for (const spec of SERIES) {
      const { box, canvas } = chartBox(spec.title, spec.help, `live-chart-${spec.key}`);
      // Until the first second arrives an empty chart would show axes of nothing (0.2 B …).
      box
        .querySelector('.chart-holder')
        ?.append(h('p', { class: 'chart-waiting', 'data-testid': 'chart-waiting' }, 'Waiting for the first second…'));
      box.dataset.state = 'waiting';
      this.chartsGrid.append(box);
      this.chartBoxes.set(spec.key, box);
      this.charts.set(spec.key, this.makeChart(canvas, spec));
    }
    this.renderStatus();
    this.renderNow();
    this.renderDone();
  }

  setServerInfo(info: ServerInfo | undefined): void {
    this.info = info;
    if (this.timer !== undefined) this.connect();
  }

  show(): void {
    // A safety net: draws pending changes even if no event comes to schedule it.
    this.timer ??= setInterval(() => this.flush(), 1000);
    this.connect();
    this.flush(true);
  }

  hide(): void {
    // The stream stays open so the charts are complete when the page comes back.
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private connect(): void {
    if (this.source !== undefined) return;
    if (this.info !== undefined && !this.info.live) {
      this.streamState = 'unavailable';
      this.renderStatus();
      return;
    }
    const source = new EventSource(httpUrl('/live/events'));
    this.source = source;
    source.onopen = () => {
      this.streamState = 'open';
      serverBack();
      this.renderStatus();
    };
    source.onmessage = (event: MessageEvent<string>) => {
      let progress: ProgressEvent;
      try {
        progress = JSON.parse(event.data) as ProgressEvent;
      } catch {
        return;
      }
      this.apply(progress);
    };
    source.onerror = () => {
      this.streamState = 'error';
      if (source.readyState === EventSource.CLOSED) {
        // Refused (no live stream on this server): try again later, slowly.
        this.source = undefined;
        setTimeout(() => this.timer !== undefined && this.connect(), 5000);
      }
      this.renderStatus();
    };
  }

  private apply(event: ProgressEvent): void {
    switch (event.type) {
      case 'start':
        this.run = {
          runId: event.runId,
          target: event.target,
          protocols: event.protocols,
          options: event.options,
          startedAtMs: 'startedAt' in event && typeof event.startedAt === 'string' ? Date.parse(event.startedAt) : undefined,
          current: undefined,
          lastPoint: undefined,
          ticks: 0,
          results: [],
          failures: [],
          done: undefined,
          failed: undefined,
        };
        for (const chart of this.charts.values()) chart.data.datasets = [];
        this.dropMarkers.length = 0;
        this.probe.drops = 0;
        this.probe.runId = event.runId;
        this.probe.ticks = 0;
        this.probe.done = false;
        this.renderDone();
        break;
      case 'phase':
        if (this.run === undefined) return;
        this.run.current = { protocol: event.protocol, phase: event.phase, t: event.t };
        this.probe.phase = event.phase;
        break;
      case 'tick':
        if (this.run === undefined) return;
        this.addPoint(event.point);
        this.run.lastPoint = event.point;
        this.run.ticks += 1;
        this.probe.ticks += 1;
        if (this.run.current === undefined || this.run.current.protocol !== event.point.protocol) {
          this.run.current = { protocol: event.point.protocol, phase: event.point.phase, t: event.point.t };
        } else {
          this.run.current.phase = event.point.phase;
          this.run.current.t = event.point.t;
        }
        break;
      case 'drop':
        if (this.run === undefined) return;
        this.dropMarkers.push({
          x: Math.round(event.drop.t / 100) / 10,
          label: `↯ ${event.drop.kind === 'net-reset' ? 'reset' : event.drop.kind}`,
          colour: DROP_COLOUR,
        });
        this.probe.drops += 1;
        break;
      case 'protocol-done':
        if (this.run === undefined) return;
        this.run.results.push(event.result);
        this.renderDone();
        break;
      default:
        if (this.run === undefined) return;
        if (event.type === 'done') {
          this.run.done = event.result;
          this.probe.done = true;
          this.renderDone();
        } else if (event.type === 'failed') {
          this.run.failed = event.message;
          this.probe.done = true;
        } else if ((event as { type: string }).type === 'protocol-failed') {
          const failure = event as unknown as { protocol: ProtocolName; message: string };
          this.run.failures.push({ protocol: failure.protocol, message: failure.message });
          this.renderDone();
        }
    }
    this.dirty = true;
    if (event.type !== 'tick') this.renderStatus();
    // Draw soon (at once after a quiet spell, such as the catch-up of a page opened mid-run),
    // but at most once a second.
    if (this.flushTimer === undefined && this.timer !== undefined) {
      this.flushTimer = setTimeout(
        () => {
          this.flushTimer = undefined;
          this.flush();
        },
        Math.max(0, 1000 - (performance.now() - this.lastFlush)),
      );
    }
  }

  private addPoint(point: TimeseriesPoint): void {
    const x = Math.round(point.t / 100) / 10;
    for (const spec of SERIES) {
      const chart = this.charts.get(spec.key);
      if (chart === undefined) continue;
      spec.lines.forEach((line, index) => {
        const label = spec.lines.length > 1 ? `${protocolLabel(point.protocol)} ${line.name}` : protocolLabel(point.protocol);
        let dataset = chart.data.datasets.find((d) => d.label === label);
        if (dataset === undefined) {
          const colour = protocolColour(point.protocol);
          dataset = {
            label,
            data: [],
            borderColor: colour,
            backgroundColor: colour,
            borderWidth: 2,
            borderDash: line.dashed === true || index > 0 ? [6, 4] : [],
            // Small dots: a second with a value between two without one still shows.
            pointRadius: 1.5,
            pointHitRadius: 6,
            // Each protocol is its own line, so spanning gaps never joins two protocols.
            spanGaps: true,
            tension: 0,
          };
          chart.data.datasets.push(dataset);
        }
        const value = line.value(point);
        dataset.data.push({ x, y: value === null || (spec.log === true && value <= 0) ? null : value });
      });
    }
  }

  /** Redraws at most once a second (and at once after a catch-up burst). */
  private flush(force = false): void {
    if (!this.dirty && !force) return;
    this.dirty = false;
    this.lastFlush = performance.now();
    for (const spec of SERIES) {
      const box = this.chartBoxes.get(spec.key);
      const chart = this.charts.get(spec.key);
      if (box === undefined || chart === undefined) continue;
      box.hidden = spec.onlyWithDrops === true && !this.runCutsConnections();
      box.dataset.state = chart.data.datasets.some((d) => d.data.some((point) => point.y !== null)) ? 'drawn' : 'waiting';
      chart.update('none');
    }
    this.renderStatus();
    this.renderNow();
  }

  /** Drops planned by the scenario, a proxy reset schedule, or a drop seen: the storm chart has something to show. */
  private runCutsConnections(): boolean {
    const options = this.run?.options;
    if (options === undefined) return false;
    const network = options.network as { resetEveryMs?: number | null } | null | undefined;
    // Results written before drops were recorded have no `drops`.
    const drops = options.drops as { atMs?: readonly number[] } | undefined;
    return (drops?.atMs?.length ?? 0) > 0 || (network?.resetEveryMs ?? null) !== null || this.dropMarkers.length > 0;
  }

  private makeChart(canvas: HTMLCanvasElement, spec: SeriesSpec): Chart<'line', Array<{ x: number; y: number | null }>> {
    return new Chart(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        parsing: false,
        normalized: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: {
          x: {
            type: 'linear',
            min: 0,
            title: { display: true, text: 'time since the run started (s)' },
            ticks: { callback: (v) => `${v} s` },
          },
          y: {
            type: spec.log === true ? 'logarithmic' : 'linear',
            beginAtZero: spec.log !== true,
            title: { display: true, text: spec.axis },
            ...(spec.integer === true ? { suggestedMax: 1 } : {}),
            ticks: {
              callback: (v) => (spec.log === true && !isOneTwoFive(Number(v)) ? '' : spec.tick(Number(v))),
              ...(spec.log === true ? { autoSkip: false } : { maxTicksLimit: 6 }),
              ...(spec.integer === true ? { precision: 0 } : {}),
            },
            ...(spec.bytes === true ? byteTicks() : {}),
          },
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 14, boxHeight: 2 } },
          tooltip: {
            callbacks: {
              title: (items) => `${items[0]?.parsed.x ?? ''} s`,
              label: (item) => `${item.dataset.label ?? ''}: ${item.parsed.y === null ? NOT_MEASURED : spec.tick(item.parsed.y)}`,
            },
          },
        },
      },
      plugins: spec.drops === true ? [dropMarkerPlugin(() => this.dropMarkers), tickProbePlugin()] : [tickProbePlugin()],
    });
  }

  private renderStatus(): void {
    clear(this.statusLine);
    const note = this.connectionNote;
    note.hidden = true;
    if (this.streamState === 'unavailable') {
      note.hidden = false;
      note.textContent =
        'No bench is streaming to this server. Run "npm run bench -- --clients 100" and open the URL it prints ("live dashboard: http://127.0.0.1:…"): that page shows the run here as it happens.';
    } else if (this.streamState === 'error') {
      note.hidden = false;
      note.textContent =
        this.run?.done !== undefined || this.run?.failed !== undefined
          ? 'The bench has finished and its live server has closed. The result is in the Results view of "npm start".'
          : 'Lost the live stream (is the bench still running?). Retrying every second…';
    }
    const run = this.run;
    const finished = run?.done !== undefined || run?.failed !== undefined;
    // No run yet: no empty charts, just the message above.
    for (const part of [this.chartsGrid, this.doneSection]) part.hidden = run === undefined;
    // The last second's figures describe a run in progress: gone once it has finished.
    this.nowStrip.hidden = run === undefined || finished;
    if (finished && this.streamState === 'error') serverGone('live server closed');
    if (run === undefined) {
      this.statusLine.append(
        h(
          'span',
          { class: 'empty' },
          this.streamState === 'open'
            ? 'Waiting for a bench run to start…'
            : this.streamState === 'unavailable'
              ? 'No live run.'
              : 'Connecting to the live stream…',
        ),
      );
      this.statusLine.dataset.state = 'waiting';
      return;
    }
    const current = run.current;
    const elapsed = run.lastPoint === undefined ? 0 : run.lastPoint.t / 1000;
    const clients = run.options.clients;
    const parts: Array<Node | string> = [h('span', { class: 'run-id' }, `Run ${run.runId}`)];
    if (run.failed !== undefined) {
      this.statusLine.dataset.state = 'failed';
      parts.push(h('span', { class: 'badge bad' }, 'failed'), ` ${run.failed}`);
    } else if (run.done !== undefined) {
      this.statusLine.dataset.state = 'done';
      // The link reaches the live server's results API: only while that server is there.
      const where =
        this.streamState === 'error'
          ? h(
              'span',
              { class: 'muted', 'data-testid': 'result-saved' },
              `result saved as ${run.done.id}.json in the results folder: open it in the Results view of "npm start"`,
            )
          : h('a', { href: `#results/${encodeURIComponent(run.done.id)}`, 'data-testid': 'open-result' }, 'open the result');
      parts.push(
        h(
          'span',
          { class: `badge ${run.done.passed ? 'good' : 'bad'}` },
          run.done.passed ? 'done: thresholds passed' : 'done: a threshold failed',
        ),
        ' ',
        where,
      );
    } else if (current !== undefined) {
      this.statusLine.dataset.state = 'running';
      parts.push(
        h('span', { class: 'protocol-chip', style: `--protocol:${protocolColour(current.protocol)}` }, protocolLabel(current.protocol)),
        h('span', { class: 'phase', title: PHASE_HELP[current.phase] ?? '' }, `phase: ${current.phase}`),
      );
    } else {
      this.statusLine.dataset.state = 'starting';
      parts.push(h('span', { class: 'phase' }, 'starting…'));
    }
    parts.push(h('span', { class: 'muted' }, `${formatClock(elapsed)} elapsed`));
    if (typeof clients === 'number') parts.push(h('span', { class: 'muted' }, `${formatCount(clients)} clients per protocol`));
    parts.push(h('span', { class: 'muted' }, `protocols: ${run.protocols.map(protocolLabel).join(' → ')}`));
    this.statusLine.append(...parts);
  }

  private renderNow(): void {
    clear(this.nowStrip);
    const point = this.run?.lastPoint;
    const item = (label: string, value: string, helpText: string, testId: string) =>
      h('div', { class: 'stat' }, h('dt', {}, label, ' ', help(helpText)), h('dd', { 'data-testid': testId }, value));
    this.nowStrip.append(
      item('Connected', point === undefined ? NOT_MEASURED : formatCount(point.connected), 'Clients connected right now.', 'now-connected'),
      item(
        'Messages/s',
        point === undefined ? NOT_MEASURED : formatCount(point.messagesPerSecond),
        'Updates received per second, all clients together.',
        'now-messages',
      ),
      item(
        'Latency p50 / p99',
        point === undefined ? NOT_MEASURED : `${formatMicros(point.latencyP50)} / ${formatMicros(point.latencyP99)}`,
        'One-way delivery latency over the last second.',
        'now-latency',
      ),
      item(
        'Reconnects/s',
        point?.reconnectsPerSecond === undefined ? NOT_MEASURED : formatCount(point.reconnectsPerSecond),
        'Reconnect attempts the clients started in the last second.',
        'now-reconnects',
      ),
      item(
        'Bandwidth',
        point === undefined ? NOT_MEASURED : `${formatBytes(point.bytesPerSecond)}/s`,
        'Bytes per second at the client sockets.',
        'now-bytes',
      ),
      item(
        'Server CPU',
        point === undefined ? NOT_MEASURED : formatPercent(point.serverCpuPercent),
        'Server process CPU, % of one core.',
        'now-cpu',
      ),
      item('Server RSS', point === undefined ? NOT_MEASURED : formatBytes(point.serverRssBytes), 'Server resident memory.', 'now-rss'),
    );
  }

  private renderDone(): void {
    clear(this.doneTable);
    const run = this.run;
    if (run === undefined || (run.results.length === 0 && run.failures.length === 0)) {
      this.doneTable.append(h('p', { class: 'empty' }, "Each protocol's summary appears here when it finishes."));
      return;
    }
    const header = h(
      'tr',
      {},
      h('th', {}, 'Protocol'),
      h('th', {}, 'clients'),
      h('th', {}, 'latency p50 ', help('One-way delivery latency, median, over the measured window.')),
      h('th', {}, 'latency p99 ', help('One-way delivery latency, 99th percentile.')),
      h('th', {}, 'delivered ', help('Distinct updates received ÷ updates expected.')),
      h('th', {}, 'bytes/event ', help('Bytes on the wire (both directions) per delivered update.')),
      h('th', {}, 'server CPU ', help('Server process CPU, % of one core.')),
    );
    const rows = run.results.map((result) =>
      h(
        'tr',
        {},
        h(
          'th',
          { scope: 'row' },
          h('span', { class: 'protocol-chip', style: `--protocol:${protocolColour(result.protocol)}` }, protocolLabel(result.protocol)),
        ),
        h('td', {}, `${formatCount(result.clients.connected)} / ${formatCount(result.clients.requested)}`),
        h('td', {}, formatMicros(result.latency.count > 0 ? result.latency.p50 : null)),
        h('td', {}, formatMicros(result.latency.count > 0 ? result.latency.p99 : null)),
        h('td', {}, `${formatCount(result.delivery.delivered)} / ${formatCount(result.delivery.expected)}`),
        h('td', {}, formatBytes(result.bandwidth.bytesPerEvent)),
        h('td', {}, formatPercent(result.server?.cpuPercent ?? null)),
      ),
    );
    const failures = run.failures.map((failure) =>
      h(
        'tr',
        { class: 'failed-row' },
        h('th', { scope: 'row' }, protocolLabel(failure.protocol)),
        h('td', { colspan: 6 }, `failed: ${failure.message}`),
      ),
    );
    this.doneTable.append(
      h(
        'div',
        { class: 'table-scroll' },
        h('table', { class: 'data-table' }, h('thead', {}, header), h('tbody', {}, ...rows, ...failures)),
      ),
    );
  }
}

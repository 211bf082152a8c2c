import { METRICS, findMetric, type MetricDefinition } from '../../../bench/report/metrics.js';
import { byTime, compareResults, type ComparisonRow } from '../../../bench/report/compare.js';
import type { BenchResult, ProtocolResult } from '../../../bench/report/types.js';
import { byteTicks, tickProbePlugin } from '../axis.js';
import { Chart, chartBox, dropMarkerPlugin, isOneTwoFive, type DropMarker } from '../charts.js';
import { clear, h, help } from '../dom.js';
import {
  formatAxisMs,
  formatBytes,
  formatChange,
  formatCount,
  formatDate,
  formatDurationMs,
  formatMetric,
  formatMillis,
  formatNumber,
  NOT_MEASURED,
} from '../../../bench/report/format.js';
import { fetchJson, HttpError, type ServerInfo } from '../http.js';
import { protocolColour, protocolLabel, withAlpha } from '../protocols.js';
import { downloadCsv } from './export.js';
import { capacityCurves } from '../../../bench/report/capacity-curve.js';
import { capacitySection } from './capacity-section.js';
import { percentileCurve, percentileLabel } from './percentiles.js';
import type { RunListing } from '../../../wire/result-schema.js';
import type { View } from '../view.js';

/** The figures of the reconnect table, in order; labels and help texts come from bench/report/metrics.ts. */
const RECONNECT_FIGURES = [
  'reconnect.drops',
  'reconnect.clientDrops',
  'reconnect.recovered',
  'reconnect.notRecovered',
  'reconnect.recovery.p50',
  'reconnect.recovery.p99',
  'reconnect.recovery.max',
  'reconnect.publishedDuringOutage',
  'reconnect.recoveredByResume',
  'reconnect.missedInOutage',
  'reconnect.coveredByReset',
  'reconnect.duplicated',
  'reconnect.resets',
  'reconnect.attempts',
  'reconnect.attemptsPerSecondPeak',
  'reconnect.acceptedPerSecondBaseline',
  'reconnect.clientAttemptsPerSecondPeak',
  'net.proxyResets',
];
/** The status red: a drop is a disconnection, not a protocol. */
const DROP_COLOUR = '#dc2626';
const DROP_LABEL: Record<string, string> = { drop: 'drop', restart: 'restart', 'net-reset': 'reset' };

const GROUPS: Array<[string, string]> = [
  ['clients', 'Clients'],
  ['connect', 'Connection time'],
  ['latency', 'Delivery latency'],
  ['spread', 'Fan-out spread'],
  ['ping', 'PING'],
  ['delivery', 'Delivery'],
  ['bandwidth', 'Bandwidth'],
  ['server', 'Server cost'],
  ['generator', 'Load generator'],
  ['capacity', 'Poll capacity'],
  ['reconnect', 'Reconnect'],
];

/** Lists the runs in results/, opens one or several side by side, compares them. */
export class ResultsView implements View {
  readonly element: HTMLElement;
  private readonly listBox: HTMLElement;
  private readonly detail: HTMLElement;
  private readonly openButton: HTMLButtonElement;
  private readonly allMetricsToggle: HTMLInputElement;
  private readonly selected = new Set<string>();
  private readonly charts: Chart[] = [];
  private readonly cache = new Map<string, BenchResult>();
  private openIds: string[] = [];
  private loaded: BenchResult[] = [];

  constructor() {
    this.listBox = h('div', { class: 'run-list', 'data-testid': 'run-list' });
    this.detail = h('div', { class: 'run-detail', 'data-testid': 'run-detail' });
    this.openButton = h(
      'button',
      { type: 'button', class: 'primary', disabled: true, 'data-testid': 'open-selected', onclick: () => this.openSelected() },
      'Open selected',
    );
    this.allMetricsToggle = h('input', { type: 'checkbox', 'data-testid': 'all-metrics', onchange: () => this.renderDetail() });
    this.element = h(
      'section',
      { class: 'view results-view', 'data-view': 'results' },
      h(
        'header',
        { class: 'view-header' },
        h('h2', {}, 'Results'),
        h(
          'p',
          { class: 'lede' },
          'Every run the bench wrote to results/. Tick several and open them to see them oldest first, with the change (Δ %) of each figure from the older run to the newer one.',
        ),
      ),
      h(
        'div',
        { class: 'panel list-panel' },
        h(
          'div',
          { class: 'list-actions' },
          this.openButton,
          h('button', { type: 'button', 'data-testid': 'refresh', onclick: () => void this.loadList() }, 'Refresh'),
          h('label', { class: 'toggle' }, this.allMetricsToggle, ' show every metric'),
        ),
        this.listBox,
      ),
      this.detail,
    );
  }

  setServerInfo(_info: ServerInfo | undefined): void {}

  show(args: string[]): void {
    void this.loadList();
    const ids = (args[0] ?? '')
      .split(',')
      .map((id) => decodeURIComponent(id))
      .filter((id) => id !== '');
    if (ids.join(',') !== this.openIds.join(',') || ids.some((id) => !this.cache.has(id))) void this.openRuns(ids);
  }

  hide(): void {}

  private async loadList(): Promise<void> {
    let runs: RunListing[];
    try {
      runs = (await fetchJson<{ runs: RunListing[] }>('/api/results')).runs;
    } catch (error) {
      clear(this.listBox);
      this.listBox.append(
        h(
          'div',
          { class: 'error-state', 'data-testid': 'results-error' },
          h('strong', {}, 'Cannot load the list of runs. '),
          error instanceof HttpError
            ? `${error.wire.code}: ${error.wire.message}`
            : 'The server does not answer: is it running? (npm start)',
          ' ',
          h('button', { type: 'button', onclick: () => void this.loadList() }, 'Retry'),
        ),
      );
      return;
    }
    clear(this.listBox);
    if (runs.length === 0) {
      this.listBox.append(
        h(
          'div',
          { class: 'empty-state', 'data-testid': 'results-empty' },
          h('strong', {}, 'No results yet. '),
          'Run a bench, for example ',
          h('code', {}, 'npm run bench -- --clients 100 --duration 10s'),
          ', and its result appears here (files in results/).',
        ),
      );
      return;
    }
    const rows = runs.map((run) => {
      if (run.error !== undefined) {
        return h(
          'tr',
          { class: 'bad-file', 'data-run-id': run.id },
          h('td', {}),
          h('td', {}, run.file),
          h('td', { colspan: 5 }, h('span', { class: 'badge bad' }, 'unreadable'), ` ${run.error}`),
        );
      }
      const box = h('input', {
        type: 'checkbox',
        'aria-label': `select ${run.id}`,
        checked: this.selected.has(run.id),
        onchange: (event: Event) => {
          if ((event.target as HTMLInputElement).checked) this.selected.add(run.id);
          else this.selected.delete(run.id);
          this.updateOpenButton();
        },
      });
      const outcome: Array<Node | string> = [];
      if (run.passed !== undefined)
        outcome.push(
          h(
            'span',
            {
              class: `badge ${run.passed ? 'good' : 'bad'}`,
              title: run.passed ? 'every threshold held' : 'a threshold failed or a protocol could not be measured',
            },
            run.passed ? 'passed' : 'failed',
          ),
        );
      if (run.suspect === true)
        outcome.push(
          ' ',
          h(
            'span',
            { class: 'badge warn', title: 'the load generator was saturated: some figures may understate the protocol' },
            'suspect',
          ),
        );
      return h(
        'tr',
        { 'data-run-id': run.id, class: this.openIds.includes(run.id) ? 'open' : '' },
        h('td', {}, box),
        h('td', {}, h('a', { href: `#results/${encodeURIComponent(run.id)}`, 'data-testid': 'run-link' }, run.id)),
        h('td', {}, formatDate(run.startedAt)),
        h(
          'td',
          {},
          ...(run.protocols ?? []).map((p) =>
            h('span', { class: 'protocol-chip small', style: `--protocol:${protocolColour(p)}` }, protocolLabel(p)),
          ),
        ),
        h('td', { class: 'num' }, run.clients === null || run.clients === undefined ? NOT_MEASURED : formatCount(run.clients)),
        h('td', { class: 'num' }, formatDurationMs(run.durationMs)),
        h('td', {}, ...outcome),
      );
    });
    this.listBox.append(
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'data-table runs-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, ''),
              h('th', {}, 'Run'),
              h('th', {}, 'Started'),
              h('th', {}, 'Protocols'),
              h('th', {}, 'Clients per protocol'),
              h('th', {}, 'Duration'),
              h('th', {}, 'Outcome'),
            ),
          ),
          h('tbody', {}, ...rows),
        ),
      ),
    );
    this.updateOpenButton();
  }

  private updateOpenButton(): void {
    this.openButton.disabled = this.selected.size === 0;
    this.openButton.textContent = this.selected.size > 1 ? `Compare selected (${this.selected.size})` : 'Open selected';
  }

  private openSelected(): void {
    location.hash = `#results/${[...this.selected].map(encodeURIComponent).join(',')}`;
  }

  private async openRuns(ids: string[]): Promise<void> {
    this.openIds = ids;
    for (const row of this.listBox.querySelectorAll('tr[data-run-id]'))
      row.classList.toggle('open', ids.includes((row as HTMLElement).dataset.runId ?? ''));
    if (ids.length === 0) {
      this.loaded = [];
      this.renderDetail();
      return;
    }
    clear(this.detail);
    this.detail.append(h('p', { class: 'empty' }, `Loading ${ids.join(', ')}…`));
    const outcomes = await Promise.all(
      ids.map(async (id) => {
        const cached = this.cache.get(id);
        if (cached !== undefined) return { id, result: cached };
        try {
          const result = await fetchJson<BenchResult>(`/api/results/${encodeURIComponent(id)}`);
          this.cache.set(id, result);
          return { id, result };
        } catch (error) {
          return {
            id,
            error:
              error instanceof HttpError ? `${error.wire.code}: ${error.wire.message}` : `the server does not answer (${String(error)})`,
          };
        }
      }),
    );
    if (ids !== this.openIds) return;
    // Older first, whatever order the ids came in: a change is always read older → newer.
    this.loaded = byTime(outcomes.flatMap((o) => (o.result === undefined ? [] : [o.result])));
    this.renderDetail(outcomes.flatMap((o) => (o.error === undefined ? [] : [{ id: o.id, error: o.error }])));
  }

  private renderDetail(errors: Array<{ id: string; error: string }> = []): void {
    for (const chart of this.charts.splice(0)) chart.destroy();
    clear(this.detail);
    for (const { id, error } of errors) {
      this.detail.append(h('div', { class: 'error-state', 'data-testid': 'result-error' }, h('strong', {}, `Cannot open ${id}: `), error));
    }
    const runs = this.loaded;
    if (runs.length === 0) {
      if (errors.length === 0)
        this.detail.append(h('p', { class: 'empty' }, 'Pick a run above to see its figures, or tick several to compare them.'));
      return;
    }
    const panels = h('div', { class: 'run-panels', style: `--runs:${Math.min(runs.length, 3)}` });
    for (const run of runs) panels.append(this.runPanel(run));
    this.detail.append(panels);
    const base = runs[0];
    if (base !== undefined) for (const other of runs.slice(1)) this.detail.append(this.deltaPanel(base, other));
  }

  private visibleMetrics(runs: BenchResult[]): MetricDefinition[] {
    const all = this.allMetricsToggle.checked;
    return METRICS.filter(
      (metric) => (all || metric.inTable) && runs.some((run) => run.protocols.some((p) => safeGet(metric, p) !== null)),
    );
  }

  private runPanel(run: BenchResult): HTMLElement {
    const options = run.options as Record<string, unknown>;
    const facts: Array<[string, string]> = [
      ['started', formatDate(run.startedAt)],
      ['duration', formatDurationMs(run.durationMs)],
      ['clients', typeof options.clients === 'number' ? formatCount(options.clients) : NOT_MEASURED],
      [
        'feed',
        typeof options.rate === 'number'
          ? `${formatCount(options.rate)} updates/s × ${formatBytes(typeof options.payload === 'number' ? options.payload : null)}`
          : NOT_MEASURED,
      ],
      ['scenario', String(options.scenario ?? run.protocols[0]?.scenario ?? NOT_MEASURED)],
      ['target', `${run.target.url}${run.target.spawned ? ' (spawned)' : ''}`],
      ['machine', `${run.environment.cpuModel} × ${run.environment.cores}, ${run.environment.node}`],
    ];
    const badges: Node[] = [
      h('span', { class: `badge ${run.passed ? 'good' : 'bad'}` }, run.passed ? 'thresholds passed' : 'a threshold failed'),
    ];
    if (run.suspect)
      badges.push(
        h('span', { class: 'badge warn', title: 'the load generator was saturated: some figures may understate the protocol' }, 'suspect'),
      );
    const panel = h(
      'article',
      { class: 'run-panel panel', 'data-testid': 'run-panel', 'data-run-id': run.id },
      h(
        'header',
        { class: 'run-header' },
        h('h3', {}, run.id),
        h('div', { class: 'badges' }, ...badges),
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            'data-testid': 'export-csv',
            onclick: () => downloadCsv(run),
            title: 'The same CSV the CLI writes to results/<run>.csv: one row per protocol, units in the column names.',
          },
          'Export CSV',
        ),
      ),
      h('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    );
    panel.append(this.metricsTable(run));
    const failed = run.thresholds.filter((t) => !t.passed);
    if (failed.length > 0) {
      panel.append(
        h(
          'div',
          { class: 'error-state', 'data-testid': 'failed-thresholds' },
          h('strong', {}, 'Failed thresholds: '),
          h(
            'ul',
            { class: 'plain' },
            ...failed.map((t) => {
              const unit = findMetric(t.metric)?.unit ?? 'count';
              const who = t.protocol === '*' ? '' : ` (${protocolLabel(t.protocol)})`;
              return h(
                'li',
                {},
                h('code', {}, t.expression),
                `${who}: was ${formatMetric(t.actual, unit)}, limit ${formatMetric(t.limit, unit)}`,
              );
            }),
          ),
        ),
      );
    }
    const failures = (run as BenchResult & { failures?: Array<{ protocol: string; message: string }> }).failures ?? [];
    if (failures.length > 0) {
      panel.append(
        h(
          'div',
          { class: 'error-state' },
          h('strong', {}, 'Protocols that could not be measured: '),
          failures.map((f) => `${protocolLabel(f.protocol)}: ${f.message}`).join('; '),
        ),
      );
    }
    const errors = run.protocols.flatMap((p) => p.errors.map((e) => `${protocolLabel(p.protocol)}: ${e}`));
    if (errors.length > 0)
      panel.append(
        h(
          'details',
          { class: 'errors' },
          h('summary', {}, `${errors.length} client error(s)`),
          h('ul', {}, ...errors.slice(0, 50).map((e) => h('li', {}, e))),
        ),
      );
    if (run.protocols.some((p) => p.reconnect !== null && p.reconnect !== undefined)) {
      const timelines = h('div', { class: 'charts-grid reconnect-charts' });
      panel.append(this.reconnectSection(run, timelines));
      queueMicrotask(() => this.drawReconnectTimelines(run, timelines));
    }
    const curves = capacityCurves(run);
    if (curves !== null) {
      const section = capacitySection(curves);
      panel.append(section.element);
      queueMicrotask(() => this.charts.push(...section.draw()));
    }
    const charts = h('div', { class: 'charts-grid results-charts' });
    panel.append(charts);
    // Charts need their canvas in the document to size themselves.
    queueMicrotask(() => this.drawCharts(run, charts));
    return panel;
  }

  private metricsTable(run: BenchResult): HTMLElement {
    // A run with drops has its own Reconnect section: its figures are not repeated here.
    const hasReconnect = run.protocols.some((p) => p.reconnect !== null && p.reconnect !== undefined);
    const metrics = this.visibleMetrics([run]).filter((metric) => !(hasReconnect && RECONNECT_FIGURES.includes(metric.key)));
    const head = h(
      'tr',
      {},
      h('th', {}, 'Metric'),
      ...run.protocols.map((p) =>
        h(
          'th',
          { class: 'num' },
          h('span', { class: 'protocol-chip', style: `--protocol:${protocolColour(p.protocol)}` }, protocolLabel(p.protocol)),
        ),
      ),
    );
    const body = h('tbody', {});
    let group = '';
    for (const metric of metrics) {
      const prefix = metric.key.split('.')[0] ?? '';
      if (prefix !== group) {
        group = prefix;
        body.append(
          h(
            'tr',
            { class: 'group-row' },
            h('th', { colspan: run.protocols.length + 1 }, GROUPS.find(([k]) => k === prefix)?.[1] ?? prefix),
          ),
        );
      }
      body.append(
        h(
          'tr',
          { 'data-metric': metric.key },
          h('th', { scope: 'row' }, `${metric.label} `, help(metric.description)),
          ...run.protocols.map((p) => h('td', { class: 'num' }, formatMetric(safeGet(metric, p), metric.unit))),
        ),
      );
    }
    return h(
      'div',
      { class: 'table-scroll' },
      h('table', { class: 'data-table metrics-table', 'data-testid': 'metrics-table' }, h('thead', {}, head), body),
    );
  }

  /** The reconnect figures of every protocol (one column each) above the timelines. */
  private reconnectSection(run: BenchResult, timelines: HTMLElement): HTMLElement {
    const metrics = RECONNECT_FIGURES.flatMap((key) => {
      const metric = findMetric(key);
      return metric !== undefined && run.protocols.some((p) => safeGet(metric, p) !== null) ? [metric] : [];
    });
    const head = h(
      'tr',
      {},
      h('th', {}, 'Figure'),
      ...run.protocols.map((p) =>
        h(
          'th',
          { class: 'num' },
          h('span', { class: 'protocol-chip', style: `--protocol:${protocolColour(p.protocol)}` }, protocolLabel(p.protocol)),
        ),
      ),
    );
    const rows = metrics.map((metric) =>
      h(
        'tr',
        { 'data-metric': metric.key },
        h('th', { scope: 'row' }, `${metric.label} `, help(metric.description)),
        ...run.protocols.map((p) => {
          const value = safeGet(metric, p);
          const alarm = metric.better === 'mustBeZero' && value !== null && value > 0;
          return h(
            'td',
            { class: `num${alarm ? ' alarm' : ''}`, 'data-protocol': p.protocol, title: alarm ? 'should be 0' : null },
            formatMetric(value, metric.unit),
          );
        }),
      ),
    );
    const drops = run.protocols.flatMap((p) => p.reconnect?.events ?? []);
    const kinds = [...new Set(drops.map((d) => d.kind))].map((k) =>
      k === 'net-reset' ? 'proxy resets (--net-reset-every)' : k === 'restart' ? 'server restarts (--restart)' : 'control drops',
    );
    return h(
      'section',
      { class: 'reconnect-section', 'data-testid': 'reconnect-section' },
      h('h4', {}, 'Reconnect'),
      h(
        'p',
        { class: 'chart-help' },
        `The harness cut every connection ${drops.length === 0 ? 'during the window' : `${drops.length} time(s) in all (${kinds.join(', ')})`}; these figures say how the clients came back: recovery is drop → first feed message again, per client-drop; resume must bring back every update published in the outage (missed in outage = 0).`,
      ),
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'data-table metrics-table compact', 'data-testid': 'reconnect-table' },
          h('thead', {}, head),
          h('tbody', {}, ...rows),
        ),
      ),
      timelines,
    );
  }

  /**
   * Per protocol: connected clients (left axis) and the storm, attempts/s and accepts/s (right
   * axis), with a dashed red line at each drop. The rates come from `reconnect.storm` (~200 ms)
   * when it has points, else from the per-second time series.
   */
  private drawReconnectTimelines(run: BenchResult, grid: HTMLElement): void {
    if (!grid.isConnected) return;
    for (const p of run.protocols) {
      const figures = p.reconnect;
      if (figures === null || figures === undefined) continue;
      const colour = protocolColour(p.protocol);
      const label = protocolLabel(p.protocol);
      const points = run.timeseries.filter((pt) => pt.protocol === p.protocol);
      const storm = figures.storm ?? [];
      const fine = storm.length > 0;
      const { box, canvas } = chartBox(
        `Reconnect timeline: ${label}`,
        `Connected clients (solid, left axis, one sample a second: an outage shorter than that may not show) dip at each drop (red dashed line) and climb back. Right axis: reconnect attempts the clients started per second (dashed) and connections or poll requests the server accepted per second (dotted), ${fine ? 'at ~200 ms' : 'per second'}.`,
        `reconnect-timeline-${p.protocol}`,
      );
      box.dataset.protocol = p.protocol;
      box.dataset.drops = String(figures.events.length);
      grid.append(box);
      const connected = points.map((pt) => ({ x: pt.t / 1000, y: pt.connected }));
      const attempts = fine
        ? storm.map((s) => ({ x: s.t / 1000, y: s.attemptsPerSecond }))
        : points.map((pt) => ({ x: pt.t / 1000, y: pt.reconnectsPerSecond ?? null }));
      const accepts = fine
        ? storm.map((s) => ({ x: s.t / 1000, y: s.acceptedPerSecond }))
        : points.map((pt) => ({ x: pt.t / 1000, y: pt.serverAcceptedPerSecond }));
      if (connected.length === 0 && attempts.length === 0) {
        box.append(h('p', { class: 'empty' }, 'No time series was recorded for this protocol.'));
        continue;
      }
      const markers: DropMarker[] = figures.events.map((event, index) => ({
        x: event.t / 1000,
        label: `↯ ${DROP_LABEL[event.kind] ?? event.kind}${figures.events.length > 1 ? ` ${index + 1}` : ''}`,
        colour: DROP_COLOUR,
      }));
      const xs = [...connected, ...attempts].map((pt) => pt.x).concat(markers.map((m) => m.x));
      const perSecond = (v: number) => `${formatNumber(v, v < 10 ? 1 : 0)}/s`;
      const requested = p.clients.requested;
      this.charts.push(
        new Chart(canvas, {
          type: 'line',
          data: {
            datasets: [
              {
                label: 'connected clients',
                data: connected,
                yAxisID: 'y',
                borderColor: colour,
                backgroundColor: withAlpha(colour, 0.12),
                fill: 'origin',
                borderWidth: 2,
                pointRadius: 0,
                pointHitRadius: 6,
                tension: 0,
              },
              {
                label: 'reconnect attempts/s (clients)',
                data: attempts,
                yAxisID: 'y1',
                borderColor: colour,
                backgroundColor: colour,
                borderDash: [6, 4],
                borderWidth: 1.5,
                pointRadius: 0,
                pointHitRadius: 6,
                spanGaps: true,
                tension: 0,
              },
              {
                label: 'accepts/s (server)',
                data: accepts,
                yAxisID: 'y1',
                borderColor: withAlpha(colour, 0.6),
                backgroundColor: withAlpha(colour, 0.6),
                borderDash: [2, 3],
                borderWidth: 1.5,
                pointRadius: 0,
                pointHitRadius: 6,
                spanGaps: true,
                tension: 0,
              },
              // Only for the legend: the drop markers are drawn by the plugin.
              { label: 'drop', data: [], borderColor: DROP_COLOUR, backgroundColor: DROP_COLOUR, borderDash: [4, 3], borderWidth: 1.5 },
            ],
          },
          options: {
            parsing: false,
            interaction: { mode: 'nearest', axis: 'x', intersect: false },
            scales: {
              x: {
                type: 'linear',
                min: Math.floor(Math.min(...xs)),
                max: Math.ceil(Math.max(...xs)),
                title: { display: true, text: 'time since the run started (s)' },
                ticks: { callback: (v) => `${v} s`, maxTicksLimit: 12 },
              },
              // Headroom above the clients requested, so the drop labels do not sit on the line.
              y: {
                type: 'linear',
                beginAtZero: true,
                suggestedMax: requested,
                grace: '12%',
                title: { display: true, text: 'connected clients' },
                ticks: { precision: 0, maxTicksLimit: 6 },
              },
              y1: {
                type: 'linear',
                position: 'right',
                beginAtZero: true,
                suggestedMax: 1,
                grid: { drawOnChartArea: false },
                title: { display: true, text: 'per second' },
                ticks: { callback: (v) => perSecond(Number(v)), maxTicksLimit: 6, precision: 0 },
              },
            },
            plugins: {
              legend: { position: 'bottom', labels: { boxWidth: 14, boxHeight: 2 } },
              tooltip: {
                callbacks: {
                  title: (items) => `${formatNumber(items[0]?.parsed.x ?? 0, 1)} s`,
                  label: (item) =>
                    `${item.dataset.label ?? ''}: ${item.parsed.y === null ? NOT_MEASURED : item.dataset.yAxisID === 'y' ? formatCount(item.parsed.y) : perSecond(item.parsed.y)}`,
                },
              },
            },
          },
          plugins: [dropMarkerPlugin(() => markers)],
        }),
      );
    }
  }

  private drawCharts(run: BenchResult, grid: HTMLElement): void {
    if (!grid.isConnected) return;
    const { box, canvas } = chartBox(
      'Latency by percentile (ms)',
      'One-way delivery latency at each percentile, from the stored HDR histogram. Read right for the tail: 99% means 1 update in 100 was slower.',
      'chart-percentiles',
    );
    box.classList.add('wide');
    grid.append(box);
    let fromSummary = false;
    const datasets = run.protocols.flatMap((p) => {
      const curve = percentileCurve(p.histograms?.latency, p.latency);
      if (curve === undefined) return [];
      if (curve.source === 'summary') fromSummary = true;
      const colour = protocolColour(p.protocol);
      return [
        {
          label: protocolLabel(p.protocol),
          data: curve.points.map((pt) => ({ x: pt.x, y: Math.max(pt.y, 0.001) })),
          borderColor: colour,
          backgroundColor: colour,
          borderWidth: 2,
          pointRadius: 0,
          pointHitRadius: 6,
          stepped: false as const,
        },
      ];
    });
    if (datasets.length === 0) {
      box.append(h('p', { class: 'empty' }, 'No latency was recorded in this run.'));
    } else {
      box.dataset.source = fromSummary ? 'summary' : 'histogram';
      if (fromSummary)
        box
          .querySelector('.chart-help')
          ?.append(' (Some lines use only the stored p50/p90/p99/p99.9/max: their histogram could not be read.)');
      this.charts.push(
        new Chart(canvas, {
          type: 'line',
          data: { datasets },
          options: {
            parsing: false,
            scales: {
              x: {
                type: 'logarithmic',
                min: 1,
                title: { display: true, text: 'percentile (log scale of 1/(1−p))' },
                ticks: {
                  callback: (value) => (isDecadeOrTwo(Number(value)) ? percentileLabel(Number(value)) : ''),
                  autoSkip: false,
                  maxRotation: 0,
                },
              },
              y: {
                type: 'logarithmic',
                title: { display: true, text: 'latency (ms, log scale)' },
                ticks: { callback: (v) => (isOneTwoFive(Number(v)) ? formatAxisMs(Number(v)) : ''), autoSkip: false },
              },
            },
            plugins: {
              legend: { position: 'bottom' },
              tooltip: {
                callbacks: {
                  title: (items) => `${percentileLabel(items[0]?.parsed.x ?? 1)} of updates`,
                  label: (item) => `${item.dataset.label ?? ''}: ≤ ${formatMillis(item.parsed.y ?? 0)}`,
                },
              },
            },
          },
        }),
      );
    }
    const bars: Array<{
      key: string;
      title: string;
      helpText: string;
      axis: string;
      value: (p: ProtocolResult) => number | null;
      tick: (v: number) => string;
      bytes?: boolean;
    }> = [
      {
        key: 'bytes-per-event',
        title: 'Bytes per event',
        helpText: 'Bytes on the wire, both directions, headers and framing included, per delivered update.',
        axis: 'bytes / event',
        value: (p) => p.bandwidth.bytesPerEvent,
        tick: (v) => formatBytes(v),
        bytes: true,
      },
      {
        key: 'requests-per-event',
        title: 'HTTP requests per event',
        helpText:
          'HTTP requests per delivered update in the measured window. A WebSocket makes its one request (the upgrade), and SSE its one stream request, before the window, so they show 0.',
        axis: 'requests / event',
        value: (p) => p.bandwidth.requestsPerEvent,
        tick: (v) => formatMetric(v, 'ratio'),
      },
      {
        key: 'server-cpu',
        title: 'Server CPU (% of one core)',
        helpText: 'CPU of the server process over the measured window.',
        axis: '% of one core',
        value: (p) => p.server?.cpuPercent ?? null,
        tick: (v) => `${formatNumber(v, 1)}%`,
      },
      {
        key: 'server-rss',
        title: 'Server memory (RSS)',
        helpText: 'Resident memory of the server with every client connected.',
        axis: 'RSS',
        value: (p) => p.server?.rssBytes ?? null,
        tick: (v) => formatBytes(v),
        bytes: true,
      },
    ];
    for (const spec of bars) {
      const { box: barBox, canvas: barCanvas } = chartBox(spec.title, spec.helpText, `chart-${spec.key}`);
      grid.append(barBox);
      const values = run.protocols.map((p) => spec.value(p));
      if (values.every((v) => v === null)) {
        barBox.append(h('p', { class: 'empty' }, 'Not measured in this run.'));
        continue;
      }
      this.charts.push(
        new Chart(barCanvas, {
          type: 'bar',
          data: {
            // Two lines ("Long" / "polling") so four labels fit under narrow bars.
            labels: run.protocols.map((p) => protocolLabel(p.protocol).split(' ')),
            datasets: [
              {
                label: spec.axis,
                data: values,
                backgroundColor: run.protocols.map((p) => withAlpha(protocolColour(p.protocol), 0.75)),
                borderColor: run.protocols.map((p) => protocolColour(p.protocol)),
                borderWidth: 1,
              },
            ],
          },
          options: {
            scales: {
              x: { ticks: { autoSkip: false, maxRotation: 0, font: { size: 11 } } },
              y: {
                beginAtZero: true,
                title: { display: true, text: spec.axis },
                ticks: { callback: (v) => spec.tick(Number(v)), maxTicksLimit: 6 },
                ...(spec.bytes === true ? byteTicks() : {}),
              },
            },
            plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => `${spec.tick(Number(item.parsed.y))}` } } },
          },
          plugins: [tickProbePlugin()],
        }),
      );
    }
  }

  private deltaPanel(base: BenchResult, other: BenchResult): HTMLElement {
    const comparison = compareResults(base, other, { metrics: this.visibleMetrics([base, other]) });
    const protocols = comparison.protocols;
    const byMetric = new Map<string, ComparisonRow[]>();
    for (const row of comparison.rows) byMetric.set(row.metric.key, [...(byMetric.get(row.metric.key) ?? []), row]);
    const head = h(
      'tr',
      {},
      h('th', {}, 'Metric'),
      ...protocols.map((p) =>
        h('th', { class: 'num' }, h('span', { class: 'protocol-chip', style: `--protocol:${protocolColour(p)}` }, protocolLabel(p))),
      ),
    );
    const body = h('tbody', {});
    for (const [key, rows] of byMetric) {
      const metric = rows[0]!.metric;
      const cells = protocols.map((protocol) => {
        const row = rows.find((r) => r.protocol === protocol);
        if (row === undefined)
          return h('td', { class: 'num delta missing' }, h('span', { class: 'delta-value', 'data-testid': 'delta' }, NOT_MEASURED));
        const { verdict, spreadKnown } = row.judgement;
        const unknown = !spreadKnown && (verdict === 'better' || verdict === 'worse');
        const a = formatMetric(row.a.value, metric.unit);
        const b = formatMetric(row.b.value, metric.unit);
        const spread = (f: ComparisonRow['a']) =>
          f.spread === null ? '' : ` [${formatMetric(f.spread.min, metric.unit)}–${formatMetric(f.spread.max, metric.unit)}]`;
        return h(
          'td',
          {
            class: `num delta ${verdict}${unknown ? ' spread-unknown' : ''}`,
            'data-verdict': verdict,
            'data-protocol': protocol,
            title: `${base.id}: ${a}${spread(row.a)} → ${other.id}: ${b}${spread(row.b)} · ${VERDICT_TEXT[verdict]}${unknown ? ' (spread unknown: one repetition)' : ''}`,
          },
          h(
            'span',
            { class: 'delta-value', 'data-testid': 'delta' },
            formatChange(row.judgement.changePercent),
            unknown ? h('span', { class: 'unknown-mark', 'aria-label': 'spread unknown' }, '?') : null,
          ),
          h('span', { class: 'delta-detail' }, `${a} → ${b}`),
        );
      });
      body.append(h('tr', { 'data-metric': key }, h('th', { scope: 'row' }, `${metric.label} `, help(metric.description)), ...cells));
    }
    const singleRepetition = comparison.base.repetitions < 2 || comparison.other.repetitions < 2;
    return h(
      'section',
      { class: 'panel delta-panel', 'data-testid': 'delta-panel', 'data-base': base.id, 'data-other': other.id },
      h('h3', {}, `Change, older → newer: ${other.id} against ${base.id} (Δ %)`),
      h(
        'p',
        { class: 'chart-help' },
        "Read from the older run to the newer one. Green: better in the newer run; red: worse (each figure by its own sense: lower is better for latency, bytes and CPU, higher for payload share and capacity); grey: within the noise (the repetitions' spreads overlap) or no change; black: totals that grow with the size of the run. Hover a cell for both values.",
        singleRepetition
          ? ' Each protocol was measured once in a run, so the spread is unknown: a coloured change marked ? may still be noise.'
          : '',
      ),
      comparison.settingsDiffer.length === 0
        ? null
        : h(
            'div',
            { class: 'notice', 'data-testid': 'settings-differ' },
            h('strong', {}, 'The runs used different settings: '),
            comparison.settingsDiffer.join('; '),
            '. A change may come from the settings, not the protocol.',
          ),
      comparison.machineDiffers.length === 0
        ? null
        : h(
            'div',
            { class: 'notice', 'data-testid': 'machine-differs' },
            h('strong', {}, 'The machine differed between the runs: '),
            comparison.machineDiffers.join('; '),
            ". A latency or connect-time change there may be the machine's, not the server's.",
          ),
      h('div', { class: 'table-scroll' }, h('table', { class: 'data-table metrics-table compact' }, h('thead', {}, head), body)),
    );
  }
}

const VERDICT_TEXT: Record<ComparisonRow['judgement']['verdict'], string> = {
  better: 'better',
  worse: 'worse',
  'within-noise': 'within noise',
  same: 'no change',
  changed: 'changed (a total: no direction)',
  missing: 'measured in one run only',
};

function safeGet(metric: MetricDefinition, result: ProtocolResult): number | null {
  try {
    const value = metric.get(result);
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

function isDecadeOrTwo(x: number): boolean {
  if (Math.abs(x - 2) < 1e-9) return true;
  const log = Math.log10(x);
  return Math.abs(log - Math.round(log)) < 1e-9 && x >= 10;
}

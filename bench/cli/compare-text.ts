/**
 * A comparison as text for the terminal (`npm run compare`) and as plain data for `--json`.
 * Strings only: the CLI decides where they go.
 */
import { formatChange, formatFigure as formatValue, formatMetric } from '../report/format.js';
import type { MetricUnit } from '../report/metrics.js';
import { createPalette, visibleLength, type Palette } from './palette.js';
import type { Comparison, ComparisonRow } from '../report/compare.js';
import { FEW_TAIL_SAMPLES, type Figure, type Judgement } from '../report/noise.js';
import { sectionOf } from '../report/sections.js';

/** `1.02ms`, with repetitions `1.02ms [0.98ms–1.10ms]`; `†` marks a tail on few samples. */
export function formatFigure(figure: Figure, unit: MetricUnit): string {
  const value = formatValue(figure.value, unit, figure.resolution);
  const range = figure.spread === null ? '' : ` [${formatMetric(figure.spread.min, unit)}–${formatMetric(figure.spread.max, unit)}]`;
  return `${value}${range}${figure.fewSamples ? '†' : ''}`;
}

/** `worse`, `better`, `within noise`, … and `, spread unknown` when a direction rests on one repetition. */
export function formatVerdict(judgement: Judgement): string {
  switch (judgement.verdict) {
    case 'better':
    case 'worse':
      return judgement.spreadKnown ? judgement.verdict : `${judgement.verdict}, spread unknown`;
    case 'within-noise':
      return 'within noise';
    case 'same':
      return 'same';
    case 'changed':
      return 'changed (no direction)';
    case 'missing':
      return 'measured in one run only';
  }
}

export interface ComparisonTextOptions {
  palette?: Palette;
  /** The gate, when `--fail-on` was given: its threshold and the rows that broke it. */
  gate?: { failOnPercent: number; metricKeys: readonly string[] | 'default'; regressions: readonly ComparisonRow[] };
}

/** The whole report: heading, notes, one line per metric and protocol, then the verdict of the gate. */
export function formatComparison(comparison: Comparison, options: ComparisonTextOptions = {}): string {
  const c = options.palette ?? createPalette(false);
  const out: string[] = [];
  const runLine = (name: string, run: Comparison['base']) =>
    `  ${name} ${c.bold(run.id)}  started ${run.startedAt} · ${run.repetitions} repetition${run.repetitions === 1 ? '' : 's'} per protocol`;
  out.push(c.bold('wirelab compare'), runLine('A', comparison.base), runLine('B', comparison.other));
  if (comparison.settingsDiffer.length > 0)
    out.push(c.yellow(`  settings differ: ${comparison.settingsDiffer.join('; ')}: a change may come from the settings, not the protocol`));
  if (comparison.machineDiffers.length > 0)
    out.push(
      c.yellow(
        `  machine differs: ${comparison.machineDiffers.join('; ')}: a latency or connect-time change there may be the machine's, not the server's`,
      ),
    );
  if (comparison.onlyInBase.length > 0) out.push(c.dim(`  only in A: ${comparison.onlyInBase.join(', ')}`));
  if (comparison.onlyInOther.length > 0) out.push(c.dim(`  only in B: ${comparison.onlyInOther.join(', ')}`));
  if (comparison.base.repetitions < 2 || comparison.other.repetitions < 2) {
    out.push(
      c.dim(
        '  one repetition in a run: its spread is unknown, so no change can be called noise (measure each protocol several times to see the spread)',
      ),
    );
  } else {
    out.push(c.dim('  [min–max] across repetitions; spreads that overlap are within noise'));
  }
  if (comparison.protocols.length === 0) {
    out.push('', c.yellow('The runs have no protocol in common: nothing to compare.'));
    return out.join('\n');
  }

  const table: Array<{ section: string } | { cells: string[]; row: ComparisonRow }> = [];
  let section = '';
  for (const row of comparison.rows) {
    const title = sectionOf(row.metric.key);
    if (title !== section) {
      section = title;
      table.push({ section: title });
    }
    table.push({
      row,
      cells: [
        `  ${row.metric.label}`,
        row.protocol,
        formatFigure(row.a, row.metric.unit),
        formatFigure(row.b, row.metric.unit),
        formatChange(row.judgement.changePercent),
        formatVerdict(row.judgement),
      ],
    });
  }
  const header = ['', 'protocol', 'A', 'B', 'Δ', 'verdict'];
  const widths = header.map((title, i) =>
    Math.max(title.length, ...table.map((entry) => ('cells' in entry ? visibleLength(entry.cells[i] ?? '') : 0))),
  );
  const rightAligned = new Set([2, 3, 4]);
  const line = (cells: string[]) =>
    cells
      .map((text, i) => {
        const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(text)));
        return i === cells.length - 1 ? text : rightAligned.has(i) ? `${pad}${text}` : `${text}${pad}`;
      })
      .join('  ');
  out.push('', c.bold(line(header)));
  for (const entry of table) {
    if ('section' in entry) out.push(c.cyan(entry.section));
    else out.push(colour(line(entry.cells), entry.row, c));
  }
  if (comparison.rows.some((row) => row.a.fewSamples || row.b.fewSamples)) {
    out.push('', c.dim(`† a tail percentile resting on fewer than ${FEW_TAIL_SAMPLES} samples beyond it: read it as a rough estimate`));
  }

  const counts = new Map<string, number>();
  for (const row of comparison.rows) counts.set(formatVerdict(row.judgement), (counts.get(formatVerdict(row.judgement)) ?? 0) + 1);
  out.push('', `${[...counts].map(([verdict, n]) => `${n} ${verdict}`).join(' · ')}`);

  const gate = options.gate;
  if (gate !== undefined) {
    const which = gate.metricKeys === 'default' ? "the table's metrics that have a direction" : gate.metricKeys.join(', ');
    if (gate.regressions.length === 0) {
      out.push(c.green(`PASS`) + ` no regression beyond ${gate.failOnPercent}% outside the noise (gating on ${which})`);
    } else {
      out.push(
        c.red(`FAIL`) +
          ` ${gate.regressions.length} regression${gate.regressions.length === 1 ? '' : 's'} beyond ${gate.failOnPercent}% outside the noise (gating on ${which}):`,
      );
      for (const row of gate.regressions) {
        out.push(
          c.red(
            `  ✗ ${row.protocol} ${row.metric.label}: ${formatFigure(row.a, row.metric.unit)} → ${formatFigure(row.b, row.metric.unit)} (${formatChange(row.judgement.changePercent)}, ${formatVerdict(row.judgement)})`,
          ),
        );
      }
    }
  }
  return out.join('\n');
}

function colour(text: string, row: ComparisonRow, c: Palette): string {
  switch (row.judgement.verdict) {
    case 'worse':
      return c.red(text);
    case 'better':
      return c.green(text);
    case 'within-noise':
    case 'same':
    case 'missing':
      return c.dim(text);
    default:
      return text;
  }
}

/** The comparison as plain JSON (`--json`): ±∞ % changes become `changePercent: null, fromZero: true`. */
export function comparisonToJson(comparison: Comparison, gate?: ComparisonTextOptions['gate']): unknown {
  const figure = (f: Figure) => ({ value: f.value, spread: f.spread, fewSamples: f.fewSamples });
  const row = (r: ComparisonRow) => ({
    metric: r.metric.key,
    unit: r.metric.unit,
    better: r.metric.better,
    protocol: r.protocol,
    a: figure(r.a),
    b: figure(r.b),
    verdict: r.judgement.verdict,
    changePercent: r.judgement.changePercent !== null && Number.isFinite(r.judgement.changePercent) ? r.judgement.changePercent : null,
    fromZero: r.judgement.changePercent !== null && !Number.isFinite(r.judgement.changePercent),
    spreadKnown: r.judgement.spreadKnown,
  });
  return {
    schema: 'wirelab.compare/1',
    base: comparison.base,
    other: comparison.other,
    protocols: comparison.protocols,
    onlyInBase: comparison.onlyInBase,
    onlyInOther: comparison.onlyInOther,
    settingsDiffer: comparison.settingsDiffer,
    machineDiffers: comparison.machineDiffers,
    rows: comparison.rows.map(row),
    ...(gate === undefined
      ? {}
      : {
          gate: {
            failOnPercent: gate.failOnPercent,
            metrics: gate.metricKeys,
            passed: gate.regressions.length === 0,
            regressions: gate.regressions.map(row),
          },
        }),
  };
}

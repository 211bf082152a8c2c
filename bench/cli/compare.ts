/**
 * `npm run compare -- A.json B.json [--fail-on PCT] [--metric KEY]…`: two result files compared
 * figure by figure (bench/report/compare.ts). The only file of the command that prints or exits:
 * 0 no regression (or no gate) · 1 a chosen metric regressed beyond --fail-on outside the noise,
 * or a runtime error · 2 bad usage.
 */
import { readFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import type { MetricDefinition } from '../report/metrics.js';
import { METRICS } from '../report/metrics.js';
import { OptionError } from '../../wire/errors.js';
import { colorEnabled, createPalette } from './palette.js';
import { compareResults, defaultGateMetrics, regressions, selectMetrics } from '../report/compare.js';
import { comparisonToJson, formatComparison } from './compare-text.js';
import { readResultFile } from '../report/result-file.js';

const EXIT = Object.freeze({ ok: 0, regression: 1, runtime: 1, usage: 2 });
const NAME = 'wirelab-compare';

interface CompareRequest {
  files: [string, string];
  failOnPercent: number | undefined;
  metrics: MetricDefinition[] | undefined;
  all: boolean;
  json: boolean;
}

function program(): Command {
  return new Command(NAME)
    .description('Compare two result files per metric and protocol: the change, its direction, and whether it is within the noise.')
    .argument('[files...]', 'A.json (the base, usually the older run) and B.json')
    .option('--fail-on <pct>', 'exit 1 when a gated metric got worse by more than this many percent, outside the noise (e.g. 10 or 10%)')
    .option(
      '--metric <keys>',
      'compare (and gate on) only these metrics: keys like latency.p99 or families like latency; comma-separated, repeatable',
      collect,
    )
    .option('--all', 'show every metric, not only those of the bench table')
    .option('--json', 'print the comparison as JSON')
    .helpOption('-h, --help', 'show this help')
    .configureOutput({ writeErr: () => undefined })
    .exitOverride();
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== ''),
  ];
}

/** Commander's own messages, in the form every other usage error has. */
function usageFromCommander(error: CommanderError): OptionError {
  const flag = /'([^']+)'/.exec(error.message)?.[1] ?? '';
  if (error.code === 'commander.unknownOption') return new OptionError(flag, `is not an option of ${NAME}`);
  if (error.code === 'commander.optionMissingArgument') return new OptionError(flag.split(' ')[0] ?? flag, 'needs a value');
  return new OptionError('arguments', error.message.replace(/^error: /, ''));
}

function parse(argv: readonly string[]): CompareRequest {
  const command = program();
  try {
    command.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.code !== 'commander.helpDisplayed' && error.code !== 'commander.help')
      throw usageFromCommander(error);
    throw error;
  }
  const flags = command.opts<{ failOn?: string; metric?: string[]; all?: boolean; json?: boolean }>();
  const files = command.args;
  if (files.length !== 2)
    throw new OptionError(
      'arguments',
      `need two result files, A.json and B.json, got ${files.length}${files.length > 0 ? ` (${files.join(' ')})` : ''}`,
    );
  let failOnPercent: number | undefined;
  if (flags.failOn !== undefined) {
    const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(flags.failOn);
    if (match === null) throw new OptionError('--fail-on', `must be a percentage like 10 or 2.5%, got "${flags.failOn}"`);
    failOnPercent = Number(match[1]);
  }
  let metrics: MetricDefinition[] | undefined;
  if (flags.metric !== undefined) {
    if (flags.metric.length === 0) throw new OptionError('--metric', 'needs at least one metric key, e.g. latency.p99');
    const selection = selectMetrics(flags.metric);
    if (selection.unknown.length > 0)
      throw new OptionError(
        '--metric',
        `names no metric: ${selection.unknown.map((name) => `"${name}"`).join(', ')} (keys are listed in docs/metrics-harness.md, e.g. latency.p99 or the family latency)`,
      );
    metrics = selection.metrics;
  }
  return { files: [files[0]!, files[1]!], failOnPercent, metrics, all: flags.all === true, json: flags.json === true };
}

async function main(argv: readonly string[]): Promise<number> {
  let request: CompareRequest;
  try {
    request = parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) return EXIT.ok; // --help was printed
    if (error instanceof OptionError) {
      process.stderr.write(`${NAME}: ${error.message}\n(run with --help for every option)\n`);
      return EXIT.usage;
    }
    throw error;
  }
  let results;
  try {
    results = await Promise.all(request.files.map((file) => readResultFile(file, readFile)));
  } catch (error) {
    if (error instanceof OptionError) {
      process.stderr.write(`${NAME}: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  const [base, other] = results as [Awaited<ReturnType<typeof readResultFile>>, Awaited<ReturnType<typeof readResultFile>>];
  const shown = request.metrics ?? METRICS.filter((m) => request.all || m.inTable);
  const comparison = compareResults(base, other, { metrics: shown });
  const gate =
    request.failOnPercent === undefined
      ? undefined
      : {
          failOnPercent: request.failOnPercent,
          metricKeys: request.metrics === undefined ? ('default' as const) : request.metrics.map((m) => m.key),
          regressions: regressions(comparison, request.failOnPercent, request.metrics ?? defaultGateMetrics()),
        };
  if (request.json) await write(`${JSON.stringify(comparisonToJson(comparison, gate), null, 2)}\n`);
  else
    await write(
      `${formatComparison(comparison, { palette: createPalette(colorEnabled(process.stdout, process.env)), ...(gate === undefined ? {} : { gate }) })}\n`,
    );
  return gate !== undefined && gate.regressions.length > 0 ? EXIT.regression : EXIT.ok;
}

function write(text: string): Promise<void> {
  return new Promise((resolve) => process.stdout.write(text, () => resolve()));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${NAME}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT.runtime);
  },
);

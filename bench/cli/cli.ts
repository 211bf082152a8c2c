/**
 * `npm run bench -- [options]`: a thin command line over `runBench`. The only file of the
 * harness that prints for the user or sets the exit code:
 * 0 ok · 99 a threshold failed · 2 bad usage · 1 runtime error · 130 interrupted.
 */
import { CommanderError } from 'commander';
import { parseCliArgs, type CliRequest } from './cli-args.js';
import { TargetError } from '../target/control-client.js';
import { startLiveDashboard, type LiveDashboard } from '../live/start.js';
import { OptionError } from '../../wire/errors.js';
import { resolveBenchOptions, type ResolvedBenchOptions } from '../options.js';
import { colorEnabled, createPalette } from './palette.js';
import { formatCapacityCurves } from './capacity-print.js';
import { formatHeader, formatTable, formatTotal } from './print.js';
import { formatBrokerHop, formatInstances } from './instances-text.js';
import { formatAgents } from './agents-print.js';
import { ProgressReporter } from './progress-line.js';
import type { ResultFiles } from '../result-files.js';
import { runBench } from '../run.js';
import { reportPathFor, writeHtmlReport } from './html-report-file.js';
import type { BenchResult, ProgressEvent } from '../report/types.js';

const EXIT = Object.freeze({ ok: 0, runtime: 1, usage: 2, threshold: 99, interrupted: 130 });
/**
 * Ctrl+C stops the run in this long at most: the library aborts at once (worker threads
 * terminated, the server killed after a short grace); should anything still hang, the process
 * exits anyway and its exit hook SIGKILLs the spawned server.
 */
const INTERRUPT_DEADLINE_MS = 1500;

async function main(argv: readonly string[]): Promise<number> {
  let request: CliRequest;
  let resolved: ResolvedBenchOptions;
  try {
    request = parseCliArgs(argv, process.env);
    resolved = resolveBenchOptions(request.options);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the message (naming the flag) or the help already.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof OptionError) {
      process.stderr.write(`wirelab-bench: ${error.message}\n(run with --help for every option)\n`);
      return EXIT.usage;
    }
    throw error;
  }

  // With --json, stdout carries only the result; everything for people goes to stderr.
  const out = request.json ? process.stderr : process.stdout;
  const palette = createPalette(colorEnabled(out, process.env));
  const reporter = new ProgressReporter(out, palette, {
    clients: resolved.clients,
    durationMs: resolved.durationMs,
    warmupMs: resolved.warmupMs,
    idleMs: resolved.idleMs,
    capacityDurationMs: resolved.capacityDurationMs,
    showLine: request.progress,
    thresholds: resolved.thresholds,
  });

  let live: LiveDashboard | undefined;
  if (request.live) {
    const started = await startLiveDashboard(resolved.outDir);
    if (started.live === undefined) out.write(palette.dim(`live dashboard: off (${started.reason})\n`));
    else {
      live = started.live;
      out.write(`live dashboard: ${palette.cyan(live.url)}\n`);
    }
  }

  const abort = new AbortController();
  let interrupts = 0;
  const onInterrupt = (): void => {
    interrupts += 1;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    reporter.clear();
    process.stderr.write('interrupted: closing clients and stopping the server (Ctrl+C again to quit at once)\n');
    setTimeout(() => {
      process.stderr.write(`wirelab-bench: interrupted; ${files === null ? 'no result written' : `partial result ${files.json}`}\n`);
      process.exit(EXIT.interrupted);
    }, INTERRUPT_DEADLINE_MS).unref();
    abort.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);

  let files: ResultFiles | null = null;
  const onProgress = (event: ProgressEvent): void => {
    if (event.type === 'start') out.write(`${formatHeader(event, palette)}\n`);
    reporter.handle(event);
    try {
      live?.publish(event);
    } catch {
      // The dashboard is a view; it never stops a run.
    }
  };

  let result: BenchResult;
  try {
    result = await runBench(request.options, { onProgress, signal: abort.signal, onFiles: (written) => (files = written) });
  } catch (error) {
    reporter.clear();
    if (abort.signal.aborted) {
      process.stderr.write('wirelab-bench: interrupted; no result written\n');
      return EXIT.interrupted;
    }
    if (error instanceof OptionError) {
      // Found only once the run starts (e.g. --net-loss on a machine without netem): still bad usage.
      process.stderr.write(`wirelab-bench: ${error.message}\n`);
      return EXIT.usage;
    }
    const reason =
      error instanceof TargetError
        ? error.message
        : error instanceof Error
          ? process.env.WIRELAB_DEBUG
            ? (error.stack ?? error.message)
            : error.message
          : String(error);
    process.stderr.write(`wirelab-bench: ${palette.red('error')}: ${reason}\n`);
    return EXIT.runtime;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    await live?.close().catch(() => undefined);
  }

  const instances = [formatInstances(result), formatBrokerHop(result)].filter((text) => text !== '').join('\n\n');
  const curves = formatCapacityCurves(result, palette);
  const agents = formatAgents(result, palette);
  const extras = [instances, curves, agents].filter((text) => text !== '').join('\n\n');
  out.write(`\n${formatTable(result, palette)}\n${extras === '' ? '' : `\n${extras}\n`}\n${formatTotal(result, files, palette)}\n`);
  if (request.report === 'html' && files !== null) {
    const written: ResultFiles = files;
    try {
      out.write(`report ${await writeHtmlReport(result, reportPathFor(written.json))}\n`);
    } catch (error) {
      process.stderr.write(
        `wirelab-bench: ${palette.red('error')}: the HTML report: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return EXIT.runtime;
    }
  }
  if (request.json) await writeOut(`${JSON.stringify(result, null, 2)}\n`);
  if (result.partial === true) {
    process.stderr.write(
      `wirelab-bench: interrupted; partial result (${result.protocols.map((p) => p.protocol).join(', ')} only)${files === null ? '' : ` written to ${(files as ResultFiles).json}`}\n`,
    );
    return EXIT.interrupted;
  }
  if (result.failures.length > 0) return EXIT.runtime;
  // A failed threshold, or the server refused the harness's own messages (result.refused).
  return result.passed ? EXIT.ok : EXIT.threshold;
}

function writeOut(text: string): Promise<void> {
  return new Promise((resolve) => process.stdout.write(text, () => resolve()));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`wirelab-bench: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT.runtime);
  },
);

/**
 * `npm run report -- RUN.json [RUN2.json …] [--out FILE]`: one self-contained HTML file next to
 * each result (bench/report/html-report.ts). The only file of the command that prints or exits:
 * 0 written · 1 runtime error · 2 bad usage.
 */
import { readFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { OptionError } from '../../wire/errors.js';
import { reportPathFor, writeHtmlReport } from './html-report-file.js';
import { readResultFile } from '../report/result-file.js';

const EXIT = Object.freeze({ ok: 0, runtime: 1, usage: 2 });
const NAME = 'wirelab-report';

function program(): Command {
  return new Command(NAME)
    .description('Write a self-contained HTML report (tables and charts, no network needed) next to each result file.')
    .argument('[files...]', 'result files, e.g. results/20251125-142200-0a96.json')
    .option('-o, --out <file>', 'where to write the report (one result file only; default: next to it, .json → .html)')
    .helpOption('-h, --help', 'show this help')
    .configureOutput({ writeErr: () => undefined })
    .exitOverride();
}

function usageFromCommander(error: CommanderError): OptionError {
  const flag = /'([^']+)'/.exec(error.message)?.[1] ?? '';
  if (error.code === 'commander.unknownOption') return new OptionError(flag, `is not an option of ${NAME}`);
  if (error.code === 'commander.optionMissingArgument') return new OptionError(flag.split(' ')[0] ?? flag, 'needs a value');
  return new OptionError('arguments', error.message.replace(/^error: /, ''));
}

async function main(argv: readonly string[]): Promise<number> {
  const command = program();
  let files: string[];
  let out: string | undefined;
  try {
    try {
      command.parse([...argv], { from: 'user' });
    } catch (error) {
      if (error instanceof CommanderError && error.code !== 'commander.helpDisplayed' && error.code !== 'commander.help')
        throw usageFromCommander(error);
      throw error;
    }
    files = command.args;
    out = command.opts<{ out?: string }>().out;
    if (files.length === 0) throw new OptionError('arguments', 'need at least one result file, e.g. results/RUN.json');
    if (out !== undefined && files.length > 1) throw new OptionError('--out', `names one file, but ${files.length} results were given`);
  } catch (error) {
    if (error instanceof CommanderError) return EXIT.ok; // --help was printed
    if (error instanceof OptionError) {
      process.stderr.write(`${NAME}: ${error.message}\n(run with --help for every option)\n`);
      return EXIT.usage;
    }
    throw error;
  }
  for (const file of files) {
    let result;
    try {
      result = await readResultFile(file, readFile);
    } catch (error) {
      if (error instanceof OptionError) {
        process.stderr.write(`${NAME}: ${error.message}\n`);
        return EXIT.usage;
      }
      throw error;
    }
    const written = await writeHtmlReport(result, out ?? reportPathFor(file));
    process.stdout.write(`report ${written}\n`);
  }
  return EXIT.ok;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `${NAME}: error: ${error instanceof Error ? (process.env.WIRELAB_DEBUG ? (error.stack ?? error.message) : error.message) : String(error)}\n`,
    );
    process.exit(EXIT.runtime);
  },
);

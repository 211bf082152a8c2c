#!/usr/bin/env node
// `wirelab bench|agent|serve|compare|report …`: the installed package's command. It loads the
// TypeScript entry points through tsx (a dependency) in this same process, so Ctrl+C and the
// exit codes are the entry point's own; the npm scripts run the same files.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const COMMANDS = {
  bench: ['../bench/cli/cli.ts', 'measure the four protocols side by side (npm run bench)'],
  agent: ['../bench/cli/agent.ts', 'a load agent: runs its share of a `bench --agents N` run (npm run agent)'],
  serve: ['../servers/main.ts', 'serve the demo page, the dashboard and the feed (npm run serve)'],
  compare: ['../bench/cli/compare.ts', 'compare two result files, exit 1 on a regression (npm run compare)'],
  report: ['../bench/cli/report.ts', 'write the one-file HTML report of a result (npm run report)'],
};

const [command, ...rest] = process.argv.slice(2);

if (command === '--version' || command === '-V') {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${manifest.version}\n`);
  process.exit(0);
}

if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
  const lines = Object.entries(COMMANDS).map(([name, [, what]]) => `  ${name.padEnd(8)} ${what}`);
  process.stdout.write(
    `Usage: wirelab <command> [options]\n\nCommands:\n${lines.join('\n')}\n\n  wirelab <command> --help   the command's options\n  wirelab --version          the version\n`,
  );
  process.exit(command === undefined ? 2 : 0);
}

const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
if (entry === undefined) {
  process.stderr.write(
    `wirelab: bad option: unknown command "${command}"; choose from ${Object.keys(COMMANDS).join(', ')}\n(run wirelab --help)\n`,
  );
  process.exit(2);
}

const { register } = await import('tsx/esm/api');
register();
const file = fileURLToPath(new URL(entry[0], import.meta.url));
// The entry point reads its options from process.argv.slice(2), as when run by node directly.
process.argv = [process.argv[0], file, ...rest];
await import(file);

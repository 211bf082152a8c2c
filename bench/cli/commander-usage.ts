import { CommanderError } from 'commander';
import { OptionError } from '../../wire/errors.js';

/** Commander's own codes for "help or version was printed": not an error. */
const PRINTED = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/** Help or --version was printed: exit 0. */
export function printedByCommander(error: unknown): boolean {
  return error instanceof CommanderError && PRINTED.has(error.code);
}

/**
 * Commander's parse errors (unknown flag, missing value, extra argument) as an OptionError, so
 * they read like every other usage error: `wirelab-bench: bad option: --foo is not an option of wirelab-bench`.
 */
export function usageFromCommander(error: CommanderError, command: string): OptionError {
  const flag = /'([^']+)'/.exec(error.message)?.[1] ?? '';
  if (error.code === 'commander.unknownOption') return new OptionError(flag, `is not an option of ${command}`);
  // `option '-c, --clients <n>' argument missing`: name the long flag.
  if (error.code === 'commander.optionMissingArgument') return new OptionError(/--[\w-]+/.exec(flag)?.[0] ?? flag, 'needs a value');
  if (error.code === 'commander.excessArguments')
    return new OptionError('arguments', `${command} takes no arguments: ${error.message.replace(/^error: /, '')}`);
  return new OptionError('arguments', error.message.replace(/^error: /, ''));
}

/**
 * Runs `ip`/`tc` without a shell (arguments are never parsed by anyone but the tool) and
 * turns a failure into one line that says which command failed and what it printed.
 */
import { execFile } from 'node:child_process';
import { WirelabError } from '../wire/errors.js';

/** A tool failed (WL_COMMAND_FAILED). */
export class CommandError extends WirelabError {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    /** What the tool printed on stderr (or the spawn error's message), trimmed. */
    readonly detail: string,
    /** ENOENT when the tool is not installed; the exit code otherwise. */
    readonly exitCode: string | number | undefined,
  ) {
    super('WL_COMMAND_FAILED', `\`${[command, ...args].join(' ')}\` failed: ${detail}`);
    this.name = 'CommandError';
  }
}

export interface CommandOutput {
  stdout: string;
  stderr: string;
}

/** Resolves with the output, or rejects with a CommandError; killed after `timeoutMs`. */
export function runCommand(command: string, args: readonly string[], timeoutMs = 10_000): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) {
        resolve({ stdout, stderr });
        return;
      }
      const code = (error as NodeJS.ErrnoException).code;
      const detail =
        code === 'ENOENT'
          ? `${command} is not installed (not found on PATH)`
          : error.killed
            ? `timed out after ${timeoutMs} ms`
            : stderr.trim() || error.message;
      reject(new CommandError(command, args, detail, code));
    });
  });
}

import { OptionError } from '../../wire/errors.js';
import { RESULT_SCHEMA, type BenchResult } from './types.js';

/**
 * Reads a result file named on a command line; `read` is `fs.promises.readFile` (passed in so
 * this module stays free of Node imports). A file that cannot be read, is not JSON, or is not a
 * `wirelab.result/1` is a usage error naming the file.
 */
export async function readResultFile(file: string, read: (file: string, encoding: 'utf8') => Promise<string>): Promise<BenchResult> {
  let text: string;
  try {
    text = await read(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new OptionError(file, `cannot be read${code === 'ENOENT' ? ': no such file' : code === undefined ? '' : ` (${code})`}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OptionError(file, `is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return checkResult(parsed, file);
}

/** The parsed JSON if it is a result file the report tools understand; else a OptionError naming `file`. */
export function checkResult(parsed: unknown, file: string): BenchResult {
  const candidate = parsed as Partial<BenchResult> | null;
  if (candidate === null || typeof candidate !== 'object' || candidate.schema !== RESULT_SCHEMA) {
    const schema =
      candidate !== null && typeof candidate === 'object' && 'schema' in candidate
        ? ` (its schema is ${JSON.stringify(candidate.schema)})`
        : '';
    throw new OptionError(file, `is not a wirelab result: expected "schema": "${RESULT_SCHEMA}"${schema}`);
  }
  if (!Array.isArray(candidate.protocols) || typeof candidate.id !== 'string')
    throw new OptionError(file, 'is a wirelab result without its protocols or id: the file is cut short or edited');
  return candidate as BenchResult;
}

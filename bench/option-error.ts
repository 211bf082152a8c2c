import { WirelabError } from '../wire/errors.js';

/** A bad option: names the flag and the value; the CLI prints it and exits 2. */
export class BenchOptionError extends WirelabError {
  constructor(
    readonly option: string,
    detail: string,
  ) {
    super('WL_BAD_OPTION', `${option} ${detail}`);
    this.name = 'BenchOptionError';
  }
}

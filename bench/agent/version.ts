import { readFileSync } from 'node:fs';
import { RESULT_SCHEMA } from '../../wire/result-schema.js';

/** The wirelab version of this checkout: an agent and its coordinator must run the same one. */
export const WIRELAB_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Why this agent cannot take a job made by another version or schema; undefined when it can. */
export function mismatch(job: { version: string; schema: string }): string | undefined {
  if (job.version !== WIRELAB_VERSION)
    return `agent runs wirelab ${WIRELAB_VERSION}, the job was made by wirelab ${job.version}: run the same version on every agent and the coordinator`;
  if (job.schema !== RESULT_SCHEMA) return `agent writes results of schema ${RESULT_SCHEMA}, the job asks for ${job.schema}`;
  return undefined;
}

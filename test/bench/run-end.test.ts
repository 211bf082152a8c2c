import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { finishRun } from '../../bench/run-end.js';
import type { ProgressEvent } from '../../bench/report/types.js';
import { benchResult, protocolResult } from './fixture.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('the end of a run', () => {
  it('writes the result files when asked, whether or not a caller listens for them, then says done', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wirelab-run-end-'));
    const result = benchResult([protocolResult('ws')]);
    const events: ProgressEvent['type'][] = [];
    await finishRun(result, { writeFiles: true, outDir: dir }, (event) => events.push(event.type), undefined);
    expect(existsSync(path.join(dir, `${result.id}.json`))).toBe(true);
    expect(existsSync(path.join(dir, `${result.id}.csv`))).toBe(true);
    expect(events).toEqual(['done']);
  });

  it('writes nothing with writeFiles off', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wirelab-run-end-'));
    const result = benchResult([protocolResult('ws')]);
    let told = false;
    await finishRun(
      result,
      { writeFiles: false, outDir: dir },
      () => undefined,
      () => (told = true),
    );
    expect(existsSync(path.join(dir, `${result.id}.json`))).toBe(false);
    expect(told).toBe(false);
  });
});

/**
 * Writes the one-file HTML report next to a result: `RUN.json` → `RUN.html`. The page's script
 * (html-page/main.ts, with Chart.js) and its styles are bundled here with esbuild and inlined,
 * so the file opens from disk with no network and no other file.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BenchResult } from '../report/types.js';
import { renderHtmlReport } from '../report/html-report.js';

const PAGE_ENTRY = fileURLToPath(new URL('../report/html-page/main.ts', import.meta.url));

let bundling: Promise<{ script: string; style: string }> | undefined;

/** The page's script and style, bundled once per process. */
export function bundleReportPage(): Promise<{ script: string; style: string }> {
  bundling ??= (async () => {
    const output = await build({
      entryPoints: [PAGE_ENTRY],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2020',
      minify: true,
      legalComments: 'none',
      write: false,
      outdir: path.join(path.dirname(PAGE_ENTRY), 'out'),
      logLevel: 'silent',
    });
    const script = output.outputFiles.find((file) => file.path.endsWith('.js'))?.text;
    const style = output.outputFiles.find((file) => file.path.endsWith('.css'))?.text ?? '';
    if (script === undefined) throw new Error('bundling the report page gave no script');
    return { script, style };
  })();
  return bundling;
}

/** `results/RUN.json` → `results/RUN.html`. */
export function reportPathFor(resultFile: string): string {
  return path.join(path.dirname(resultFile), `${path.basename(resultFile, path.extname(resultFile))}.html`);
}

/** Renders and writes the report; resolves with its path. */
export async function writeHtmlReport(result: BenchResult, outFile: string): Promise<string> {
  const html = renderHtmlReport(result, await bundleReportPage());
  await writeFile(outFile, html);
  return outFile;
}

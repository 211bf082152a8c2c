import { describe, expect, it } from 'vitest';
import { findCycles, reachable, readGraph, type SourceFile } from './import-graph.js';

/**
 * Where the rooms meet: which room may import which, no cycles, what the browser bundle may
 * pull in, and who may print or exit. Each rule lists the offending imports when it breaks.
 */
describe('the import graph', () => {
  const graph = readGraph();
  const files = [...graph.values()];
  const under =
    (room: string) =>
    (file: SourceFile | string): boolean =>
      (typeof file === 'string' ? file : file.file).startsWith(`${room}/`);
  const edges = (from: (file: SourceFile) => boolean, to: (target: string) => boolean): string[] =>
    files.filter(from).flatMap((file) => file.imports.filter(to).map((target) => `${file.file} → ${target}`));

  it('reads every room, and tells type-only imports from value imports', () => {
    expect(graph.get('bench/report/types.ts')?.imports).toContain('netem/options.ts');
    expect(graph.get('bench/report/types.ts')?.valueImports).not.toContain('netem/options.ts');
    expect(graph.get('bench/report/types.ts')?.valueImports).toContain('wire/result-schema.ts');
    for (const room of ['wire', 'servers', 'clients', 'netem', 'bench', 'dashboard', 'test'])
      expect(files.some(under(room)), room).toBe(true);
    expect(graph.get('bench/workers/worker-pool.ts')?.imports).toContain('bench/workers/worker-entry.mjs');
    expect(graph.get('bench/workers/worker-entry.mjs')?.imports).toContain('bench/workers/worker.ts');
  });

  it('has no import cycle anywhere (type-only imports included)', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const file = (name: string, imports: string[]): [string, SourceFile] => [
      name,
      { file: name, text: '', imports, valueImports: imports, external: [] },
    ];
    const looped = new Map([file('a.ts', ['b.ts']), file('b.ts', ['c.ts']), file('c.ts', ['a.ts']), file('d.ts', ['a.ts'])]);
    expect(findCycles(looped)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('keeps clients/, netem/, wire/ and dashboard/ apart from the server', () => {
    const apart = (file: SourceFile) => ['clients', 'netem', 'wire', 'dashboard'].some((room) => under(room)(file));
    expect(edges(apart, under('servers'))).toEqual([]);
  });

  it('lets nothing outside bench/ import from it but the dashboard, and the dashboard only bench/report/', () => {
    const outside = (file: SourceFile) => !under('bench')(file) && !under('test')(file) && !under('dashboard')(file);
    expect(edges(outside, under('bench'))).toEqual([]);
    expect(edges(under('dashboard'), (target) => under('bench')(target) && !under('bench/report')(target))).toEqual([]);
  });

  it('keeps wire/ to itself: no packages, no Node built-ins, nothing from another room', () => {
    expect(edges(under('wire'), (target) => !under('wire')(target))).toEqual([]);
    expect(files.filter(under('wire')).flatMap((file) => file.external.map((name) => `${file.file} → ${name}`))).toEqual([]);
  });

  it('bundles nothing Node-only into the dashboard (type-only imports are erased, so they do not count)', () => {
    const bundled = [
      ...reachable(
        graph,
        files.filter(under('dashboard/src')).map((file) => file.file),
      ),
    ];
    const nodeOnly = bundled.flatMap((name) =>
      (graph.get(name)?.external ?? []).filter((spec) => spec.startsWith('node:')).map((spec) => `${name} → ${spec}`),
    );
    expect(nodeOnly).toEqual([]);
    expect(bundled.filter(under('servers'))).toEqual([]);
  });

  it('keeps bench/report/ browser-safe: no Node built-in, nothing from the CLI', () => {
    const report = files.filter(under('bench/report'));
    expect(
      report.flatMap((file) => file.external.filter((name) => name.startsWith('node:')).map((name) => `${file.file} → ${name}`)),
    ).toEqual([]);
    expect(edges(under('bench/report'), under('bench/cli'))).toEqual([]);
  });

  it('lets only bench/cli/ print or exit', () => {
    const speaks = /\bprocess\.exit\(|\bconsole\.(log|info|warn|error)\(|\bprocess\.(stdout|stderr)\.write\(/;
    const offenders = files
      .filter((file) => under('bench')(file) && !under('bench/cli')(file) && speaks.test(file.text))
      .map((file) => file.file);
    expect(offenders).toEqual([]);
  });
});

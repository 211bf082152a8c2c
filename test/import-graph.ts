/**
 * The repository's import graph, read with TypeScript's own pre-processor (every `import`,
 * `import type`, `export … from` and dynamic `import()`), plus the worker-thread entry a file
 * names with `new URL(…, import.meta.url)`. Used by import-graph.test.ts.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const REPO = fileURLToPath(new URL('..', import.meta.url));

/** The folders whose files are checked. */
const ROOTS = ['wire', 'servers', 'clients', 'netem', 'bench', 'dashboard', 'test'];
const SKIP = new Set(['node_modules', 'dist']);

export interface SourceFile {
  /** Repository-relative, with forward slashes: `bench/run.ts`. */
  readonly file: string;
  readonly text: string;
  /** Repository files it imports (repository-relative), type-only imports included. */
  readonly imports: readonly string[];
  /** Those it imports values from: what a bundler pulls in (type-only imports are erased). */
  readonly valueImports: readonly string[];
  /** Everything else it imports values from: packages and `node:` builtins. */
  readonly external: readonly string[];
}

function listSources(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listSources(full));
    else if (/\.(ts|mts|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) found.push(full);
  }
  return found;
}

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.mjs'), `${base}.ts`, path.join(base, 'index.ts')];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

/** The specifiers `text` imports only types from (`import type …`, or every named binding marked `type`). */
function typeOnlySpecifiers(text: string): Set<string> {
  const source = ts.createSourceFile('file.ts', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const typeOnly = new Set<string>();
  const valued = new Set<string>();
  for (const statement of source.statements) {
    let specifier: string | undefined;
    let onlyTypes = false;
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      specifier = statement.moduleSpecifier.text;
      const clause = statement.importClause;
      const named = clause?.namedBindings;
      onlyTypes =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            named !== undefined &&
            ts.isNamedImports(named) &&
            named.elements.length > 0 &&
            named.elements.every((element) => element.isTypeOnly)));
    } else if (
      ts.isExportDeclaration(statement) &&
      statement.moduleSpecifier !== undefined &&
      ts.isStringLiteral(statement.moduleSpecifier)
    ) {
      specifier = statement.moduleSpecifier.text;
      const named = statement.exportClause;
      onlyTypes =
        statement.isTypeOnly ||
        (named !== undefined &&
          ts.isNamedExports(named) &&
          named.elements.length > 0 &&
          named.elements.every((element) => element.isTypeOnly));
    }
    if (specifier === undefined) continue;
    (onlyTypes ? typeOnly : valued).add(specifier);
  }
  for (const specifier of valued) typeOnly.delete(specifier);
  return typeOnly;
}

const URL_ENTRY = /new URL\(\s*'(\.{1,2}\/[^']+\.(?:ts|mjs))'\s*,\s*import\.meta\.url\s*\)/g;

export function readGraph(): Map<string, SourceFile> {
  const graph = new Map<string, SourceFile>();
  const relative = (full: string): string => path.relative(REPO, full).split(path.sep).join('/');
  for (const root of ROOTS) {
    for (const full of listSources(path.join(REPO, root))) {
      const text = readFileSync(full, 'utf8');
      const specifiers = ts.preProcessFile(text, true, true).importedFiles.map((ref) => ref.fileName);
      for (const match of text.matchAll(URL_ENTRY)) specifiers.push(match[1]!);
      const typeOnly = typeOnlySpecifiers(text);
      const imports: string[] = [];
      const valueImports: string[] = [];
      const external: string[] = [];
      for (const specifier of specifiers) {
        if (!specifier.startsWith('.')) {
          if (!typeOnly.has(specifier)) external.push(specifier);
          continue;
        }
        const target = resolveRelative(full, specifier);
        if (target === undefined) throw new Error(`${relative(full)}: cannot resolve ${specifier}`);
        imports.push(relative(target));
        if (!typeOnly.has(specifier)) valueImports.push(relative(target));
      }
      graph.set(relative(full), {
        file: relative(full),
        text,
        imports: [...new Set(imports)],
        valueImports: [...new Set(valueImports)],
        external: [...new Set(external)],
      });
    }
  }
  return graph;
}

/** Every cycle, as the files of one strongly connected component (Tarjan), each sorted. */
export function findCycles(graph: ReadonlyMap<string, SourceFile>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter);
    counter += 1;
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file)?.imports ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    const selfImport = graph.get(file)?.imports.includes(file) === true;
    if (component.length > 1 || selfImport) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

/** The files `start` reaches through value imports (what a bundle holds), itself included. */
export function reachable(graph: ReadonlyMap<string, SourceFile>, start: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...(graph.get(file)?.valueImports ?? []));
  }
  return seen;
}

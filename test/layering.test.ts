// The folders of src/ are pipeline stages, and their imports must follow the pipeline: each folder may import
// only the folders listed for it below, the folder graph has no cycle, and nothing in src/ reaches outside it
// (sim/, test/, bench/, scenarios/ drive src/, never the reverse). Imports are read with the TypeScript
// scanner, so `import type`, `export … from` and dynamic `import()` all count.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve('src');
/** Files directly in src/ (the CLI entry point). */
const ROOT = '(src)';

/** Which folders each folder may import. A folder missing here is a new layer: add it on purpose. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  shared: [],
  deps: ['shared'],
  db: ['deps', 'shared'],
  chain: ['deps', 'shared'],
  'entity-manager': ['chain', 'db', 'deps', 'shared'],
  challenges: ['db', 'deps', 'shared'],
  indexer: ['chain', 'db', 'deps', 'entity-manager', 'shared'],
  parity: ['db', 'deps', 'shared'],
  ops: ['chain', 'db', 'deps', 'indexer', 'shared'],
  cli: ['chain', 'challenges', 'db', 'deps', 'entity-manager', 'indexer', 'ops', 'parity', 'shared'],
  [ROOT]: ['cli'],
};

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly file: string;
  readonly spec: string;
  readonly outside: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

function folderOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0]! : ROOT;
}

/** Relative imports of every file in src/, as folder → folder edges (a target outside src/ keeps its path). */
function importEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: spec } of info.importedFiles) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      const inside = target.startsWith(SRC + sep);
      edges.push({
        from: folderOf(file),
        to: inside ? folderOf(target) : relative(process.cwd(), target),
        file: relative(process.cwd(), file),
        spec,
        outside: !inside,
      });
    }
  }
  return edges;
}

/** Folder cycles (strongly connected components of more than one folder, or a folder importing itself). */
export function folderCycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  // Tarjan's algorithm: small graphs, recursion is fine.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.has(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

function toGraph(edges: readonly { from: string; to: string }[]): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    if (from === to) continue;
    if (!g.has(from)) g.set(from, new Set());
    g.get(from)!.add(to);
  }
  return g;
}

describe('layering of src/', () => {
  const edges = importEdges();
  const crossing = edges.filter((e) => e.from !== e.to);

  it('reads the imports (the scanner sees the pipeline)', () => {
    expect(edges.length).toBeGreaterThan(100);
    expect(crossing.some((e) => e.from === 'indexer' && e.to === 'entity-manager')).toBe(true);
  });

  it('src/ never imports sim/, test/, bench/, scenarios/ or anything else outside src/', () => {
    const outside = edges.filter((e) => e.outside);
    expect(outside.map((e) => `${e.file} → ${e.spec}`)).toEqual([]);
  });

  it('every folder imports only the folders allowed for it', () => {
    const forbidden = crossing
      .filter((e) => !e.outside)
      .filter((e) => !(ALLOWED[e.from] ?? []).includes(e.to))
      .map((e) => `${e.file} (${e.from}) → ${e.spec} (${e.to})`);
    expect(forbidden).toEqual([]);
  });

  it('the folder graph has no cycle, and neither has the allowed graph', () => {
    expect(folderCycles(toGraph(crossing))).toEqual([]);
    const allowed = Object.entries(ALLOWED).flatMap(([from, tos]) => tos.map((to) => ({ from, to })));
    expect(folderCycles(toGraph(allowed))).toEqual([]);
  });

  it('the cycle finder finds the cycles this project had', () => {
    // entity-manager ⇄ challenges, and indexer → entity-manager → challenges → indexer (before the moves).
    const before = toGraph([
      { from: 'indexer', to: 'entity-manager' },
      { from: 'entity-manager', to: 'challenges' },
      { from: 'challenges', to: 'entity-manager' },
      { from: 'challenges', to: 'indexer' },
      { from: 'entity-manager', to: 'db' },
    ]);
    expect(folderCycles(before)).toEqual([['challenges', 'entity-manager', 'indexer']]);
  });
});

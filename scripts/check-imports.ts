/**
 * The import rules (docs/running.md, "Import rules"; issue 23), checked over the source folders:
 *
 *   - no import circle between files (type-only and dynamic imports count: a circle of types
 *     still ties the files together);
 *   - no circle between the top-level folders (core, src, durable-objects, agent, common, frontend):
 *     common imports none of the others, and no two of them import each other, even through a third;
 *   - no source file over MAX_LINES lines (.ts, .tsx, .mjs; tests, declarations and builds excluded).
 *
 *   npx tsx scripts/check-imports.ts [folder …]     (default: all six; exit 1 with a report)
 *
 * Imports are read with the TypeScript compiler's own scanner (ts.preProcessFile); relative
 * specifiers and the @anchorage/* workspace names are resolved, packages are not followed.
 * test/agent/import-rules.test.ts runs it in `npm test`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

export const FOLDERS = ["core", "src", "durable-objects", "agent", "common", "frontend"] as const;
export const MAX_LINES = 400;
const SOURCE = /\.(ts|tsx|mjs)$/;
const NOT_SOURCE = /(\.test\.tsx?|\.d\.ts)$/;
const SKIP_DIRS = new Set(["node_modules", "dist", "coverage", ".wrangler"]);
/** Where the workspace packages' names point (their package.json `exports`). */
const WORKSPACE: Record<string, string> = { "@anchorage/common": "common/src", "@anchorage/agent": "agent/src" };
const EXTENSIONS = ["", ".ts", ".tsx", ".mjs", ".js", "/index.ts", "/index.tsx"];

export type ImportReport = {
  /** Each circle as the files in order, the first repeated at the end. */
  fileCycles: string[][];
  /** Each circle of folders, with one import that makes each step. */
  folderCycles: { folders: string[]; via: string[] }[];
  longFiles: { file: string; lines: number }[];
};

/** Reads every source file under `folders` (relative to `root`) and checks the rules. */
export function checkImports(root: string, folders: readonly string[] = FOLDERS): ImportReport {
  const files = folders.flatMap((f) => sourceFiles(join(root, f))).map((f) => relative(root, f));
  const graph = new Map<string, string[]>();
  const longFiles: ImportReport["longFiles"] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), "utf8");
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    if (lines > MAX_LINES) longFiles.push({ file, lines });
    const imports = ts.preProcessFile(text, true, true).importedFiles.map((i) => i.fileName);
    graph.set(file, [...new Set(imports.map((s) => resolveImport(root, file, s)).filter((t): t is string => t !== null))]);
  }
  // Circles within the files checked; an import leading outside them is not followed.
  const within = new Map([...graph].map(([f, ts]) => [f, ts.filter((t) => graph.has(t))]));
  const fileCycles = stronglyConnected(within).map((scc) => cycleIn(scc, within));

  const folderOf = (f: string) => f.split(sep)[0]!;
  const folderEdges = new Map<string, Map<string, string>>();
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const [a, b] = [folderOf(from), folderOf(to)];
      if (a === b || !(FOLDERS as readonly string[]).includes(b)) continue;
      if (!folderEdges.has(a)) folderEdges.set(a, new Map());
      if (!folderEdges.get(a)!.has(b)) folderEdges.get(a)!.set(b, `${from} → ${to}`);
    }
  }
  const folderGraph = new Map([...new Set([...folderEdges.keys(), ...[...folderEdges.values()].flatMap((m) => [...m.keys()])])].map((f) => [f, [...(folderEdges.get(f)?.keys() ?? [])]]));
  const folderCycles = stronglyConnected(folderGraph).map((scc) => {
    const cycle = cycleIn(scc, folderGraph);
    return { folders: cycle, via: cycle.slice(1).map((to, i) => folderEdges.get(cycle[i]!)!.get(to)!) };
  });
  return { fileCycles, folderCycles, longFiles };
}

export function formatReport(r: ImportReport): string {
  const out: string[] = [];
  for (const c of r.fileCycles) out.push(`import circle: ${c.join(" → ")}`);
  for (const c of r.folderCycles) out.push(`folder circle: ${c.folders.join(" → ")}\n${c.via.map((v) => `    ${v}`).join("\n")}`);
  for (const f of r.longFiles) out.push(`over ${MAX_LINES} lines: ${f.file} (${f.lines})`);
  return out.join("\n");
}

export const problemCount = (r: ImportReport) => r.fileCycles.length + r.folderCycles.length + r.longFiles.length;

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return SKIP_DIRS.has(name) ? [] : sourceFiles(path);
    return SOURCE.test(name) && !NOT_SOURCE.test(name) ? [path] : [];
  });
}

/** The file an import names, relative to root; null for a package or a file not in this repository. */
function resolveImport(root: string, from: string, specifier: string): string | null {
  let base: string;
  if (specifier.startsWith(".")) base = resolve(root, dirname(from), specifier);
  else {
    const pkg = Object.keys(WORKSPACE).find((p) => specifier === p || specifier.startsWith(`${p}/`));
    if (!pkg) return null;
    const rest = specifier.slice(pkg.length + 1);
    base = join(root, WORKSPACE[pkg]!, rest || "index");
  }
  for (const ext of EXTENSIONS) {
    const candidate = base + ext;
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(root, candidate);
  }
  return null;
}

/** Tarjan's strongly connected components with more than one member, or one that imports itself. */
function stronglyConnected(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) !== idx.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return found;
}

/** One circle through a component's first member, found breadth-first (so the shortest). */
function cycleIn(scc: string[], graph: Map<string, string[]>): string[] {
  const members = new Set(scc);
  const start = scc[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(prev.get(path[0]!)!);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const folders = process.argv.slice(2);
  const unknown = folders.filter((f) => !(FOLDERS as readonly string[]).includes(f));
  if (unknown.length) {
    console.error(`unknown folder ${unknown.join(", ")}; the folders are ${FOLDERS.join(", ")}`);
    process.exit(2);
  }
  const report = checkImports(new URL("..", import.meta.url).pathname, folders.length ? folders : FOLDERS);
  const n = problemCount(report);
  console.log(n ? formatReport(report) : `import rules hold in ${(folders.length ? folders : FOLDERS).join(", ")}`);
  process.exit(n ? 1 : 0);
}

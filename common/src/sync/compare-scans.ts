import type { CompareDir, CompareEntry, CompareLink, CompareStatus, ScanFile, ScanResult, SkippedEntry } from "../protocol/files.ts";

/**
 * Compares two scans of the same tree on two instances (DESIGN.md, Sync). Pure: the DO runs it
 * on the scans the two agents sent, tests run it on anything. Every path of either side is listed
 * exactly once, in path order, identical ones included.
 */
export function compareScans(source: readonly ScanFile[], destination: readonly ScanFile[]): CompareEntry[] {
  const dest = new Map(destination.map((f) => [f.path, f]));
  const entries: CompareEntry[] = [];
  for (const s of source) {
    const d = dest.get(s.path);
    dest.delete(s.path);
    entries.push({ path: s.path, status: d ? statusOf(s, d) : "new", source: side(s), destination: d ? side(d) : null });
  }
  for (const d of dest.values()) entries.push({ path: d.path, status: "only_destination", source: null, destination: side(d) });
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Whether two files hold the same content. Two text files are compared by the MD5 of their
 * content with CRLF → LF, so a Windows copy and a Unix copy of the same text are the same;
 * anything else by the SHA-256 of its bytes.
 */
export function sameContent(a: ScanFile, b: ScanFile): boolean {
  if (a.text && b.text) return a.md5 === b.md5;
  return a.sha256 === b.sha256;
}

/** Content that differs is a conflict when the destination's copy is the newer one: a sync would lose that edit. */
function statusOf(source: ScanFile, destination: ScanFile): CompareStatus {
  if (sameContent(source, destination)) return "identical";
  return destination.mtime_ms > source.mtime_ms ? "destination_newer" : "different";
}

function side(f: ScanFile): Omit<ScanFile, "path"> {
  const { path: _path, ...rest } = f;
  return rest;
}

/** How many entries have each status (every status present, zero or more). */
export function summarize(entries: readonly CompareEntry[]): Record<CompareStatus, number> {
  const summary: Record<CompareStatus, number> = { identical: 0, different: 0, new: 0, only_destination: 0, destination_newer: 0 };
  for (const e of entries) summary[e.status]++;
  return summary;
}

/** Two scans' whole trees: files (as compareScans), symlinks, folders, and every entry a sync would leave alone with why. */
export type TreeComparison = { files: CompareEntry[]; links: CompareLink[]; directories: CompareDir[]; skipped: SkippedEntry[] };
type Tree = Pick<ScanResult, "files" | "skipped"> & Partial<Pick<ScanResult, "links" | "dirs" | "confinement">>;

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * Compares two scans as rsync -a would copy one onto the other (DESIGN.md, Sync): regular files
 * by content (compareScans), with `metadata_only` when only their mtime or mode differ; symlinks
 * by target; folders by presence, mode and mtime. Refused and listed in `skipped`: a source link
 * that would lead outside the destination's project roots (judged where it would lie at the
 * destination; the writer judges again), a path that is a file on one side and a folder or a link
 * on the other (and what lies under it), and whatever either scan skipped.
 */
export function compareTrees(source: Tree, destination: Tree): TreeComparison {
  const skipped: SkippedEntry[] = [
    ...source.skipped.map((s) => ({ ...s, side: "source" as const })),
    ...destination.skipped.map((s) => ({ ...s, side: "destination" as const })),
  ];
  const kinds = (t: Tree) => {
    const m = new Map<string, "file" | "symlink" | "directory">();
    for (const f of t.files) m.set(f.path, "file");
    for (const l of t.links ?? []) m.set(l.path, "symlink");
    for (const d of t.dirs ?? []) m.set(d.path, "directory");
    return m;
  };
  const srcKinds = kinds(source);
  const dstKinds = kinds(destination);
  // A path of one kind here and another there is left alone, with everything under it.
  const clashes = new Set<string>();
  for (const [path, kind] of srcKinds) {
    const other = dstKinds.get(path);
    if (other && other !== kind) {
      clashes.add(path);
      skipped.push({ path, side: "source", reason: `a ${kind} on the source, a ${other} on the destination: left alone (remove one of them to sync it)` });
    }
  }
  const underClash = (path: string) => {
    if (clashes.size === 0) return false;
    for (let i = path.indexOf("/"); i !== -1; i = path.indexOf("/", i + 1)) if (clashes.has(path.slice(0, i))) return true;
    return clashes.has(path);
  };
  const keep = <T extends { path: string }>(items: readonly T[] | undefined) => (items ?? []).filter((x) => !underClash(x.path));

  const files = compareScans(keep(source.files), keep(destination.files)).map((e) => {
    if (e.status === "identical" && e.source && e.destination && (e.source.mtime_ms !== e.destination.mtime_ms || e.source.mode !== e.destination.mode)) {
      return { ...e, metadata_only: true as const };
    }
    return e;
  });

  const links: CompareLink[] = [];
  const dstLinks = new Map(keep(destination.links).map((l) => [l.path, l]));
  for (const s of keep(source.links)) {
    const d = dstLinks.get(s.path);
    dstLinks.delete(s.path);
    const outside = leadsOutside(s.path, s.target, destination.confinement);
    if (outside) {
      skipped.push({ path: s.path, side: "source", reason: `symlink to ${s.target}: it would lead to ${outside}, outside the destination's project roots` });
      continue;
    }
    const src = { target: s.target, mtime_ms: s.mtime_ms };
    if (!d) links.push({ path: s.path, status: "new", source: src, destination: null });
    else {
      const dst = { target: d.target, mtime_ms: d.mtime_ms };
      const status = d.target === s.target ? "identical" : "different";
      links.push({ path: s.path, status, source: src, destination: dst, ...(status === "identical" && d.mtime_ms !== s.mtime_ms ? { metadata_only: true as const } : {}) });
    }
  }
  for (const d of dstLinks.values()) links.push({ path: d.path, status: "only_destination", source: null, destination: { target: d.target, mtime_ms: d.mtime_ms } });

  const directories: CompareDir[] = [];
  const dstDirs = new Map(keep(destination.dirs).map((d) => [d.path, d]));
  for (const s of keep(source.dirs)) {
    const d = dstDirs.get(s.path);
    dstDirs.delete(s.path);
    const src = { mode: s.mode, mtime_ms: s.mtime_ms };
    if (!d) directories.push({ path: s.path, status: "new", source: src, destination: null });
    else {
      const differs = d.mode !== s.mode || d.mtime_ms !== s.mtime_ms;
      directories.push({ path: s.path, status: "identical", source: src, destination: { mode: d.mode, mtime_ms: d.mtime_ms }, ...(differs ? { metadata_only: true as const } : {}) });
    }
  }
  for (const d of dstDirs.values()) directories.push({ path: d.path, status: "only_destination", source: null, destination: { mode: d.mode, mtime_ms: d.mtime_ms } });

  return { files, links: links.sort(byPath), directories: directories.sort(byPath), skipped: skipped.sort(byPath) };
}

/**
 * Where a link would lead once written at `rel` under the destination's folder, if that is
 * outside every one of the destination's roots; null when inside, or when the destination did not
 * say where it is (a folder not made yet: the writer judges then). Lexical, as the link's target
 * is read relative to the link's own folder; the writer also follows links met on the way.
 */
export function leadsOutside(rel: string, target: string, at: ScanResult["confinement"] | undefined): string | null {
  if (!at) return null;
  const linkDir = posixDirname(`${at.real.replace(/\/+$/, "")}/${rel}`);
  const leads = posixNormalize(target.startsWith("/") ? target : `${linkDir}/${target}`);
  return at.roots.some((r) => leads === r || leads.startsWith(r.endsWith("/") ? r : `${r}/`)) ? null : leads;
}

function posixDirname(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

/** `/a/./b/../c` → `/a/c` (absolute paths only; `..` above `/` stays at `/`). */
export function posixNormalize(p: string): string {
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

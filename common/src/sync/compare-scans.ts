import type { CompareEntry, CompareStatus, ScanFile } from "../protocol/files.ts";

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

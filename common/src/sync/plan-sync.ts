import type { ApplyEntry, CompareEntry, SkippedEntry } from "../protocol/files.ts";
import type { TreeComparison } from "./compare-scans.ts";

/**
 * What a sync does, decided from a compare (DESIGN.md, "Sync that deletes data"). Pure, so the
 * refusals are tested without a socket.
 */
export type SyncPlan = {
  /** Files the destination lacks or holds differently (destination_newer included: its copy is backed up first). */
  transfer: CompareEntry[];
  /** Files only on the destination, removed (into the backup folder) only when asked. */
  remove: CompareEntry[];
};

/** A sync may delete at most this share of the destination's files in one go… */
export const MAX_DELETE_SHARE = 0.25;
/** …unless it deletes no more than this many (a small tree can lose a few). */
export const DELETE_ALWAYS_ALLOWED = 10;

export type PlanRefusal = { code: "E-VALIDATION" | "E-CONFLICT"; message: string };

/**
 * The plan, or why there is none: an empty source (maybe unmounted) or a mass deletion. `only`
 * narrows it to these paths (a compare's result the caller chose from); the checks still look at
 * the whole of both trees as they are now.
 */
export function planSync(entries: readonly CompareEntry[], opts: { delete: boolean; only?: ReadonlySet<string> }): SyncPlan | PlanRefusal {
  const sourceFiles = entries.filter((e) => e.source !== null).length;
  const destinationFiles = entries.filter((e) => e.destination !== null).length;
  if (sourceFiles === 0) {
    return { code: "E-VALIDATION", message: "the source folder has no files: refusing to sync from it (an unmounted or emptied folder looks just like this)" };
  }
  const chosen = opts.only ? entries.filter((e) => opts.only!.has(e.path)) : entries;
  const transfer = chosen.filter((e) => e.status === "new" || e.status === "different" || e.status === "destination_newer");
  const remove = opts.delete ? chosen.filter((e) => e.status === "only_destination") : [];
  if (remove.length > DELETE_ALWAYS_ALLOWED && remove.length > destinationFiles * MAX_DELETE_SHARE) {
    return {
      code: "E-CONFLICT",
      message: `the sync would delete ${remove.length} of the destination's ${destinationFiles} files (more than ${MAX_DELETE_SHARE * 100}%): refused; sync without delete, or remove them yourself`,
    };
  }
  return { transfer, remove };
}

/**
 * A whole tree's plan, rsync -a's meaning (relative paths; the DO puts them under the target):
 * folders created first (parents first, empty ones too), then the files' content (`transfer`),
 * then symlinks and the metadata of files whose content is already there (`after`), deletions,
 * and last the mode and mtime of folders (`last`, children first: writing into a folder moves
 * its mtime, so it is set once nothing more is written in it). `skipped` lists what is left alone.
 */
export type TreePlan = SyncPlan & {
  before: RelativeApply[];
  after: RelativeApply[];
  last: RelativeApply[];
  skipped: SkippedEntry[];
};
/** An apply entry with its path relative to the synced folder. */
export type RelativeApply = ApplyEntry extends infer E ? (E extends ApplyEntry ? Omit<E, "path"> & { path: string } : never) : never;

/** planSync's files and refusals, with the tree's folders, symlinks and metadata-only changes. */
export function planTree(tree: TreeComparison, opts: { delete: boolean; only?: ReadonlySet<string> }): TreePlan | PlanRefusal {
  const files = planSync(tree.files, opts);
  if ("code" in files) return files;
  const chosen = <T extends { path: string }>(xs: readonly T[]) => (opts.only ? xs.filter((x) => opts.only!.has(x.path)) : xs);
  const skipped = [...tree.skipped];
  const before: RelativeApply[] = chosen(tree.directories)
    .filter((d) => d.status === "new")
    .map((d) => ({ kind: "directory", path: d.path, mode: d.source!.mode }));
  const after: RelativeApply[] = [];
  for (const l of chosen(tree.links)) {
    if (l.status === "new" || l.status === "different") after.push({ kind: "symlink", path: l.path, target: l.source!.target, mtime_ms: l.source!.mtime_ms });
    else if (l.metadata_only) after.push({ kind: "metadata", path: l.path, mtime_ms: l.source!.mtime_ms });
    else if (l.status === "only_destination" && opts.delete) skipped.push({ path: l.path, side: "destination", reason: "a symlink only on the destination: kept (a sync removes files only)" });
  }
  for (const f of chosen(tree.files)) if (f.metadata_only) after.push({ kind: "metadata", path: f.path, mode: f.source!.mode, mtime_ms: f.source!.mtime_ms });

  // Folders whose mode or mtime differ, and every folder this sync writes into (its mtime moves).
  const touched = new Set<string>();
  const parentsOf = (path: string) => {
    for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) touched.add(path.slice(0, i));
  };
  for (const e of [...files.transfer, ...files.remove, ...before, ...after.filter((a) => a.kind === "symlink")]) parentsOf(e.path);
  for (const d of before) touched.add(d.path);
  const last: RelativeApply[] = tree.directories
    .filter((d) => d.source && (touched.has(d.path) || (d.metadata_only && (!opts.only || opts.only.has(d.path)))))
    .sort((a, b) => depth(b.path) - depth(a.path) || (a.path < b.path ? -1 : 1))
    .map((d) => ({ kind: "metadata", path: d.path, mode: d.source!.mode, mtime_ms: d.source!.mtime_ms }));
  return { ...files, before, after, last, skipped };
}

const depth = (path: string) => path.split("/").length;

/** The chunks to upload: those R2 does not hold yet, each once even if the file repeats it. */
export function chunksToUpload<C extends { sha256: string }>(chunks: readonly C[], held: ReadonlySet<string>): C[] {
  const seen = new Set<string>();
  return chunks.filter((c) => {
    if (held.has(c.sha256) || seen.has(c.sha256)) return false;
    seen.add(c.sha256);
    return true;
  });
}

/** A batch of small files holds at most this many bytes: one call each way carries all of them (the per-call memory bound). */
export const TRANSFER_BATCH_BYTES = 256 * 1024;
/** …and at most this many files (the agent's MAX_BATCH_FILES bounds a call's params). */
export const TRANSFER_BATCH_FILES = 500;

/**
 * The files in order, cut into batches of at most `maxBytes` and `maxFiles`: small files share a
 * batch, a file larger than `maxBytes` is a batch of its own. The order is kept, so what is done
 * is always a prefix and a resume continues where the plan left off.
 */
export function batchFiles<F extends { size: number }>(files: readonly F[], maxBytes = TRANSFER_BATCH_BYTES, maxFiles = TRANSFER_BATCH_FILES): F[][] {
  const out: F[][] = [];
  let batch: F[] = [];
  let bytes = 0;
  for (const f of files) {
    if (batch.length && (bytes + f.size > maxBytes || batch.length >= maxFiles)) {
      out.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(f);
    bytes += f.size;
  }
  if (batch.length) out.push(batch);
  return out;
}

/** Items in order, cut into groups whose `length`s add up to at most `maxBytes` (an item larger than that alone). */
export function groupByBytes<C extends { length: number }>(items: readonly C[], maxBytes: number, maxItems = Infinity): C[][] {
  return batchFiles(items.map((c) => ({ size: c.length, c })), maxBytes, maxItems).map((g) => g.map((x) => x.c));
}

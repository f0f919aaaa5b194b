import type { CompareEntry } from "../protocol/files.ts";

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

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

// No zod here: the dashboard imports this module without shipping zod.

/**
 * A mirror's state (issue #7, DESIGN.md "Sync"): what its last check or sync found.
 * - `in_sync`: the last check found nothing to send.
 * - `needs_sync`: the last check found files to send, or the source's agent saw a change since.
 * - `syncing`: a sync operation for it is running.
 * - `error`: the last check or sync failed (`last_error` says why).
 * - `stale`: never checked successfully, or not within twice its interval: nobody knows.
 */
export const MIRROR_STATES = ["in_sync", "needs_sync", "stale", "syncing", "error"] as const;
export type MirrorState = (typeof MIRROR_STATES)[number];

/** A push mirror is listed on its source's side, a pull mirror on its destination's; both copy source → destination. */
export const MIRROR_DIRECTIONS = ["push", "pull"] as const;
export type MirrorDirection = (typeof MIRROR_DIRECTIONS)[number];

export const MIRROR_STATE_LABELS: Record<MirrorState, string> = {
  in_sync: "In sync",
  needs_sync: "Needs sync",
  stale: "Stale",
  syncing: "Syncing",
  error: "Error",
};

/** Checks are scheduled at most this often (a check scans both trees) and at least once a week. */
export const MIRROR_MIN_INTERVAL_SECONDS = 60;
export const MIRROR_MAX_INTERVAL_SECONDS = 7 * 24 * 3600;
export const MIRROR_DEFAULT_INTERVAL_SECONDS = 300;
/** Not checked successfully within this many intervals: the mirror is `stale`. */
export const MIRROR_STALE_INTERVALS = 2;

/**
 * The state to report now: the stored one, unless the last successful check (or, never checked,
 * the mirror's creation) is more than MIRROR_STALE_INTERVALS intervals ago. A running sync is
 * reported as such whatever its age.
 */
export function reportedMirrorState(
  m: { state: MirrorState; intervalSeconds: number; last_check_at: string | null; created_at: string },
  now: number,
): MirrorState {
  if (m.state === "syncing") return m.state;
  if (m.last_check_at === null) return m.state === "error" ? "error" : "stale";
  const since = now - Date.parse(m.last_check_at);
  return since > MIRROR_STALE_INTERVALS * m.intervalSeconds * 1000 ? "stale" : m.state;
}

/**
 * How many files a mirror's sync would send or remove, from a compare's counts: new, different and
 * destination-newer files (a mirror's sync replaces those, keeping a backup), and only-destination
 * ones when it deletes. Zero: in sync.
 */
export function pendingMirrorFiles(summary: Partial<Record<"identical" | "different" | "new" | "only_destination" | "destination_newer", number>>, deletes: boolean): number {
  const n = (k: keyof typeof summary) => summary[k] ?? 0;
  return n("new") + n("different") + n("destination_newer") + (deletes ? n("only_destination") : 0);
}

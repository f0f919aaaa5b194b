/**
 * The Activity list's words and order, without zod, so the dashboard can import them without the
 * schemas (common/src/activity.ts has those, and re-exports these).
 */

export const activityKinds = ["command", "git", "sync", "proxy", "file", "terminal", "instance"] as const;
export type ActivityKind = (typeof activityKinds)[number];

/** `pending`: still running (a command, a remote git call, a sync whose operation is still going). */
export const activityStatuses = ["pending", "success", "error"] as const;
export type ActivityStatus = (typeof activityStatuses)[number];

type Placed = { at: string; id: string };

/** An item's place in the order (newest first; ties by id, descending). */
export const activityCursor = (item: Placed): string => `${item.at}~${item.id}`;

/** Whether `a` comes before `b` in the list (is newer, or as new with a greater id). */
export function isNewer(a: Placed, b: Placed): boolean {
  return a.at !== b.at ? a.at > b.at : a.id > b.id;
}

export function parseActivityCursor(cursor: string): { at: string; id: string } {
  const i = cursor.indexOf("~");
  return { at: cursor.slice(0, i), id: cursor.slice(i + 1) };
}

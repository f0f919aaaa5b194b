import { activityCursor, isNewer, type ActivityKind, type ActivityStatus } from "@anchorage/common";
import type { RawItem } from "./command-activity.ts";

export type ActivityFilter = { kind?: ActivityKind; status?: ActivityStatus; before?: { at: string; id: string } };

export const matches = (item: RawItem, f: ActivityFilter): boolean =>
  (f.kind === undefined || item.kind === f.kind) && (f.status === undefined || item.status === f.status) && (f.before === undefined || isNewer(f.before, item));

const newestFirst = (a: RawItem, b: RawItem) => (isNewer(a, b) ? -1 : isNewer(b, a) ? 1 : 0);

/**
 * One page of the merged list, newest first. The commands are all there (read whole from the
 * objects); the audit rows are one page of the log, read up to `frontier` (the oldest row read,
 * when the log may hold older ones). Nothing older than the frontier is shown, since audit rows
 * not read yet would sort among it: the next page starts there, even when this one is short.
 */
export function mergePage(commands: RawItem[], audit: RawItem[], frontier: { at: string; id: string } | null, limit: number): { items: RawItem[]; nextBefore: string | null } {
  const all = [...commands, ...audit].filter((i) => frontier === null || !isNewer(frontier, i)).sort(newestFirst);
  if (all.length > limit) return { items: all.slice(0, limit), nextBefore: activityCursor(all[limit - 1]!) };
  return { items: all, nextBefore: frontier ? activityCursor(frontier) : null };
}

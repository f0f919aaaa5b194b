import type { ActivityItem, ActivityPage, HubEvent } from "@anchorage/common";
import { activityKinds, activityStatuses, isNewer, type ActivityKind, type ActivityStatus } from "@anchorage/common/activity-order";

/**
 * The Activity list's model, without the DOM: its filters (kept in the page's address), how a
 * fresh first page and older pages join what is shown, live output, and which events mean the
 * list has changed.
 */

export interface ActivityFilters {
  instance: string;
  kind: ActivityKind | "";
  status: ActivityStatus | "";
}

export const KIND_LABELS: Record<ActivityKind, string> = {
  command: "Command",
  git: "Git",
  sync: "Sync",
  proxy: "Proxy",
  file: "File",
  terminal: "Terminal",
  instance: "Instance",
};

/** The filters an address names; anything it names wrongly is ignored (all, for that filter). */
export function filtersFrom(query: Record<string, string | undefined>): ActivityFilters {
  const kind = activityKinds.find((k) => k === query.kind) ?? "";
  const status = activityStatuses.find((s) => s === query.status) ?? "";
  return { instance: query.instance?.trim() ?? "", kind, status };
}

/** The search part of an address or an API call for the filters (and a page's cursor): "" for none. */
export function activityQuery(f: ActivityFilters, before?: string | null): string {
  const params = new URLSearchParams();
  if (f.instance) params.set("instance", f.instance);
  if (f.kind) params.set("kind", f.kind);
  if (f.status) params.set("status", f.status);
  if (before) params.set("before", before);
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** What the page shows: the items loaded so far, and where the next older page starts. */
export interface ActivityList {
  items: ActivityItem[];
  nextBefore: string | null;
}

/**
 * A first page fetched again (something changed) over what is shown: its items replace the
 * newest ones, and older pages loaded by "Load more" stay below it when the page reaches them.
 */
export function withFreshFirstPage(current: ActivityList | null, fresh: ActivityPage): ActivityList {
  // A running command's output is not stored until it ends: keep what the events brought so far.
  const shown = new Map(current?.items.map((i) => [i.id, i]));
  const items = fresh.items.map((i) => (i.status === "pending" && !i.output && shown.get(i.id)?.output ? { ...i, output: shown.get(i.id)!.output } : i));
  const last = items.at(-1);
  const top = current?.items[0];
  // Older pages join only where the fresh page reaches them: more new items than a page leave a gap, so they go.
  if (!current || !last || !top || fresh.next_before === null || isNewer(last, top)) return { items, nextBefore: fresh.next_before };
  const ids = new Set(items.map((i) => i.id));
  const older = current.items.filter((i) => isNewer(last, i) && !ids.has(i.id));
  return { items: [...items, ...older], nextBefore: older.length ? current.nextBefore : fresh.next_before };
}

/** An older page below what is shown (an item already there is not shown twice). */
export function withOlderPage(current: ActivityList, older: ActivityPage): ActivityList {
  const ids = new Set(current.items.map((i) => i.id));
  return { items: [...current.items, ...older.items.filter((i) => !ids.has(i.id))], nextBefore: older.next_before };
}

/** Output of a running command as it comes, so an opened item shows it live (the output's tail, as the server keeps). */
export const OUTPUT_KEPT = 8192;
export function withProgress(list: ActivityList, e: HubEvent): ActivityList {
  if (e.type !== "cloud:command-progress" || !e.data) return list;
  if (!list.items.some((i) => i.id === e.actionId && i.status === "pending")) return list;
  return { ...list, items: list.items.map((i) => (i.id === e.actionId ? { ...i, output: `${i.output ?? ""}${e.data}`.slice(-OUTPUT_KEPT) } : i)) };
}

/**
 * Whether the event changes the list (so it is fetched again): a command or remote git call
 * starting or ending, a sync starting, ending or moving on, a mirror's change. Output chunks and
 * heartbeats do not; with an instance filter, only that instance's events count (a sync is listed
 * under its source).
 */
export function changesActivity(e: HubEvent, f: ActivityFilters): boolean {
  if (f.instance && e.instanceId !== f.instance) return false;
  switch (e.type) {
    case "cloud:command-progress":
      return e.status !== undefined;
    case "cloud:sync-activity":
    case "cloud:mirror":
      return true;
    default:
      return false;
  }
}

/** Who did it, in words: "you", their address, or their id when the address is not yours to know. */
export function actorWords(item: Pick<ActivityItem, "actor_id" | "actor_email">, me: string): string {
  if (item.actor_id === me) return "you";
  return item.actor_email ?? (item.actor_id ? `user ${item.actor_id}` : "nobody signed in");
}

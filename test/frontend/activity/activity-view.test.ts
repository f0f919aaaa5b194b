import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { activityCursor, isNewer, type ActivityItem, type ActivityPage, type CommandProgressEvent } from "@anchorage/common";
import { activityQuery, actorWords, changesActivity, filtersFrom, withFreshFirstPage, withOlderPage, withProgress, type ActivityList } from "../../../frontend/src/activity/activity-view.ts";

const T0 = Date.parse("2026-11-26T10:00:00.000Z");
const item = (n: number, over: Partial<ActivityItem> = {}): ActivityItem => ({
  id: `act_${String(n).padStart(4, "0")}`,
  kind: "command",
  status: "success",
  instance_id: "ins_a",
  instance_name: "a",
  actor_id: "usr_me",
  at: new Date(T0 + n * 1000).toISOString(),
  summary: `Ran disk ${n}`,
  ...over,
});

/** The server's answer for a list (newest first): `limit` items before the cursor, and the next cursor. */
function serve(all: ActivityItem[], limit: number, before?: string | null): ActivityPage {
  const sorted = [...all].sort((a, b) => (isNewer(a, b) ? -1 : 1));
  const from = before ? sorted.filter((i) => isNewer({ at: before.split("~")[0]!, id: before.split("~")[1]! }, i)) : sorted;
  const items = from.slice(0, limit);
  return { items, next_before: from.length > limit ? activityCursor(items.at(-1)!) : null };
}

describe("activity filters in the address", () => {
  it("reads known values and ignores the rest", () => {
    expect(filtersFrom({ instance: "ins_a", kind: "sync", status: "error" })).toEqual({ instance: "ins_a", kind: "sync", status: "error" });
    expect(filtersFrom({ kind: "everything", status: "running" })).toEqual({ instance: "", kind: "", status: "" });
    expect(filtersFrom({})).toEqual({ instance: "", kind: "", status: "" });
  });

  it("writes only the filters set, and the cursor", () => {
    expect(activityQuery({ instance: "", kind: "", status: "" })).toBe("");
    expect(activityQuery({ instance: "ins_a", kind: "", status: "pending" })).toBe("?instance=ins_a&status=pending");
    expect(activityQuery({ instance: "", kind: "git", status: "" }, "2026-11-26T10:00:00.000Z~act_1")).toBe("?kind=git&before=2026-11-26T10%3A00%3A00.000Z%7Eact_1");
    expect(filtersFrom(Object.fromEntries(new URLSearchParams(activityQuery({ instance: "ins_b", kind: "proxy", status: "success" }))))).toEqual({ instance: "ins_b", kind: "proxy", status: "success" });
  });
});

describe("joining pages", () => {
  it("a fresh first page replaces the newest items and keeps the older pages loaded below it", () => {
    const all = Array.from({ length: 10 }, (_, n) => item(n));
    let list: ActivityList = withFreshFirstPage(null, serve(all, 3));
    list = withOlderPage(list, serve(all, 3, list.nextBefore));
    expect(list.items.map((i) => i.summary)).toEqual([9, 8, 7, 6, 5, 4].map((n) => `Ran disk ${n}`));
    // Two new actions and one that finished since.
    const later = [...all.map((i) => (i.id === item(8).id ? { ...i, status: "error" as const } : i)), item(10), item(11)];
    list = withFreshFirstPage(list, serve(later, 3));
    expect(list.items.map((i) => i.summary)).toEqual([11, 10, 9, 8, 7, 6, 5, 4].map((n) => `Ran disk ${n}`));
    expect(list.nextBefore).toBe(activityCursor(item(4)));
    // Load more goes on from the oldest shown.
    list = withOlderPage(list, serve(later, 3, list.nextBefore));
    expect(list.items.map((i) => i.summary).slice(-3)).toEqual(["Ran disk 3", "Ran disk 2", "Ran disk 1"]);
  });

  it("a fresh page that is the whole list is the list", () => {
    const shown = withFreshFirstPage(null, { items: [item(2), item(1)], next_before: null });
    expect(withFreshFirstPage(shown, { items: [item(3)], next_before: null })).toEqual({ items: [item(3)], nextBefore: null });
    expect(withFreshFirstPage(shown, { items: [], next_before: null })).toEqual({ items: [], nextBefore: null });
  });

  it("any mix of new actions, fresh first pages and older pages shows the server's list, once each, in order", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), fc.array(fc.oneof(fc.constant("more" as const), fc.constant("fresh" as const), fc.integer({ min: 1, max: 4 })), { maxLength: 12 }), fc.integer({ min: 1, max: 5 }), (start, steps, limit) => {
        let all = Array.from({ length: start }, (_, n) => item(n));
        let list = withFreshFirstPage(null, serve(all, limit));
        for (const step of steps) {
          if (step === "more") {
            if (list.nextBefore) list = withOlderPage(list, serve(all, limit, list.nextBefore));
          } else if (step === "fresh") list = withFreshFirstPage(list, serve(all, limit));
          else all = [...all, ...Array.from({ length: step }, (_, k) => item(all.length + k))];
        }
        list = withFreshFirstPage(list, serve(all, limit));
        const expected = serve(all, all.length + 1).items;
        // What is shown is a prefix of the server's list, with no gap, no repeat.
        expect(list.items).toEqual(expected.slice(0, list.items.length));
        expect(list.nextBefore === null).toBe(list.items.length === expected.length);
      }),
    );
  });
});

describe("live changes", () => {
  const progress = (over: Partial<CommandProgressEvent>): CommandProgressEvent => ({ type: "cloud:command-progress", instanceId: "ins_a", actionId: "act_0001", command: "disk", at: "", ...over });

  it("appends a running command's output as it comes, and keeps it over a refetch until the end's", () => {
    let list: ActivityList = { items: [item(1, { status: "pending" }), item(0)], nextBefore: null };
    list = withProgress(list, progress({ stream: "stdout", data: "line 1\n" }));
    list = withProgress(list, progress({ stream: "stdout", data: "line 2\n" }));
    expect(list.items[0]!.output).toBe("line 1\nline 2\n");
    // A finished item takes no chunks; an unknown one changes nothing.
    expect(withProgress(list, progress({ actionId: item(0).id, data: "x" }))).toBe(list);
    expect(withProgress(list, progress({ actionId: "act_nope", data: "x" }))).toBe(list);
    // Fetched again while it runs (the server has no output yet): the live output stays.
    list = withFreshFirstPage(list, { items: [item(1, { status: "pending" }), item(0)], next_before: null });
    expect(list.items[0]!.output).toBe("line 1\nline 2\n");
    // Ended: the server's tail wins.
    list = withFreshFirstPage(list, { items: [item(1, { output: "line 1\nline 2\ndone\n" }), item(0)], next_before: null });
    expect(list.items[0]!.output).toBe("line 1\nline 2\ndone\n");
  });

  it("fetches again on a command's start or end, a sync's or a mirror's change; not on output or heartbeats; only the filtered instance's", () => {
    const none = { instance: "", kind: "" as const, status: "" as const };
    expect(changesActivity(progress({ status: "running" }), none)).toBe(true);
    expect(changesActivity(progress({ status: "success" }), none)).toBe(true);
    expect(changesActivity(progress({ data: "chunk" }), none)).toBe(false);
    expect(changesActivity({ type: "cloud:instance-update", instanceId: "ins_a", status: "online", at: "" }, none)).toBe(false);
    const sync = { type: "cloud:sync-activity" as const, instanceId: "ins_a", destinationInstanceId: "ins_b", operationId: "ins_a.x", at: "", state: "done" as const, files: { total: 1, done: 1 }, bytes: { total: 1, uploaded: 1, downloaded: 1 } };
    expect(changesActivity(sync, none)).toBe(true);
    expect(changesActivity(sync, { ...none, instance: "ins_b" })).toBe(false);
    expect(changesActivity(progress({ status: "running" }), { ...none, instance: "ins_a" })).toBe(true);
  });

  it("names who acted as you, by address, or by id when the address is not the viewer's to know", () => {
    expect(actorWords({ actor_id: "usr_me", actor_email: "me@x.test" }, "usr_me")).toBe("you");
    expect(actorWords({ actor_id: "usr_o", actor_email: "o@x.test" }, "usr_me")).toBe("o@x.test");
    expect(actorWords({ actor_id: "usr_o" }, "usr_me")).toBe("user usr_o");
    expect(actorWords({ actor_id: null }, "usr_me")).toBe("nobody signed in");
  });
});

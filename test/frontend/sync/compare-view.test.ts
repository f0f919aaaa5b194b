import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { CompareEntry, CompareResult, CompareStatus } from "@anchorage/common";
import { summarize } from "@anchorage/common/sync/compare-scans";
import {
  browsedStatus,
  groupByStatus,
  groupChoice,
  initialChoice,
  isChoosable,
  isRefusal,
  keepChoosable,
  planChoice,
  planWords,
  setChosen,
  summaryWords,
} from "../../../frontend/src/sync/compare-view.ts";

const side = (size: number, mtime_ms = 1_000) => ({ size, mtime_ms, mode: 0o644, sha256: "a".repeat(64), md5: "b".repeat(32), text: true });
const entry = (path: string, status: CompareStatus, size = 10): CompareEntry => ({
  path,
  status,
  source: status === "only_destination" ? null : side(size),
  destination: status === "new" ? null : side(size + 1),
});
const result = (files: CompareEntry[]): CompareResult => ({
  source: { instance_id: "ins_a", path: "/a", files: files.filter((f) => f.source).length },
  destination: { instance_id: "ins_b", path: "/b", files: files.filter((f) => f.destination).length },
  summary: summarize(files),
  files,
});
const bytes = (n: number) => `${n} B`;

const files = [
  entry("z.txt", "identical"),
  entry("b.txt", "different", 20),
  entry("a.txt", "new", 5),
  entry("c.txt", "destination_newer", 7),
  entry("old.txt", "only_destination"),
  entry("docs/x.md", "identical"),
];

describe("grouping a compare by status", () => {
  it("puts conflicts first and synced files last, each group in path order, empty groups left out", () => {
    const groups = groupByStatus(files);
    expect(groups.map((g) => g.status)).toEqual(["destination_newer", "different", "new", "only_destination", "identical"]);
    expect(groups.at(-1)!.entries.map((e) => e.path)).toEqual(["docs/x.md", "z.txt"]);
    expect(groupByStatus([entry("a", "identical")]).map((g) => g.status)).toEqual(["identical"]);
  });

  it("lists every entry exactly once whatever the statuses", () => {
    const statuses: CompareStatus[] = ["identical", "different", "new", "only_destination", "destination_newer"];
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.string({ minLength: 1 }), fc.constantFrom(...statuses)), { selector: (t) => t[0] }), (pairs) => {
        const all = pairs.map(([p, s]) => entry(p, s));
        const listed = groupByStatus(all).flatMap((g) => g.entries.map((e) => e.path));
        expect(listed.sort()).toEqual(all.map((e) => e.path).sort());
      }),
    );
  });

  it("says the counts in words, identical ones as synced", () => {
    expect(summaryWords(summarize(files))).toBe("1 newer on the destination, 1 different, 1 only on the source, 1 only on the destination, 2 synced");
    expect(summaryWords(summarize([]))).toBe("No files on either side");
  });
});

describe("choosing files", () => {
  it("starts with what is new or different; a conflict, a removal and synced files are not chosen", () => {
    expect([...initialChoice(files)].sort()).toEqual(["a.txt", "b.txt"]);
  });

  it("lets synced files never be chosen, and removals only when removing is ticked", () => {
    expect(isChoosable("identical", true)).toBe(false);
    expect(isChoosable("only_destination", false)).toBe(false);
    expect(isChoosable("only_destination", true)).toBe(true);
    expect(isChoosable("destination_newer", false)).toBe(true);
  });

  it("ticks and unticks paths, and unticking remove drops the removals", () => {
    let chosen = setChosen(new Set(["a.txt"]), ["old.txt", "c.txt"], true);
    expect([...chosen].sort()).toEqual(["a.txt", "c.txt", "old.txt"]);
    chosen = keepChoosable(chosen, files, false);
    expect([...chosen].sort()).toEqual(["a.txt", "c.txt"]);
    expect([...setChosen(chosen, ["a.txt"], false)]).toEqual(["c.txt"]);
  });

  it("shows a group's box as all, some or none", () => {
    const group = { status: "new" as const, entries: [entry("a", "new"), entry("b", "new")] };
    expect(groupChoice(group, new Set())).toBe("none");
    expect(groupChoice(group, new Set(["a"]))).toBe("some");
    expect(groupChoice(group, new Set(["a", "b"]))).toBe("all");
  });
});

describe("the plan of a choice", () => {
  it("is the server's plan: the chosen sends in path order, then removals only when asked", () => {
    const plan = planChoice(result(files), new Set(["c.txt", "a.txt", "old.txt", "z.txt"]), true);
    if (isRefusal(plan)) throw new Error(plan.message);
    expect(plan.transfer.map((e) => e.path)).toEqual(["a.txt", "c.txt"]);
    expect(plan.remove.map((e) => e.path)).toEqual(["old.txt"]);
    expect(planWords(plan, bytes)).toBe("2 files to send (12 B), 1 file to remove");
    const kept = planChoice(result(files), new Set(["old.txt"]), false);
    expect(!isRefusal(kept) && planWords(kept, bytes)).toBe("Nothing chosen");
  });

  it("shows the server's refusal of a mass deletion before anything is sent", () => {
    const many = [entry("src.txt", "new"), ...Array.from({ length: 12 }, (_, i) => entry(`gone-${i}.txt`, "only_destination"))];
    const plan = planChoice(result(many), new Set(many.map((e) => e.path)), true);
    expect(isRefusal(plan) && plan.code).toBe("E-CONFLICT");
  });
});

describe("a browsed file's status", () => {
  const byPath = new Map<string, CompareStatus>([
    ["z.txt", "identical"],
    ["docs/x.md", "identical"],
    ["b.txt", "different"],
  ]);
  it("is found for files in the compared folder and below it, whatever trailing slash", () => {
    expect(browsedStatus(byPath, "/srv/a", "/srv/a", "z.txt")).toBe("identical");
    expect(browsedStatus(byPath, "/srv/a/", "/srv/a/docs", "x.md")).toBe("identical");
    expect(browsedStatus(byPath, "/srv/a", "/srv/a", "b.txt")).toBe("different");
  });
  it("is unknown outside the compared folder, including a sibling whose name starts the same", () => {
    expect(browsedStatus(byPath, "/srv/a", "/srv", "z.txt")).toBeUndefined();
    expect(browsedStatus(byPath, "/srv/a", "/srv/ab", "z.txt")).toBeUndefined();
    expect(browsedStatus(byPath, "/srv/a", "/srv/a", "missing.txt")).toBeUndefined();
  });
});

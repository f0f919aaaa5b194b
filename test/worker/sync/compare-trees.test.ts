import { describe, expect, it } from "vitest";
import { compareTrees, leadsOutside, planTree, type ScanFile, type ScanResult } from "@anchorage/common";

const file = (path: string, over: Partial<ScanFile> = {}): ScanFile => ({ path, size: 1, mtime_ms: 1000, mode: 0o644, sha256: "a".repeat(64), md5: "b".repeat(32), text: false, ...over });
type Tree = Pick<ScanResult, "files" | "skipped" | "links" | "dirs" | "confinement">;
const tree = (t: Partial<Tree>): Tree => ({ files: [], skipped: [], links: [], dirs: [], ...t });
const at = { real: "/home/b/proj", roots: ["/home/b"] };

describe("comparing two trees as rsync -a copies one onto the other", () => {
  it("calls a touch-only change metadata_only (not a bare identical) and plans its mtime and mode, with no content to send", () => {
    const src = tree({ files: [file("a.txt", { mtime_ms: 5000 }), file("run.sh", { mode: 0o755 }), file("same")] });
    const dst = tree({ files: [file("a.txt"), file("run.sh"), file("same")] });
    const cmp = compareTrees(src, dst);
    expect(cmp.files.map((f) => [f.path, f.status, f.metadata_only ?? false])).toEqual([["a.txt", "identical", true], ["run.sh", "identical", true], ["same", "identical", false]]);
    const plan = planTree(cmp, { delete: false });
    if ("code" in plan) throw new Error(plan.message);
    expect(plan.transfer).toEqual([]);
    expect(plan.after).toEqual([
      { kind: "metadata", path: "a.txt", mode: 0o644, mtime_ms: 5000 },
      { kind: "metadata", path: "run.sh", mode: 0o755, mtime_ms: 1000 },
    ]);
  });

  it("lists symlinks and folders, creates empty ones first and sets folders' mtimes last, children before parents", () => {
    const src = tree({
      files: [file("pkg/index.js")],
      links: [{ path: "node_modules/.bin/tsc", target: "../typescript/bin/tsc", mtime_ms: 7 }, { path: "pkg/self", target: ".", mtime_ms: 8 }],
      dirs: [{ path: "empty", mode: 0o755, mtime_ms: 1 }, { path: "nest", mode: 0o755, mtime_ms: 2 }, { path: "nest/deeper", mode: 0o700, mtime_ms: 3 }, { path: "node_modules", mode: 0o755, mtime_ms: 4 }, { path: "node_modules/.bin", mode: 0o755, mtime_ms: 5 }, { path: "pkg", mode: 0o755, mtime_ms: 6 }],
    });
    const cmp = compareTrees(src, tree({ confinement: at }));
    expect(cmp.links.map((l) => [l.path, l.status])).toEqual([["node_modules/.bin/tsc", "new"], ["pkg/self", "new"]]);
    expect(cmp.directories.map((d) => [d.path, d.status])).toEqual([["empty", "new"], ["nest", "new"], ["nest/deeper", "new"], ["node_modules", "new"], ["node_modules/.bin", "new"], ["pkg", "new"]]);
    expect(cmp.skipped).toEqual([]);
    const plan = planTree(cmp, { delete: false });
    if ("code" in plan) throw new Error(plan.message);
    expect(plan.before.map((e) => e.path)).toEqual(["empty", "nest", "nest/deeper", "node_modules", "node_modules/.bin", "pkg"]);
    expect(plan.after.map((e) => [e.kind, e.path])).toEqual([["symlink", "node_modules/.bin/tsc"], ["symlink", "pkg/self"]]);
    const last = plan.last.map((e) => e.path);
    expect(last.indexOf("nest/deeper")).toBeLessThan(last.indexOf("nest"));
    expect(last.indexOf("node_modules/.bin")).toBeLessThan(last.indexOf("node_modules"));
    expect(new Set(last)).toEqual(new Set(["empty", "nest", "nest/deeper", "node_modules", "node_modules/.bin", "pkg"]));
  });

  it("refuses a link that would lead outside the destination's roots, judged from where it would lie there, and lists why", () => {
    const src = tree({
      files: [file("a")],
      links: [
        { path: "up", target: "../../../etc/passwd", mtime_ms: 1 },
        { path: "abs", target: "/etc", mtime_ms: 1 },
        { path: "sub/sibling", target: "../../other", mtime_ms: 1 }, // /home/b/other: still under the root /home/b
      ],
    });
    const cmp = compareTrees(src, tree({ confinement: at }));
    expect(cmp.links.map((l) => l.path)).toEqual(["sub/sibling"]);
    expect(cmp.skipped).toEqual([
      { path: "abs", side: "source", reason: "symlink to /etc: it would lead to /etc, outside the destination's project roots" },
      { path: "up", side: "source", reason: "symlink to ../../../etc/passwd: it would lead to /etc/passwd, outside the destination's project roots" },
    ]);
    expect(leadsOutside("x", "../proj2", { real: "/r/a", roots: ["/r/a"] })).toBe("/r/proj2");
    expect(leadsOutside("x", "proj2", { real: "/r/a", roots: ["/r/a"] })).toBeNull();
    expect(leadsOutside("x", "proj2", undefined)).toBeNull(); // no destination yet: the writer judges
  });

  it("leaves alone, with why, a path that is a file on one side and a folder or link on the other, and what is under it", () => {
    const src = tree({ files: [file("x/inner"), file("y")], dirs: [{ path: "x", mode: 0o755, mtime_ms: 1 }] });
    const dst = tree({ files: [file("x")], links: [{ path: "y", target: "z", mtime_ms: 1 }], skipped: [{ path: "sock", reason: "not a regular file, a folder or a symlink (a socket, a device or a pipe)" }] });
    const cmp = compareTrees(src, dst);
    expect(cmp.files).toEqual([]);
    expect(cmp.skipped.map((s) => [s.path, s.side])).toEqual([["sock", "destination"], ["x", "source"], ["y", "source"]]);
    expect(cmp.skipped[1]!.reason).toContain("a directory on the source, a file on the destination");
  });
});

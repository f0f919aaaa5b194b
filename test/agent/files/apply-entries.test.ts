import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { agentConfigSchema } from "@anchorage/common/agent-config";
import { applyEntries, makeSymlink } from "../../../agent/src/files/apply-entries.ts";
import { handleFileCall } from "../../../agent/src/files/file-calls.ts";
import { FileContext } from "../../../agent/src/files/file-context.ts";
import { ScanCache } from "../../../agent/src/files/scan-cache.ts";
import { scanTree } from "../../../agent/src/files/scan-tree.ts";

/** Two roots (a source and a destination) and a folder outside both. */
function env() {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-apply-")));
  const src = join(base, "src");
  const dst = join(base, "dst");
  const outside = join(base, "outside");
  for (const d of [src, dst, outside]) mkdirSync(d);
  return { base, src, dst, outside, config: agentConfigSchema.parse({ name: "t", roots: [src, dst] }) };
}

const secondsAgo = (s: number) => new Date(Date.now() - s * 1000);
const mtimeMs = (p: string) => Number(lstatSync(p, { bigint: true }).mtimeNs / 1_000_000n);

describe("a scan as rsync -a sees a tree", () => {
  it("lists symlinks with their targets and every folder, empty and nested-empty ones included, with mode and mtime", async () => {
    const { src, outside } = env();
    mkdirSync(join(src, "empty"));
    mkdirSync(join(src, "nest/deeper/deepest"), { recursive: true });
    mkdirSync(join(src, "node_modules/.bin"), { recursive: true });
    writeFileSync(join(src, "run.sh"), "#!/bin/sh\n");
    chmodSync(join(src, "run.sh"), 0o755);
    chmodSync(join(src, "empty"), 0o750);
    symlinkSync("run.sh", join(src, "inside-link"));
    symlinkSync(outside, join(src, "outside-link"));
    symlinkSync("../x", join(src, "node_modules/.bin/x"));
    utimesSync(join(src, "empty"), secondsAgo(7200), secondsAgo(7200));

    const scan = await scanTree(src, { exclude: ["node_modules/**"], verify: false, cache: ScanCache.ephemeral() });
    expect(scan.files.map((f) => [f.path, f.mode])).toEqual([["run.sh", 0o755]]);
    expect(scan.links.map((l) => [l.path, l.target])).toEqual([["inside-link", "run.sh"], ["outside-link", outside]]);
    expect(scan.dirs.map((d) => d.path)).toEqual(["empty", "nest", "nest/deeper", "nest/deeper/deepest"]);
    expect(scan.dirs[0]).toMatchObject({ mode: 0o750, mtime_ms: mtimeMs(join(src, "empty")) });
    // Nothing is dropped without a word: a link is an entry, not a skip.
    expect(scan.skipped).toEqual([]);
  });

  it("tells the DO where the scanned folder really is and which roots a link may lead into", async () => {
    const { src, dst, config } = env();
    const answer = await handleFileCall("files.scan", { path: src }, new Uint8Array(), new FileContext(config));
    const scan = JSON.parse(new TextDecoder().decode(answer.body));
    expect(scan.confinement).toEqual({ real: src, roots: [src, dst] });
  });
});

describe("the destination's writer of folders, symlinks and metadata", () => {
  it("creates a symlink as a symlink, atomically: a link already there is replaced, no temp file is left", async () => {
    const { dst, config } = env();
    writeFileSync(join(dst, "a"), "a");
    symlinkSync("old-target", join(dst, "link"));
    await makeSymlink(join(dst, "link"), "a", Date.parse("2021-02-03T04:05:06.789Z"), config);
    expect(lstatSync(join(dst, "link")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dst, "link"))).toBe("a");
    expect(mtimeMs(join(dst, "link"))).toBe(Date.parse("2021-02-03T04:05:06.789Z"));
    expect(readdirSync(dst).sort()).toEqual(["a", "link"]);
  });

  it("refuses a symlink that would lead outside the roots, read relative to its own folder, and leaves nothing there", async () => {
    const { dst, outside, config } = env();
    mkdirSync(join(dst, "sub"));
    const results = await applyEntries([
      { kind: "symlink", path: join(dst, "sub/up"), target: "../../outside", mtime_ms: Date.now() },
      { kind: "symlink", path: join(dst, "abs"), target: outside, mtime_ms: Date.now() },
      { kind: "symlink", path: join(dst, "sub/ok"), target: "../sub", mtime_ms: Date.now() },
    ], config);
    expect(results[0]).toMatchObject({ path: join(dst, "sub/up"), skipped: expect.stringContaining("outside the project roots") });
    expect(results[1]).toMatchObject({ skipped: expect.stringContaining("outside the project roots") });
    expect(results[2]).toEqual({ path: join(dst, "sub/ok"), done: true });
    expect(readdirSync(join(dst, "sub")).sort()).toEqual(["ok"]);
    expect(readdirSync(dst).sort()).toEqual(["sub"]);
  });

  it("refuses to put a symlink where a file or a folder is (nothing is replaced)", async () => {
    const { dst, config } = env();
    writeFileSync(join(dst, "f"), "keep");
    const [r] = await applyEntries([{ kind: "symlink", path: join(dst, "f"), target: "x", mtime_ms: Date.now() }], config);
    expect(r).toMatchObject({ skipped: expect.stringContaining("a file is there") });
    expect(lstatSync(join(dst, "f")).isFile()).toBe(true);
  });

  it("creates empty and nested folders with their mode, and sets modes and mtimes on files, folders and links", async () => {
    const { dst, config } = env();
    const t = Date.parse("2020-05-06T07:08:09.123Z");
    writeFileSync(join(dst, "tool"), "#!/bin/sh\n");
    chmodSync(join(dst, "tool"), 0o644);
    symlinkSync("tool", join(dst, "tool-link"));
    const results = await applyEntries([
      { kind: "directory", path: join(dst, "a"), mode: 0o700 },
      { kind: "directory", path: join(dst, "a/b/c"), mode: 0o755 },
      { kind: "metadata", path: join(dst, "tool"), mode: 0o755, mtime_ms: t },
      { kind: "metadata", path: join(dst, "tool-link"), mtime_ms: t + 1 },
      { kind: "metadata", path: join(dst, "a/b/c"), mode: 0o711, mtime_ms: t + 2 },
      { kind: "metadata", path: join(dst, "a"), mode: 0o750, mtime_ms: t + 3 },
    ], config);
    expect(results.every((r) => "done" in r)).toBe(true);
    expect(lstatSync(join(dst, "tool")).mode & 0o7777).toBe(0o755);
    expect(mtimeMs(join(dst, "tool"))).toBe(t);
    expect(mtimeMs(join(dst, "tool-link"))).toBe(t + 1);
    expect(lstatSync(join(dst, "tool-link")).isSymbolicLink()).toBe(true);
    expect(mtimeMs(join(dst, "tool"))).toBe(t); // the link's own mtime was set, not its target's
    expect(lstatSync(join(dst, "a/b/c")).mode & 0o7777).toBe(0o711);
    expect(mtimeMs(join(dst, "a/b/c"))).toBe(t + 2);
    expect(lstatSync(join(dst, "a")).mode & 0o7777).toBe(0o750);
    expect(mtimeMs(join(dst, "a"))).toBe(t + 3);
  });

  it("refuses a folder, a link or metadata outside the roots", async () => {
    const { outside, config } = env();
    writeFileSync(join(outside, "f"), "x");
    const results = await applyEntries([
      { kind: "directory", path: join(outside, "d"), mode: 0o755 },
      { kind: "metadata", path: join(outside, "f"), mode: 0o777, mtime_ms: 0 },
    ], config);
    expect(results.map((r) => "skipped" in r)).toEqual([true, true]);
    expect(lstatSync(join(outside, "f")).mode & 0o777).not.toBe(0o777);
    expect(readdirSync(outside)).toEqual(["f"]);
  });
});

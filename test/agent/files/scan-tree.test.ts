import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hashFile } from "../../../agent/src/files/hash-file.ts";
import { ScanCache } from "../../../agent/src/files/scan-cache.ts";
import { scanTree } from "../../../agent/src/files/scan-tree.ts";

/** A tree whose files are an hour old (older than the cache's racy window), with the usual clutter. */
function tree() {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-scan-")));
  const root = join(base, "root");
  const home = join(base, "home");
  mkdirSync(home);
  const files: Record<string, string> = {
    "README.md": "hello\r\n",
    "src/index.ts": "export {};\n",
    "src/deep/a.txt": "a\n",
    "node_modules/dep/index.js": "module.exports = 1;\n",
    "packages/x/node_modules/y/z.js": "1\n",
    ".git/HEAD": "ref: refs/heads/main\n",
    "logs/app.log": "noise\n",
    ".anchorage-backups/README.md.2020-01-01T00-00-00.000Z": "old\n",
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  symlinkSync("/etc/passwd", join(root, "src", "passwd-link"));
  const hourAgo = new Date(Date.now() - 3600_000);
  for (const path of Object.keys(files)) utimesSync(join(root, path), hourAgo, hourAgo);
  return { base, root, home };
}

/** hashFile, counting the files it opens. */
function countingHash() {
  const opened: string[] = [];
  return { opened, hash: (p: string) => (opened.push(p), hashFile(p)) };
}

const defaults = ["node_modules/**", ".git/**"];

describe("scanning a tree", () => {
  it("lists every file with its hashes and every symlink as a link (never followed), leaves out exclusions and backups, and never enters excluded folders", async () => {
    const { root, home } = tree();
    const { opened, hash } = countingHash();
    const scan = await scanTree(root, { exclude: [...defaults, "*.log"], verify: false, cache: await ScanCache.inHome(home), hash });
    expect(scan.files.map((f) => f.path).sort()).toEqual(["README.md", "src/deep/a.txt", "src/index.ts"]);
    const readme = scan.files.find((f) => f.path === "README.md")!;
    expect(readme).toMatchObject({ size: 7, text: true, mode: expect.any(Number) });
    expect(readme.md5).toBe((await hashFile(join(root, "README.md"))).md5);
    expect(readme.mtime_ms).toBeLessThan(Date.now() - 3000_000);
    expect(scan.skipped).toEqual([]);
    expect(scan.links).toEqual([{ path: "src/passwd-link", target: "/etc/passwd", mtime_ms: expect.any(Number) }]);
    expect(scan.excluded).toBe(5); // node_modules, packages/x/node_modules, .git, logs/app.log, .anchorage-backups
    expect(opened.some((p) => p.includes("node_modules") || p.includes(".git"))).toBe(false);
    expect(scan.hashed).toBe(3);
  });

  it("reads no file's content when it scans an unchanged tree again, even from a fresh process", async () => {
    const { root, home } = tree();
    const first = countingHash();
    const before = await scanTree(root, { exclude: defaults, verify: false, cache: await ScanCache.inHome(home), hash: first.hash });
    expect(first.opened.length).toBe(4);
    expect(existsSync(join(home, "scan-cache.json"))).toBe(true);

    // A new cache object loaded from disk: what a restarted agent would have.
    const second = countingHash();
    const again = await scanTree(root, { exclude: defaults, verify: false, cache: await ScanCache.inHome(home), hash: second.hash });
    expect(second.opened).toEqual([]);
    expect(again.hashed).toBe(0);
    expect(again.files).toEqual(before.files);

    // And the proof by absence: a file nobody may read still scans, from the cache.
    chmodSync(join(root, "src", "index.ts"), 0o000);
    const third = await scanTree(root, { exclude: defaults, verify: false, cache: await ScanCache.inHome(home) });
    expect(third.skipped).toEqual([]);
    expect(third.files.find((f) => f.path === "src/index.ts")?.sha256).toBe(before.files.find((f) => f.path === "src/index.ts")?.sha256);
    chmodSync(join(root, "src", "index.ts"), 0o644);
  });

  it("rehashes a file whose size or mtime moved, and everything with verify", async () => {
    const { root, home } = tree();
    const cache = await ScanCache.inHome(home);
    await scanTree(root, { exclude: defaults, verify: false, cache });
    writeFileSync(join(root, "src", "deep", "a.txt"), "b\n"); // same size, new mtime
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(root, "src", "deep", "a.txt"), past, past);
    const changed = countingHash();
    const scan = await scanTree(root, { exclude: defaults, verify: false, cache, hash: changed.hash });
    expect(changed.opened).toEqual([join(root, "src", "deep", "a.txt")]);
    expect(scan.files.find((f) => f.path === "src/deep/a.txt")?.sha256).toBe((await hashFile(join(root, "src", "deep", "a.txt"))).sha256);

    const verified = countingHash();
    await scanTree(root, { exclude: defaults, verify: true, cache, hash: verified.hash });
    expect(verified.opened.length).toBe(4);
  });

  it("does not trust the cache for a file modified in the last moments (same-tick rewrites keep their mtime)", async () => {
    const { root, home } = tree();
    writeFileSync(join(root, "fresh.txt"), "just now\n");
    const cache = await ScanCache.inHome(home);
    await scanTree(root, { exclude: defaults, verify: false, cache });
    const again = countingHash();
    await scanTree(root, { exclude: defaults, verify: false, cache, hash: again.hash });
    expect(again.opened).toEqual([join(root, "fresh.txt")]);
  });

  it("keeps the cache small: files gone from the tree are forgotten", async () => {
    const { root, home } = tree();
    const cache = await ScanCache.inHome(home);
    await scanTree(root, { exclude: defaults, verify: false, cache });
    expect(readFileSync(join(home, "scan-cache.json"), "utf8")).toContain("deep/a.txt");
    await scanTree(root, { exclude: [...defaults, "deep/"], verify: false, cache });
    expect(readFileSync(join(home, "scan-cache.json"), "utf8")).not.toContain("deep/a.txt");
  });

  it("refuses a missing folder instead of calling it empty", async () => {
    const { root, home } = tree();
    await expect(scanTree(join(root, "nope"), { exclude: [], verify: false, cache: await ScanCache.inHome(home) })).rejects.toMatchObject({ code: "E-NOT-FOUND" });
    await expect(scanTree(join(root, "README.md"), { exclude: [], verify: false, cache: await ScanCache.inHome(home) })).rejects.toMatchObject({ code: "E-VALIDATION" });
  });

  it("treats a damaged cache file as empty", async () => {
    const { root, home } = tree();
    writeFileSync(join(home, "scan-cache.json"), "{not json");
    const { opened, hash } = countingHash();
    const scan = await scanTree(root, { exclude: defaults, verify: false, cache: await ScanCache.inHome(home), hash });
    expect(opened.length).toBe(4);
    expect(scan.files.length).toBe(4);
  });
});

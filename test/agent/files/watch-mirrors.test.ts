import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { agentConfigSchema } from "@anchorage/common";
import { MirrorWatcher } from "../../../agent/src/files/watch-mirrors.ts";

/**
 * The agent's watching of its mirrored folders (issue #7) on the real file system: a burst of
 * writes is one report, exclusions are not reported, folders outside the roots are never watched,
 * a new list replaces the old one, and reports wait for a connection.
 */
const QUIET = 150;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup() {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-watch-")));
  const root = join(base, "root");
  const outside = join(base, "outside");
  mkdirSync(join(root, "src"), { recursive: true });
  mkdirSync(outside);
  symlinkSync(outside, join(root, "escape"));
  const config = agentConfigSchema.parse({ name: "t", roots: [root], sync: { exclude: ["node_modules/**"] } });
  const warnings: string[] = [];
  const log = { info: () => {}, warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m) } as never;
  const reports: string[][] = [];
  const watcher = new MirrorWatcher(config, log, QUIET);
  watcher.attach((ids) => reports.push(ids));
  return { base, root, outside, watcher, reports, warnings };
}

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

async function until<T>(check: () => T, ms = 3000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(20);
  }
}

describe("watching mirrored folders", () => {
  it("reports a burst of writes, deep ones included, once it has been quiet", async () => {
    const { base, root, watcher, reports } = setup();
    cleanup = () => (watcher.close(), rmSync(base, { recursive: true, force: true }));
    await watcher.update([{ id: "mir_a", path: root, exclude: [] }]);
    expect(watcher.watching()).toEqual(["mir_a"]);
    for (let i = 0; i < 5; i++) {
      writeFileSync(join(root, "src", `f${i}.txt`), `${i}`);
      await sleep(20);
    }
    await until(() => reports.length > 0);
    await sleep(QUIET * 3);
    expect(reports).toEqual([["mir_a"]]);
    mkdirSync(join(root, "src", "deep", "er"), { recursive: true });
    await sleep(QUIET * 3);
    reports.length = 0;
    writeFileSync(join(root, "src", "deep", "er", "x.txt"), "x");
    await until(() => reports.length > 0);
    expect(reports).toEqual([["mir_a"]]);
  });

  it("does not report changes under the mirror's exclusions, the agent's sync.exclude or the backup folder", async () => {
    const { base, root, watcher, reports } = setup();
    cleanup = () => (watcher.close(), rmSync(base, { recursive: true, force: true }));
    mkdirSync(join(root, "node_modules", "dep"), { recursive: true });
    mkdirSync(join(root, ".anchorage-backups"), { recursive: true });
    await watcher.update([{ id: "mir_a", path: root, exclude: ["*.tmp"] }]);
    writeFileSync(join(root, "scratch.tmp"), "no");
    writeFileSync(join(root, "node_modules", "dep", "index.js"), "no");
    writeFileSync(join(root, ".anchorage-backups", "old.txt"), "no");
    await sleep(QUIET * 4);
    expect(reports).toEqual([]);
    writeFileSync(join(root, "kept.txt"), "yes");
    await until(() => reports.length > 0);
    expect(reports).toEqual([["mir_a"]]);
  });

  it("never watches a folder outside the roots, even through a link inside them", async () => {
    const { base, root, outside, watcher, reports, warnings } = setup();
    cleanup = () => (watcher.close(), rmSync(base, { recursive: true, force: true }));
    await watcher.update([
      { id: "mir_out", path: outside, exclude: [] },
      { id: "mir_link", path: join(root, "escape"), exclude: [] },
    ]);
    expect(watcher.watching()).toEqual([]);
    expect(warnings.join("\n")).toMatch(/outside the project roots/);
    writeFileSync(join(outside, "secret.txt"), "x");
    await sleep(QUIET * 3);
    expect(reports).toEqual([]);
  });

  it("a new list replaces the old one: a folder no longer listed is not reported", async () => {
    const { base, root, watcher, reports } = setup();
    cleanup = () => (watcher.close(), rmSync(base, { recursive: true, force: true }));
    await watcher.update([{ id: "mir_a", path: join(root, "src"), exclude: [] }]);
    await watcher.update([]);
    expect(watcher.watching()).toEqual([]);
    writeFileSync(join(root, "src", "a.txt"), "a");
    await sleep(QUIET * 3);
    expect(reports).toEqual([]);
  });

  it("keeps reports made while disconnected until the next connection", async () => {
    const { base, root, watcher, reports } = setup();
    cleanup = () => (watcher.close(), rmSync(base, { recursive: true, force: true }));
    await watcher.update([{ id: "mir_a", path: root, exclude: [] }]);
    watcher.attach(null);
    writeFileSync(join(root, "while-away.txt"), "x");
    await sleep(QUIET * 3);
    expect(reports).toEqual([]);
    watcher.attach((ids) => reports.push(ids));
    expect(reports).toEqual([["mir_a"]]);
  });
});

import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { agentConfigSchema, BACKUP_DIR } from "@anchorage/common";
import { makeFolder } from "../../../agent/src/files/make-folder.ts";
import { moveEntry } from "../../../agent/src/files/move-entry.ts";
import { deleteIntoBackup } from "../../../agent/src/files/delete-entry.ts";
import { expireBackups } from "../../../agent/src/files/expire-backups.ts";
import { handleFileCall } from "../../../agent/src/files/file-calls.ts";
import { FileContext } from "../../../agent/src/files/file-context.ts";

/**
 * The file manager's calls on a real file system (issue #21): make a folder, rename or move,
 * delete into the backup folder. Each confined to the roots with links resolved, never replacing
 * anything, never moving or deleting a root, and never losing a deleted byte.
 */
function setup() {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-fm-")));
  const root = join(base, "root");
  const other = join(base, "other"); // a second root
  const outside = join(base, "outside");
  mkdirSync(join(root, "src", "lib"), { recursive: true });
  mkdirSync(other);
  mkdirSync(outside);
  writeFileSync(join(root, "src", "app.ts"), "app v1\n");
  writeFileSync(join(root, "src", "lib", "util.ts"), "util\n");
  writeFileSync(join(root, "notes.txt"), "notes\n");
  writeFileSync(join(outside, "secret.txt"), "secret\n");
  symlinkSync(outside, join(root, "escape")); // a folder link out
  symlinkSync("src/app.ts", join(root, "app-link")); // a relative link that stays inside
  const config = agentConfigSchema.parse({ name: "t", roots: [root, other] });
  return { base, root, other, outside, config };
}

const tree = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) out[r] = `-> ${readlinkSync(p)}`;
      else if (e.isDirectory()) (out[`${r}/`] = ""), walk(p, r);
      else out[r] = readFileSync(p, "utf8");
    }
  };
  walk(dir, "");
  return out;
};

describe("making a folder", () => {
  it("makes one folder, and answers 409 for anything already there", async () => {
    const { root, config } = setup();
    expect(await makeFolder(join(root, "docs"), config)).toEqual({ path: join(root, "docs") });
    expect(statSync(join(root, "docs")).isDirectory()).toBe(true);
    symlinkSync(join(root, "nowhere"), join(root, "dangling"));
    for (const taken of ["docs", "notes.txt", "app-link", "dangling", "escape", ""]) {
      await expect(makeFolder(join(root, taken), config), taken).rejects.toMatchObject({ code: taken === "escape" ? "E-AUTH-FORBID" : "E-CONFLICT" });
    }
    expect(existsSync(join(root, "nowhere"))).toBe(false); // the dangling link was not followed
  });

  it("refuses a missing parent unless parents is true", async () => {
    const { root, config } = setup();
    await expect(makeFolder(join(root, "a", "b", "c"), config)).rejects.toMatchObject({ code: "E-NOT-FOUND", message: expect.stringContaining("parents: true") });
    expect(existsSync(join(root, "a"))).toBe(false);
    await makeFolder(join(root, "a", "b", "c"), config, { parents: true });
    expect(statSync(join(root, "a", "b", "c")).isDirectory()).toBe(true);
  });

  it("refuses a folder outside the roots, directly or through a link, and makes nothing there", async () => {
    const { root, base, outside, config } = setup();
    await expect(makeFolder(join(outside, "planted"), config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    await expect(makeFolder(join(root, "escape", "planted"), config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    await expect(makeFolder(join(root, "escape", "x", "y"), config, { parents: true })).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    await expect(makeFolder(join(base, "sibling"), config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    expect(readdirSync(outside)).toEqual(["secret.txt"]);
    expect(existsSync(join(base, "sibling"))).toBe(false);
  });
});

describe("renaming and moving", () => {
  it("renames a file in place: the same inode, content and mode", async () => {
    const { root, config } = setup();
    const before = statSync(join(root, "notes.txt"));
    expect(await moveEntry(join(root, "notes.txt"), join(root, "NOTES.md"), config)).toEqual({ from: join(root, "notes.txt"), to: join(root, "NOTES.md") });
    expect(existsSync(join(root, "notes.txt"))).toBe(false);
    const after = statSync(join(root, "NOTES.md"));
    expect([after.ino, after.mode, after.nlink]).toEqual([before.ino, before.mode, 1]);
    expect(readFileSync(join(root, "NOTES.md"), "utf8")).toBe("notes\n");
  });

  it("moves a folder with everything in it into another folder and into another root", async () => {
    const { root, other, config } = setup();
    const was = tree(join(root, "src"));
    mkdirSync(join(root, "packages"));
    await moveEntry(join(root, "src"), join(root, "packages", "app"), config);
    expect(existsSync(join(root, "src"))).toBe(false);
    expect(tree(join(root, "packages", "app"))).toEqual(was);
    await moveEntry(join(root, "packages", "app"), join(other, "app"), config);
    expect(tree(join(other, "app"))).toEqual(was);
  });

  it("never replaces what is at the target: a file, a folder, an empty folder, a link; both stay as they were", async () => {
    const { root, config } = setup();
    mkdirSync(join(root, "empty"));
    const was = tree(root);
    for (const [from, to] of [["notes.txt", "src/app.ts"], ["notes.txt", "src"], ["src", "empty"], ["src/lib", "notes.txt"], ["notes.txt", "escape"], ["notes.txt", "app-link"], ["notes.txt", "notes.txt"]]) {
      await expect(moveEntry(join(root, from!), join(root, to!), config), `${from} → ${to}`).rejects.toMatchObject({ code: "E-CONFLICT", message: expect.stringContaining("already exists") });
    }
    expect(tree(root)).toEqual(was);
  });

  it("lets exactly one of 20 concurrent moves to the same name win, and keeps the other 19 files where they were", async () => {
    const { root, config } = setup();
    for (let i = 0; i < 20; i++) writeFileSync(join(root, `draft-${i}.txt`), `draft ${i}\n`);
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => moveEntry(join(root, `draft-${i}.txt`), join(root, "final.txt"), config)));
    const won = outcomes.flatMap((o, i) => (o.status === "fulfilled" ? [i] : []));
    expect(won).toHaveLength(1);
    for (const o of outcomes) if (o.status === "rejected") expect(o.reason).toMatchObject({ code: "E-CONFLICT" });
    expect(readFileSync(join(root, "final.txt"), "utf8")).toBe(`draft ${won[0]}\n`);
    for (let i = 0; i < 20; i++) if (i !== won[0]) expect(readFileSync(join(root, `draft-${i}.txt`), "utf8")).toBe(`draft ${i}\n`);
  });

  it("moves a symlink as a link, its target untouched", async () => {
    const { root, outside, config } = setup();
    const mtime = lstatSync(join(root, "escape")).mtimeMs;
    await moveEntry(join(root, "escape"), join(root, "way-out"), config); // renamed in place: still the same link
    expect(readlinkSync(join(root, "way-out"))).toBe(outside);
    expect(lstatSync(join(root, "way-out")).mtimeMs).toBe(mtime);
    expect(readdirSync(outside)).toEqual(["secret.txt"]);
    await moveEntry(join(root, "app-link"), join(root, "src", "app-link"), config);
    expect(readlinkSync(join(root, "src", "app-link"))).toBe("src/app.ts");
    expect(readFileSync(join(root, "src", "app.ts"), "utf8")).toBe("app v1\n");
  });

  it("refuses a move that would leave a symlink leading outside the roots, alone or inside a moved folder", async () => {
    const { root, config } = setup();
    mkdirSync(join(root, "a", "b"), { recursive: true });
    symlinkSync("../..", join(root, "a", "b", "up")); // leads to the root…
    await expect(moveEntry(join(root, "a", "b", "up"), join(root, "up"), config)).rejects.toMatchObject({ code: "E-AUTH-FORBID", message: expect.stringContaining("outside the project roots") });
    await expect(moveEntry(join(root, "a", "b"), join(root, "b"), config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" }); // …and from root/b to its parent
    expect(readlinkSync(join(root, "a", "b", "up"))).toBe("../..");
    // Links that keep their meaning: renamed in place, absolute, or within the moved folder.
    await moveEntry(join(root, "a", "b", "up"), join(root, "a", "b", "upper"), config);
    symlinkSync("upper", join(root, "a", "b", "sibling"));
    mkdirSync(join(root, "deep", "er"), { recursive: true });
    rmSync(join(root, "a", "b", "upper"));
    await moveEntry(join(root, "a"), join(root, "deep", "er", "a"), config);
    expect(readlinkSync(join(root, "deep", "er", "a", "b", "sibling"))).toBe("upper");
  });

  it("refuses a root, a folder into itself, paths outside the roots, and the backup folder, moving nothing", async () => {
    const { root, other, outside, base, config } = setup();
    mkdirSync(join(root, BACKUP_DIR));
    const was = tree(root);
    const refusals: [string, string, string][] = [
      [root, join(other, "moved-root"), "E-VALIDATION"],
      [`${root}/`, join(other, "moved-root"), "E-VALIDATION"],
      [join(root, "notes.txt"), other, "E-VALIDATION"], // a root is not replaced
      [join(root, "src"), join(root, "src", "lib", "src"), "E-VALIDATION"],
      [join(root, "notes.txt"), join(outside, "notes.txt"), "E-AUTH-FORBID"],
      [join(root, "notes.txt"), join(root, "escape", "notes.txt"), "E-AUTH-FORBID"],
      [join(root, "escape", "secret.txt"), join(root, "secret.txt"), "E-AUTH-FORBID"],
      [join(outside, "secret.txt"), join(root, "secret.txt"), "E-AUTH-FORBID"],
      [join(base), join(root, "base"), "E-AUTH-FORBID"],
      [join(root, BACKUP_DIR), join(root, "backups"), "E-AUTH-FORBID"],
      [join(root, "notes.txt"), join(root, BACKUP_DIR, "notes.txt"), "E-AUTH-FORBID"],
      [join(root, "missing.txt"), join(root, "found.txt"), "E-NOT-FOUND"],
      [join(root, "notes.txt"), join(root, "no-such-folder", "notes.txt"), "E-NOT-FOUND"],
    ];
    for (const [from, to, code] of refusals) await expect(moveEntry(from, to, config), `${from} → ${to}`).rejects.toMatchObject({ code });
    expect(tree(root)).toEqual(was);
    expect(readdirSync(outside)).toEqual(["secret.txt"]);
  });

  it("refuses a root that lies inside the folder being moved", async () => {
    const { root, config } = setup();
    const nested = agentConfigSchema.parse({ name: "t", roots: [root, join(root, "src", "lib")] });
    await expect(moveEntry(join(root, "src"), join(root, "source"), nested)).rejects.toMatchObject({ code: "E-VALIDATION", message: expect.stringContaining("project root") });
    await expect(moveEntry(join(root, "src", "lib"), join(root, "lib"), nested)).rejects.toMatchObject({ code: "E-VALIDATION" });
    expect(existsSync(join(root, "src", "lib", "util.ts"))).toBe(true);
    void config;
  });

  const shm = existsSync("/dev/shm") && statSync("/dev/shm").dev !== statSync(tmpdir()).dev;
  it.skipIf(!shm)("answers a clear 409 for a move across file systems, and copies nothing", async () => {
    const { root } = setup();
    const elsewhere = realpathSync(mkdtempSync("/dev/shm/anchorage-fm-"));
    try {
      const config = agentConfigSchema.parse({ name: "t", roots: [root, elsewhere] });
      await expect(moveEntry(join(root, "notes.txt"), join(elsewhere, "notes.txt"), config)).rejects.toMatchObject({ code: "E-CONFLICT", message: expect.stringContaining("different file systems") });
      await expect(moveEntry(join(root, "src"), join(elsewhere, "src"), config)).rejects.toMatchObject({ code: "E-CONFLICT" });
      expect(readdirSync(elsewhere)).toEqual([]);
      expect(readFileSync(join(root, "notes.txt"), "utf8")).toBe("notes\n");
      expect(readdirSync(join(root, "src")).sort()).toEqual(["app.ts", "lib"]);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it("restores a backup by moving it out of the backup folder", async () => {
    const { root, config } = setup();
    const { backup } = await deleteIntoBackup(join(root, "notes.txt"), config);
    await moveEntry(backup, join(root, "notes.txt"), config);
    expect(readFileSync(join(root, "notes.txt"), "utf8")).toBe("notes\n");
  });
});

describe("deleting into the backup folder", () => {
  it("moves a file there whole and names where: its bytes intact", async () => {
    const { root, config } = setup();
    const ino = statSync(join(root, "src", "app.ts")).ino;
    const r = await deleteIntoBackup(join(root, "src", "app.ts"), config, new Date("2026-01-02T03:04:05.678Z"));
    expect(r).toEqual({ path: join(root, "src", "app.ts"), type: "file", backup: join(root, BACKUP_DIR, "src", "app.ts.2026-01-02T03-04-05.678Z") });
    expect(existsSync(join(root, "src", "app.ts"))).toBe(false);
    expect(readFileSync(r.backup, "utf8")).toBe("app v1\n");
    expect(statSync(r.backup).ino).toBe(ino); // moved, not copied
  });

  it("moves a folder's whole tree, and keeps two deletes of the same name in the same millisecond apart", async () => {
    const { root, config } = setup();
    const was = tree(join(root, "src"));
    const at = new Date("2026-01-02T03:04:05.678Z");
    const first = await deleteIntoBackup(join(root, "src"), config, at);
    expect(first.type).toBe("directory");
    expect(tree(first.backup)).toEqual(was);
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "src", "app.ts"), "app v2\n");
    const second = await deleteIntoBackup(join(root, "src"), config, at);
    expect(second.backup).toBe(`${first.backup}.1`);
    expect(tree(first.backup)).toEqual(was);
    expect(tree(second.backup)).toEqual({ "app.ts": "app v2\n" });
  });

  it("deletes a symlink as a link: what it points to stays", async () => {
    const { root, outside, config } = setup();
    const r = await deleteIntoBackup(join(root, "escape"), config);
    expect(r.type).toBe("symlink");
    expect(lstatSync(r.backup).isSymbolicLink()).toBe(true);
    expect(readlinkSync(r.backup)).toBe(outside);
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("secret\n");
    expect((await deleteIntoBackup(join(root, "app-link"), config)).type).toBe("symlink");
    expect(readFileSync(join(root, "src", "app.ts"), "utf8")).toBe("app v1\n");
  });

  it("refuses a root, a root inside, the backup folder and what is in it, and paths outside the roots", async () => {
    const { root, other, outside, config } = setup();
    const kept = await deleteIntoBackup(join(root, "notes.txt"), config);
    const was = tree(root);
    const nested = agentConfigSchema.parse({ name: "t", roots: [root, join(root, "src", "lib")] });
    for (const [path, code, cfg] of [
      [root, "E-VALIDATION", config],
      [other, "E-VALIDATION", config],
      [join(root, "src"), "E-VALIDATION", nested],
      [join(root, "src", "lib"), "E-VALIDATION", nested],
      [join(root, BACKUP_DIR), "E-AUTH-FORBID", config],
      [kept.backup, "E-AUTH-FORBID", config],
      [join(root, "escape", "secret.txt"), "E-AUTH-FORBID", config],
      [join(outside, "secret.txt"), "E-AUTH-FORBID", config],
      [join(root, "missing"), "E-NOT-FOUND", config],
    ] as const) {
      await expect(deleteIntoBackup(path, cfg), path).rejects.toMatchObject({ code });
    }
    expect(tree(root)).toEqual(was);
    expect(readdirSync(outside)).toEqual(["secret.txt"]);
  });

  it("refuses a backup folder that is a link out, leaving the file", async () => {
    const { root, outside, config } = setup();
    symlinkSync(outside, join(root, BACKUP_DIR));
    await expect(deleteIntoBackup(join(root, "notes.txt"), config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    expect(readFileSync(join(root, "notes.txt"), "utf8")).toBe("notes\n");
    expect(readdirSync(outside)).toEqual(["secret.txt"]);
  });

  it("lets a deleted folder and a deleted link expire whole, by the time in their name", async () => {
    const { root, outside, config } = setup();
    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    const folder = await deleteIntoBackup(join(root, "src"), config, longAgo);
    const link = await deleteIntoBackup(join(root, "escape"), config, longAgo);
    const recent = await deleteIntoBackup(join(root, "notes.txt"), config);
    expect(await expireBackups([root], 30)).toBe(2);
    expect(existsSync(folder.backup)).toBe(false);
    expect(lstatSync(link.backup, { throwIfNoEntry: false })).toBeUndefined();
    expect(readFileSync(recent.backup, "utf8")).toBe("notes\n");
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("secret\n");
  });
});

describe("the file manager's calls", () => {
  it("check their params like every call: parents defaults to false, unknown keys and relative paths refused", async () => {
    const { root, config } = setup();
    const ctx = new FileContext(config);
    const call = (method: "files.mkdir" | "files.rename" | "files.delete", params: unknown) => handleFileCall(method, params, new Uint8Array(), ctx);
    await expect(call("files.mkdir", { path: join(root, "x", "y") })).rejects.toMatchObject({ code: "E-NOT-FOUND" });
    expect((await call("files.mkdir", { path: join(root, "x", "y"), parents: true })).result).toEqual({ path: join(root, "x", "y") });
    await expect(call("files.mkdir", { path: join(root, "z"), mode: 0o777 })).rejects.toMatchObject({ code: "E-VALIDATION" });
    await expect(call("files.rename", { from: "notes.txt", to: join(root, "n.txt") })).rejects.toMatchObject({ code: "E-VALIDATION" });
    await expect(call("files.rename", { from: `${root}/src/../notes.txt`, to: join(root, "n.txt") })).rejects.toMatchObject({ code: "E-VALIDATION" });
    expect((await call("files.rename", { from: join(root, "notes.txt"), to: join(root, "n.txt") })).result).toEqual({ from: join(root, "notes.txt"), to: join(root, "n.txt") });
    const deleted = (await call("files.delete", { path: join(root, "n.txt") })).result as { backup: string };
    expect(readFileSync(deleted.backup, "utf8")).toBe("notes\n");
  });
});

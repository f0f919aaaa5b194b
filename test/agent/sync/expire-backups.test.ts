import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { agentConfigSchema } from "@anchorage/common";
import { backupTime, expireBackups } from "../../../agent/src/files/expire-backups.ts";
import { removeIntoBackup } from "../../../agent/src/files/transfer-files.ts";

const DAY = 86_400_000;
const stamp = (t: number) => new Date(t).toISOString().replace(/:/g, "-");

describe("backups expire", () => {
  it("reads a backup's time from its name, as write-file.ts and removeIntoBackup write it", () => {
    expect(backupTime("a/b.txt.2026-11-26T09-30-15.123Z")).toBe(Date.parse("2026-11-26T09:30:15.123Z"));
    expect(backupTime("b.txt.2026-11-26T09-30-15.123Z.2")).toBe(Date.parse("2026-11-26T09:30:15.123Z"));
    expect(backupTime("notes.txt")).toBeNull();
    expect(backupTime("x.2026-13-45T99-99-99.000Z")).toBeNull();
  });

  it("deletes backups older than the limit and the folders they leave empty; keeps newer ones, other files and what a link leads to", async () => {
    const base = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-backups-")));
    const root = join(base, "root");
    const outside = join(base, "outside");
    const backups = join(root, ".anchorage-backups");
    mkdirSync(join(backups, "old-only"), { recursive: true });
    mkdirSync(join(backups, "mixed"), { recursive: true });
    mkdirSync(outside);
    const now = Date.now();
    writeFileSync(join(backups, "old-only", `a.txt.${stamp(now - 40 * DAY)}`), "old");
    writeFileSync(join(backups, "mixed", `b.txt.${stamp(now - 31 * DAY)}.1`), "old");
    writeFileSync(join(backups, "mixed", `b.txt.${stamp(now - 2 * DAY)}`), "new");
    writeFileSync(join(backups, "mixed", "README"), "not a backup");
    writeFileSync(join(outside, `c.txt.${stamp(now - 90 * DAY)}`), "not ours");
    symlinkSync(outside, join(backups, "link"));
    writeFileSync(join(root, `live.txt.${stamp(now - 90 * DAY)}`), "outside the backup folder");
    // A deletion moves the file in with its own (old) mtime: its age is the time in its name.
    writeFileSync(join(root, "gone.txt"), "moved in just now");
    const config = agentConfigSchema.parse({ name: "t", roots: [root] });
    const moved = await removeIntoBackup(join(root, "gone.txt"), config);

    expect(await expireBackups([root], 30, now)).toBe(2);
    expect(existsSync(join(backups, "old-only"))).toBe(false);
    expect(readdirSync(join(backups, "mixed")).sort()).toEqual(["README", `b.txt.${stamp(now - 2 * DAY)}`].sort());
    expect(existsSync(moved.backup)).toBe(true);
    expect(readdirSync(outside)).toHaveLength(1);
    expect(existsSync(join(root, `live.txt.${stamp(now - 90 * DAY)}`))).toBe(true);
    expect(await expireBackups([root], 0, now + 1000 * DAY)).toBe(0); // 0: kept for ever
    expect(existsSync(moved.backup)).toBe(true);
  });

  it("never sweeps a backup folder that is itself a link", async () => {
    const base = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-backups-")));
    const root = join(base, "root");
    const elsewhere = join(base, "elsewhere");
    mkdirSync(root);
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, `x.txt.${stamp(Date.now() - 90 * DAY)}`), "not ours");
    symlinkSync(elsewhere, join(root, ".anchorage-backups"));
    expect(await expireBackups([root], 30)).toBe(0);
    expect(readdirSync(elsewhere)).toHaveLength(1);
  });
});

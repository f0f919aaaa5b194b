import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { agentConfigSchema } from "@anchorage/common";
import { browseDir, listFolders } from "../../../agent/src/files/browse-dir.ts";
import { readWholeFile } from "../../../agent/src/files/read-file.ts";
import { writeFileAtomically } from "../../../agent/src/files/write-file.ts";

/** A project root beside a folder outside it, with links from inside pointing both ways. */
function setup() {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-files-")));
  const root = join(base, "root");
  const outside = join(base, "outside");
  mkdirSync(join(root, "src"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, "src", "app.ts"), "v1\n");
  writeFileSync(join(outside, "secret.txt"), "secret\n");
  symlinkSync(outside, join(root, "escape")); // a folder link out
  symlinkSync(join(outside, "secret.txt"), join(root, "secret-link")); // a file link out
  symlinkSync(join(outside, "not-yet.txt"), join(root, "dangling-out")); // a dangling link out
  symlinkSync(join(root, "src", "app.ts"), join(root, "app-link")); // a link that stays inside
  const config = agentConfigSchema.parse({ name: "t", roots: [root] });
  return { base, root, outside, config };
}

describe("browsing the project roots", () => {
  it("lists the roots, and a folder's entries with type, size, mtime and mode", async () => {
    const { root, config } = setup();
    expect(await listFolders(agentConfigSchema.parse({ name: "t", roots: [root, "/nonexistent/anchorage"] }))).toEqual({
      roots: [{ path: root, exists: true }, { path: "/nonexistent/anchorage", exists: false }],
    });
    const listing = await browseDir(root, config);
    expect(listing.truncated).toBe(false);
    expect(listing.entries[0]).toMatchObject({ name: "src", type: "directory" });
    expect(listing.entries.find((e) => e.name === "escape")).toMatchObject({ type: "symlink" });
    const src = await browseDir(join(root, "src"), config);
    expect(src.entries).toEqual([{ name: "app.ts", type: "file", size: 3, mtime: expect.stringMatching(/^\d{4}-/), mode: statSync(join(root, "src", "app.ts")).mode & 0o7777 }]);
  });

  it("refuses paths outside the roots: elsewhere, through .., and through a symlink that leads out", async () => {
    const { root, outside, config } = setup();
    await expect(browseDir(outside, config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    await expect(browseDir("/etc", config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    await expect(browseDir(`${root}/src/../..`, config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    await expect(browseDir(join(root, "escape"), config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    await expect(browseDir("relative/path", config)).rejects.toMatchObject({ code: "E-VALIDATION" });
    await expect(browseDir(join(root, "missing"), config)).rejects.toMatchObject({ code: "E-NOT-FOUND" });
    // Outside the roots, a missing path is as forbidden as an existing one: nothing is learnt.
    await expect(browseDir(join(outside, "missing"), config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
  });
});

describe("reading a file", () => {
  it("answers its bytes with size, mtime, mode and SHA-256", async () => {
    const { root, config } = setup();
    const { result, body } = await readWholeFile(join(root, "src", "app.ts"), config);
    expect(new TextDecoder().decode(body)).toBe("v1\n");
    expect(result).toMatchObject({ size: 3, sha256: createHash("sha256").update("v1\n").digest("hex") });
    // A link that stays inside reads its target.
    expect(new TextDecoder().decode((await readWholeFile(join(root, "app-link"), config)).body)).toBe("v1\n");
  });

  it("refuses a file larger than the cap instead of cutting it short", async () => {
    const { root, config } = setup();
    writeFileSync(join(root, "big.bin"), new Uint8Array(2048));
    await expect(readWholeFile(join(root, "big.bin"), config, 2047)).rejects.toMatchObject({ code: "E-PAYLOAD-TOO-LARGE" });
    expect((await readWholeFile(join(root, "big.bin"), config, 2048)).body.length).toBe(2048);
  });

  it("refuses links that lead out, folders, and paths outside the roots", async () => {
    const { root, outside, config } = setup();
    await expect(readWholeFile(join(root, "secret-link"), config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    await expect(readWholeFile(join(root, "escape", "secret.txt"), config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    await expect(readWholeFile(join(outside, "secret.txt"), config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    await expect(readWholeFile(join(root, "src"), config)).rejects.toMatchObject({ code: "E-VALIDATION" });
  });
});

describe("writing a file", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  it("replaces a file atomically (a new inode, no temp file left), keeps its mode, and backs up the old content", async () => {
    const { root, config } = setup();
    const path = join(root, "src", "app.ts");
    chmodSync(path, 0o751);
    const inodeBefore = statSync(path).ino;
    const at = new Date("2030-01-02T03:04:05.678Z");
    const r = await writeFileAtomically(path, bytes("v2\n"), config, { now: () => at });
    expect(readFileSync(path, "utf8")).toBe("v2\n");
    expect(statSync(path).ino).not.toBe(inodeBefore); // renamed over, not rewritten in place
    expect(statSync(path).mode & 0o7777).toBe(0o751);
    expect(r).toMatchObject({ path, size: 3, mode: 0o751, created: false, sha256: createHash("sha256").update("v2\n").digest("hex") });
    expect(r.backup).toBe(join(root, ".anchorage-backups", "src", "app.ts.2030-01-02T03-04-05.678Z"));
    expect(readFileSync(r.backup!, "utf8")).toBe("v1\n");
    expect(readdirSync(join(root, "src"))).toEqual(["app.ts"]);
    // A second write in the same millisecond keeps both backups.
    const again = await writeFileAtomically(path, bytes("v3\n"), config, { now: () => at });
    expect(again.backup).not.toBe(r.backup);
    expect(readFileSync(again.backup!, "utf8")).toBe("v2\n");
  });

  it("creates a new file, and the folders on the way, without a backup", async () => {
    const { root, config } = setup();
    const r = await writeFileAtomically(join(root, "new", "deeper", "file.txt"), bytes("hi"), config);
    expect(r).toMatchObject({ created: true, backup: null, size: 2 });
    expect(readFileSync(join(root, "new", "deeper", "file.txt"), "utf8")).toBe("hi");
  });

  it("writes through a link that stays inside (the link kept), and refuses every way out", async () => {
    const { root, outside, config } = setup();
    await writeFileAtomically(join(root, "app-link"), bytes("via link\n"), config);
    expect(lstatSync(join(root, "app-link")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(root, "src", "app.ts"), "utf8")).toBe("via link\n");

    await expect(writeFileAtomically(join(root, "secret-link"), bytes("x"), config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    await expect(writeFileAtomically(join(root, "dangling-out"), bytes("x"), config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    await expect(writeFileAtomically(join(root, "escape", "planted.txt"), bytes("x"), config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    await expect(writeFileAtomically(join(outside, "planted.txt"), bytes("x"), config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    await expect(writeFileAtomically(`${root}/../outside/planted.txt`, bytes("x"), config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("secret\n");
    expect(existsSync(join(outside, "not-yet.txt"))).toBe(false);
    expect(existsSync(join(outside, "planted.txt"))).toBe(false);
  });

  it("refuses a backup folder that is a link out of the root", async () => {
    const { root, outside, config } = setup();
    symlinkSync(outside, join(root, ".anchorage-backups"));
    await expect(writeFileAtomically(join(root, "src", "app.ts"), bytes("v2\n"), config)).rejects.toMatchObject({ code: "E-AUTH-FORBID" });
    expect(readFileSync(join(root, "src", "app.ts"), "utf8")).toBe("v1\n");
    expect(readdirSync(outside)).toEqual(["secret.txt"]);
  });

  it("writes only over the content it was told (If-Match), or only where nothing is (create only)", async () => {
    const { root, config } = setup();
    const path = join(root, "src", "app.ts");
    const v1 = createHash("sha256").update("v1\n").digest("hex");
    await expect(writeFileAtomically(path, bytes("x"), config, { ifMatch: "0".repeat(64) })).rejects.toMatchObject({ code: "E-PRECONDITION" });
    expect(readFileSync(path, "utf8")).toBe("v1\n");
    await writeFileAtomically(path, bytes("v2\n"), config, { ifMatch: v1 });
    expect(readFileSync(path, "utf8")).toBe("v2\n");
    await expect(writeFileAtomically(path, bytes("x"), config, { createOnly: true })).rejects.toMatchObject({ code: "E-PRECONDITION" });
    await writeFileAtomically(join(root, "fresh.txt"), bytes("x"), config, { createOnly: true });
  });

  it("refuses to replace a folder or a root", async () => {
    const { root, config } = setup();
    await expect(writeFileAtomically(join(root, "src"), bytes("x"), config)).rejects.toMatchObject({ code: "E-VALIDATION" });
    await expect(writeFileAtomically(root, bytes("x"), config)).rejects.toMatchObject({ code: "E-VALIDATION" });
  });
});

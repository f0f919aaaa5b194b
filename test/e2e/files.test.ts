import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, base as baseUrl } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until, untilOnline } from "./agent-process.ts";

/**
 * Files end to end: `npm start`, two real agents each with a real project root in a temp dir,
 * and every file route through REST: browse, read, an atomic write with its backup, a scan
 * served from the hash cache the second time, and a compare across the two with each status.
 */
const sha256 = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");
const hourAgo = new Date(Date.now() - 3600_000);
const later = new Date(Date.now() - 1800_000);

function put(id: string, path: string, body: string | Uint8Array, token: string, headers: Record<string, string> = {}) {
  return fetch(`${baseUrl()}/api/cloud/instance/${id}/file?path=${encodeURIComponent(path)}`, { method: "PUT", headers: { authorization: `Bearer ${token}`, ...headers }, body });
}

describe("files", () => {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-files-e2e-")));
  const rootA = join(tmp, "a");
  const rootB = join(tmp, "b");
  const outside = join(tmp, "outside");
  let owner: TestUser;
  let a: Awaited<ReturnType<typeof startAgent>>;
  let b: Awaited<ReturnType<typeof startAgent>>;
  const write = (root: string, path: string, content: string | Uint8Array, mtime = hourAgo) => {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
    utimesSync(join(root, path), mtime, mtime);
  };

  beforeAll(async () => {
    for (const d of [rootA, rootB, outside]) mkdirSync(d);
    writeFileSync(join(outside, "secret.txt"), "secret\n");
    // Source (a) and destination (b): one file of each status, and the clutter no one compares.
    write(rootA, "same.txt", "same\n");
    write(rootB, "same.txt", "same\n");
    write(rootA, "notes.txt", "line one\r\nline two\r\n"); // Windows line endings…
    write(rootB, "notes.txt", "line one\nline two\n"); // …and Unix ones: the same text
    write(rootA, "src/app.js", "console.log(2);\n", later);
    write(rootB, "src/app.js", "console.log(1);\n", hourAgo); // older on the destination: different
    write(rootA, "conflict.txt", "source edit\n", hourAgo);
    write(rootB, "conflict.txt", "destination edit\n", later); // newer on the destination
    write(rootA, "only-here.txt", "new\n");
    write(rootB, "only-there.txt", "extra\n");
    write(rootA, "node_modules/dep/index.js", "ignored\n");
    write(rootB, "node_modules/dep/index.js", "ignored too\n");
    write(rootA, "logo.bin", Uint8Array.from([0x89, 0x50, 0x00, 0x0d, 0x0a]));
    write(rootB, "logo.bin", Uint8Array.from([0x89, 0x50, 0x00, 0x0d, 0x0a]));
    symlinkSync(outside, join(rootA, "escape"));

    owner = await freshUser("files-owner");
    a = await startAgent(owner.token, `name: files-a\nroots: [${JSON.stringify(rootA)}]\n`);
    b = await startAgent(owner.token, `name: files-b\nroots: [${JSON.stringify(rootB)}]\n`);
    await untilOnline(owner.token, [a.instanceId, b.instanceId]);
  });
  afterAll(() => {
    a?.run.child.kill("SIGKILL");
    b?.run.child.kill("SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
  });

  it("lists the project roots and browses a folder, refusing a way out", async () => {
    const folders = await api(`/api/cloud/instance/${a.instanceId}/folders`, { token: owner.token });
    expect(folders.body).toEqual({ roots: [{ path: rootA, exists: true }] });
    const listing = await api(`/api/cloud/instance/${a.instanceId}/browse?path=${encodeURIComponent(rootA)}`, { token: owner.token });
    expect(listing.status).toBe(200);
    expect(listing.body.entries.slice(0, 2).map((e: any) => [e.name, e.type])).toEqual([["node_modules", "directory"], ["src", "directory"]]);
    expect(listing.body.entries.find((e: any) => e.name === "notes.txt")).toMatchObject({ type: "file", size: 20, mode: statSync(join(rootA, "notes.txt")).mode & 0o7777 });
    expect(listing.body.entries.find((e: any) => e.name === "escape")).toMatchObject({ type: "symlink" });
    for (const path of [join(rootA, "escape"), outside, "/etc"]) {
      const refused = await api(`/api/cloud/instance/${a.instanceId}/browse?path=${encodeURIComponent(path)}`, { token: owner.token });
      expect(refused.status, path).toBe(403);
    }
    expect((await api(`/api/cloud/instance/${a.instanceId}/browse?path=${encodeURIComponent(`${rootA}/../outside`)}`, { token: owner.token })).status).toBe(400);
  });

  it("reads a file's bytes, and refuses one behind a link that leads out", async () => {
    const res = await fetch(`${baseUrl()}/api/cloud/instance/${a.instanceId}/file?path=${encodeURIComponent(join(rootA, "notes.txt"))}`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("line one\r\nline two\r\n");
    expect(res.headers.get("etag")).toBe(`"${sha256("line one\r\nline two\r\n")}"`);
    const secret = await api(`/api/cloud/instance/${a.instanceId}/file?path=${encodeURIComponent(join(rootA, "escape", "secret.txt"))}`, { token: owner.token });
    expect(secret.status).toBe(403);
    writeFileSync(join(rootA, "big.bin"), new Uint8Array(1024 * 1024 + 1));
    const big = await api(`/api/cloud/instance/${a.instanceId}/file?path=${encodeURIComponent(join(rootA, "big.bin"))}`, { token: owner.token });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe("E-PAYLOAD-TOO-LARGE");
    rmSync(join(rootA, "big.bin"));
  });

  it("writes atomically, keeping the mode and a backup of what it replaced, and refuses to write out of the root", async () => {
    const path = join(rootA, "src", "config.json");
    write(rootA, "src/config.json", '{"v":1}\n');
    chmodSync(path, 0o640);
    const inode = statSync(path).ino;
    const stale = await put(a.instanceId, path, '{"v":0}\n', owner.token, { "if-match": `"${"0".repeat(64)}"` });
    expect(stale.status).toBe(412);
    const res = await put(a.instanceId, path, '{"v":2}\n', owner.token, { "if-match": `"${sha256('{"v":1}\n')}"` });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ path, size: 8, mode: 0o640, created: false, sha256: sha256('{"v":2}\n') });
    expect(readFileSync(path, "utf8")).toBe('{"v":2}\n');
    expect(statSync(path).ino).not.toBe(inode);
    expect(statSync(path).mode & 0o7777).toBe(0o640);
    expect(body.backup.startsWith(join(rootA, ".anchorage-backups", "src", "config.json."))).toBe(true);
    expect(readFileSync(body.backup, "utf8")).toBe('{"v":1}\n');
    expect(readdirSync(join(rootA, "src")).sort()).toEqual(["app.js", "config.json"]); // no temp file left

    const created = await put(a.instanceId, join(rootA, "docs", "new.md"), "# new\n", owner.token);
    expect(created.status).toBe(201);
    expect(readFileSync(join(rootA, "docs", "new.md"), "utf8")).toBe("# new\n");

    const out = await put(a.instanceId, join(rootA, "escape", "planted.txt"), "x", owner.token);
    expect(out.status).toBe(403);
    expect(existsSync(join(outside, "planted.txt"))).toBe(false);
    rmSync(join(rootA, "docs"), { recursive: true });
    rmSync(path);
  });

  it("scans a tree with hashes, and the second scan reads no file", async () => {
    const scan = await api(`/api/cloud/instance/${a.instanceId}/scan`, { token: owner.token, body: { path: rootA } });
    expect(scan.status).toBe(200);
    expect(scan.body.files.map((f: any) => f.path).sort()).toEqual(["conflict.txt", "logo.bin", "notes.txt", "only-here.txt", "same.txt", "src/app.js"]);
    const notes = scan.body.files.find((f: any) => f.path === "notes.txt");
    expect(notes).toMatchObject({ text: true, sha256: sha256("line one\r\nline two\r\n"), md5: createHash("md5").update("line one\nline two\n").digest("hex") });
    expect(scan.body.files.find((f: any) => f.path === "logo.bin")).toMatchObject({ text: false });
    // A symlink is listed as a link with its target as written (sync copies it as a link), never followed.
    expect(scan.body.skipped).toEqual([]);
    expect(scan.body.links).toEqual([expect.objectContaining({ path: "escape", target: outside })]);
    expect(existsSync(join(a.home, "scan-cache.json"))).toBe(true);

    const again = await api(`/api/cloud/instance/${a.instanceId}/scan`, { token: owner.token, body: { path: rootA } });
    expect(again.body.hashed).toBe(0);
    expect(again.body.files).toEqual(scan.body.files);
    const verified = await api(`/api/cloud/instance/${a.instanceId}/scan`, { token: owner.token, body: { path: rootA, verify: true } });
    expect(verified.body.hashed).toBe(6);
  });

  it("compares the two trees: every file with its status, a CRLF copy of a text identical to its LF copy", async () => {
    const res = await api("/api/cloud/sync/compare-cross-instance", {
      token: owner.token,
      body: { sourceInstanceId: a.instanceId, destinationInstanceId: b.instanceId, sourcePath: rootA, targetPath: rootB, options: { exclude: [], delete: false } },
    });
    expect(res.status).toBe(200);
    expect(res.body.files.map((f: any) => [f.path, f.status])).toEqual([
      ["conflict.txt", "destination_newer"],
      ["logo.bin", "identical"],
      ["notes.txt", "identical"],
      ["only-here.txt", "new"],
      ["only-there.txt", "only_destination"],
      ["same.txt", "identical"],
      ["src/app.js", "different"],
    ]);
    expect(res.body.summary).toEqual({ identical: 3, different: 1, new: 1, only_destination: 1, destination_newer: 1 });

    const missing = await api("/api/cloud/sync/compare-cross-instance", {
      token: owner.token,
      body: { sourceInstanceId: a.instanceId, destinationInstanceId: b.instanceId, sourcePath: join(rootA, "gone"), targetPath: rootB },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/^source /);
  });

  it("refuses a stranger every file route", async () => {
    const stranger = await freshUser("files-stranger");
    expect((await api(`/api/cloud/instance/${a.instanceId}/browse?path=${encodeURIComponent(rootA)}`, { token: stranger.token })).status).toBe(404);
    expect((await put(a.instanceId, join(rootA, "x.txt"), "x", stranger.token)).status).toBe(404);
    expect(existsSync(join(rootA, "x.txt"))).toBe(false);
  });
});

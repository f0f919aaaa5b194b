import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { api, base as baseUrl } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until, untilOnline } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";

/**
 * Files end to end: `npm start`, two real agents each with a real project root in a temp dir,
 * and every file route through REST: browse, read, an atomic write with its backup, a scan
 * served from the hash cache the second time, a compare across the two with each status, and the
 * file manager's (issue #21): make a folder, rename and move, delete into the backup folder, and a
 * download a browser saves under the file's own name.
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

  const inA = (path: string) => `/api/cloud/instance/${a.instanceId}${path}`;
  const del = (path: string, token = owner.token) => api(inA(`/file?path=${encodeURIComponent(path)}`), { method: "DELETE", token });

  it("makes folders: one (201), again (409), a missing parent (404) unless parents, never through a link out", async () => {
    const docs = join(rootA, "manager", "docs");
    expect((await api(inA("/mkdir"), { token: owner.token, body: { path: join(rootA, "manager") } })).status).toBe(201);
    const made = await api(inA("/mkdir"), { token: owner.token, body: { path: docs } });
    expect(made).toMatchObject({ status: 201, body: { path: docs } });
    expect(statSync(docs).isDirectory()).toBe(true);
    const again = await api(inA("/mkdir"), { token: owner.token, body: { path: docs } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("E-CONFLICT");
    const deep = join(rootA, "manager", "a", "b");
    expect((await api(inA("/mkdir"), { token: owner.token, body: { path: deep } })).status).toBe(404);
    expect(existsSync(join(rootA, "manager", "a"))).toBe(false);
    expect((await api(inA("/mkdir"), { token: owner.token, body: { path: deep, parents: true } })).status).toBe(201);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect((await api(inA("/mkdir"), { token: owner.token, body: { path: join(rootA, "escape", "planted") } })).status).toBe(403);
    expect(readdirSync(outside)).toEqual(["secret.txt"]);
  });

  it("renames and moves atomically, never over what is there, and never a root or out of the roots", async () => {
    const m = (p: string) => join(rootA, "manager", p);
    writeFileSync(m("draft.md"), "# draft\n");
    writeFileSync(m("kept.md"), "# kept\n");
    const ino = statSync(m("draft.md")).ino;
    const taken = await api(inA("/rename"), { token: owner.token, body: { from: m("draft.md"), to: m("kept.md") } });
    expect(taken.status).toBe(409);
    expect([readFileSync(m("draft.md"), "utf8"), readFileSync(m("kept.md"), "utf8")]).toEqual(["# draft\n", "# kept\n"]);

    const renamed = await api(inA("/rename"), { token: owner.token, body: { from: m("draft.md"), to: m("final.md") } });
    expect(renamed).toMatchObject({ status: 200, body: { from: m("draft.md"), to: m("final.md") } });
    expect(existsSync(m("draft.md"))).toBe(false);
    expect(statSync(m("final.md")).ino).toBe(ino);
    // A folder with what it holds, into another folder; then a link as a link.
    writeFileSync(m("a/b/deep.txt"), "deep\n");
    expect((await api(inA("/rename"), { token: owner.token, body: { from: m("a"), to: m("docs/a") } })).status).toBe(200);
    expect(readFileSync(m("docs/a/b/deep.txt"), "utf8")).toBe("deep\n");
    symlinkSync("final.md", m("latest"));
    expect((await api(inA("/rename"), { token: owner.token, body: { from: m("latest"), to: m("newest") } })).status).toBe(200);
    expect(readlinkSync(m("newest"))).toBe("final.md");

    for (const [from, to, status] of [
      [rootA, join(rootA, "moved-root"), 400],
      [m("final.md"), join(outside, "final.md"), 403],
      [m("final.md"), join(rootA, "escape", "final.md"), 403],
      [join(rootA, "escape", "secret.txt"), m("secret.txt"), 403],
      [m("docs"), m("docs/a/docs"), 400],
      [m("gone.md"), m("here.md"), 404],
    ] as const) {
      const res = await api(inA("/rename"), { token: owner.token, body: { from, to } });
      expect(res.status, `${from} → ${to}`).toBe(status);
      expect(res.body.error.message.length).toBeGreaterThan(0);
    }
    expect(readdirSync(outside)).toEqual(["secret.txt"]);
    expect(readFileSync(m("final.md"), "utf8")).toBe("# draft\n");
  });

  it("deletes a file, a link and a whole folder into the backup folder, the bytes intact there, and refuses a root or a backup", async () => {
    const m = (p: string) => join(rootA, "manager", p);
    const file = await del(m("final.md"));
    expect(file.status).toBe(200);
    expect(file.body).toMatchObject({ path: m("final.md"), type: "file" });
    expect(file.body.backup.startsWith(join(rootA, ".anchorage-backups", "manager", "final.md."))).toBe(true);
    expect(existsSync(m("final.md"))).toBe(false);
    expect(readFileSync(file.body.backup, "utf8")).toBe("# draft\n");
    // The backup can be read through the API too (it is under the root), and moved back out.
    const read = await fetch(`${baseUrl()}${inA(`/file?path=${encodeURIComponent(file.body.backup)}`)}`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(await read.text()).toBe("# draft\n");

    const link = await del(m("newest"));
    expect(link.body.type).toBe("symlink");
    expect(lstatSync(link.body.backup).isSymbolicLink()).toBe(true);

    const folder = await del(m("docs"));
    expect(folder.body.type).toBe("directory");
    expect(existsSync(m("docs"))).toBe(false);
    expect(readFileSync(join(folder.body.backup, "a", "b", "deep.txt"), "utf8")).toBe("deep\n");
    expect(statSync(join(folder.body.backup, "a", "b")).isDirectory()).toBe(true);

    expect((await api(inA("/rename"), { token: owner.token, body: { from: file.body.backup, to: m("restored.md") } })).status).toBe(200);
    expect(readFileSync(m("restored.md"), "utf8")).toBe("# draft\n");

    for (const [path, status] of [[rootA, 400], [join(rootA, ".anchorage-backups"), 403], [folder.body.backup, 403], [join(rootA, "escape", "secret.txt"), 403], [m("nothing"), 404]] as const) {
      expect((await del(path)).status, path).toBe(status);
    }
    expect(existsSync(join(folder.body.backup, "a", "b", "deep.txt"))).toBe(true);
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("secret\n");
    // A stranger may do none of it.
    const stranger = await freshUser("files-fm-stranger");
    expect((await del(m("restored.md"), stranger.token)).status).toBe(404);
    expect((await api(inA("/mkdir"), { token: stranger.token, body: { path: m("x") } })).status).toBe(404);
    expect(existsSync(m("restored.md"))).toBe(true);
  });

  it("names a download for its file: Content-Disposition filename*, and the name Chromium saves it under", async () => {
    const name = "Résumé (1) 日本.txt";
    const path = join(rootA, "manager", name);
    writeFileSync(path, "cv\n");
    const res = await fetch(`${baseUrl()}${inA(`/file?path=${encodeURIComponent(path)}`)}`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(res.status).toBe(200);
    const disposition = res.headers.get("content-disposition")!;
    expect(disposition).toBe(`attachment; filename="R_sum_ (1) __.txt"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%281%29%20%E6%97%A5%E6%9C%AC.txt`);
    if (!hasChromium() && !process.env.CI) return;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ acceptDownloads: true });
      const origin = `http://localhost:${inject("port")}`;
      await signInContext(page.context(), origin, owner.email, owner.password);
      await page.goto(`${origin}/healthz`);
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.evaluate(`(() => { const a = document.createElement("a"); a.href = ${JSON.stringify(inA(`/file?path=${encodeURIComponent(path)}`))}; document.body.append(a); a.click(); })()`),
      ]);
      expect(download.suggestedFilename()).toBe(name);
      expect(readFileSync((await download.path())!, "utf8")).toBe("cv\n");
    } finally {
      await browser.close();
    }
  });

  it("refuses a stranger every file route", async () => {
    const stranger = await freshUser("files-stranger");
    expect((await api(`/api/cloud/instance/${a.instanceId}/browse?path=${encodeURIComponent(rootA)}`, { token: stranger.token })).status).toBe(404);
    expect((await put(a.instanceId, join(rootA, "x.txt"), "x", stranger.token)).status).toBe(404);
    expect(existsSync(join(rootA, "x.txt"))).toBe(false);
  });
});

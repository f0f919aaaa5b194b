import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until, untilOnline } from "./agent-process.ts";

/**
 * Sync end to end: `npm start`, two real agents with real roots in temp dirs, a tree of text,
 * binary and a 5 MB file sent from one to the other through R2, then sent again (nothing
 * uploaded), then with the middle of the big file changed (only a few chunks uploaded).
 */
const sha256 = (b: string | Uint8Array) => createHash("sha256").update(b).digest("hex");
const hourAgo = new Date(Date.now() - 3600_000);
const later = new Date(Date.now() - 1800_000);

function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Every file under a folder (backups left out) with its SHA-256. */
function tree(root: string, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (rel === ".anchorage-backups") continue;
    if (e.isDirectory()) Object.assign(out, tree(root, rel));
    else out[rel] = sha256(readFileSync(join(root, rel)));
  }
  return out;
}

describe("sync between two instances", () => {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-sync-e2e-")));
  const rootA = join(tmp, "a");
  const rootB = join(tmp, "b");
  const big = noise(5 * 1024 * 1024, 42);
  let owner: TestUser;
  let a: Awaited<ReturnType<typeof startAgent>>;
  let b: Awaited<ReturnType<typeof startAgent>>;
  const write = (root: string, path: string, content: string | Uint8Array, mtime = hourAgo) => {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
    utimesSync(join(root, path), mtime, mtime);
  };
  const body = (extra: Record<string, unknown> = {}) => ({ sourceInstanceId: a.instanceId, destinationInstanceId: b.instanceId, sourcePath: rootA, targetPath: rootB, options: { exclude: [], delete: false }, ...extra });
  async function syncAndWait(b = body()) {
    const started = await api("/api/cloud/sync/cross-instance", { token: owner.token, body: b });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(started.body).toMatchObject({ success: true, operationId: expect.any(String) });
    const id = started.body.operationId as string;
    const done = await until(async () => {
      const s = await api(`/api/cloud/sync/operations/${encodeURIComponent(id)}`, { token: owner.token });
      return s.body.state !== "running" ? s.body : null;
    }, 60_000);
    expect(done.state, done.error).toBe("done");
    return done;
  }

  beforeAll(async () => {
    for (const d of [rootA, rootB]) mkdirSync(d);
    write(rootA, "readme.md", "# hello\n");
    write(rootA, "src/app.js", "console.log(1);\n");
    write(rootA, "img/logo.bin", Uint8Array.from([0x89, 0x50, 0x00, 0x0d, 0x0a, 0xff]));
    write(rootA, "data/big.bin", big);
    write(rootA, "conflict.txt", "source edit\n", hourAgo);
    write(rootB, "conflict.txt", "destination edit\n", later); // newer on the destination
    write(rootB, "only-there.txt", "keep me\n");
    owner = await freshUser("sync-owner");
    a = await startAgent(owner.token, `name: sync-a\nroots: [${JSON.stringify(rootA)}]\n`);
    b = await startAgent(owner.token, `name: sync-b\nroots: [${JSON.stringify(rootB)}]\n`);
    await untilOnline(owner.token, [a.instanceId, b.instanceId]);
  });
  afterAll(() => {
    a?.run.child.kill("SIGKILL");
    b?.run.child.kill("SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
  });

  it("sends the tree byte for byte, keeps mtimes, backs up the destination's newer file and leaves destination-only files", async () => {
    const op = await syncAndWait();
    expect(op.files).toEqual({ total: 5, done: 5 });
    expect(op.bytes.total).toBe(big.length + 8 + 16 + 6 + 12);
    expect(op.bytes.uploaded).toBe(op.bytes.total);
    expect(op.bytes.downloaded).toBe(op.bytes.total);
    const want = tree(rootA);
    const got = tree(rootB);
    expect(got["only-there.txt"]).toBe(sha256("keep me\n")); // delete: false
    delete got["only-there.txt"];
    expect(got).toEqual(want);
    expect(Math.abs(statSync(join(rootB, "data/big.bin")).mtimeMs - statSync(join(rootA, "data/big.bin")).mtimeMs)).toBeLessThan(1);
    const backups = readdirSync(join(rootB, ".anchorage-backups"));
    const backup = backups.find((f) => f.startsWith("conflict.txt."));
    expect(backup && readFileSync(join(rootB, ".anchorage-backups", backup), "utf8")).toBe("destination edit\n");
    expect(readdirSync(join(rootB, "data"))).toEqual(["big.bin"]); // no temp file left
  });

  it("a second sync moves nothing; a copy of the big file uploads nothing either", async () => {
    const again = await syncAndWait();
    expect(again.files.total).toBe(0);
    expect(again.bytes.uploaded).toBe(0);
    write(rootA, "data/copy-of-big.bin", big);
    const copy = await syncAndWait();
    expect(copy.files).toEqual({ total: 1, done: 1 });
    expect(copy.bytes.uploaded).toBe(0); // every chunk already in R2
    expect(copy.bytes.downloaded).toBe(big.length);
    expect(sha256(readFileSync(join(rootB, "data/copy-of-big.bin")))).toBe(sha256(big));
  });

  it("after a change in the middle of the big file, uploads only the chunks around it", async () => {
    const edited = Buffer.concat([big.subarray(0, 2_500_000), Buffer.from("an edit in the middle"), big.subarray(2_500_000)]);
    write(rootA, "data/big.bin", edited, new Date());
    const op = await syncAndWait();
    expect(op.files.total).toBe(1);
    expect(op.bytes.uploaded).toBeGreaterThan(0);
    expect(op.bytes.uploaded).toBeLessThan(800 * 1024); // a few chunks of ≤ 256 KiB, not 5 MB
    // The destination cuts its older copy and stages what is unchanged: only those chunks come down from R2.
    expect(op.bytes.downloaded).toBeLessThan(800 * 1024);
    expect(sha256(readFileSync(join(rootB, "data/big.bin")))).toBe(sha256(edited));
  });

  it("deletes destination-only files only when asked, into the backup folder", async () => {
    await syncAndWait(body({ options: { exclude: [], delete: true } }));
    expect(existsSync(join(rootB, "only-there.txt"))).toBe(false);
    const kept = readdirSync(join(rootB, ".anchorage-backups")).find((f) => f.startsWith("only-there.txt."));
    expect(kept && readFileSync(join(rootB, ".anchorage-backups", kept), "utf8")).toBe("keep me\n");
  });

  it("creates a target folder that does not exist yet", async () => {
    const op = await syncAndWait(body({ sourcePath: join(rootA, "src"), targetPath: join(rootB, "fresh", "src") }));
    expect(op.files).toEqual({ total: 1, done: 1 });
    expect(readFileSync(join(rootB, "fresh", "src", "app.js"), "utf8")).toBe("console.log(1);\n");
    rmSync(join(rootB, "fresh"), { recursive: true });
  });

  it("refuses to sync from a missing or an empty folder, leaving the destination alone", async () => {
    const before = tree(rootB);
    const missing = await api("/api/cloud/sync/cross-instance", { token: owner.token, body: body({ sourcePath: join(rootA, "gone"), options: { exclude: [], delete: true } }) });
    expect(missing.status).toBe(404);
    mkdirSync(join(rootA, "empty"));
    const empty = await api("/api/cloud/sync/cross-instance", { token: owner.token, body: body({ sourcePath: join(rootA, "empty"), options: { exclude: [], delete: true } }) });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/no files/);
    expect(tree(rootB)).toEqual(before);
  });

  it("refuses a stranger the sync and its status", async () => {
    const stranger = await freshUser("sync-stranger");
    const started = await api("/api/cloud/sync/cross-instance", { token: owner.token, body: body() });
    expect((await api("/api/cloud/sync/cross-instance", { token: stranger.token, body: body() })).status).toBe(404);
    expect((await api(`/api/cloud/sync/operations/${encodeURIComponent(started.body.operationId)}`, { token: stranger.token })).status).toBe(404);
  });
});

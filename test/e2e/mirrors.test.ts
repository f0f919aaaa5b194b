import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until, untilOnline } from "./agent-process.ts";

/**
 * Mirrors end to end: `npm start`, two real agents with real roots in temp dirs. A push mirror is
 * saved (needs_sync), synced (in_sync); a file written on the source makes it needs_sync within
 * seconds through the source agent's watcher, with no check asked for; a write under an exclusion
 * does not; a sync brings it back in sync. An autoSync mirror follows a burst of writes by itself.
 */
const sha256 = (b: string | Uint8Array) => createHash("sha256").update(b).digest("hex");

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("mirrors between two instances", () => {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-mirrors-e2e-")));
  const [rootA, rootB, rootC, rootD] = ["a", "b", "c", "d"].map((d) => join(tmp, d)) as [string, string, string, string];
  let owner: TestUser;
  let a: Awaited<ReturnType<typeof startAgent>>;
  let b: Awaited<ReturnType<typeof startAgent>>;
  const write = (root: string, path: string, content: string) => {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const mirror = async (id: string, kind = "mirrors") => {
    const list = await api(`/api/cloud/${kind}/list`, { token: owner.token });
    expect(list.status).toBe(200);
    return (list.body.mirrors as any[]).find((m) => m.id === id);
  };

  beforeAll(async () => {
    for (const d of [rootA, rootB, rootC, rootD]) mkdirSync(d);
    write(rootA, "readme.md", "# hello\n");
    write(rootA, "src/app.js", "console.log(1);\n");
    write(rootC, "notes.txt", "first\n");
    owner = await freshUser("mirror-owner");
    a = await startAgent(owner.token, `name: mirror-a\nroots: [${JSON.stringify(rootA)}, ${JSON.stringify(rootC)}]\n`);
    b = await startAgent(owner.token, `name: mirror-b\nroots: [${JSON.stringify(rootB)}, ${JSON.stringify(rootD)}]\n`);
    await untilOnline(owner.token, [a.instanceId, b.instanceId]);
  });
  afterAll(() => {
    a?.run.child.kill("SIGKILL");
    b?.run.child.kill("SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
  });

  it("goes needs_sync after a change on the source (the watcher, no check) and in_sync after its sync", async () => {
    const saved = await api("/api/cloud/mirrors/save", {
      token: owner.token,
      body: { sourceInstanceId: a.instanceId, destinationInstanceId: b.instanceId, sourcePath: rootA, targetPath: rootB, options: { exclude: ["*.tmp"] }, intervalSeconds: 3600 },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const id = saved.body.mirror.id as string;
    expect(saved.body.mirror).toMatchObject({ state: "needs_sync", last_summary: { new: 2 } });

    const syncAndWait = async () => {
      const started = await api("/api/cloud/mirrors/sync", { token: owner.token, body: { id } });
      expect(started.status, JSON.stringify(started.body)).toBe(200);
      expect(started.body.mirror.state).toBe("syncing");
      return until(async () => {
        const m = await mirror(id);
        return m.state === "in_sync" && m.last_operation_id === started.body.operationId ? m : null;
      }, 30_000);
    };
    const synced = await syncAndWait();
    expect(synced.last_sync_at).not.toBeNull();
    expect(tree(rootB)).toEqual(tree(rootA));

    // A change on the source: the agent's watcher reports it, the mirror is needs_sync in seconds.
    const checkedAt = synced.last_check_at;
    const changedAt = Date.now();
    write(rootA, "src/new.js", "export const n = 42;\n");
    const marked = await until(async () => {
      const m = await mirror(id);
      return m.state === "needs_sync" ? m : null;
    }, 10_000);
    expect(Date.now() - changedAt).toBeLessThan(8_000);
    expect(marked.last_check_at).toBe(checkedAt); // no check ran: the watcher said so

    const again = await syncAndWait();
    expect(again.last_summary).toMatchObject({ new: 0, different: 0 });
    expect(readFileSync(join(rootB, "src/new.js"), "utf8")).toBe("export const n = 42;\n");
    expect(tree(rootB)).toEqual(tree(rootA));

    // A write only under the mirror's exclusions (or the agent's: node_modules) is not a change to it.
    write(rootA, "scratch.tmp", "ignore me");
    write(rootA, "node_modules/dep/index.js", "module.exports = 1;");
    await sleep(3_500);
    expect((await mirror(id)).state).toBe("in_sync");
  });

  it("an autoSync pull mirror follows a burst of writes on its source by itself", async () => {
    const saved = await api("/api/cloud/pulls/save", {
      token: owner.token,
      body: { sourceInstanceId: a.instanceId, destinationInstanceId: b.instanceId, sourcePath: rootC, targetPath: rootD, autoSync: true },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const id = saved.body.mirror.id as string;
    // Needs a sync at once: the save starts it.
    expect(saved.body.mirror.state).toBe("syncing");
    const first = await until(async () => {
      const m = await mirror(id, "pulls");
      return m.state === "in_sync" && m.last_sync_at ? m : null;
    }, 30_000);
    expect(tree(rootD)).toEqual(tree(rootC));

    for (let i = 0; i < 5; i++) {
      write(rootC, `burst/${i}.txt`, `line ${i}\n`);
      await sleep(100);
    }
    write(rootC, "notes.txt", "second\n");
    const followed = await until(async () => {
      const m = await mirror(id, "pulls");
      return m.state === "in_sync" && m.last_operation_id !== first.last_operation_id && Object.keys(tree(rootD)).length === 6 ? m : null;
    }, 30_000);
    expect(tree(rootD)).toEqual(tree(rootC));
    expect(readFileSync(join(rootD, "notes.txt"), "utf8")).toBe("second\n");
    expect(Date.parse(followed.last_sync_at)).toBeGreaterThan(Date.parse(first.last_sync_at));
    // One sync for the burst: the operation that brought it in carried all six files.
    const op = await api(`/api/cloud/sync/operations/${encodeURIComponent(followed.last_operation_id)}`, { token: owner.token });
    expect(op.body).toMatchObject({ state: "done", files: { total: 6, done: 6 } });
  });
});

import { describe, expect, it } from "vitest";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { call, json, register, testEnv, type Session } from "../helpers.ts";
import { FakeAgent, until } from "../cloud/fake-agent.ts";
import type { ScanFile } from "@anchorage/common";
import type { SyncOperation } from "../../../core/rpc/sync-operation.ts";
import type { InstanceDO } from "../../../durable-objects/instance/instance-do.ts";

/**
 * A sync's resume (issue #7): the operation and what is left of its plan live in the source's
 * object storage, so a run cut short by the object restarting continues from there, and one whose
 * agent went away waits for it (state `running`, `waiting` set) rather than failing, up to 24 h.
 * Two protocol-speaking fake agents and the real R2 binding; the real agents in test/e2e/sync-resume.test.ts.
 */
async function online(owner: Session, name: string) {
  const agent = await FakeAgent.register(owner, name);
  expect((await agent.connect()).status).toBe(101);
  await until(async () => (await json(await call(`/api/cloud/instance/${agent.instanceId}`, { token: owner.access }))).status === "online");
  return agent;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** One-chunk files of 200 KiB each: more than one batch holds, so each file is a batch of its own. */
async function pair(owner: Session, names = ["a.bin", "b.bin"]) {
  const source = await online(owner, "src");
  const destination = await online(owner, "dst");
  const contents = new Map(names.map((n, i) => [n, new Uint8Array(200 * 1024).fill(i + 1)]));
  const files: ScanFile[] = await Promise.all([...contents].map(async ([path, b]) => ({ path, size: b.length, mtime_ms: 1000, mode: 0o644, sha256: await sha256(b), md5: "0".repeat(32), text: false })));
  const bySha = new Map(files.map((f) => [f.sha256, contents.get(f.path)!]));
  const asked: { method: string; params: any }[] = [];
  const rec = (agent: FakeAgent, method: string, answer: (p: any) => any) => {
    agent.calls[method] = (p) => {
      asked.push({ method, params: p });
      return answer(p);
    };
  };
  rec(source, "files.scan", (p) => ({ result: null, body: JSON.stringify({ root: p.path, files, excluded: 0, skipped: [], hashed: 0 }) }));
  rec(source, "files.chunks.many", (p) => ({
    result: null,
    body: JSON.stringify(p.paths.map((path: string) => {
      const f = files.find((x) => path.endsWith(`/${x.path}`))!;
      return { size: f.size, mode: 0o644, mtime_ms: 1000, sha256: f.sha256, chunks: [{ offset: 0, length: f.size, sha256: f.sha256 }] };
    })),
  }));
  rec(source, "files.chunk.read.many", (p) => ({ result: null, body: bySha.get(p.reads[0].sha256)! }));
  rec(destination, "files.scan", (p) => ({ result: null, body: JSON.stringify({ root: p.path, files: [], excluded: 0, skipped: [], hashed: 0 }) }));
  rec(destination, "files.stage.have", () => ({ result: { have: [] } }));
  rec(destination, "files.stage.put.many", () => ({ result: null }));
  rec(destination, "files.stage.clear", () => ({ result: null }));
  rec(destination, "files.assemble.many", (p) => ({ result: { files: p.files.map((f: any) => ({ path: f.path, created: true, backup: null })) } }));
  // A fresh stub each time: one to an object that was restarted stays broken.
  const sourceObject = () => testEnv.INSTANCE.get(testEnv.INSTANCE.idFromName(source.instanceId));
  const start = async () => {
    const res = await call("/api/cloud/sync/cross-instance", { token: owner.access, body: { sourceInstanceId: source.instanceId, destinationInstanceId: destination.instanceId, sourcePath: "/srv/a", targetPath: "/srv/b" } });
    expect(res.status).toBe(200);
    return (await json(res)).operationId as string;
  };
  /** The operation as the source's object holds it (with `waiting`, which the route leaves out). */
  const stored = async (id: string) => (await sourceObject().syncStatus(id)) as SyncOperation;
  const assembled = () => asked.filter((a) => a.method === "files.assemble.many").flatMap((a) => a.params.files.map((f: any) => f.path.split("/").pop()));
  return { source, destination, files, asked, sourceObject, start, stored, assembled };
}

const never = () => new Promise<never>(() => undefined);

/** The first time the agent gets `method`, its socket drops and the call is never answered; later calls are answered as before. */
function dropOnce(agent: FakeAgent, method: string) {
  const answer = agent.calls[method]!;
  let dropped = false;
  agent.calls[method] = async (p, b) => {
    if (dropped) return answer(p, b);
    dropped = true;
    agent.ws!.close(1011, "network gone");
    return never();
  };
}

describe("a sync's resume", () => {
  it("continues from its stored plan after the source's object restarts mid-way, redoing no finished file", async () => {
    const owner = await register();
    const { source, asked, sourceObject, start, stored, assembled } = await pair(owner);
    let cut = true;
    const chunksMany = source.calls["files.chunks.many"]!;
    source.calls["files.chunks.many"] = (p, b) => (cut && p.paths.some((x: string) => x.endsWith("/b.bin")) ? (asked.push({ method: "files.chunks.many", params: p }), never()) : chunksMany(p, b));
    const id = await start();
    await until(() => asked.some((a) => a.method === "files.chunks.many" && a.params.paths[0].endsWith("/b.bin")));
    expect(await stored(id)).toMatchObject({ state: "running", files: { total: 2, done: 1 } });
    // The object restarts: what it held in memory (the run) is gone; its storage and alarm stay.
    await runInDurableObject(sourceObject(), (_instance: InstanceDO, state) => {
      try {
        state.abort("restart");
      } catch {
        // abort() also ends the call it was made in
      }
    }).catch(() => undefined);
    cut = false;
    if (source.closed) await source.connect();
    // The alarm (a watchdog while a sync runs) finds it running with no run behind it, and continues it.
    await runDurableObjectAlarm(sourceObject());
    const op = await until(async () => ((await stored(id)).state !== "running" ? stored(id) : null), 10_000);
    expect(op).toMatchObject({ state: "done", files: { total: 2, done: 2 } });
    expect(op.waiting).toBeUndefined();
    expect(assembled()).toEqual(["a.bin", "b.bin"]); // a.bin once: it was done before the restart
    expect(asked.filter((a) => a.method === "files.chunks.many").map((a) => a.params.paths[0].split("/").pop())).toEqual(["a.bin", "b.bin", "b.bin"]);
  });

  it("waits while the source's agent is away (running, waiting set), and carries on as soon as it is back", async () => {
    const owner = await register();
    const { source, start, stored, assembled } = await pair(owner, ["a.bin"]);
    dropOnce(source, "files.chunk.read.many");
    const id = await start();
    const waiting = await until(async () => ((await stored(id)).waiting ? stored(id) : null), 10_000);
    expect(waiting.state).toBe("running");
    expect(waiting.waiting).toMatchObject({ attempts: expect.any(Number), reason: expect.stringMatching(/offline/) });
    // The status route says so too.
    const seen = await json(await call(`/api/cloud/sync/operations/${encodeURIComponent(id)}`, { token: owner.access }));
    expect(seen).toMatchObject({ state: "running", waiting: { since: expect.any(String), attempts: expect.any(Number), retry_at: expect.stringMatching(/^\d{4}-/), reason: expect.stringMatching(/offline/) } });
    // Tries again on its backoff (1 s, 2 s, …) while the agent stays away; still no failure.
    await until(async () => ((await stored(id)).waiting?.attempts ?? 0) >= 2, 10_000);
    expect((await stored(id)).state).toBe("running");
    expect(assembled()).toEqual([]);
    // Back: its hello continues the operation at once.
    await source.connect();
    const op = await until(async () => ((await stored(id)).state !== "running" ? stored(id) : null), 5_000);
    expect(op).toMatchObject({ state: "done", files: { done: 1 } });
    expect(op.waiting).toBeUndefined();
    expect(assembled()).toEqual(["a.bin"]);
    expect(await json(await call(`/api/cloud/sync/operations/${encodeURIComponent(id)}`, { token: owner.access }))).not.toHaveProperty("waiting");
  });

  it("carries on as soon as the destination's agent is back, told by the destination's object (not at its next retry)", async () => {
    const owner = await register();
    const { destination, asked, sourceObject, start, stored, assembled } = await pair(owner, ["a.bin"]);
    dropOnce(destination, "files.stage.put.many");
    const id = await start();
    await until(async () => (await stored(id)).waiting?.reason.startsWith("destination "), 10_000);
    // Its tries while the destination is away ask the source for nothing (no chunking again).
    await until(async () => ((await stored(id)).waiting?.attempts ?? 0) >= 2, 10_000);
    expect(asked.filter((a) => a.method === "files.chunks.many")).toHaveLength(1);
    // Its next retry an hour away: only the destination's hello can bring it forward.
    await runInDurableObject(sourceObject(), (_i: InstanceDO, state) => {
      state.storage.sql.exec("UPDATE sync_operations SET record = json_set(record, '$.waiting.retry_at', ?) WHERE id = ?", Date.now() + 3600_000, id);
    });
    await destination.connect();
    const op = await until(async () => ((await stored(id)).state !== "running" ? stored(id) : null), 5_000);
    expect(op).toMatchObject({ state: "done", files: { done: 1 } });
    expect(assembled()).toEqual(["a.bin"]);
  });

  it("fails, saying why, once an agent has been away longer than the limit; the destination's staged chunks are cleared", async () => {
    const owner = await register();
    const { source, asked, sourceObject, start, stored } = await pair(owner, ["a.bin"]);
    source.calls["files.chunk.read.many"] = async () => {
      source.ws!.close(1011, "network gone");
      return never();
    };
    const id = await start();
    await until(async () => (await stored(id)).waiting, 10_000);
    // As if the agent went away 25 hours ago (the clock cannot be moved: the stored record is).
    await runInDurableObject(sourceObject(), (_i: InstanceDO, state) => {
      state.storage.sql.exec(
        "UPDATE sync_operations SET record = json_set(record, '$.waiting.since', ?, '$.waiting.retry_at', 0) WHERE id = ?",
        new Date(Date.now() - 25 * 3600_000).toISOString(), id,
      );
    });
    await runDurableObjectAlarm(sourceObject());
    const op = await until(async () => ((await stored(id)).state !== "running" ? stored(id) : null), 5_000);
    expect(op.state).toBe("failed");
    expect(op.error).toMatch(/offline.*waited \d+ min.*limit is 1440 min/);
    expect(op.finished_at).toBeTruthy();
    await until(() => asked.some((a) => a.method === "files.stage.clear" && a.params.operation === id));
  });

  it("a cancel while it waits ends it at once; the agent coming back does not restart it", async () => {
    const owner = await register();
    const { source, asked, start, stored, assembled } = await pair(owner, ["a.bin"]);
    dropOnce(source, "files.chunk.read.many");
    const id = await start();
    await until(async () => (await stored(id)).waiting, 10_000);
    const res = await call(`/api/cloud/sync/operations/${encodeURIComponent(id)}/cancel`, { token: owner.access, method: "POST" });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ state: "cancelled", finished_at: expect.any(String) });
    await source.connect();
    await new Promise((r) => setTimeout(r, 1500));
    expect((await stored(id)).state).toBe("cancelled");
    expect(assembled()).toEqual([]);
    expect(asked.some((a) => a.method === "files.stage.clear" && a.params.operation === id)).toBe(true);
  });
});

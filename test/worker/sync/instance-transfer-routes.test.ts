import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, type Session } from "../helpers.ts";
import { FakeAgent, until } from "../cloud/fake-agent.ts";
import type { ScanFile } from "@anchorage/common";

/**
 * The instance-scoped sync routes, `POST /api/cloud/instance/:id/sync/folder` and the transfer
 * sessions `…/transfer/start`, `…/transfer/:transferId/status`, `…/transfer/:transferId/cancel`:
 * views over the cross-instance sync operation whose source is `:id`, against two fake agents
 * and the real R2 binding. The transfer itself is tested in cross-instance-sync.test.ts.
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

/** A source holding two one-chunk files, an empty destination; every call the agents get is recorded. */
async function pair(owner: Session) {
  const source = await online(owner, "src");
  const destination = await online(owner, "dst");
  const contents: Record<string, Uint8Array> = { "a.txt": new TextEncoder().encode("alpha content"), "b.txt": new TextEncoder().encode("bravo content!") };
  const files: ScanFile[] = await Promise.all(Object.entries(contents).map(async ([path, bytes]) => ({ path, size: bytes.length, mtime_ms: 1000, mode: 0o644, sha256: await sha256(bytes), md5: "0".repeat(32), text: false })));
  const bySha = new Map(await Promise.all(Object.values(contents).map(async (b) => [await sha256(b), b] as const)));
  const asked: { side: string; method: string; params: any }[] = [];
  let hold: Promise<void> | null = null;
  const rec = (side: string, method: string, answer: (p: any) => any) => async (p: any) => {
    asked.push({ side, method, params: p });
    if (hold && method === "files.chunk.read.many") await hold;
    return answer(p);
  };
  source.calls["files.scan"] = rec("src", "files.scan", (p) => ({ result: null, body: JSON.stringify({ root: p.path, files, excluded: 0, skipped: [], hashed: 0 }) }));
  // Small files travel in batches: one call for the batch's chunk lists, one for their bytes (sync-transfer.ts).
  source.calls["files.chunks.many"] = rec("src", "files.chunks.many", (p) => ({
    result: null,
    body: JSON.stringify(p.paths.map((path: string) => {
      const f = files.find((x) => path.endsWith(`/${x.path}`))!;
      return { size: f.size, mode: 0o644, mtime_ms: 1000, sha256: f.sha256, chunks: [{ offset: 0, length: f.size, sha256: f.sha256 }] };
    })),
  }));
  source.calls["files.chunk.read.many"] = rec("src", "files.chunk.read.many", (p) => ({ result: null, body: new Uint8Array(p.reads.flatMap((r: any) => [...bySha.get(r.sha256)!])) }));
  destination.calls["files.scan"] = rec("dst", "files.scan", (p) => ({ result: null, body: JSON.stringify({ root: p.path, files: [], excluded: 0, skipped: [], hashed: 0 }) }));
  destination.calls["files.stage.have"] = rec("dst", "files.stage.have", () => ({ result: { have: [] } }));
  destination.calls["files.stage.put.many"] = rec("dst", "files.stage.put.many", () => ({ result: null }));
  destination.calls["files.stage.clear"] = rec("dst", "files.stage.clear", () => ({ result: null }));
  destination.calls["files.assemble.many"] = rec("dst", "files.assemble.many", (p) => ({ result: { files: p.files.map((f: any) => ({ path: f.path, created: true, backup: null })) } }));
  const holdChunks = () => {
    let release!: () => void;
    hold = new Promise<void>((r) => (release = r));
    return () => {
      hold = null;
      release();
    };
  };
  return { source, destination, files, asked, holdChunks };
}

const assembled = (asked: { method: string; params: any }[]) => asked.filter((a) => a.method === "files.assemble.many").flatMap((a) => a.params.files.map((f: any) => f.path)).sort();

async function transferDone(token: string, instanceId: string, transferId: string) {
  return until(async () => {
    const s = await json(await call(`/api/cloud/instance/${instanceId}/transfer/${encodeURIComponent(transferId)}/status`, { token }));
    return s.state && s.state !== "running" ? s : null;
  });
}

async function share(owner: Session, grantee: Session, instanceId: string, permissions: string[]) {
  expect((await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: grantee.email, instance_id: instanceId, permissions } })).status).toBe(200);
}

describe("POST /api/cloud/instance/:id/sync/folder", () => {
  it("syncs the folder from the instance in the path to the destination, as a cross-instance operation, audited", async () => {
    const owner = await register();
    const { source, destination, asked } = await pair(owner);
    const res = await call(`/api/cloud/instance/${source.instanceId}/sync/folder`, { token: owner.access, body: { destinationInstanceId: destination.instanceId, sourcePath: "/srv/a", targetPath: "/srv/b" } });
    expect(res.status).toBe(200);
    const { success, operationId } = await json(res);
    expect(success).toBe(true);
    expect(operationId.startsWith(`${source.instanceId}.`)).toBe(true);
    const op = await until(async () => {
      const s = await json(await call(`/api/cloud/sync/operations/${encodeURIComponent(operationId)}`, { token: owner.access }));
      return s.state !== "running" ? s : null;
    });
    expect(op).toMatchObject({ state: "done", sourceInstanceId: source.instanceId, destinationInstanceId: destination.instanceId, sourcePath: "/srv/a", targetPath: "/srv/b", files: { total: 2, done: 2 } });
    expect(assembled(asked)).toEqual(["/srv/b/a.txt", "/srv/b/b.txt"]);
    expect(asked.filter((a) => a.method === "files.scan").map((a) => [a.side, a.params.path]).sort()).toEqual([["dst", "/srv/b"], ["src", "/srv/a"]]);
    const audit = await json(await call("/api/audit?action=cloud.sync_start", { token: owner.access }));
    expect(audit.entries[0]).toMatchObject({ action: "cloud.sync_start", actor_id: owner.userId, subject_id: source.instanceId });
    expect(audit.entries[0].detail).toMatchObject({ operation: operationId, destination: destination.instanceId, source_path: "/srv/a", target_path: "/srv/b" });
  });

  it("without destinationInstanceId, syncs two folders of the same instance", async () => {
    const owner = await register();
    const { source, asked } = await pair(owner);
    const res = await call(`/api/cloud/instance/${source.instanceId}/sync/folder`, { token: owner.access, body: { sourcePath: "/srv/a", targetPath: "/srv/a-copy" } });
    expect(res.status).toBe(200);
    const { operationId } = await json(res);
    const op = await json(await call(`/api/cloud/sync/operations/${encodeURIComponent(operationId)}`, { token: owner.access }));
    expect(op).toMatchObject({ sourceInstanceId: source.instanceId, destinationInstanceId: source.instanceId, targetPath: "/srv/a-copy" });
    expect(asked.filter((a) => a.method === "files.scan").map((a) => [a.side, a.params.path]).sort()).toEqual([["src", "/srv/a"], ["src", "/srv/a-copy"]]);
  });

  it("refuses bad input (changing nothing), a stranger, and a sharee without sync: on the destination", async () => {
    const owner = await register();
    const { source, destination, asked } = await pair(owner);
    const url = `/api/cloud/instance/${source.instanceId}/sync/folder`;
    const body = { destinationInstanceId: destination.instanceId, sourcePath: "/srv/a", targetPath: "/srv/b" };
    const relative = await call(url, { token: owner.access, body: { ...body, targetPath: "srv/b" } });
    expect(relative.status).toBe(400);
    expect(errorOf(await json(relative)).code).toBe("E-VALIDATION");
    // The source is the path's: naming it in the body too is an unknown key, not a way round the path.
    expect((await call(url, { token: owner.access, body: { ...body, sourceInstanceId: destination.instanceId } })).status).toBe(400);
    const stranger = await register();
    expect((await call(url, { token: stranger.access, body })).status).toBe(404);
    const sharee = await register();
    await share(owner, sharee, source.instanceId, ["read:cloud_instance", "sync:cloud_instance"]);
    await share(owner, sharee, destination.instanceId, ["read:cloud_instance"]);
    expect((await call(url, { token: sharee.access, body })).status).toBe(403);
    expect(asked).toEqual([]);
  });
});

describe("transfer sessions under an instance", () => {
  it("start → status → done, only the files named; the transfer is the sync operation", async () => {
    const owner = await register();
    const { source, destination, asked } = await pair(owner);
    const res = await call(`/api/cloud/instance/${source.instanceId}/transfer/start`, { token: owner.access, body: { destinationInstanceId: destination.instanceId, sourcePath: "/srv/a", targetPath: "/srv/b", files: ["b.txt"] } });
    expect(res.status).toBe(200);
    const started = await json(res);
    expect(started).toMatchObject({ success: true, transferId: expect.any(String) });
    expect(started.operationId).toBe(started.transferId);
    const t = await transferDone(owner.access, source.instanceId, started.transferId);
    expect(t).toMatchObject({ transferId: started.transferId, operationId: started.transferId, state: "done", files: { total: 1, done: 1 }, bytes: { total: 14, uploaded: 14, downloaded: 14 } });
    expect(assembled(asked)).toEqual(["/srv/b/b.txt"]);
    const same = await json(await call(`/api/cloud/sync/operations/${encodeURIComponent(started.transferId)}`, { token: owner.access }));
    expect({ ...same }).toEqual(Object.fromEntries(Object.entries(t).filter(([k]) => k !== "transferId")));
  });

  it("cancel stops the transfer before its next chunk: nothing is assembled", async () => {
    const owner = await register();
    const { source, destination, asked, holdChunks } = await pair(owner);
    const release = holdChunks();
    const { transferId } = await json(await call(`/api/cloud/instance/${source.instanceId}/transfer/start`, { token: owner.access, body: { destinationInstanceId: destination.instanceId, sourcePath: "/srv/a", targetPath: "/srv/b" } }));
    await until(() => asked.some((a) => a.method === "files.chunk.read.many"));
    const cancelled = await call(`/api/cloud/instance/${source.instanceId}/transfer/${encodeURIComponent(transferId)}/cancel`, { token: owner.access, method: "POST" });
    expect(cancelled.status).toBe(200);
    expect(await json(cancelled)).toMatchObject({ transferId, state: "cancelled" });
    release();
    expect((await transferDone(owner.access, source.instanceId, transferId)).state).toBe("cancelled");
    await new Promise((r) => setTimeout(r, 200));
    expect(assembled(asked)).toEqual([]);
  });

  it("is 404 under any instance but its source, to a stranger, and to a sharee lacking sync: on either side", async () => {
    const owner = await register();
    const { source, destination, asked } = await pair(owner);
    const { transferId } = await json(await call(`/api/cloud/instance/${source.instanceId}/transfer/start`, { token: owner.access, body: { destinationInstanceId: destination.instanceId, sourcePath: "/srv/a", targetPath: "/srv/b" } }));
    await transferDone(owner.access, source.instanceId, transferId);
    const status = (instanceId: string, token: string) => call(`/api/cloud/instance/${instanceId}/transfer/${encodeURIComponent(transferId)}/status`, { token });
    const cancel = (instanceId: string, token: string) => call(`/api/cloud/instance/${instanceId}/transfer/${encodeURIComponent(transferId)}/cancel`, { token, method: "POST" });
    // The owner may see both instances, but the transfer's source is not the destination.
    expect((await status(destination.instanceId, owner.access)).status).toBe(404);
    expect((await cancel(destination.instanceId, owner.access)).status).toBe(404);
    expect((await call(`/api/cloud/instance/${source.instanceId}/transfer/${source.instanceId}.nosuchtransfer/status`, { token: owner.access })).status).toBe(404);
    const stranger = await register();
    expect((await status(source.instanceId, stranger.access)).status).toBe(404);
    expect((await cancel(source.instanceId, stranger.access)).status).toBe(404);
    expect((await call(`/api/cloud/instance/${source.instanceId}/transfer/start`, { token: stranger.access, body: { destinationInstanceId: destination.instanceId, sourcePath: "/srv/a", targetPath: "/srv/b" } })).status).toBe(404);
    const sharee = await register();
    await share(owner, sharee, source.instanceId, ["read:cloud_instance", "sync:cloud_instance"]);
    await share(owner, sharee, destination.instanceId, ["read:cloud_instance"]);
    asked.length = 0;
    expect((await status(source.instanceId, sharee.access)).status).toBe(404);
    expect((await call(`/api/cloud/instance/${source.instanceId}/transfer/start`, { token: sharee.access, body: { destinationInstanceId: destination.instanceId, sourcePath: "/srv/a", targetPath: "/srv/b" } })).status).toBe(403);
    expect(asked).toEqual([]);
    await share(owner, sharee, destination.instanceId, ["read:cloud_instance", "sync:cloud_instance"]);
    expect((await status(source.instanceId, sharee.access)).status).toBe(200);
    expect((await call(`/api/cloud/instance/${source.instanceId}/transfer/start`, { token: owner.access, body: { destinationInstanceId: destination.instanceId, sourcePath: "/srv/a", targetPath: "/srv/b", files: [] } })).status).toBe(400);
  });
});

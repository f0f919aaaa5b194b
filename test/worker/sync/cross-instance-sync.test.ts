import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, testEnv, type Session } from "../helpers.ts";
import { FakeAgent, until } from "../cloud/fake-agent.ts";
import { openEvents } from "../cloud/event-socket.ts";
import type { ScanFile } from "@anchorage/common";

/**
 * `POST /api/cloud/sync/cross-instance` and the operation's status against two protocol-speaking
 * fake agents and the real R2 binding: what is uploaded (only chunks R2 lacks, each verified),
 * what reaches the destination, and who may start or see a sync. The real agents' side is
 * tested in test/agent/sync and end to end in test/e2e/sync.test.ts.
 */
async function online(owner: Session, name: string) {
  const agent = await FakeAgent.register(owner, name);
  expect((await agent.connect()).status).toBe(101);
  await until(async () => (await json(await call(`/api/cloud/instance/${agent.instanceId}`, { token: owner.access }))).status === "online");
  return agent;
}

async function share(owner: Session, grantee: Session, instanceId: string, permissions: string[]) {
  const res = await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: grantee.email, instance_id: instanceId, permissions } });
  expect(res.status).toBe(200);
}

async function sha256(bytes: Uint8Array): Promise<string> {
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}
const enc = (s: string) => new TextEncoder().encode(s);
const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
};

/** A source with one file of two chunks, a destination without it; every call recorded. */
async function pair(owner: Session, content: (string | Uint8Array)[] = ["first chunk;", "second chunk"]) {
  const source = await online(owner, "src");
  const destination = await online(owner, "dst");
  const bytes = content.map((c) => (typeof c === "string" ? enc(c) : c));
  const chunks = await Promise.all(bytes.map(async (b, i) => ({ offset: bytes.slice(0, i).reduce((n, x) => n + x.length, 0), length: b.length, sha256: await sha256(b), bytes: b })));
  const whole = concat(bytes);
  const file: ScanFile = { path: "a.bin", size: whole.length, mtime_ms: 1000, mode: 0o644, sha256: await sha256(whole), md5: "0".repeat(32), text: false };
  const asked: { side: string; method: string; params: any; body: Uint8Array }[] = [];
  const rec = (side: string, method: string, answer: (p: any, b: Uint8Array) => any) => (p: any, b: Uint8Array) => {
    asked.push({ side, method, params: p, body: b });
    return answer(p, b);
  };
  source.calls["files.scan"] = rec("src", "files.scan", (p) => ({ result: null, body: JSON.stringify({ root: p.path, files: [file], excluded: 0, skipped: [], hashed: 0 }) }));
  const list = { size: file.size, mode: 0o644, mtime_ms: 1000, sha256: file.sha256, chunks: chunks.map(({ bytes: _b, ...c }) => c) };
  source.calls["files.chunks.many"] = rec("src", "files.chunks.many", (p) => ({ result: null, body: JSON.stringify(p.paths.map(() => list)) }));
  source.calls["files.chunk.read.many"] = rec("src", "files.chunk.read.many", (p) => ({ result: null, body: concat(p.reads.map((r: any) => chunks.find((c) => c.sha256 === r.sha256)!.bytes)) }));
  destination.calls["files.scan"] = rec("dst", "files.scan", (p) => ({ result: null, body: JSON.stringify({ root: p.path, files: [], excluded: 0, skipped: [], hashed: 0 }) }));
  destination.calls["files.stage.have"] = rec("dst", "files.stage.have", () => ({ result: { have: [] } }));
  destination.calls["files.stage.put.many"] = rec("dst", "files.stage.put.many", () => ({ result: null }));
  destination.calls["files.stage.clear"] = rec("dst", "files.stage.clear", () => ({ result: null }));
  destination.calls["files.assemble.many"] = rec("dst", "files.assemble.many", (p) => ({ result: { files: p.files.map((f: any) => ({ path: f.path, created: true, backup: null })) } }));
  const body = { sourceInstanceId: source.instanceId, destinationInstanceId: destination.instanceId, sourcePath: "/srv/a", targetPath: "/srv/b" };
  return { source, destination, chunks, file, asked, body };
}

async function finished(token: string, operationId: string) {
  return until(async () => {
    const s = await json(await call(`/api/cloud/sync/operations/${encodeURIComponent(operationId)}`, { token }));
    return s.state !== "running" ? s : null;
  });
}

describe("sync between instances", () => {
  it("uploads each chunk R2 lacks once, verified, and has the destination assemble the file from them", async () => {
    const owner = await register();
    const { chunks, file, asked, body } = await pair(owner);
    const { events } = await openEvents(owner.access);
    const res = await call("/api/cloud/sync/cross-instance", { token: owner.access, body });
    expect(res.status).toBe(200);
    const { success, operationId } = await json(res);
    expect(success).toBe(true);
    const op = await finished(owner.access, operationId);
    expect(op).toMatchObject({ state: "done", files: { total: 1, done: 1 }, bytes: { total: file.size, uploaded: file.size, downloaded: file.size } });
    for (const c of chunks) expect(new Uint8Array(await (await testEnv.BLOBS.get(`chunks/${owner.userId}/${c.sha256}`))!.arrayBuffer())).toEqual(c.bytes);
    // Both chunks in one call each way (a batch), each named with its length.
    const puts = asked.filter((a) => a.method === "files.stage.put.many");
    expect(puts.map((p) => p.params.chunks)).toEqual([chunks.map((c) => ({ sha256: c.sha256, length: c.length }))]);
    expect(puts.map((p) => new TextDecoder().decode(p.body))).toEqual(["first chunk;second chunk"]);
    expect(asked.filter((a) => a.method === "files.chunk.read.many").map((a) => a.params.reads.map((r: any) => r.sha256))).toEqual([chunks.map((c) => c.sha256)]);
    expect(asked.find((a) => a.method === "files.assemble.many")!.params).toEqual({ operation: operationId, files: [{ path: "/srv/b/a.bin", size: file.size, sha256: file.sha256, mode: 0o644, mtime_ms: 1000, chunks: chunks.map((c) => c.sha256) }] });
    expect(asked.some((a) => a.method === "files.stage.clear")).toBe(true);
    // Progress: sync-activity with the counts, and command-progress with a line per file.
    const activity = await until(() => {
      const mine = events.filter((e) => e.type === "cloud:sync-activity" && e.operationId === operationId);
      return mine.some((e) => e.state === "done") ? mine : null;
    });
    expect(activity.map((e) => [e.state, e.files.done, e.path ?? null])).toEqual([["running", 0, null], ["running", 1, "a.bin"], ["done", 1, null]]);
    expect(activity.at(-1)!.bytes).toEqual({ total: file.size, uploaded: file.size, downloaded: file.size, written: file.size });
    const progress = await until(() => {
      const mine = events.filter((e) => e.type === "cloud:command-progress" && e.actionId === operationId);
      return mine.length === 3 ? mine : null;
    });
    expect(progress.map((e) => e.status ?? e.data)).toEqual(["running", "a.bin\n", "success"]);

    // Again: R2 holds both chunks, so the source sends no content at all.
    asked.length = 0;
    const again = await finished(owner.access, (await json(await call("/api/cloud/sync/cross-instance", { token: owner.access, body }))).operationId);
    expect(again).toMatchObject({ state: "done", bytes: { uploaded: 0, downloaded: file.size } });
    expect(asked.filter((a) => a.method === "files.chunk.read.many")).toEqual([]);
  });

  it("creates folders first, links and touch-only metadata after the content, folders' mtimes last; lists every refusal; ends with bytes written = total", async () => {
    const owner = await register();
    const { source, destination, file, asked, body } = await pair(owner);
    const touched: ScanFile = { ...file, path: "same.bin", mtime_ms: 9000 };
    source.calls["files.scan"] = (p: any) => ({ result: null, body: JSON.stringify({
      root: p.path, files: [{ ...file, path: "nest/a.bin" }, touched], excluded: 0, skipped: [], hashed: 0,
      links: [{ path: "nest/in", target: "a.bin", mtime_ms: 5 }, { path: "out", target: "/etc", mtime_ms: 5 }, { path: "bad", target: "../b/.git/hooks", mtime_ms: 5 }],
      dirs: [{ path: "empty", mode: 0o755, mtime_ms: 3 }, { path: "nest", mode: 0o700, mtime_ms: 4 }],
    }) });
    destination.calls["files.scan"] = (p: any) => ({ result: null, body: JSON.stringify({
      root: p.path, files: [{ ...touched, mtime_ms: 1000 }], excluded: 0, skipped: [], hashed: 0, links: [], dirs: [],
      confinement: { real: "/srv/b", roots: ["/srv"] },
    }) });
    destination.calls["files.apply.many"] = (p: any, b: Uint8Array) => {
      asked.push({ side: "dst", method: "files.apply.many", params: p, body: b });
      return { result: { results: p.entries.map((e: any) => (e.path === "/srv/b/nest/in" ? { path: e.path, skipped: "refused by the writer" } : { path: e.path, done: true })) } };
    };
    const { operationId } = await json(await call("/api/cloud/sync/cross-instance", { token: owner.access, body: { ...body, sourcePath: "/srv/a", targetPath: "/srv/b" } }));
    const op = await finished(owner.access, operationId);
    expect(op.state, op.error).toBe("done");
    const applies = asked.filter((a) => a.method === "files.apply.many").map((a) => a.params.entries.map((e: any) => [e.kind, e.path]));
    expect(applies).toEqual([
      [["directory", "/srv/b/empty"], ["directory", "/srv/b/nest"]],
      [["symlink", "/srv/b/bad"], ["symlink", "/srv/b/nest/in"], ["metadata", "/srv/b/same.bin"]],
      [["metadata", "/srv/b/empty"], ["metadata", "/srv/b/nest"]],
    ]);
    const order = asked.map((a) => a.method).filter((m) => m === "files.apply.many" || m === "files.assemble.many");
    expect(order).toEqual(["files.apply.many", "files.assemble.many", "files.apply.many", "files.apply.many"]);
    expect(op.skipped).toEqual([
      { path: "out", side: "source", reason: "symlink to /etc: it would lead to /etc, outside the destination's project roots" },
      { path: "nest/in", side: "destination", reason: "refused by the writer" },
    ]);
    expect(op).toMatchObject({ files: { total: 1, done: 1 }, entries: { total: 7, done: 7 }, bytes: { total: file.size, written: file.size } });
  });

  it("fails the operation when a chunk arrives with other content, storing nothing under its hash", async () => {
    const owner = await register();
    const { source, chunks, asked, body } = await pair(owner, ["only chunk"]);
    source.calls["files.chunk.read.many"] = () => ({ result: null, body: "tampered!!" });
    const { operationId } = await json(await call("/api/cloud/sync/cross-instance", { token: owner.access, body }));
    const op = await finished(owner.access, operationId);
    expect(op.state).toBe("failed");
    expect(op.error).toMatch(/other content/);
    expect(await testEnv.BLOBS.head(`chunks/${owner.userId}/${chunks[0]!.sha256}`)).toBeNull();
    expect(asked.some((a) => a.method === "files.assemble.many")).toBe(false);
  });

  it("resumes when the source's agent drops mid-file: chunks already in R2 are not read again", async () => {
    const owner = await register();
    // Two chunks of 200 KiB: more than one call may carry, so each is read on its own.
    const { source, chunks, asked, body, file } = await pair(owner, [new Uint8Array(200 * 1024).fill(1), new Uint8Array(200 * 1024).fill(2)]);
    const reads: string[] = [];
    let dropped = false;
    source.calls["files.chunk.read.many"] = async (p) => {
      expect(p.reads).toHaveLength(1);
      const sha = p.reads[0].sha256;
      reads.push(sha);
      if (sha === chunks[1]!.sha256 && !dropped) {
        dropped = true;
        await new Promise((r) => setTimeout(r, 50)); // the other chunk's answer goes out first
        source.ws!.close(1011, "network gone");
        setTimeout(() => void source.connect(), 300);
        await new Promise(() => undefined); // never answers on the dead socket
      }
      return { result: null, body: chunks.find((c) => c.sha256 === sha)!.bytes };
    };
    const { operationId } = await json(await call("/api/cloud/sync/cross-instance", { token: owner.access, body }));
    const op = await until(async () => {
      const s = await json(await call(`/api/cloud/sync/operations/${encodeURIComponent(operationId)}`, { token: owner.access }));
      return s.state !== "running" ? s : null;
    }, 10_000);
    expect(op).toMatchObject({ state: "done", bytes: { uploaded: file.size } });
    expect(dropped).toBe(true);
    // The first chunk was read once; the second twice (the drop, then the retry).
    expect(reads.sort()).toEqual([chunks[0]!.sha256, chunks[1]!.sha256, chunks[1]!.sha256].sort());
    expect(asked.filter((a) => a.method === "files.assemble.many").length).toBe(1);
  });

  it("a cancel stops the sync before its next chunk: the destination assembles nothing", async () => {
    const owner = await register();
    const { source, chunks, asked, body } = await pair(owner);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    source.calls["files.chunk.read.many"] = async (p) => {
      await held;
      return { result: null, body: concat(p.reads.map((r: any) => chunks.find((c) => c.sha256 === r.sha256)!.bytes)) };
    };
    const { operationId } = await json(await call("/api/cloud/sync/cross-instance", { token: owner.access, body }));
    await until(() => asked.some((a) => a.method === "files.chunks.many"));
    const cancelled = await call(`/api/cloud/sync/operations/${encodeURIComponent(operationId)}/cancel`, { token: owner.access, method: "POST" });
    expect(cancelled.status).toBe(200);
    expect((await json(cancelled)).state).toBe("cancelled");
    release();
    const op = await finished(owner.access, operationId);
    expect(op.state).toBe("cancelled");
    await new Promise((r) => setTimeout(r, 200));
    expect(asked.some((a) => a.method === "files.assemble.many" || a.method === "files.stage.put.many")).toBe(false);
  });

  it("execute-from-comparison does only the files chosen from a compare's result", async () => {
    const owner = await register();
    const { asked, body, file } = await pair(owner);
    const compared = await json(await call("/api/cloud/sync/compare-cross-instance", { token: owner.access, body }));
    expect(compared.files.map((f: any) => [f.path, f.status])).toEqual([["a.bin", "new"]]);
    const none = await call("/api/cloud/sync/execute-from-comparison", { token: owner.access, body: { ...body, files: ["not-in-the-tree.txt"] } });
    expect(none.status).toBe(200);
    expect(await finished(owner.access, (await json(none)).operationId)).toMatchObject({ state: "done", files: { total: 0, done: 0 }, bytes: { uploaded: 0 } });
    expect(asked.some((a) => a.method === "files.chunk.read.many")).toBe(false);
    const chosen = await call("/api/cloud/sync/execute-from-comparison", { token: owner.access, body: { ...body, files: compared.files } });
    expect(await finished(owner.access, (await json(chosen)).operationId)).toMatchObject({ state: "done", files: { total: 1, done: 1 }, bytes: { uploaded: file.size } });
    expect((await call("/api/cloud/sync/execute-from-comparison", { token: owner.access, body: { ...body, files: [] } })).status).toBe(400);
    expect((await call("/api/cloud/sync/execute-from-comparison", { token: (await register()).access, body: { ...body, files: ["a.bin"] } })).status).toBe(404);
  });

  it("refuses to sync from an empty source before anything is written", async () => {
    const owner = await register();
    const { source, asked, body } = await pair(owner);
    source.calls["files.scan"] = (p) => ({ result: null, body: JSON.stringify({ root: p.path, files: [], excluded: 0, skipped: [], hashed: 0 }) });
    const res = await call("/api/cloud/sync/cross-instance", { token: owner.access, body: { ...body, options: { delete: true } } });
    expect(res.status).toBe(400);
    expect(errorOf(await json(res)).message).toMatch(/no files/);
    expect(asked.filter((a) => a.method !== "files.scan")).toEqual([]);
  });

  it("refuses a stranger, and a sharee without sync: on either instance, the sync and its status", async () => {
    const owner = await register();
    const { source, destination, body, asked } = await pair(owner);
    const { operationId } = await json(await call("/api/cloud/sync/cross-instance", { token: owner.access, body }));
    await finished(owner.access, operationId);
    asked.length = 0;
    const stranger = await register();
    expect((await call("/api/cloud/sync/cross-instance", { token: stranger.access, body })).status).toBe(404);
    expect((await call(`/api/cloud/sync/operations/${encodeURIComponent(operationId)}`, { token: stranger.access })).status).toBe(404);
    expect((await call(`/api/cloud/sync/operations/${encodeURIComponent(operationId)}/cancel`, { token: stranger.access, method: "POST" })).status).toBe(404);

    const sharee = await register();
    await share(owner, sharee, source.instanceId, ["read:cloud_instance", "sync:cloud_instance"]);
    await share(owner, sharee, destination.instanceId, ["read:cloud_instance"]);
    expect((await call("/api/cloud/sync/cross-instance", { token: sharee.access, body })).status).toBe(403);
    expect((await call(`/api/cloud/sync/operations/${encodeURIComponent(operationId)}`, { token: sharee.access })).status).toBe(404);
    expect(asked).toEqual([]);
    await share(owner, sharee, destination.instanceId, ["read:cloud_instance", "sync:cloud_instance"]);
    expect((await call(`/api/cloud/sync/operations/${encodeURIComponent(operationId)}`, { token: sharee.access })).status).toBe(200);
    expect((await call("/api/cloud/sync/operations/ins_nope.abcdefghij", { token: owner.access })).status).toBe(404);
  });
});

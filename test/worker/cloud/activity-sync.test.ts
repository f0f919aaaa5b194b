import { describe, expect, it } from "vitest";
import type { ScanFile } from "@anchorage/common";
import { call, json, register, type Session } from "../helpers.ts";
import { FakeAgent, until } from "./fake-agent.ts";

async function online(owner: Session, name: string) {
  const agent = await FakeAgent.register(owner, name);
  const hello = agent.helloMessage();
  await agent.connect({ hello: false });
  agent.send({ ...hello, config: { ...hello.config, name } });
  await until(async () => (await json(await call(`/api/cloud/instance/${agent.instanceId}`, { token: owner.access }))).name === name);
  return agent;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A source with one small file, a destination without it; the destination's write waits for `release`. */
async function heldPair(owner: Session) {
  const source = await online(owner, "sync-src");
  const destination = await online(owner, "sync-dst");
  const bytes = new TextEncoder().encode("one chunk of content");
  const hash = await sha256(bytes);
  const file: ScanFile = { path: "a.bin", size: bytes.length, mtime_ms: 1000, mode: 0o644, sha256: hash, md5: "0".repeat(32), text: false };
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  source.calls["files.scan"] = (p: any) => ({ result: null, body: JSON.stringify({ root: p.path, files: [file], excluded: 0, skipped: [], hashed: 0 }) });
  source.calls["files.chunks.many"] = (p: any) => ({ result: null, body: JSON.stringify(p.paths.map(() => ({ size: file.size, mode: 0o644, mtime_ms: 1000, sha256: hash, chunks: [{ offset: 0, length: bytes.length, sha256: hash }] }))) });
  source.calls["files.chunk.read.many"] = () => ({ result: null, body: bytes });
  destination.calls["files.scan"] = (p: any) => ({ result: null, body: JSON.stringify({ root: p.path, files: [], excluded: 0, skipped: [], hashed: 0 }) });
  destination.calls["files.stage.have"] = () => ({ result: { have: [] } });
  destination.calls["files.stage.put.many"] = () => ({ result: null });
  destination.calls["files.stage.clear"] = () => ({ result: null });
  destination.calls["files.assemble.many"] = async (p: any) => {
    await held;
    return { result: { files: p.files.map((f: any) => ({ path: f.path, created: true, backup: null })) } };
  };
  return { source, destination, release };
}

describe("GET /api/cloud/activity: syncs", () => {
  it("shows a sync as pending while its operation runs, then as done, read from the source's object", async () => {
    const owner = await register();
    const { source, destination, release } = await heldPair(owner);
    const res = await call("/api/cloud/sync/cross-instance", {
      token: owner.access,
      body: { sourceInstanceId: source.instanceId, destinationInstanceId: destination.instanceId, sourcePath: "/srv/a", targetPath: "/srv/b" },
    });
    expect(res.status).toBe(200);
    const syncs = async (query = "") => (await json(await call(`/api/cloud/activity?kind=sync${query}`, { token: owner.access }))).items;
    const [running] = await syncs();
    expect(running).toMatchObject({ kind: "sync", status: "pending", instance_id: source.instanceId, instance_name: "sync-src", actor_email: owner.email });
    expect(running.summary).toMatch(/^Sync of \/srv\/a to sync-dst:\/srv\/b: running \(0 of 1 file\)$/);
    expect((await syncs("&status=pending")).map((i: { id: string }) => i.id)).toEqual([running.id]);
    expect(await syncs("&status=success")).toEqual([]);

    release();
    const done = await until(async () => {
      const [item] = await syncs();
      return item.status !== "pending" ? item : null;
    });
    expect(done).toMatchObject({ id: running.id, status: "success", summary: "Sync of /srv/a to sync-dst:/srv/b: done (1 of 1 file)" });
    expect(await syncs("&status=pending")).toEqual([]);
  });
});

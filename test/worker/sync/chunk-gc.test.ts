import { describe, expect, it } from "vitest";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import worker from "../../../src/index.ts";
import { call, json, register, testEnv, unique, type Session } from "../helpers.ts";
import { FakeAgent, until } from "../cloud/fake-agent.ts";
import { openDb } from "../../../core/db/client.ts";
import { syncChunks } from "../../../core/db/schema.ts";
import { touchChunks } from "../../../core/sync-chunks/chunk-usage.ts";
import { chunkRetentionDays, collectChunks } from "../../../src/cloud/sync-chunks/collect-chunks.ts";
import type { ScanFile } from "@anchorage/common";

/**
 * Sync's chunks are collected (issue #7): R2 keeps `chunks/<owner>/<sha256>` while transfers use
 * it, and the hourly cron deletes those unused for SYNC_CHUNK_RETENTION_DAYS and every chunk of a
 * deleted user; a sync that finds its chunk collected uploads it again.
 */
const DAY = 86_400_000;
const db = () => openDb(testEnv.DB);
const sha = (n: number) => n.toString(16).padStart(64, "0");
const key = (owner: string, s: string) => `chunks/${owner}/${s}`;
const inR2 = async (owner: string, s: string) => (await testEnv.BLOBS.head(key(owner, s))) !== null;
const row = (owner: string, s: string) => db().select().from(syncChunks).where(and(eq(syncChunks.ownerId, owner), eq(syncChunks.sha256, s))).get();

async function putChunk(owner: string, s: string, usedAt: number) {
  await testEnv.BLOBS.put(key(owner, s), "x");
  await touchChunks(db(), owner, [{ sha256: s, length: 1 }], usedAt);
}

async function runCron() {
  const ctx = createExecutionContext();
  await worker.scheduled!(createScheduledController({ scheduledTime: Date.now(), cron: "17 * * * *" }), testEnv, ctx);
  await waitOnExecutionContext(ctx);
}

describe("sync chunk collection", () => {
  it("the hourly cron deletes chunks unused for 7 days and keeps the rest; a reuse keeps one alive", async () => {
    const owner = await register();
    const [old, recent, reused] = [sha(1), sha(2), sha(3)];
    await putChunk(owner.userId, old, Date.now() - 8 * DAY);
    await putChunk(owner.userId, recent, Date.now() - 6 * DAY);
    await putChunk(owner.userId, reused, Date.now() - 30 * DAY);
    await touchChunks(db(), owner.userId, [{ sha256: reused, length: 1 }]); // a transfer used it again just now
    await runCron();
    expect(await inR2(owner.userId, old)).toBe(false);
    expect(await row(owner.userId, old)).toBeUndefined();
    expect(await inR2(owner.userId, recent)).toBe(true);
    expect(await inR2(owner.userId, reused)).toBe(true);
    expect((await row(owner.userId, reused))!.lastUsedAt > new Date(Date.now() - 60_000).toISOString()).toBe(true);
  });

  it("is scoped to its owner: the same hash used by another user stays; a deleted user's chunks all go", async () => {
    const alice = await register();
    const bob = await register();
    const shared = sha(4);
    await putChunk(alice.userId, shared, Date.now() - 10 * DAY);
    await putChunk(bob.userId, shared, Date.now());
    const gone = unique("usr_gone");
    await putChunk(gone, sha(5), Date.now()); // fresh, but its user no longer exists
    const r = await collectChunks(db(), testEnv.BLOBS, 7);
    expect(r.deleted).toBeGreaterThanOrEqual(2);
    expect(await inR2(alice.userId, shared)).toBe(false);
    expect(await inR2(bob.userId, shared)).toBe(true);
    expect(await inR2(gone, sha(5))).toBe(false);
    expect(await row(gone, sha(5))).toBeUndefined();
  });

  it("honours SYNC_CHUNK_RETENTION_DAYS, and refuses a bad value instead of guessing", async () => {
    expect(chunkRetentionDays(undefined)).toBe(7);
    expect(chunkRetentionDays("30")).toBe(30);
    expect(() => chunkRetentionDays("0")).toThrow(/SYNC_CHUNK_RETENTION_DAYS/);
    expect(() => chunkRetentionDays("a week")).toThrow(/SYNC_CHUNK_RETENTION_DAYS/);
    const owner = await register();
    await putChunk(owner.userId, sha(6), Date.now() - 10 * DAY);
    await collectChunks(db(), testEnv.BLOBS, 30);
    expect(await inR2(owner.userId, sha(6))).toBe(true);
    await collectChunks(db(), testEnv.BLOBS, 9);
    expect(await inR2(owner.userId, sha(6))).toBe(false);
  });
});

describe("a sync and the collector", () => {
  async function online(owner: Session, name: string) {
    const agent = await FakeAgent.register(owner, name);
    expect((await agent.connect()).status).toBe(101);
    await until(async () => (await json(await call(`/api/cloud/instance/${agent.instanceId}`, { token: owner.access }))).status === "online");
    return agent;
  }

  it("records the chunks a sync uses; once collected, the next sync uploads them again; one collected mid-sync is uploaded again", async () => {
    const owner = await register();
    const source = await online(owner, "src");
    const destination = await online(owner, "dst");
    const bytes = new TextEncoder().encode("collected content");
    const digest = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
    const file: ScanFile = { path: "a.txt", size: bytes.length, mtime_ms: 1000, mode: 0o644, sha256: digest, md5: "0".repeat(32), text: false };
    let reads = 0;
    let collectBeforePull = false;
    source.calls["files.scan"] = (p) => ({ result: null, body: JSON.stringify({ root: p.path, files: [file], excluded: 0, skipped: [], hashed: 0 }) });
    source.calls["files.chunks.many"] = () => ({ result: null, body: JSON.stringify([{ size: file.size, mode: 0o644, mtime_ms: 1000, sha256: digest, chunks: [{ offset: 0, length: file.size, sha256: digest }] }]) });
    source.calls["files.chunk.read.many"] = () => (reads++, { result: null, body: bytes });
    destination.calls["files.scan"] = (p) => ({ result: null, body: JSON.stringify({ root: p.path, files: [], excluded: 0, skipped: [], hashed: 0 }) });
    destination.calls["files.stage.have"] = async () => {
      // The collector deleting the object between the source's check and the destination's pull.
      if (collectBeforePull) await testEnv.BLOBS.delete(key(owner.userId, digest));
      collectBeforePull = false;
      return { result: { have: [] } };
    };
    destination.calls["files.stage.put.many"] = () => ({ result: null });
    destination.calls["files.stage.clear"] = () => ({ result: null });
    destination.calls["files.assemble.many"] = (p) => ({ result: { files: p.files.map((f: any) => ({ path: f.path, created: true, backup: null })) } });
    const body = { sourceInstanceId: source.instanceId, destinationInstanceId: destination.instanceId, sourcePath: "/srv/a", targetPath: "/srv/b" };
    const sync = async () => {
      const { operationId } = await json(await call("/api/cloud/sync/cross-instance", { token: owner.access, body }));
      return until(async () => {
        const s = await json(await call(`/api/cloud/sync/operations/${encodeURIComponent(operationId)}`, { token: owner.access }));
        return s.state !== "running" ? s : null;
      });
    };

    expect(await sync()).toMatchObject({ state: "done", bytes: { uploaded: bytes.length } });
    const used = await row(owner.userId, digest);
    expect(used).toMatchObject({ size: bytes.length });
    expect(Date.parse(used!.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);

    // Unused for 8 days: the cron collects it, and the next sync reads it from the source again.
    await db().update(syncChunks).set({ lastUsedAt: new Date(Date.now() - 8 * DAY).toISOString() }).where(eq(syncChunks.ownerId, owner.userId));
    await runCron();
    expect(await inR2(owner.userId, digest)).toBe(false);
    expect(await sync()).toMatchObject({ state: "done", bytes: { uploaded: bytes.length } });
    expect(reads).toBe(2);

    // Held when checked, gone when pulled: uploaded again, and the sync still succeeds.
    collectBeforePull = true;
    expect(await sync()).toMatchObject({ state: "done", bytes: { uploaded: bytes.length } });
    expect(reads).toBe(3);
    expect(await inR2(owner.userId, digest)).toBe(true);
  });
});

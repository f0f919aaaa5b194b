import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { openDb } from "../../../core/db/client.ts";
import { auditLog } from "../../../core/db/schema.ts";
import { eventOwners } from "../../../src/audit/event-owners.ts";
import { call, json, register, testEnv } from "../helpers.ts";
import { FakeAgent } from "../cloud/fake-agent.ts";

/** A revoked share's event still reaches its grantee (the share row is gone by then); a pending one names nobody. */
describe("who hears of a revoked share", () => {
  it("the owner and the grantee of an accepted share; only the owner for a pending one", async () => {
    const owner = await register();
    const sharee = await register();
    const agent = await FakeAgent.register(owner);
    const accepted = await json(await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: agent.instanceId, permissions: ["read:cloud_instance"] } }));
    const pending = await json(await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: `nobody-${Date.now()}@example.test`, instance_id: agent.instanceId, permissions: ["read:cloud_instance"] } }));
    for (const s of [accepted, pending]) expect((await call("/api/cloud/shares/delete", { token: owner.access, body: { id: s.id } })).status).toBe(200);
    const db = openDb(testEnv.DB);
    const entry = async (id: string) => (await db.select().from(auditLog).where(eq(auditLog.subjectId, id)).all()).find((r) => r.action === "cloud.share_revoked")!;
    expect((await eventOwners(db, await entry(accepted.id))).sort()).toEqual([owner.userId, sharee.userId].sort());
    expect(await eventOwners(db, await entry(pending.id))).toEqual([owner.userId]);
  });
});

import { describe, expect, it } from "vitest";
import { call, errorOf, json, register } from "../helpers.ts";
import { FakeAgent, until } from "../cloud/fake-agent.ts";
import { openDb } from "../../../core/db/client.ts";
import { testEnv } from "../helpers.ts";
import { resolveTarget } from "../../../src/cloud/fleet/fleet-target.ts";
import { principalFor } from "./principal-for.ts";

const patch = (token: string, id: string, body: unknown) => call(`/api/cloud/instances/${id}`, { method: "PATCH", token, body });
const list = async (token: string, query = "") => (await json(await call(`/api/cloud/instances${query}`, { token }))).instances as { id: string; tags: string[] }[];

describe("instance tags", () => {
  it("the owner sets tags, the list shows and filters by them, and the config's tags stay beside the owner's", async () => {
    const owner = await register();
    const a = await FakeAgent.register(owner, "a");
    const b = await FakeAgent.register(owner, "b");
    const res = await patch(owner.access, a.instanceId, { tags: ["web", "eu"] });
    expect(res.status).toBe(200);
    expect((await json(res)).tags).toEqual(["eu", "web"]);
    expect((await list(owner.access, "?tag=web")).map((i) => i.id)).toEqual([a.instanceId]);
    expect(await list(owner.access, "?tag=db")).toEqual([]);

    // b's agent declares its own tags in its config: they arrive with its hello.
    await b.connect({ hello: false });
    const hello = b.helloMessage();
    b.send({ ...hello, config: { ...hello.config, tags: ["web", "db"] } });
    await until(async () => (await list(owner.access, "?tag=db")).length === 1);
    expect((await list(owner.access, "?tag=web")).map((i) => i.id).sort()).toEqual([a.instanceId, b.instanceId].sort());
    // The owner's PATCH replaces only the owner's tags.
    const both = await json(await patch(owner.access, b.instanceId, { tags: ["blue"] }));
    expect(both.tags).toEqual(["blue", "db", "web"]);
    expect(both.config_tags).toEqual(["db", "web"]);
    expect((await json(await patch(owner.access, b.instanceId, { tags: [] }))).tags).toEqual(["db", "web"]);
    b.ws?.close();
  });

  it("refuses bad tags with a 400 naming the field and changes nothing", async () => {
    const owner = await register();
    const a = await FakeAgent.register(owner);
    await patch(owner.access, a.instanceId, { tags: ["keep"] });
    for (const tags of [["Web"], ["a b"], ["x".repeat(33)], ["dup", "dup"], Array.from({ length: 21 }, (_, i) => `t${i}`), [""]]) {
      const res = await patch(owner.access, a.instanceId, { tags });
      expect(res.status, JSON.stringify(tags)).toBe(400);
      const err = errorOf(await json(res));
      expect(err.code).toBe("E-VALIDATION");
      expect(err.fields?.[0]?.path).toMatch(/^tags/);
    }
    expect((await patch(owner.access, a.instanceId, { tags: ["x"], name: "n" })).status).toBe(400);
    expect((await list(owner.access))[0]!.tags).toEqual(["keep"]);
    expect((await call("/api/cloud/instances?tag=Bad!", { token: owner.access })).status).toBe(400);
  });

  it("a sharee without manage may not tag (403), a stranger gets 404, and tags never reach another tenant's filter", async () => {
    const owner = await register();
    const sharee = await register();
    const stranger = await register();
    const a = await FakeAgent.register(owner);
    expect((await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: a.instanceId } })).status).toBe(200);
    expect((await patch(sharee.access, a.instanceId, { tags: ["mine"] })).status).toBe(403);
    expect((await patch(stranger.access, a.instanceId, { tags: ["mine"] })).status).toBe(404);
    await patch(owner.access, a.instanceId, { tags: ["shared-tag"] });
    expect((await list(sharee.access, "?tag=shared-tag")).map((i) => i.id)).toEqual([a.instanceId]);
    expect(await list(stranger.access, "?tag=shared-tag")).toEqual([]);
  });

  it("resolves a target: a tag covers what the caller sees, a list reports what it may not act on, and nothing matched is a 400", async () => {
    const owner = await register();
    const sharee = await register();
    const a = await FakeAgent.register(owner, "a");
    const b = await FakeAgent.register(owner, "b");
    const other = await FakeAgent.register(await register(), "other");
    await patch(owner.access, a.instanceId, { tags: ["web"] });
    await patch(owner.access, b.instanceId, { tags: ["web"] });
    await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: a.instanceId, permissions: ["read:cloud_instance", "command:cloud_instance"] } });
    await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: b.instanceId, permissions: ["read:cloud_instance"] } });
    const db = openDb(testEnv.DB);
    const forOwner = await resolveTarget(db, await principalFor(owner), { tag: "web" }, "command:cloud_instance");
    expect(forOwner.members.map((m) => m.instance.id).sort()).toEqual([a.instanceId, b.instanceId].sort());
    const forSharee = await resolveTarget(db, await principalFor(sharee), { instanceIds: [a.instanceId, b.instanceId, other.instanceId] }, "command:cloud_instance");
    expect(forSharee.members.map((m) => m.instance.id)).toEqual([a.instanceId]);
    expect(forSharee.refused.map((r) => [r.instanceId, r.reason]).sort()).toEqual(
      [[b.instanceId, "not allowed to command:cloud_instance on this instance"], [other.instanceId, "instance not found"]].sort(),
    );
    await expect(resolveTarget(db, await principalFor(owner), { tag: "none" }, "command:cloud_instance")).rejects.toMatchObject({ code: "E-VALIDATION" });
  });
});

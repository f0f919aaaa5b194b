import { describe, expect, it } from "vitest";
import { call, errorOf, json, PASSWORD, register, uniqueEmail } from "../helpers.ts";
import { FakeAgent } from "./fake-agent.ts";

const save = (owner: { access: string }, body: Record<string, unknown>, env?: Record<string, string>) => call("/api/cloud/shares/save", { token: owner.access, body, env: env as never });
const outbox = async (to: string): Promise<{ subject: string; text: string }[]> => (await json(await call(`/api/dev/outbox?to=${encodeURIComponent(to)}`))).messages;
/** What tells two answers apart besides the values the caller chose: the keys and their types. */
const shape = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === null ? "null" : typeof v]));

describe("sharing by email does not tell who has an account", () => {
  it("answers a known and an unknown email alike: same status, same shape, and no user id", async () => {
    const owner = await register();
    const known = await register();
    const unknown = uniqueEmail();
    const a = await save(owner, { grantee_email: known.email, permissions: ["read:cloud_instance"] });
    const b = await save(owner, { grantee_email: unknown, permissions: ["read:cloud_instance"] });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    const [ka, kb] = [await json(a), await json(b)];
    expect(shape(ka)).toEqual(shape(kb));
    expect(ka).not.toHaveProperty("grantee_id");
    expect(JSON.stringify(ka)).not.toContain(known.userId);
    expect(ka.grantee_email).toBe(known.email.toLowerCase());
    expect(kb.grantee_email).toBe(unknown.toLowerCase());
    expect(ka.active).toBe(kb.active);

    // The owner's list does not tell them apart either.
    const { given } = await json(await call("/api/cloud/shares/list", { token: owner.access }));
    expect(given.map((g: { id: string }) => g.id).sort()).toEqual([ka.id, kb.id].sort());
    expect(shape(given[0])).toEqual(shape(given[1]));
    expect(JSON.stringify(given)).not.toContain(known.userId);
  });

  it("mails an invitation to an unknown email, with an invite code when registration is by invitation", async () => {
    const owner = await register();
    const open = uniqueEmail();
    expect((await save(owner, { grantee_email: open })).status).toBe(200);
    const [mail] = await outbox(open);
    expect(mail!.subject).toMatch(/invited you to Anchorage/);
    expect(mail!.text).toContain(open);
    expect(mail!.text).not.toMatch(/inv_/);

    const invited = uniqueEmail();
    expect((await save(owner, { grantee_email: invited }, { REGISTRATION: "invite" })).status).toBe(200);
    const [invitation] = await outbox(invited);
    const code = /inv_[A-Za-z0-9_-]+/.exec(invitation!.text)?.[0];
    expect(code).toBeTruthy();
    // The code opens registration for that address only.
    expect((await call("/auth/register", { body: { email: uniqueEmail(), password: PASSWORD, invite: code }, env: { REGISTRATION: "invite" } as never })).status).toBe(403);
    expect((await call("/auth/register", { body: { email: invited, password: PASSWORD, invite: code }, env: { REGISTRATION: "invite" } as never })).status).toBe(201);
  });

  it("a pending share grants nothing until that email signs up, then it is theirs", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    const email = uniqueEmail();
    const saved = await json(await save(owner, { grantee_email: email, instance_id: agent.instanceId, permissions: ["read:cloud_instance"] }));
    const stranger = await register();
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { token: stranger.access })).status).toBe(404);

    const grantee = await register(email);
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { token: grantee.access })).status).toBe(200);
    const { received } = await json(await call("/api/cloud/shares/list", { token: grantee.access }));
    expect(received).toEqual([expect.objectContaining({ id: saved.id, owner_id: owner.userId, grantee_id: grantee.userId, permissions: ["read:cloud_instance"] })]);
    // Moved, not copied: the owner still has one share with that id.
    const { given } = await json(await call("/api/cloud/shares/list", { token: owner.access }));
    expect(given.map((g: { id: string }) => g.id)).toEqual([saved.id]);
  });

  it("a pending share can be changed and revoked like any other; revoked, it never becomes real", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    const email = uniqueEmail();
    const saved = await json(await save(owner, { grantee_email: email, instance_id: agent.instanceId, permissions: ["read:cloud_instance"] }));
    const changed = await save(owner, { id: saved.id, enabled: false });
    expect(changed.status).toBe(200);
    expect(await json(changed)).toMatchObject({ id: saved.id, enabled: false, active: false, grantee_email: email.toLowerCase() });
    // Another user cannot touch it.
    const other = await register();
    expect((await save(other, { id: saved.id, enabled: true })).status).toBe(404);
    expect((await call("/api/cloud/shares/delete", { token: other.access, body: { id: saved.id } })).status).toBe(404);

    expect((await call("/api/cloud/shares/delete", { token: owner.access, body: { id: saved.id } })).status).toBe(200);
    const grantee = await register(email);
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { token: grantee.access })).status).toBe(404);
    expect((await json(await call("/api/cloud/shares/list", { token: grantee.access }))).received).toEqual([]);
  });

  it("limits new shares per account: 429 E-RATE-LIMIT with Retry-After", async () => {
    const owner = await register();
    for (let i = 0; i < 30; i++) expect((await save(owner, { grantee_email: uniqueEmail() })).status).toBe(200);
    const refused = await save(owner, { grantee_email: uniqueEmail() });
    expect(refused.status).toBe(429);
    expect(errorOf(await json(refused)).code).toBe("E-RATE-LIMIT");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another owner is not held back by it.
    expect((await save(await register(), { grantee_email: uniqueEmail() })).status).toBe(200);
  });
});

import { describe, expect, it } from "vitest";
import { call, errorOf, json, seedAdmin, uniqueEmail, PASSWORD } from "../helpers.ts";

const inviteOnly = { REGISTRATION: "invite" };

describe("invite-only registration", () => {
  it("refuses registration without an invite", async () => {
    const res = await call("/auth/register", { body: { email: uniqueEmail(), password: PASSWORD }, env: inviteOnly });
    expect(res.status).toBe(403);
    expect(errorOf(await json(res)).message).toMatch(/invitation/);
  });

  it("lets an invite be used exactly once", async () => {
    const admin = await seedAdmin();
    const invite = await json(await call("/admin/invites", { token: admin.access, body: {} }));
    expect(invite.code).toMatch(/^inv_/);
    const first = await call("/auth/register", { body: { email: uniqueEmail(), password: PASSWORD, invite: invite.code }, env: inviteOnly });
    expect(first.status).toBe(201);
    const second = await call("/auth/register", { body: { email: uniqueEmail(), password: PASSWORD, invite: invite.code }, env: inviteOnly });
    expect(second.status).toBe(403);
    const listed = await json(await call("/admin/invites", { token: admin.access }));
    expect(JSON.stringify(listed)).not.toContain(invite.code);
  });

  it("binds an invite to its email", async () => {
    const admin = await seedAdmin();
    const email = uniqueEmail();
    const invite = await json(await call("/admin/invites", { token: admin.access, body: { email } }));
    const wrong = await call("/auth/register", { body: { email: uniqueEmail(), password: PASSWORD, invite: invite.code }, env: inviteOnly });
    expect(wrong.status).toBe(403);
    const right = await call("/auth/register", { body: { email: email.toUpperCase(), password: PASSWORD, invite: invite.code }, env: inviteOnly });
    expect(right.status).toBe(201);
  });

  it("does not burn the invite when registration fails on a taken email", async () => {
    const admin = await seedAdmin();
    const invite = await json(await call("/admin/invites", { token: admin.access, body: {} }));
    const taken = await call("/auth/register", { body: { email: admin.email, password: PASSWORD, invite: invite.code }, env: inviteOnly });
    expect(taken.status).toBe(409);
    const ok = await call("/auth/register", { body: { email: uniqueEmail(), password: PASSWORD, invite: invite.code }, env: inviteOnly });
    expect(ok.status).toBe(201);
  });

  it("refuses everyone when registration is closed", async () => {
    const res = await call("/auth/register", { body: { email: uniqueEmail(), password: PASSWORD }, env: { REGISTRATION: "closed" } });
    expect(res.status).toBe(403);
  });
});

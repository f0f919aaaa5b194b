import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { call, errorOf, json, PASSWORD, register, seedAdmin, seedUser, testEnv, uniqueIp, type Session } from "../helpers.ts";

const basic = (email: string, password = PASSWORD) => `Basic ${btoa(`${email}:${password}`)}`;
const mint = (query: string, authorization?: string, env?: Record<string, string>) =>
  call(`/auth/access-token${query}`, { headers: authorization ? { authorization } : {}, env });

async function minted(query: string, authorization: string) {
  const res = await mint(query, authorization);
  expect(res.status).toBe(200);
  expect(res.headers.get("cache-control")).toBe("no-store");
  return json<{ access_token: string; token_type: string; expires_in: number; roles: string[]; session_id: string }>(res);
}

const canAdminister = async (token: string) => (await call("/admin/users", { token })).status;

describe("GET /auth/access-token", () => {
  it("trades an email and password for a token bound to a session of its own, as short-lived as the token", async () => {
    const user = await register();
    const t = await minted("?ttl=120", basic(user.email));
    expect(t).toMatchObject({ token_type: "Bearer", expires_in: 120, roles: ["user"] });
    expect((await json(await call("/auth/user", { token: t.access_token }))).id).toBe(user.userId);
    const sessions = (await json(await call("/api/settings/sessions", { token: user.access }))).sessions;
    const own = sessions.find((s: { id: string }) => s.id === t.session_id);
    expect(own.provider).toBe("access-token");
    expect(Date.parse(own.expires_at) - Date.now()).toBeLessThanOrEqual(121_000);

    // Revoking that session ends the token at once.
    expect((await call(`/api/settings/sessions/${t.session_id}`, { method: "DELETE", token: user.access })).status).toBe(200);
    expect((await call("/auth/user", { token: t.access_token })).status).toBe(401);
  });

  it("gives a subset of the roles: an admin's user-only token cannot administer", async () => {
    const admin = await seedAdmin();
    expect(await canAdminister(admin.access)).toBe(200);
    const t = await minted("?roles=user", basic(admin.email));
    expect(t.roles).toEqual(["user"]);
    expect(await canAdminister(t.access_token)).toBe(403);
    expect((await json(await call("/auth/validate", { body: { token: t.access_token } }))).roles).toEqual(["user"]);
    // All of them when none are named.
    expect(await canAdminister((await minted("", basic(admin.email))).access_token)).toBe(200);
  });

  it("never gives a role the user does not hold, by password or by token, and makes no session when refusing", async () => {
    const user = await seedUser();
    const before = (await json(await call("/api/settings/sessions", { token: user.access }))).sessions.length;
    for (const auth of [basic(user.email), `Bearer ${user.access}`]) {
      const res = await mint("?roles=user,admin", auth);
      expect(res.status).toBe(403);
      expect(errorOf(await json(res)).message).toMatch(/do not hold the role admin/);
    }
    expect((await json(await call("/api/settings/sessions", { token: user.access }))).sessions).toHaveLength(before);
  });

  it("caps the roles it names: a later promotion does not reach a user-only token", async () => {
    const admin = await seedAdmin();
    const user = await seedUser();
    const t = await minted("?roles=user", `Bearer ${user.access}`);
    await call(`/admin/users/${user.userId}`, { method: "PATCH", token: admin.access, body: { roles: ["user", "admin"] } });
    expect(await canAdminister(user.access)).toBe(200);
    expect(await canAdminister(t.access_token)).toBe(403);
  });

  it("caps the lifetime at ACCESS_TOKEN_MAX_TTL_SECONDS", async () => {
    const user = await register();
    expect((await minted("?ttl=5000", basic(user.email))).expires_in).toBe(900);
    expect((await minted("", basic(user.email))).expires_in).toBe(900);
    const res = await mint("?ttl=600", basic(user.email), { ACCESS_TOKEN_MAX_TTL_SECONDS: "60" });
    const t = await json(res);
    expect(t.expires_in).toBe(60);
    const claims = decodeJwt(t.access_token);
    expect(claims.exp! - claims.iat!).toBe(60);
    expect((await mint("?ttl=0", basic(user.email))).status).toBe(400);
    expect((await mint("?roles=root", basic(user.email))).status).toBe(400);
  });

  it("lends a session's token its session, and never outlives it: signing out ends both", async () => {
    const user: Session = await register();
    const parentExp = decodeJwt(user.access).exp!;
    const child = await minted("?ttl=900", `Bearer ${user.access}`);
    expect(child.session_id).toBe(user.sessionId);
    // Chained, it still ends with the token it came from.
    const grandchild = await minted("?ttl=900", `Bearer ${child.access_token}`);
    expect(decodeJwt(child.access_token).exp).toBeLessThanOrEqual(parentExp);
    expect(decodeJwt(grandchild.access_token).exp).toBeLessThanOrEqual(parentExp);

    expect((await call("/auth/logout", { method: "POST", token: user.access })).status).toBe(200);
    expect((await call("/auth/user", { token: child.access_token })).status).toBe(401);
    expect((await call("/auth/user", { token: grandchild.access_token })).status).toBe(401);
  });

  it("never takes a password alone for an account with a passkey (its second factor), but takes its session's token", async () => {
    const user = await seedUser();
    await testEnv.DB.prepare("INSERT INTO passkeys (id, user_id, public_key, counter, backed_up, name, created_at) VALUES (?1, ?2, 'pk', 0, 0, 'key', ?3)")
      .bind(`cred-${user.userId}`, user.userId, new Date().toISOString()).run();
    const res = await mint("", basic(user.email));
    expect(res.status).toBe(403);
    expect(errorOf(await json(res)).message).toMatch(/passkey/);
    expect((await mint("", `Bearer ${user.access}`)).status).toBe(200);
  });

  it("refuses API tokens, missing credentials and wrong passwords", async () => {
    const user = await seedUser();
    const token = await json(await call("/api/tokens", { token: user.access, body: { name: "ci", scopes: [{ scope: `cloud.${user.userId}.instances`, actions: ["read"] }] } }));
    expect((await mint("", `Bearer ${token.token}`)).status).toBe(403);

    const none = await mint("");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Basic realm="Anchorage"/);
    expect((await mint("", "Digest abc")).status).toBe(401);
    expect((await mint("", `Basic ${btoa("no-colon")}`)).status).toBe(401);

    const wrong = await call("/auth/access-token", { headers: { authorization: basic(user.email, "not the password") }, ip: uniqueIp() });
    expect(wrong.status).toBe(401);
    expect(errorOf(await json(wrong)).message).toBe("invalid email or password");
  });
});

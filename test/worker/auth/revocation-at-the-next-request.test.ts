import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { call, cookieHeader, errorOf, json, ORIGIN, PASSWORD, register, seedAdmin, testEnv, type Session, login } from "../helpers.ts";
import { FakeAgent } from "../cloud/fake-agent.ts";
import type { Env } from "../../../core/env.ts";
import { openDb } from "../../../core/db/client.ts";
import { apiTokens, sessions } from "../../../core/db/schema.ts";
import { sha256Hex } from "../../../core/ids.ts";
import { CALL_COUNTS_HEADER } from "../../../src/http/call-counts.ts";
import { sessionKey, tokenKey } from "../../../src/auth/principal-cache/forget.ts";
import { keepCopy } from "../../../src/auth/principal-cache/keep-copy.ts";
import { ISOLATE_TTL_MS } from "../../../src/auth/principal-cache/isolate-copies.ts";
import { ENTRY_TTL_SECONDS, readEntry, writeEntry } from "../../../src/auth/principal-cache/location-cache.ts";
import { readSessionSnapshot, type SessionSnapshot } from "../../../src/auth/principal-cache/session-entry.ts";
import type { TokenSnapshot } from "../../../src/auth/principal-cache/token-entry.ts";

/**
 * A signed-in request is answered from this location's copy of its session or token (no D1
 * call), and every way of ending one takes effect on the very next request all the same: each
 * test first makes the location hold the copy, then changes it through the app, then asks again.
 */

const counted = { ANCHORAGE_BENCH_CALLS: "1" } as Partial<Env>;
const callsOf = async (res: Response) => JSON.parse(res.headers.get(CALL_COUNTS_HEADER)!) as { d1: number; kv: number; do: number; cache: number };
const db = () => openDb(testEnv.DB);

async function expectSignedIn(token: string) {
  expect((await call("/auth/user", { token })).status).toBe(200);
}

async function expectRefused(o: Parameters<typeof call>[1], path = "/auth/user") {
  const res = await call(path, o);
  expect(res.status).toBe(401);
  expect(errorOf(await json(res)).code).toBe("E-AUTH-UNAUTH");
}

async function createToken(s: Session, scope = `cloud.${s.userId}`) {
  const res = await call("/api/tokens", { token: s.access, body: { name: "t", scopes: [{ scope, actions: ["read"] }] } });
  expect(res.status).toBe(201);
  return (await json(res)) as { id: string; token: string };
}

async function cookieSession(email: string) {
  const res = await call("/auth/login", { body: { email, password: PASSWORD, transport: "cookie" }, origin: ORIGIN });
  expect(res.status).toBe(200);
  return cookieHeader(res);
}

describe("the location cache in the steady state", () => {
  it("answers a signed-in request without D1 or KV once this location holds the session", async () => {
    const s = await register();
    const first = await call("/auth/user", { token: s.access, env: counted });
    expect(first.status).toBe(200);
    expect((await callsOf(first)).d1).toBe(1);
    // Within ISOLATE_TTL_MS this isolate's own copy answers: no call at all.
    const again = await call("/auth/user", { token: s.access, env: counted });
    expect(again.status).toBe(200);
    expect(await callsOf(again)).toEqual({ d1: 0, kv: 0, do: 0, cache: 0 });
    // After it, the location's copy: one cache lookup, still no D1 or KV.
    await new Promise((r) => setTimeout(r, ISOLATE_TTL_MS + 50));
    const later = await call("/auth/user", { token: s.access, env: counted });
    expect(later.status).toBe(200);
    expect(await callsOf(later)).toEqual({ d1: 0, kv: 0, do: 0, cache: 1 });
  });

  it("answers an API token's call without reading the token from D1 once this location holds it", async () => {
    const s = await register();
    const t = await createToken(s);
    for (const token of [t.token, s.access]) expect((await call("/api/cloud/instances", { token })).status).toBe(200);
    const byToken = await call("/api/cloud/instances", { token: t.token, env: counted });
    const bySession = await call("/api/cloud/instances", { token: s.access, env: counted });
    expect(byToken.status).toBe(200);
    // Both are held here: what is left is the route's own listing of instances, the same for both.
    expect(await callsOf(byToken)).toEqual(await callsOf(bySession));
    expect((await callsOf(byToken)).kv).toBe(0);
    // A route a token may not use: the token is established (from the copy), then refused, with no call at all.
    const refused = await call("/auth/user", { token: t.token, env: counted });
    expect(refused.status).toBe(403);
    expect((await callsOf(refused)).d1).toBe(0);
    expect((await callsOf(refused)).kv).toBe(0);
  });

  it("never keeps a password hash or a token hash in a copy", async () => {
    const s = await register();
    const t = await createToken(s);
    await expectSignedIn(s.access);
    expect((await call("/api/cloud/instances", { token: t.token })).status).toBe(200);
    const session = await readEntry<SessionSnapshot>(sessionKey(s.sessionId), Date.now());
    const token = await readEntry<{ snapshot: TokenSnapshot }>(tokenKey(await sha256Hex(t.token)), Date.now());
    expect(session?.value.live).toBe(true);
    expect(token?.value.snapshot.token.id).toBe(t.id);
    for (const copy of [JSON.stringify(session), JSON.stringify(token)]) {
      expect(copy).not.toMatch(/passwordHash|argon2|tokenHash/);
    }
  });
});

describe("a change answers only once no isolate can hold the old state", () => {
  it("holds the answer of a logout for at least ISOLATE_TTL_MS", async () => {
    const s = await register();
    expect((await call("/auth/user", { token: s.access })).status).toBe(200);
    const t = Date.now();
    expect((await call("/auth/logout", { method: "POST", token: s.access })).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(ISOLATE_TTL_MS);
  });
});

describe("ending a session reaches the very next request, though this location held it", () => {
  it("logout, with a Bearer token", async () => {
    const s = await register();
    await expectSignedIn(s.access);
    expect((await call("/auth/logout", { method: "POST", token: s.access })).status).toBe(200);
    await expectRefused({ token: s.access });
  });

  it("logout, with the dashboard's cookie", async () => {
    const s = await register();
    const cookie = await cookieSession(s.email);
    expect((await call("/auth/user", { cookie })).status).toBe(200);
    expect((await call("/auth/logout", { method: "POST", cookie, origin: ORIGIN })).status).toBe(200);
    await expectRefused({ cookie });
  });

  it("a session ended from Settings, by another session of the same person", async () => {
    const s = await register();
    const other = await login(s.email);
    await expectSignedIn(other.access);
    expect((await call(`/api/settings/sessions/${other.sessionId}`, { method: "DELETE", token: s.access })).status).toBe(200);
    await expectRefused({ token: other.access });
    await expectSignedIn(s.access);
  });

  it("a session ended by an admin", async () => {
    const admin = await seedAdmin();
    const s = await register();
    await expectSignedIn(s.access);
    expect((await call(`/admin/sessions/${s.sessionId}`, { method: "DELETE", token: admin.access })).status).toBe(200);
    await expectRefused({ token: s.access });
  });

  it("sign out everywhere", async () => {
    const s = await register();
    const other = await login(s.email);
    await expectSignedIn(other.access);
    expect((await call("/auth/logout-all", { method: "POST", token: s.access, body: {} })).status).toBe(200);
    await expectRefused({ token: other.access });
    await expectRefused({ token: s.access });
  });

  it("a password change: every other session ends, the caller's goes on", async () => {
    const s = await register();
    const other = await login(s.email);
    await expectSignedIn(other.access);
    await expectSignedIn(s.access);
    const res = await call("/api/settings/password", { method: "PUT", token: s.access, body: { current_password: PASSWORD, new_password: "another long password" } });
    expect(res.status).toBe(200);
    await expectRefused({ token: other.access });
    await expectSignedIn(s.access);
  });

  it("a reused refresh token, which ends its whole family", async () => {
    const s = await register();
    const rotated = await json(await call("/auth/refresh", { body: { refresh_token: s.refresh } }));
    await expectSignedIn(rotated.tokens.access_token);
    expect((await call("/auth/refresh", { body: { refresh_token: s.refresh } })).status).toBe(401);
    await expectRefused({ token: rotated.tokens.access_token });
  });

  it("the proxy: a proxy token and the app host's cookie of an ended session open nothing", async () => {
    const s = await register();
    const slug = `rev-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const registered = await call("/api/cloud/instances/register", {
      token: s.access,
      body: { name: slug, public_key: { kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" }, proxy: { slug, target: "http://127.0.0.1:9", access: "users" } },
    });
    const instanceId = (await json(registered)).instance_id as string;
    const handoff = (await json(await call("/auth/proxy-token", { token: s.access, body: { instance_id: instanceId } }))).proxy_token as string;
    const other = (await json(await call("/auth/proxy-token", { token: s.access, body: { instance_id: instanceId } }))).proxy_token as string;
    const traded = await call(`/__anchorage/session?token=${encodeURIComponent(other)}&next=/`, { headers: { host: `${slug}.localhost:8787` } });
    const proxyCookie = traded.headers.getSetCookie()[0]!.split(";")[0]!;
    // Let in (no agent is connected, so the instance answers 503 after the access check).
    expect((await call(`/p/${slug}/`, { headers: { "x-anchorage-proxy-token": handoff } })).status).toBe(503);
    expect((await call("/", { headers: { host: `${slug}.localhost:8787`, cookie: proxyCookie } })).status).toBe(503);
    expect((await call("/auth/logout", { method: "POST", token: s.access })).status).toBe(200);
    expect((await call(`/p/${slug}/`, { headers: { "x-anchorage-proxy-token": handoff } })).status).toBe(401);
    expect((await call("/", { headers: { host: `${slug}.localhost:8787`, cookie: proxyCookie } })).status).toBe(401);
  });
});

describe("changing a user reaches the very next request, though this location held them", () => {
  it("disabling: their access token and API token stop at once", async () => {
    const admin = await seedAdmin();
    const s = await register();
    const t = await createToken(s);
    await expectSignedIn(s.access);
    expect((await call("/api/cloud/instances", { token: t.token })).status).toBe(200);
    expect((await call(`/admin/users/${s.userId}`, { method: "PATCH", token: admin.access, body: { disabled: true } })).status).toBe(200);
    await expectRefused({ token: s.access });
    await expectRefused({ token: t.token }, "/api/cloud/instances");
  });

  it("a demotion: an admin made a user loses the admin routes at once", async () => {
    const admin = await seedAdmin();
    const other = await seedAdmin();
    expect((await call("/auth/users", { token: other.access })).status).toBe(200);
    expect((await call(`/admin/users/${other.userId}`, { method: "PATCH", token: admin.access, body: { roles: ["user"] } })).status).toBe(200);
    expect((await call("/auth/users", { token: other.access })).status).toBe(403);
  });

  it("deleting: their tokens are refused at once", async () => {
    const admin = await seedAdmin();
    const s = await register();
    const t = await createToken(s);
    await expectSignedIn(s.access);
    expect((await call("/api/cloud/instances", { token: t.token })).status).toBe(200);
    expect((await call(`/admin/users/${s.userId}`, { method: "DELETE", token: admin.access })).status).toBe(200);
    await expectRefused({ token: s.access });
    await expectRefused({ token: t.token }, "/api/cloud/instances");
  });

  it("a new name shows on the next request", async () => {
    const s = await register();
    await expectSignedIn(s.access);
    expect((await call("/auth/user", { method: "PUT", token: s.access, body: { name: "Renamed" } })).status).toBe(200);
    expect((await json(await call("/auth/user", { token: s.access }))).name).toBe("Renamed");
  });
});

describe("changing an API token reaches its very next call, though this location held it", () => {
  it("revoking it", async () => {
    const s = await register();
    const t = await createToken(s);
    expect((await call("/api/cloud/instances", { token: t.token })).status).toBe(200);
    expect((await call(`/api/tokens/${t.id}`, { method: "DELETE", token: s.access })).status).toBe(200);
    await expectRefused({ token: t.token }, "/api/cloud/instances");
  });

  it("a service account's new scopes, and its deletion", async () => {
    const s = await register();
    const agent = await FakeAgent.register(s);
    const account = await json(await call("/api/service-accounts", { token: s.access, body: { name: "ci", scopes: [{ scope: `cloud.${s.userId}.instances`, actions: ["read"] }] } }));
    const t = await json(await call(`/api/service-accounts/${account.id}/tokens`, { token: s.access, body: { name: "ci" } }));
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { token: t.token })).status).toBe(200);
    const narrowed = await call(`/api/service-accounts/${account.id}/scopes`, { method: "PUT", token: s.access, body: { scopes: [{ scope: `storage.${s.userId}.data`, actions: ["read"] }] } });
    expect(narrowed.status).toBe(200);
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { token: t.token })).status).toBe(404);
    expect((await call(`/api/service-accounts/${account.id}`, { method: "DELETE", token: s.access })).status).toBe(200);
    await expectRefused({ token: t.token }, `/api/cloud/instance/${agent.instanceId}`);
  });
});

describe("a share revoked reaches the sharee's very next request, though this location held their session", () => {
  it("refuses the instance at once", async () => {
    const owner = await register();
    const sharee = await register();
    const agent = await FakeAgent.register(owner);
    const share = await json(await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: agent.instanceId, permissions: ["read:cloud_instance"] } }));
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { token: sharee.access })).status).toBe(200);
    expect((await call("/api/cloud/shares/delete", { token: owner.access, body: { id: share.id } })).status).toBe(200);
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { token: sharee.access })).status).toBe(404);
  });

  it("reads the share from a copy in the steady state, and every change to it on the very next request", async () => {
    const owner = await register();
    const sharee = await register();
    const agent = await FakeAgent.register(owner);
    const path = `/api/cloud/instance/${agent.instanceId}`;
    const share = await json(await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: agent.instanceId, permissions: ["read:cloud_instance"] } }));
    const first = await call(path, { token: sharee.access, env: counted });
    expect(first.status).toBe(200);
    const ownersRead = await call(path, { token: owner.access, env: counted });
    // Held: the sharee's request makes the same D1 calls as the owner's (the instance itself), none for the share.
    const held = await call(path, { token: sharee.access, env: counted });
    expect(held.status).toBe(200);
    expect((await callsOf(held)).d1).toBe((await callsOf(ownersRead)).d1);
    expect((await callsOf(first)).d1).toBeGreaterThan((await callsOf(held)).d1);
    // Disabled: refused at once (404: the instance is not theirs to see).
    expect((await call("/api/cloud/shares/save", { token: owner.access, body: { id: share.id, enabled: false } })).status).toBe(200);
    expect((await call(path, { token: sharee.access })).status).toBe(404);
    // Enabled again: allowed at once.
    expect((await call("/api/cloud/shares/save", { token: owner.access, body: { id: share.id, enabled: true } })).status).toBe(200);
    expect((await call(path, { token: sharee.access })).status).toBe(200);
    // A permission taken away: that action refused at once, through an API token too.
    const t = await createToken(sharee, `cloud.${owner.userId}.instances.${agent.instanceId}`);
    expect((await call(path, { token: t.token })).status).toBe(200);
    expect((await call("/api/cloud/shares/delete", { token: owner.access, body: { id: share.id } })).status).toBe(200);
    expect((await call(path, { token: sharee.access })).status).toBe(404);
    expect((await call(path, { token: t.token })).status).toBe(404);
    // A new share, after the copy said "none": granted at once.
    expect((await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: agent.instanceId, permissions: ["read:cloud_instance"] } })).status).toBe(200);
    expect((await call(path, { token: sharee.access })).status).toBe(200);
  });

  it("a share offered before sign-up is claimed at it and applies at once", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    const email = `later-${crypto.randomUUID()}@example.com`;
    expect((await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: email, instance_id: agent.instanceId, permissions: ["read:cloud_instance"] } })).status).toBe(200);
    const sharee = await register(email);
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { token: sharee.access })).status).toBe(200);
  });
});

describe("copies that race a change, and copies past their time", () => {
  it("drops a copy read before a change and stored after it", async () => {
    const s = await register();
    const before = await readSessionSnapshot(db(), s.sessionId);
    expect(before.live).toBe(true);
    // The change lands between the racing request's read and its put (written straight to D1:
    // the racer's put comes after the change's own forgetting).
    await db().update(sessions).set({ revokedAt: new Date().toISOString(), revokedReason: "test" }).where(eq(sessions.id, s.sessionId));
    await keepCopy(sessionKey(s.sessionId), { value: before, readAt: Date.now() }, () => readSessionSnapshot(db(), s.sessionId));
    expect(await readEntry(sessionKey(s.sessionId), Date.now())).toBeNull();
    await expectRefused({ token: s.access });
  });

  it("keeps a copy D1 still agrees with", async () => {
    const s = await register();
    const now = await readSessionSnapshot(db(), s.sessionId);
    await keepCopy(sessionKey(s.sessionId), { value: now, readAt: Date.now() }, () => readSessionSnapshot(db(), s.sessionId));
    expect((await readEntry<SessionSnapshot>(sessionKey(s.sessionId), Date.now()))?.value).toEqual(now);
  });

  it("checks a held token's expiry on every use", async () => {
    const s = await register();
    const t = await createToken(s);
    expect((await call("/api/cloud/instances", { token: t.token })).status).toBe(200);
    const key = tokenKey(await sha256Hex(t.token));
    const held = (await readEntry<{ snapshot: TokenSnapshot; lastUsedAt: string | null }>(key, Date.now()))!;
    const snapshot = held.value.snapshot;
    // The same copy, as though the token's expiry had come while the location held it; this
    // isolate's own copy (from the call above) is let expire first.
    await writeEntry(key, { ...held, value: { ...held.value, snapshot: { ...snapshot, token: { ...snapshot.token, expiresAt: new Date(Date.now() - 1000).toISOString() } } } });
    await new Promise((r) => setTimeout(r, ISOLATE_TTL_MS + 50));
    const res = await call("/api/cloud/instances", { token: t.token });
    expect(res.status).toBe(401);
    expect(errorOf(await json(res)).message).toMatch(/expired/);
    expect((await openDb(testEnv.DB).select().from(apiTokens).where(eq(apiTokens.id, t.id)).get())!.expiresAt).not.toBeNull();
  });

  it("does not use a copy older than ENTRY_TTL_SECONDS: it asks D1", async () => {
    const s = await register();
    const live = await readSessionSnapshot(db(), s.sessionId);
    if (!live.live) throw new Error("not live");
    // An old copy that says something D1 does not: it must not be believed.
    const readAt = Date.now() - (ENTRY_TTL_SECONDS + 1) * 1000;
    await writeEntry(sessionKey(s.sessionId), { value: { ...live, user: { ...live.user, name: "From an old copy" } }, readAt });
    const res = await call("/auth/user", { token: s.access });
    expect(res.status).toBe(200);
    expect((await json(res)).name).not.toBe("From an old copy");
  });

  it("a session held as ended stays ended: a dead session's copy never lets a token in", async () => {
    const s = await register();
    await writeEntry(sessionKey(s.sessionId), { value: { live: false }, readAt: Date.now() });
    await expectRefused({ token: s.access });
  });
});

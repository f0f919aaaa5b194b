import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { call, cookieHeader, errorOf, json, ORIGIN, PASSWORD, register, seedAdmin, testEnv, type Session } from "../helpers.ts";
import { openDb } from "../../../core/db/client.ts";
import { authChallenges, identities, passkeys, users } from "../../../core/db/schema.ts";
import { sha256Hex } from "../../../core/ids.ts";
import { SoftAuthenticator } from "./soft-authenticator.ts";

const db = () => openDb(testEnv.DB);

/** Adds a passkey to the signed-in user `s` through the API, as the dashboard does. */
async function addPasskey(s: Session, o: { name?: string; path?: "auth" | "settings" } = {}) {
  const [start, finish] = o.path === "settings" ? ["/api/settings/keys/add/begin", "/api/settings/keys/add/finish"] : ["/auth/passkey/register/start", "/auth/passkey/register/finish"];
  const begun = await call(start, { method: "POST", token: s.access });
  expect(begun.status, await begun.clone().text()).toBe(200);
  const { challenge_id, options } = await json(begun);
  const authenticator = await SoftAuthenticator.create();
  const credential = await authenticator.register(options);
  const res = await call(finish, { token: s.access, body: { challenge_id, credential, ...(o.name ? { name: o.name } : {}) } });
  expect(res.status, await res.clone().text()).toBe(201);
  return { authenticator, key: await json(res) };
}

async function startPasskeyLogin() {
  const res = await call("/auth/passkey/login/start", { method: "POST" });
  expect(res.status).toBe(200);
  return (await json(res)) as { challenge_id: string; expires_at: string; options: { challenge: string; rpId: string } };
}

const finishLogin = (body: Record<string, unknown>, o: { origin?: string } = {}) => call("/auth/passkey/login/finish", { body, ...o });

/** A usernameless sign-in with `authenticator`; returns the finish response. */
async function passkeyLogin(authenticator: SoftAuthenticator, overrides: Parameters<SoftAuthenticator["assert"]>[1] = {}) {
  const { challenge_id, options } = await startPasskeyLogin();
  return finishLogin({ challenge_id, credential: await authenticator.assert(options, overrides) });
}

const passwordLogin = (email: string) => call("/auth/login", { body: { email, password: PASSWORD } });

/** Makes a challenge look as if its 5 minutes had passed. */
async function expire(kind: string, key: string) {
  await db()
    .update(authChallenges)
    .set({ expiresAt: new Date(Date.now() - 1000).toISOString() })
    .where(eq(authChallenges.keyHash, await sha256Hex(`${kind}:${key}`)));
}

const storedKey = (id: string) => db().select().from(passkeys).where(eq(passkeys.id, id)).get();

describe("passkey registration and usernameless sign-in", () => {
  it("adds a passkey for a signed-in user and signs in with it alone, as that user", async () => {
    const s = await register();
    const { authenticator, key } = await addPasskey(s, { name: "Laptop" });
    expect(key).toMatchObject({ id: authenticator.credentialId, name: "Laptop", last_used_at: null });
    expect(key.public_key).toBeUndefined();

    const listed = await json(await call("/api/settings/keys", { token: s.access }));
    expect(listed.keys.map((k: { id: string }) => k.id)).toEqual([authenticator.credentialId]);
    expect(listed.sign_in_methods).toEqual({ password: true, passkeys: 1, identities: 0 });

    const res = await passkeyLogin(authenticator);
    expect(res.status, await res.clone().text()).toBe(200);
    const body = await json(res);
    expect(body.user.id).toBe(s.userId);
    const me = await call("/auth/user", { token: body.tokens.access_token });
    expect((await json(me)).id).toBe(s.userId);
    const sessions = await json(await call("/api/settings/sessions", { token: body.tokens.access_token }));
    expect(sessions.sessions.find((x: { current: boolean }) => x.current).provider).toBe("passkey");
    expect((await storedKey(authenticator.credentialId))!.counter).toBe(authenticator.counter);
    expect((await storedKey(authenticator.credentialId))!.lastUsedAt).not.toBeNull();
  });

  it("works through /api/settings/keys/add/begin|finish too", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s, { path: "settings" });
    expect((await passkeyLogin(authenticator)).status).toBe(200);
  });

  it("signs the dashboard in with cookies, and only from its own origin", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    let { challenge_id, options } = await startPasskeyLogin();
    const crossSite = await finishLogin({ challenge_id, credential: await authenticator.assert(options), transport: "cookie" }, { origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.getSetCookie()).toHaveLength(0);

    ({ challenge_id, options } = await startPasskeyLogin());
    const res = await finishLogin({ challenge_id, credential: await authenticator.assert(options), transport: "cookie" }, { origin: ORIGIN });
    expect(res.status).toBe(200);
    expect((await json(res)).tokens).toBeUndefined();
    expect((await call("/auth/user", { cookie: cookieHeader(res) })).status).toBe(200);
  });

  it("offers discoverable credentials that verify the person, and excludes keys the user already has", async () => {
    const s = await register();
    const first = await addPasskey(s);
    const { options } = await json(await call("/auth/passkey/register/start", { method: "POST", token: s.access }));
    expect(options.rp.id).toBe("localhost");
    expect(options.authenticatorSelection).toMatchObject({ residentKey: "required", userVerification: "required" });
    expect(options.excludeCredentials.map((c: { id: string }) => c.id)).toEqual([first.authenticator.credentialId]);
    const login = await startPasskeyLogin();
    expect(login.options).toMatchObject({ rpId: "localhost", userVerification: "required" });
    expect(new Date(login.expires_at).getTime() - Date.now()).toBeLessThanOrEqual(300_000);
  });

  it("refuses a passkey registered without user verification", async () => {
    const s = await register();
    const { challenge_id, options } = await json(await call("/auth/passkey/register/start", { method: "POST", token: s.access }));
    const credential = await (await SoftAuthenticator.create()).register(options, { uv: false });
    const res = await call("/auth/passkey/register/finish", { token: s.access, body: { challenge_id, credential } });
    expect(res.status).toBe(400);
    expect(errorOf(await json(res)).message).toMatch(/user.*verif/i);
    expect((await json(await call("/api/settings/keys", { token: s.access }))).keys).toEqual([]);
  });

  it("refuses a usernameless sign-in whose authenticator did not verify the person", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    const res = await passkeyLogin(authenticator, { uv: false });
    expect(res.status).toBe(401);
    expect(errorOf(await json(res)).message).toMatch(/verif/i);
  });

  it("refuses an unknown passkey, a forged signature and a user handle naming someone else", async () => {
    const s = await register();
    const other = await register();
    const { authenticator } = await addPasskey(s);
    const stranger = await SoftAuthenticator.create();
    let res = await passkeyLogin(stranger);
    expect(res.status).toBe(401);
    expect(errorOf(await json(res)).message).toMatch(/not registered/);

    // The right credential id, signed with some other key.
    const otherKey = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    res = await passkeyLogin(authenticator, { key: otherKey.privateKey });
    expect(res.status).toBe(401);
    expect(errorOf(await json(res)).message).toMatch(/signature/i);

    const otherHandle = btoa(other.userId).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    res = await passkeyLogin(authenticator, { userHandle: otherHandle });
    expect(res.status).toBe(401);
    expect(errorOf(await json(res)).message).toMatch(/user handle/);
  });

  it("refuses to finish a registration with another user's challenge", async () => {
    const victim = await register();
    const attacker = await register();
    const { challenge_id, options } = await json(await call("/auth/passkey/register/start", { method: "POST", token: victim.access }));
    const credential = await (await SoftAuthenticator.create()).register(options);
    const res = await call("/auth/passkey/register/finish", { token: attacker.access, body: { challenge_id, credential } });
    expect(res.status).toBe(401);
    expect((await json(await call("/api/settings/keys", { token: attacker.access }))).keys).toEqual([]);
    expect((await json(await call("/api/settings/keys", { token: victim.access }))).keys).toEqual([]);
  });

  it("refuses a disabled user's passkey", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    await db().update(users).set({ disabledAt: new Date().toISOString() }).where(eq(users.id, s.userId));
    expect((await passkeyLogin(authenticator)).status).toBe(403);
  });

  it("needs a signed-in user to add a passkey", async () => {
    expect((await call("/auth/passkey/register/start", { method: "POST" })).status).toBe(401);
  });
});

describe("passkey as a second factor", () => {
  it("a password login answers requires_2fa and a challenge token, never a session; the passkey assertion finishes it", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);

    const res = await passwordLogin(s.email);
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toHaveLength(0);
    const step = await json(res);
    expect(step).toMatchObject({ requires_2fa: true, methods: ["passkey"], expires_in: 300 });
    expect(step.tokens).toBeUndefined();
    expect(step.user).toBeUndefined();
    expect(step.session_id).toBeUndefined();
    expect(step.passkey_options.allowCredentials.map((c: { id: string }) => c.id)).toEqual([authenticator.credentialId]);
    // The challenge token is no credential.
    expect((await call("/auth/user", { token: step.challenge_token })).status).toBe(401);

    const done = await finishLogin({ challenge_token: step.challenge_token, credential: await authenticator.assert(step.passkey_options) });
    expect(done.status, await done.clone().text()).toBe(200);
    const body = await json(done);
    expect(body.user.id).toBe(s.userId);
    const sessions = await json(await call("/api/settings/sessions", { token: body.tokens.access_token }));
    expect(sessions.sessions.find((x: { current: boolean }) => x.current).provider).toBe("password+passkey");
  });

  it("a cookie login with a passkey sets no cookie until the passkey answers", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    const res = await call("/auth/login", { body: { email: s.email, password: PASSWORD, transport: "cookie" }, origin: ORIGIN });
    expect(res.headers.getSetCookie()).toHaveLength(0);
    const step = await json(res);
    const done = await finishLogin({ challenge_token: step.challenge_token, credential: await authenticator.assert(step.passkey_options), transport: "cookie" }, { origin: ORIGIN });
    expect(done.status).toBe(200);
    expect((await call("/auth/user", { cookie: cookieHeader(done) })).status).toBe(200);
  });

  it("accepts presence without verification for the second factor (the password was the knowledge factor)", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    const step = await json(await passwordLogin(s.email));
    const done = await finishLogin({ challenge_token: step.challenge_token, credential: await authenticator.assert(step.passkey_options, { uv: false }) });
    expect(done.status).toBe(200);
  });

  it("refuses another account's passkey as the second factor", async () => {
    const victim = await register();
    await addPasskey(victim);
    const attacker = await register();
    const { authenticator: attackersKey } = await addPasskey(attacker);
    const step = await json(await passwordLogin(victim.email));
    const res = await finishLogin({ challenge_token: step.challenge_token, credential: await attackersKey.assert(step.passkey_options) });
    expect(res.status).toBe(401);
    expect(errorOf(await json(res)).message).toMatch(/another account/);
  });

  it("a wrong password still fails as before, and a user without passkeys signs in with the password alone", async () => {
    const s = await register();
    const plain = await json(await passwordLogin(s.email));
    expect(plain.requires_2fa).toBeUndefined();
    expect(plain.tokens.access_token).toBeTruthy();
    await addPasskey(s);
    expect((await call("/auth/login", { body: { email: s.email, password: "not the password" } })).status).toBe(401);
  });

  it("an anchor token cannot be had with the password alone", async () => {
    const s = await register();
    expect((await call("/api/cloud/request-anchor-token", { body: { email: s.email, password: PASSWORD } })).status).toBe(200);
    await addPasskey(s);
    const res = await call("/api/cloud/request-anchor-token", { body: { email: s.email, password: PASSWORD } });
    expect(res.status).toBe(403);
    expect((await json(res)).anchor_token).toBeUndefined();
  });

  it("refuses an expired challenge token", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    const step = await json(await passwordLogin(s.email));
    await expire("login-2fa", step.challenge_token);
    const res = await finishLogin({ challenge_token: step.challenge_token, credential: await authenticator.assert(step.passkey_options) });
    expect(res.status).toBe(401);
    expect(errorOf(await json(res)).message).toMatch(/unknown, expired or already used/);
  });

  it("refuses a replayed challenge token", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    const step = await json(await passwordLogin(s.email));
    const credential = await authenticator.assert(step.passkey_options);
    expect((await finishLogin({ challenge_token: step.challenge_token, credential })).status).toBe(200);
    expect((await finishLogin({ challenge_token: step.challenge_token, credential })).status).toBe(401);
  });

  it("does not take a usernameless challenge id as a second-factor token, nor the reverse", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    const step = await json(await passwordLogin(s.email));
    const res = await finishLogin({ challenge_id: step.challenge_token, credential: await authenticator.assert(step.passkey_options) });
    expect(res.status).toBe(401);
    const login = await startPasskeyLogin();
    expect((await finishLogin({ challenge_token: login.challenge_id, credential: await authenticator.assert(login.options) })).status).toBe(401);
    expect((await finishLogin({ challenge_id: login.challenge_id, challenge_token: step.challenge_token, credential: await authenticator.assert(login.options) })).status).toBe(400);
  });
});

describe("passkey attacks", () => {
  it("refuses a replayed assertion (the challenge is single use)", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    const { challenge_id, options } = await startPasskeyLogin();
    const credential = await authenticator.assert(options);
    expect((await finishLogin({ challenge_id, credential })).status).toBe(200);
    const replay = await finishLogin({ challenge_id, credential });
    expect(replay.status).toBe(401);
    expect(errorOf(await json(replay)).message).toMatch(/unknown, expired or already used/);
  });

  it("refuses an assertion signed over another challenge, and burns the challenge it named", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    const a = await startPasskeyLogin();
    const b = await startPasskeyLogin();
    const res = await finishLogin({ challenge_id: a.challenge_id, credential: await authenticator.assert(b.options) });
    expect(res.status).toBe(401);
    expect(errorOf(await json(res)).message).toMatch(/challenge/i);
    expect((await finishLogin({ challenge_id: a.challenge_id, credential: await authenticator.assert(a.options) })).status).toBe(401);
  });

  it("refuses a replayed registration", async () => {
    const s = await register();
    const { challenge_id, options } = await json(await call("/auth/passkey/register/start", { method: "POST", token: s.access }));
    const credential = await (await SoftAuthenticator.create()).register(options);
    expect((await call("/auth/passkey/register/finish", { token: s.access, body: { challenge_id, credential } })).status).toBe(201);
    expect((await call("/auth/passkey/register/finish", { token: s.access, body: { challenge_id, credential } })).status).toBe(401);
  });

  it("refuses an assertion made for another origin", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    const res = await passkeyLogin(authenticator, { origin: "https://evil.example" });
    expect(res.status).toBe(401);
    expect(errorOf(await json(res)).message).toMatch(/origin/i);
  });

  it("refuses an assertion made for another RP ID", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    const res = await passkeyLogin(authenticator, { rpId: "evil.example" });
    expect(res.status).toBe(401);
    expect(errorOf(await json(res)).message).toMatch(/RP ID/i);
  });

  it("refuses a registration made for another origin or RP ID", async () => {
    const s = await register();
    for (const wrong of [{ origin: "https://evil.example" }, { rpId: "evil.example" }]) {
      const { challenge_id, options } = await json(await call("/auth/passkey/register/start", { method: "POST", token: s.access }));
      const credential = await (await SoftAuthenticator.create()).register(options, wrong);
      const res = await call("/auth/passkey/register/finish", { token: s.access, body: { challenge_id, credential } });
      expect(res.status).toBe(400);
    }
    expect((await json(await call("/api/settings/keys", { token: s.access }))).keys).toEqual([]);
  });

  it("refuses an assertion of the wrong ceremony type (a registration's client data)", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    expect((await passkeyLogin(authenticator, { type: "webauthn.create" })).status).toBe(401);
  });

  it("refuses a signature counter that goes backwards or stands still (a cloned authenticator)", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    expect((await passkeyLogin(authenticator, { counter: 5 })).status).toBe(200);
    const back = await passkeyLogin(authenticator, { counter: 3 });
    expect(back.status).toBe(401);
    expect(errorOf(await json(back)).message).toMatch(/counter/i);
    expect((await passkeyLogin(authenticator, { counter: 5 })).status).toBe(401);
    expect((await storedKey(authenticator.credentialId))!.counter).toBe(5);
    expect((await passkeyLogin(authenticator, { counter: 6 })).status).toBe(200);
  });

  it("lets exactly one of two assertions racing with the same counter through", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    const [a, b] = await Promise.all([startPasskeyLogin(), startPasskeyLogin()]);
    const ca = await authenticator.assert(a.options, { counter: 9 });
    const cb = await authenticator.assert(b.options, { counter: 9 });
    const statuses = (await Promise.all([finishLogin({ challenge_id: a.challenge_id, credential: ca }), finishLogin({ challenge_id: b.challenge_id, credential: cb })])).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 401]);
  });

  it("refuses an expired sign-in challenge and an expired registration challenge", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    const { challenge_id, options } = await startPasskeyLogin();
    await expire("webauthn-login", challenge_id);
    expect((await finishLogin({ challenge_id, credential: await authenticator.assert(options) })).status).toBe(401);

    const reg = await json(await call("/auth/passkey/register/start", { method: "POST", token: s.access }));
    await expire("webauthn-register", reg.challenge_id);
    const credential = await (await SoftAuthenticator.create()).register(reg.options);
    expect((await call("/auth/passkey/register/finish", { token: s.access, body: { challenge_id: reg.challenge_id, credential } })).status).toBe(401);
  });

  it("does not register one authenticator twice", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    const { challenge_id, options } = await json(await call("/auth/passkey/register/start", { method: "POST", token: s.access }));
    const res = await call("/auth/passkey/register/finish", { token: s.access, body: { challenge_id, credential: await authenticator.register(options) } });
    expect(res.status).toBe(409);
  });
});

describe("key management", () => {
  it("renames and deletes a passkey; a deleted one no longer signs in", async () => {
    const s = await register();
    const { authenticator, key } = await addPasskey(s);
    const renamed = await call("/api/settings/keys/rename", { token: s.access, body: { id: key.id, name: "  Phone " } });
    expect(renamed.status).toBe(200);
    expect((await json(renamed)).name).toBe("Phone");
    expect((await json(await call("/api/settings/keys", { token: s.access }))).keys[0].name).toBe("Phone");

    expect((await call("/api/settings/keys/delete", { token: s.access, body: { id: key.id } })).status).toBe(200);
    expect((await json(await call("/api/settings/keys", { token: s.access }))).keys).toEqual([]);
    expect((await passkeyLogin(authenticator)).status).toBe(401);
    // With no passkey left, the password alone signs in again.
    expect((await json(await passwordLogin(s.email))).tokens).toBeDefined();
  });

  it("refuses to delete the last way to sign in, and allows it once there is another", async () => {
    const s = await register();
    const first = await addPasskey(s);
    const second = await addPasskey(s);
    // A passkey-only account: no password.
    await db().update(users).set({ passwordHash: null }).where(eq(users.id, s.userId));

    expect((await call("/api/settings/keys/delete", { token: s.access, body: { id: first.key.id } })).status).toBe(200);
    const refused = await call("/api/settings/keys/delete", { token: s.access, body: { id: second.key.id } });
    expect(refused.status).toBe(409);
    expect(errorOf(await json(refused)).message).toMatch(/last way to sign in/);
    expect(await storedKey(second.key.id)).toBeDefined();
    expect((await json(await call("/api/settings/keys", { token: s.access }))).sign_in_methods).toEqual({ password: false, passkeys: 1, identities: 0 });

    // A linked account (OAuth identity) is another way in.
    await db().insert(identities).values({ id: `idn_${second.key.id.slice(0, 8)}`, userId: s.userId, provider: "github", providerUserId: `gh-${s.userId}`, createdAt: new Date().toISOString() });
    expect((await call("/api/settings/keys/delete", { token: s.access, body: { id: second.key.id } })).status).toBe(200);
  });

  it("lets only one of two racing deletions of the last two passkeys through", async () => {
    const s = await register();
    const a = await addPasskey(s);
    const b = await addPasskey(s);
    await db().update(users).set({ passwordHash: null }).where(eq(users.id, s.userId));
    const statuses = (
      await Promise.all([a, b].map(({ key }) => call("/api/settings/keys/delete", { token: s.access, body: { id: key.id } })))
    ).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 409]);
    expect((await db().select().from(passkeys).where(eq(passkeys.userId, s.userId)).all()).length).toBe(1);
  });

  it("never renames or deletes another user's passkey", async () => {
    const owner = await register();
    const stranger = await register();
    const { key } = await addPasskey(owner, { name: "Mine" });
    expect((await call("/api/settings/keys/rename", { token: stranger.access, body: { id: key.id, name: "Pwned" } })).status).toBe(404);
    expect((await call("/api/settings/keys/delete", { token: stranger.access, body: { id: key.id } })).status).toBe(404);
    const row = await db().select().from(passkeys).where(and(eq(passkeys.id, key.id), eq(passkeys.userId, owner.userId))).get();
    expect(row!.name).toBe("Mine");
    expect((await json(await call("/api/settings/keys", { token: stranger.access }))).keys).toEqual([]);
  });

  it("refuses API tokens on every key-management route, whatever their scopes", async () => {
    const admin = await seedAdmin();
    const { key } = await addPasskey(admin);
    const created = await json(await call("/api/tokens", { token: admin.access, body: { name: "ci", scopes: [{ scope: `cloud.${admin.userId}.instances`, actions: ["read"] }] } }));
    expect(created.token).toMatch(/^anc_/);
    const token = created.token as string;
    const attempts: [string, unknown][] = [
      ["/api/settings/keys", undefined],
      ["/api/settings/keys/add/begin", {}],
      ["/api/settings/keys/rename", { id: key.id, name: "x" }],
      ["/api/settings/keys/delete", { id: key.id }],
      ["/auth/passkey/register/start", {}],
    ];
    for (const [path, body] of attempts) {
      const res = await call(path, { token, ...(body === undefined ? {} : { body }) });
      expect(res.status, path).toBe(403);
    }
    expect(await storedKey(key.id)).toBeDefined();
  });

  it("validates names", async () => {
    const s = await register();
    const { key } = await addPasskey(s);
    const res = await call("/api/settings/keys/rename", { token: s.access, body: { id: key.id, name: "x".repeat(65) } });
    expect(res.status).toBe(400);
    expect(errorOf(await json(res)).fields![0]!.path).toBe("name");
  });
});

describe("/auth/config", () => {
  it("says passkeys are offered", async () => {
    expect((await json(await call("/auth/config"))).passkeys).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { generateKeyPair } from "jose";
import { openDb } from "../../../core/db/client.ts";
import { identities, users } from "../../../core/db/schema.ts";
import { createChallenge } from "../../../src/auth/challenges/challenge-store.ts";
import type { Env } from "../../../core/env.ts";
import { call, cookieHeader, errorOf, json, ORIGIN, PASSWORD, register, seedUser, testEnv, unique, uniqueEmail } from "../helpers.ts";
import { FakeProviders, OIDC_ISSUER, PROVIDER_ENV, type Person, type ProviderName } from "./oauth-fakes.ts";

const fake = new FakeProviders();
beforeAll(() => fake.install());
afterAll(() => fake.restore());

const db = () => openDb(testEnv.DB);
type Opts = { cookie?: string; next?: string; link?: boolean; env?: Partial<Env>; headers?: Record<string, string> };

/** The browser asks to sign in: the redirect to the provider, its state, and the flow cookie it was given. */
async function start(provider: ProviderName, o: Opts = {}) {
  const q = new URLSearchParams();
  if (o.next) q.set("next", o.next);
  if (o.link) q.set("link", "1");
  const res = await call(`/auth/${provider}${q.size ? `?${q}` : ""}`, { cookie: o.cookie, env: { ...PROVIDER_ENV, ...o.env }, headers: o.headers });
  expect(res.status, await res.clone().text()).toBe(302);
  const url = new URL(res.headers.get("location")!);
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith("anc_oauth="));
  return { url, state: url.searchParams.get("state")!, flowCookie: setCookie?.split(";")[0] ?? "", setCookie: setCookie ?? "" };
}

/** The provider sends the browser back. */
function callback(provider: ProviderName, params: Record<string, string>, cookie: string, env: Partial<Env> = {}) {
  return call(`/auth/${provider}/callback?${new URLSearchParams(params)}`, { cookie, env: { ...PROVIDER_ENV, ...env } });
}

/** The whole round trip for `person`; `cookie` is what the browser already holds (a session, when linking). */
async function signIn(provider: ProviderName, person: Person, o: Opts = {}) {
  const flow = await start(provider, o);
  const code = fake.authorize(provider, flow.url, person);
  const res = await callback(provider, { code, state: flow.state }, [o.cookie, flow.flowCookie].filter(Boolean).join("; "), o.env);
  return { res, flow, code, session: cookieHeader(res) };
}

const landing = (res: Response) => res.headers.get("location");
const failureOf = (res: Response) => new URL(res.headers.get("location") ?? "http://x/").searchParams.get("oauth_error");
async function whoIs(session: string) {
  const res = await call("/auth/user", { cookie: session });
  return res.status === 200 ? ((await json(res)) as { id: string; email: string; name: string }) : null;
}
const identitiesOf = (userId: string) => db().select().from(identities).where(eq(identities.userId, userId)).all();
const person = (o: Partial<Person> = {}): Person => ({ sub: unique("sub-"), email: uniqueEmail(), emailVerified: true, name: "Ada Lovelace", ...o });
const githubPerson = (o: Partial<Person> = {}): Person => person({ sub: String(Math.floor(Math.random() * 1e9)), ...o });

async function cookieSession(email: string) {
  const res = await call("/auth/login", { body: { email, password: PASSWORD, transport: "cookie" }, origin: ORIGIN });
  expect(res.status).toBe(200);
  return cookieHeader(res);
}

describe("starting a sign-in", () => {
  it("redirects to the OIDC provider with a state, an S256 PKCE challenge and a nonce, and binds the state to the browser", async () => {
    const { url, state, setCookie } = await start("oidc");
    expect(url.origin + url.pathname).toBe(`${OIDC_ISSUER}/authorize`);
    const q = url.searchParams;
    expect(q.get("response_type")).toBe("code");
    expect(q.get("client_id")).toBe("anchorage");
    expect(q.get("redirect_uri")).toBe(`${ORIGIN}/auth/oidc/callback`);
    expect(q.get("scope")).toBe("openid email profile");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("nonce")!.length).toBeGreaterThanOrEqual(32);
    expect(state.length).toBeGreaterThanOrEqual(32);
    expect(setCookie).toContain(`anc_oauth=${state}`);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\/auth\/oidc\/callback/);
    expect(setCookie).toMatch(/Max-Age=600/);
  });

  it.each([
    ["google", "https://accounts.google.com/o/oauth2/v2/auth"],
    ["github", "https://github.com/login/oauth/authorize"],
    ["discord", "https://discord.com/oauth2/authorize"],
  ] as const)("sends %s's flow to %s with state and S256 PKCE", async (provider, endpoint) => {
    const { url, state } = await start(provider);
    expect(url.origin + url.pathname).toBe(endpoint);
    expect(url.searchParams.get("state")).toBe(state);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("redirect_uri")).toBe(`${ORIGIN}/auth/${provider}/callback`);
  });

  it("gives every flow its own state and verifier", async () => {
    const [a, b] = await Promise.all([start("oidc"), start("oidc")]);
    expect(a.state).not.toBe(b.state);
    expect(a.url.searchParams.get("code_challenge")).not.toBe(b.url.searchParams.get("code_challenge"));
  });

  it("answers 404 for a provider that is not configured", async () => {
    const res = await call("/auth/google", { env: { ...PROVIDER_ENV, GOOGLE_CLIENT_SECRET: "" } });
    expect(res.status).toBe(404);
    expect((await call("/auth/discord")).status).toBe(404);
  });

  it("sends a request on another of our origins to the canonical one first (the flow cookie must reach the callback)", async () => {
    const req = new Request("http://127.0.0.1:8787/auth/oidc?next=%2Fx");
    const { default: worker } = await import("../../../src/index.ts");
    const { createExecutionContext } = await import("cloudflare:test");
    const res = await worker.fetch(req as never, { ...testEnv, ...PROVIDER_ENV } as Env, createExecutionContext());
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${ORIGIN}/auth/oidc?next=%2Fx`);
  });
});

describe("signing in through a provider", () => {
  it("creates an account for a new person, signs them in with cookies, and lands on the path asked for", async () => {
    const p = person();
    const { res, session } = await signIn("oidc", p, { next: "/instances?tab=logs" });
    expect(res.status).toBe(302);
    expect(landing(res)).toBe(`${ORIGIN}/instances?tab=logs`);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("anc_access=") && /HttpOnly/.test(c))).toBe(true);
    const me = await whoIs(session);
    expect(me).toMatchObject({ email: p.email, name: "Ada Lovelace" });
    const links = await identitiesOf(me!.id);
    expect(links).toMatchObject([{ provider: "oidc", providerUserId: p.sub, email: p.email, emailVerified: true }]);
    const row = await db().select().from(users).where(eq(users.id, me!.id)).get();
    expect(row!.passwordHash).toBeNull();
  });

  it("finds the same account by provider id the second time, even when the email changed meanwhile", async () => {
    const p = person();
    const first = await whoIs((await signIn("oidc", p)).session);
    const again = await signIn("oidc", { ...p, email: uniqueEmail() });
    expect((await whoIs(again.session))!.id).toBe(first!.id);
    expect(await identitiesOf(first!.id)).toHaveLength(1);
  });

  it("links to an existing account when the provider says the email is verified", async () => {
    const existing = await register();
    const { session } = await signIn("oidc", person({ email: existing.email.toUpperCase(), emailVerified: true }));
    expect((await whoIs(session))!.id).toBe(existing.userId);
    expect(await identitiesOf(existing.userId)).toMatchObject([{ provider: "oidc", emailVerified: true }]);
  });

  it("never links by an unverified email: a separate account, under an address that is no one's", async () => {
    const existing = await register();
    const { session } = await signIn("oidc", person({ email: existing.email, emailVerified: false }));
    const me = (await whoIs(session))!;
    expect(me.id).not.toBe(existing.userId);
    expect(me.email).toMatch(/^oidc-[0-9a-f]{20}@unverified\.invalid$/);
    expect(await identitiesOf(existing.userId)).toHaveLength(0);
  });

  it("takes Google's email_verified: true links, false does not", async () => {
    const existing = await register();
    const unverified = await signIn("google", person({ email: existing.email, emailVerified: false }));
    expect((await whoIs(unverified.session))!.id).not.toBe(existing.userId);
    const verified = await signIn("google", person({ email: existing.email, emailVerified: true }));
    expect((await whoIs(verified.session))!.id).toBe(existing.userId);
  });

  it("takes Discord's verified flag", async () => {
    const existing = await register();
    const unverified = await signIn("discord", person({ email: existing.email, emailVerified: false }));
    expect((await whoIs(unverified.session))!.id).not.toBe(existing.userId);
    const verified = await signIn("discord", person({ email: existing.email, emailVerified: true }));
    expect((await whoIs(verified.session))!.id).toBe(existing.userId);
  });

  it("takes GitHub's primary email only, and only when verified", async () => {
    const existing = await register();
    // A verified but secondary address is not who the account says it is.
    const secondary = await signIn("github", githubPerson({ githubEmails: [{ email: uniqueEmail(), primary: true, verified: false }, { email: existing.email, primary: false, verified: true }] }));
    expect((await whoIs(secondary.session))!.id).not.toBe(existing.userId);
    const primary = await signIn("github", githubPerson({ githubEmails: [{ email: existing.email, primary: true, verified: true }] }));
    expect((await whoIs(primary.session))!.id).toBe(existing.userId);
  });

  it("records the session's provider", async () => {
    const { session } = await signIn("github", githubPerson());
    const res = await call("/auth/validate", { method: "POST", cookie: session, origin: ORIGIN });
    expect((await json(res)).provider).toBe("github");
  });

  it("keeps `next` on our own origin (no open redirect): anything else is a 400 at the start", async () => {
    for (const next of ["//evil.example/x", "/\\evil.example", "https://evil.example/", "/\t/evil.example/", "/\n/evil.example/"]) {
      const res = await call(`/auth/oidc?next=${encodeURIComponent(next)}`, { env: PROVIDER_ENV });
      expect(res.status, next).toBe(400);
      expect(res.headers.get("location")).toBeNull();
    }
    const { res } = await signIn("oidc", person(), { next: "/x?y=1" });
    expect(landing(res)).toBe(`${ORIGIN}/x?y=1`);
  });

  it("refuses a disabled account", async () => {
    const p = person();
    const me = (await whoIs((await signIn("oidc", p)).session))!;
    await db().update(users).set({ disabledAt: new Date().toISOString() }).where(eq(users.id, me.id));
    const { res, session } = await signIn("oidc", p);
    expect(failureOf(res)).toBe("disabled");
    expect(session).not.toMatch(/anc_access=/);
  });
});

describe("registration mode", () => {
  it("closed: an unknown identity gets no account", async () => {
    const p = person();
    const { res, session } = await signIn("oidc", p, { env: { REGISTRATION: "closed" } });
    expect(landing(res)).toBe(`${ORIGIN}/?oauth_error=registration`);
    expect(session).not.toMatch(/anc_access=/);
    expect(await db().select().from(users).where(eq(users.emailNormalized, p.email!.toLowerCase())).get()).toBeUndefined();
    expect(await db().select().from(identities).where(eq(identities.providerUserId, p.sub)).get()).toBeUndefined();
  });

  it("invite-only: no account either, without an invite", async () => {
    const { res } = await signIn("google", person(), { env: { REGISTRATION: "invite" } });
    expect(failureOf(res)).toBe("registration");
  });

  it("closed: an existing account is still reached by its verified email or its linked identity", async () => {
    const existing = await register();
    const p = person({ email: existing.email, emailVerified: true });
    expect((await whoIs((await signIn("oidc", p, { env: { REGISTRATION: "closed" } })).session))!.id).toBe(existing.userId);
    expect((await whoIs((await signIn("oidc", { ...p, email: undefined }, { env: { REGISTRATION: "closed" } })).session))!.id).toBe(existing.userId);
  });
});

describe("attacks on the flow", () => {
  it("refuses a state that is not the one this browser started (login CSRF), and does not spend it", async () => {
    const attacker = await start("oidc");
    const victim = await start("oidc");
    const code = fake.authorize("oidc", attacker.url, person());
    const res = await callback("oidc", { code, state: attacker.state }, victim.flowCookie);
    expect(landing(res)).toBe(`${ORIGIN}/?oauth_error=state`);
    expect(cookieHeader(res)).not.toMatch(/anc_access=/);
    // The victim's own flow still works: the forged callback burned nothing.
    const own = await callback("oidc", { code: fake.authorize("oidc", victim.url, person()), state: victim.state }, victim.flowCookie);
    expect(cookieHeader(own)).toMatch(/anc_access=/);
  });

  it("refuses a callback with no flow cookie, or no state", async () => {
    const flow = await start("oidc");
    const code = fake.authorize("oidc", flow.url, person());
    expect(failureOf(await callback("oidc", { code, state: flow.state }, ""))).toBe("state");
    expect(failureOf(await callback("oidc", { code }, flow.flowCookie))).toBe("state");
  });

  it("refuses a replayed state, and asks the provider only once", async () => {
    const flow = await start("oidc");
    const code = fake.authorize("oidc", flow.url, person());
    const before = fake.tokenCalls.oidc;
    const first = await callback("oidc", { code, state: flow.state }, flow.flowCookie);
    expect(cookieHeader(first)).toMatch(/anc_access=/);
    const replay = await callback("oidc", { code, state: flow.state }, flow.flowCookie);
    expect(failureOf(replay)).toBe("state");
    expect(cookieHeader(replay)).not.toMatch(/anc_access=/);
    expect(fake.tokenCalls.oidc - before).toBe(1);
  });

  it("lets exactly one of several racing callbacks with one state through", async () => {
    const flow = await start("oidc");
    const code = fake.authorize("oidc", flow.url, person());
    const results = await Promise.all(Array.from({ length: 8 }, () => callback("oidc", { code, state: flow.state }, flow.flowCookie)));
    expect(results.filter((r) => /anc_access=/.test(cookieHeader(r)))).toHaveLength(1);
    expect(results.filter((r) => failureOf(r) === "state")).toHaveLength(7);
  });

  async function storedState(data: Record<string, unknown>, now = Date.now()) {
    const { key } = await createChallenge(db(), "oauth-state", { data, ttlSeconds: 600 }, now);
    return key;
  }
  const goodData = () => ({ provider: "oidc", codeVerifier: "v".repeat(43), nonce: "n".repeat(32), next: "/" });

  it("refuses an expired state (older than 10 minutes) without asking the provider", async () => {
    const state = await storedState(goodData(), Date.now() - 601_000);
    const before = fake.tokenCalls.oidc;
    const res = await callback("oidc", { code: "whatever", state }, `anc_oauth=${state}`);
    expect(failureOf(res)).toBe("state");
    expect(fake.tokenCalls.oidc).toBe(before);
  });

  it("refuses a state that has no PKCE verifier, without asking the provider", async () => {
    const { codeVerifier: _, ...noVerifier } = goodData();
    const state = await storedState(noVerifier);
    const before = fake.tokenCalls.oidc;
    const res = await callback("oidc", { code: "whatever", state }, `anc_oauth=${state}`);
    expect(failureOf(res)).toBe("state");
    expect(cookieHeader(res)).not.toMatch(/anc_access=/);
    expect(fake.tokenCalls.oidc).toBe(before);
  });

  it("refuses a state made for another provider", async () => {
    const flow = await start("google");
    const res = await callback("oidc", { code: "whatever", state: flow.state }, `anc_oauth=${flow.state}`);
    expect(failureOf(res)).toBe("state");
  });

  it("refuses a code injected into another flow: the provider checks it against that flow's PKCE verifier", async () => {
    const stolen = await start("oidc");
    const code = fake.authorize("oidc", stolen.url, person());
    const mine = await start("oidc");
    const res = await callback("oidc", { code, state: mine.state }, mine.flowCookie);
    expect(failureOf(res)).toBe("provider");
    expect(cookieHeader(res)).not.toMatch(/anc_access=/);
  });

  it("takes the person's refusal at the provider for what it is", async () => {
    const flow = await start("github");
    const res = await callback("github", { error: "access_denied", state: flow.state }, flow.flowCookie);
    expect(failureOf(res)).toBe("denied");
  });

  it("refuses a response that names another issuer (RFC 9207 mix-up)", async () => {
    const flow = await start("oidc");
    const code = fake.authorize("oidc", flow.url, person());
    const res = await callback("oidc", { code, state: flow.state, iss: "https://evil.example" }, flow.flowCookie);
    expect(failureOf(res)).toBe("provider");
  });

  const otherKey = async () => (await generateKeyPair("RS256")).privateKey;
  it.each<[string, (claims: Record<string, unknown>) => Promise<CryptoKey | void> | void]>([
    ["another flow's nonce", (c) => void (c.nonce = "n".repeat(43))],
    ["no nonce", (c) => void delete c.nonce],
    ["another audience", (c) => void (c.aud = "someone-else")],
    ["another issuer", (c) => void (c.iss = "https://evil.example")],
    ["an expiry in the past", (c) => void Object.assign(c, { iat: Math.floor(Date.now() / 1000) - 3600, exp: Math.floor(Date.now() / 1000) - 600 })],
    ["a signature by a key not in the provider's JWKS", () => otherKey()],
  ])("refuses an ID token with %s", async (_what, tweak) => {
    fake.idTokenTweak = tweak as never;
    try {
      const p = person();
      const { res, session } = await signIn("oidc", p);
      expect(failureOf(res)).toBe("provider");
      expect(session).not.toMatch(/anc_access=/);
      expect(await db().select().from(identities).where(eq(identities.providerUserId, p.sub)).get()).toBeUndefined();
    } finally {
      fake.idTokenTweak = null;
    }
  });

  it("refuses a code the fixed providers refuse (GitHub's 200-with-error too)", async () => {
    for (const provider of ["google", "github", "discord"] as const) {
      const flow = await start(provider);
      const res = await callback(provider, { code: "not-a-code", state: flow.state }, flow.flowCookie);
      expect(failureOf(res), provider).toBe("provider");
    }
  });
});

describe("linking and unlinking", () => {
  it("links a provider to the signed-in account, whatever its email, without a new session", async () => {
    const me = await register();
    const cookie = await cookieSession(me.email);
    const { res, session } = await signIn("github", githubPerson({ email: uniqueEmail(), emailVerified: false }), { cookie, link: true, next: "/settings" });
    expect(landing(res)).toBe(`${ORIGIN}/settings`);
    expect(session).not.toMatch(/anc_access=/);
    expect(await identitiesOf(me.userId)).toMatchObject([{ provider: "github" }]);
    const listed = await json(await call("/api/settings/identities", { cookie }));
    expect(listed).toMatchObject({ has_password: true, identities: [{ provider: "github", email_verified: false }] });
  });

  it("then signs in by that identity", async () => {
    const me = await register();
    const gh = githubPerson();
    await signIn("github", gh, { cookie: await cookieSession(me.email), link: true });
    expect((await whoIs((await signIn("github", gh)).session))!.id).toBe(me.userId);
  });

  it("refuses to link an identity that belongs to someone else", async () => {
    const p = person();
    const owner = (await whoIs((await signIn("oidc", p)).session))!;
    const me = await register();
    const { res } = await signIn("oidc", p, { cookie: await cookieSession(me.email), link: true });
    expect(failureOf(res)).toBe("identity_taken");
    expect(await identitiesOf(me.userId)).toHaveLength(0);
    expect(await identitiesOf(owner.id)).toHaveLength(1);
  });

  it("refuses a second account of the same provider", async () => {
    const me = await register();
    const cookie = await cookieSession(me.email);
    await signIn("google", person(), { cookie, link: true });
    const { res } = await signIn("google", person(), { cookie, link: true });
    expect(failureOf(res)).toBe("provider_linked");
    expect(await identitiesOf(me.userId)).toHaveLength(1);
  });

  it("only lets a signed-in person start linking, and only from the dashboard", async () => {
    expect((await call("/auth/github?link=1", { env: PROVIDER_ENV })).status).toBe(401);
    const me = await register();
    const cookie = await cookieSession(me.email);
    const crossSite = await call("/auth/github?link=1", { cookie, env: PROVIDER_ENV, headers: { "sec-fetch-site": "cross-site" } });
    expect(crossSite.status).toBe(403);
    const sameOrigin = await call("/auth/github?link=1", { cookie, env: PROVIDER_ENV, headers: { "sec-fetch-site": "same-origin" } });
    expect(sameOrigin.status).toBe(302);
  });

  it("unlinks a provider when another way to sign in is left", async () => {
    const me = await register();
    const cookie = await cookieSession(me.email);
    await signIn("discord", person(), { cookie, link: true });
    const res = await call("/api/settings/identities/unlink", { body: { provider: "discord" }, cookie, origin: ORIGIN });
    expect(res.status).toBe(200);
    expect(await identitiesOf(me.userId)).toHaveLength(0);
    expect((await call("/api/settings/identities/unlink", { body: { provider: "discord" }, cookie, origin: ORIGIN })).status).toBe(404);
  });

  it("refuses to remove the last way to sign in, and allows it once there is another", async () => {
    const { session } = await signIn("oidc", person());
    const me = (await whoIs(session))!;
    const unlink = (provider: string) => call("/api/settings/identities/unlink", { body: { provider }, cookie: session, origin: ORIGIN });
    const refused = await unlink("oidc");
    expect(refused.status).toBe(409);
    expect(errorOf(await json(refused)).message).toMatch(/only way to sign in/);
    expect(await identitiesOf(me.id)).toHaveLength(1);

    await signIn("google", person(), { cookie: session, link: true });
    expect((await unlink("oidc")).status).toBe(200);
    expect(await identitiesOf(me.id)).toMatchObject([{ provider: "google" }]);
    expect((await unlink("google")).status).toBe(409);
  });

  it("never lets two racing unlinks leave an account with no way in", async () => {
    const { session } = await signIn("oidc", person());
    const me = (await whoIs(session))!;
    await signIn("google", person(), { cookie: session, link: true });
    const results = await Promise.all(
      ["oidc", "google"].map((provider) => call("/api/settings/identities/unlink", { body: { provider }, cookie: session, origin: ORIGIN })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await identitiesOf(me.id)).toHaveLength(1);
  });

  it("refuses unlinking across sites and by API token", async () => {
    const me = await seedUser();
    const cookie = await cookieSession(me.email);
    await signIn("google", person(), { cookie, link: true });
    expect((await call("/api/settings/identities/unlink", { body: { provider: "google" }, cookie })).status).toBe(403);
    const tokenRes = await call("/api/tokens", { body: { name: "t", scopes: [{ scope: `cloud.${me.userId}.instances`, actions: ["read"] }] }, token: me.access });
    expect(tokenRes.status).toBe(201);
    const apiToken = (await json(tokenRes)).token as string;
    expect((await call("/api/settings/identities", { token: apiToken })).status).toBe(403);
    expect((await call("/api/settings/identities/unlink", { body: { provider: "google" }, token: apiToken })).status).toBe(403);
    expect(await identitiesOf(me.userId)).toHaveLength(1);
  });
});

describe("GET /auth/config", () => {
  it("lists no provider when none is configured", async () => {
    expect(await json(await call("/auth/config"))).toMatchObject({ providers: [], provider_names: {} });
  });

  it("lists only the providers whose id and secret are both set, with their labels", async () => {
    const env = { GOOGLE_CLIENT_ID: "g", GOOGLE_CLIENT_SECRET: "s", DISCORD_CLIENT_ID: "only-an-id", OIDC_ISSUER: "https://sso.example", OIDC_CLIENT_ID: "c", OIDC_CLIENT_SECRET: "s", OIDC_NAME: "Authentik" };
    const body = await json(await call("/auth/config", { env }));
    expect(body.providers).toEqual(["google", "oidc"]);
    expect(body.provider_names).toEqual({ google: "Google", oidc: "Authentik" });
  });

  it("refuses a plain-http issuer in production unless it is on loopback", async () => {
    const prod = { ENVIRONMENT: "production", APP_ORIGIN: "https://anchorage.example", OIDC_CLIENT_ID: "c", OIDC_CLIENT_SECRET: "s" };
    const bad = await call("/auth/config", { env: { ...prod, OIDC_ISSUER: "http://sso.example" } });
    expect(bad.status).toBe(500);
    expect(errorOf(await json(bad)).message).toMatch(/OIDC_ISSUER/);
    expect((await call("/auth/config", { env: { ...prod, OIDC_ISSUER: "http://127.0.0.1:9000" } })).status).toBe(200);
  });
});

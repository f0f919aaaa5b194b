import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { Secret, TOTP } from "otpauth";
import { call, errorOf, json, PASSWORD, register, seedAdmin, testEnv, type Session } from "../helpers.ts";
import { openDb } from "../../../core/db/client.ts";
import { auditLog, sessions, users } from "../../../core/db/schema.ts";
import { STEP_UP_MAX_AGE_SECONDS } from "@anchorage/common";
import { FakeAgent } from "../cloud/fake-agent.ts";
import { SoftAuthenticator } from "./soft-authenticator.ts";

const db = () => openDb(testEnv.DB);
const STEP_MS = 30_000;
const codeAt = (secret: string, steps = 0) => TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30, timestamp: Date.now() + steps * STEP_MS });
async function awayFromStepEdge() {
  const left = STEP_MS - (Date.now() % STEP_MS);
  if (left < 3000) await new Promise((r) => setTimeout(r, left + 200));
}

/** Sets the session's last proof back past the window, as if it signed in long ago. */
async function age(s: Session) {
  const at = new Date(Date.now() - (STEP_UP_MAX_AGE_SECONDS + 60) * 1000).toISOString();
  await db().update(sessions).set({ steppedUpAt: at }).where(eq(sessions.id, s.sessionId));
}
const steppedUpAt = async (s: Session) => (await db().select({ at: sessions.steppedUpAt }).from(sessions).where(eq(sessions.id, s.sessionId)).get())?.at ?? null;
const stepUp = (s: Session, body: Record<string, unknown>) => call("/auth/step-up", { token: s.access, body });

async function expectStepUp(res: Response, methods: string[]) {
  expect(res.status, await res.clone().text()).toBe(401);
  const err = errorOf(await json(res)) as { code: string; methods?: string[] };
  expect(err.code).toBe("E-AUTH-STEP-UP");
  expect(err.methods).toEqual(methods);
}

async function addPasskey(s: Session) {
  const begun = await json(await call("/auth/passkey/register/start", { method: "POST", token: s.access }));
  const authenticator = await SoftAuthenticator.create();
  const res = await call("/auth/passkey/register/finish", { token: s.access, body: { challenge_id: begun.challenge_id, credential: await authenticator.register(begun.options) } });
  expect(res.status, await res.clone().text()).toBe(201);
  return { authenticator, key: await json(res) };
}

async function enrolTotp(s: Session) {
  const { secret } = await json(await call("/api/settings/totp/start", { method: "POST", token: s.access }));
  await awayFromStepEdge();
  const res = await call("/api/settings/totp/confirm", { token: s.access, body: { code: codeAt(secret, -1) } });
  expect(res.status, await res.clone().text()).toBe(200);
  return secret as string;
}

type Act = { name: string; admin?: boolean; prepare?: (s: Session) => Promise<() => Promise<Response>>; ok: number };

/** Every guarded action, each with what it needs made first (while the session is fresh). */
const ACTIONS: Act[] = [
  { name: "change the password", ok: 200, prepare: async (s) => () => call("/api/settings/password", { method: "PUT", token: s.access, body: { current_password: PASSWORD, new_password: "another long password 42" } }) },
  { name: "start adding a passkey", ok: 200, prepare: async (s) => () => call("/auth/passkey/register/start", { method: "POST", token: s.access }) },
  { name: "start adding a passkey (settings path)", ok: 200, prepare: async (s) => () => call("/api/settings/keys/add/begin", { method: "POST", token: s.access }) },
  {
    name: "remove a passkey", ok: 200,
    prepare: async (s) => {
      const { key } = await addPasskey(s);
      return () => call("/api/settings/keys/delete", { token: s.access, body: { id: key.id } });
    },
  },
  { name: "start adding TOTP", ok: 200, prepare: async (s) => () => call("/api/settings/totp/start", { method: "POST", token: s.access }) },
  {
    name: "remove TOTP (no body)", ok: 200,
    prepare: async (s) => {
      await enrolTotp(s);
      return () => call("/api/settings/totp", { method: "DELETE", token: s.access });
    },
  },
  { name: "create a command-scoped API token", ok: 201, prepare: async (s) => () => call("/api/tokens", { token: s.access, body: { name: "cmd", scopes: [{ scope: `cloud.${s.userId}.instances`, actions: ["read", "command"] }] } }) },
  { name: "create a terminal-scoped service account", ok: 201, prepare: async (s) => () => call("/api/service-accounts", { token: s.access, body: { name: "sa", scopes: [{ scope: `cloud.${s.userId}`, actions: ["terminal"] }] } }) },
  {
    name: "create a key of a manage-scoped service account", ok: 201,
    prepare: async (s) => {
      const sa = await json(await call("/api/service-accounts", { token: s.access, body: { name: "sa", scopes: [{ scope: `cloud.${s.userId}.instances`, actions: ["manage"] }] } }));
      return () => call(`/api/service-accounts/${sa.id}/tokens`, { token: s.access, body: { name: "key" } });
    },
  },
  {
    name: "widen a service account's scopes to command", ok: 200,
    prepare: async (s) => {
      const sa = await json(await call("/api/service-accounts", { token: s.access, body: { name: "sa", scopes: [{ scope: `cloud.${s.userId}.instances`, actions: ["read"] }] } }));
      return () => call(`/api/service-accounts/${sa.id}/scopes`, { method: "PUT", token: s.access, body: { scopes: [{ scope: `cloud.${s.userId}.instances`, actions: ["command"] }] } });
    },
  },
  {
    name: "delete an instance", ok: 200,
    prepare: async (s) => {
      const agent = await FakeAgent.register(s);
      return () => call(`/api/cloud/instance/${agent.instanceId}`, { method: "DELETE", token: s.access });
    },
  },
  {
    name: "create an admin-scoped API token (a grant on another user)", admin: true, ok: 201,
    prepare: async (s) => {
      const other = await register();
      return () => call("/api/tokens", { token: s.access, body: { name: "adm", scopes: [{ scope: `cloud.${other.userId}.instances`, actions: ["read"] }] } });
    },
  },
  { name: "create a user (admin)", admin: true, ok: 201, prepare: async (s) => () => call("/admin/users", { token: s.access, body: { email: `new-${s.userId.slice(-6)}-${Math.random().toString(36).slice(2, 6)}@example.test`, password: "a long enough password" } }) },
  {
    name: "change a user (admin)", admin: true, ok: 200,
    prepare: async (s) => {
      const other = await register();
      return () => call(`/admin/users/${other.userId}`, { method: "PATCH", token: s.access, body: { roles: ["user", "admin"] } });
    },
  },
  {
    name: "delete a user (admin)", admin: true, ok: 200,
    prepare: async (s) => {
      const other = await register();
      return () => call(`/admin/users/${other.userId}`, { method: "DELETE", token: s.access });
    },
  },
];

describe("actions that need a step-up", () => {
  for (const act of ACTIONS) {
    it(`${act.name}: refused 5 minutes after the last proof, allowed after a password step-up`, async () => {
      const s = act.admin ? await seedAdmin() : await register();
      const run = await act.prepare!(s);
      await age(s);
      const methods = act.name.startsWith("remove TOTP") ? ["password", "totp"] : act.name === "remove a passkey" ? ["password", "passkey"] : ["password"];
      await expectStepUp(await run(), methods);
      const up = await stepUp(s, { method: "password", password: PASSWORD });
      expect(up.status, await up.clone().text()).toBe(200);
      const res = await run();
      expect(res.status, await res.clone().text()).toBe(act.ok);
    });
  }

  it("a fresh sign-in counts as the proof: each action works straight after it", async () => {
    const s = await register();
    expect((await call("/api/tokens", { token: s.access, body: { name: "cmd", scopes: [{ scope: `cloud.${s.userId}`, actions: ["command"] }] } })).status).toBe(201);
    const status = await json(await call("/auth/step-up", { token: s.access }));
    expect(status).toMatchObject({ fresh: true, methods: ["password"] });
    await age(s);
    expect((await json(await call("/auth/step-up", { token: s.access }))).fresh).toBe(false);
  });

  it("a token without command, terminal, manage or an admin's grant needs none", async () => {
    const s = await register();
    await age(s);
    expect((await call("/api/tokens", { token: s.access, body: { name: "ro", scopes: [{ scope: `cloud.${s.userId}.instances`, actions: ["read", "git"] }] } })).status).toBe(201);
  });
});

describe("POST /auth/step-up", () => {
  it("refuses a wrong password with a clear error, changes nothing, and the action stays refused", async () => {
    const s = await register();
    await age(s);
    const before = await steppedUpAt(s);
    const res = await stepUp(s, { method: "password", password: "not the password" });
    expect(res.status).toBe(403);
    expect(errorOf(await json(res))).toMatchObject({ code: "E-AUTH-FORBID", message: "the password is wrong", fields: [{ path: "password", message: "does not match" }] });
    expect(await steppedUpAt(s)).toBe(before);
    await expectStepUp(await call("/api/settings/password", { method: "PUT", token: s.access, body: { current_password: PASSWORD, new_password: "another long password 42" } }), ["password"]);
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.actorId, s.userId), eq(auditLog.action, "auth.step_up_failed"))).all();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]!.detail)).not.toContain("not the password");
  });

  it("is rate-limited per account", async () => {
    const s = await register();
    for (let i = 0; i < 10; i++) expect((await stepUp(s, { method: "password", password: `wrong ${i}` })).status).toBe(403);
    const res = await stepUp(s, { method: "password", password: PASSWORD });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBeTruthy();
  });

  it("renews only the session that stepped up", async () => {
    const s = await register();
    const other = await (await import("../helpers.ts")).login(s.email);
    await age(s);
    await age(other);
    expect((await stepUp(s, { method: "password", password: PASSWORD })).status).toBe(200);
    expect((await json(await call("/auth/step-up", { token: s.access }))).fresh).toBe(true);
    expect((await json(await call("/auth/step-up", { token: other.access }))).fresh).toBe(false);
  });

  it("takes a TOTP code once: the same code cannot step up twice, and an account without TOTP is told so", async () => {
    const s = await register();
    expect((await stepUp(s, { method: "totp", code: "123456" })).status).toBe(403);
    const secret = await enrolTotp(s);
    await age(s);
    await awayFromStepEdge();
    const code = codeAt(secret);
    const ok = await stepUp(s, { method: "totp", code });
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(await json(ok)).toMatchObject({ method: "totp" });
    await age(s);
    const replay = await stepUp(s, { method: "totp", code });
    expect(replay.status).toBe(403);
    expect(errorOf(await json(replay)).fields?.[0]?.path).toBe("code");
    expect((await json(await call("/auth/step-up", { token: s.access }))).fresh).toBe(false);
  });

  it("takes a passkey of this account on a challenge of this session", async () => {
    const s = await register();
    const { authenticator } = await addPasskey(s);
    await age(s);
    const begun = await json(await call("/auth/step-up/passkey/options", { method: "POST", token: s.access }));
    // Another session of the same account cannot redeem this one's challenge.
    const signIn = await json(await call("/auth/passkey/login/start", { method: "POST" }));
    const signedIn = await json(await call("/auth/passkey/login/finish", { body: { challenge_id: signIn.challenge_id, credential: await authenticator.assert(signIn.options) } }));
    const other = { ...s, access: signedIn.tokens.access_token, sessionId: signedIn.session_id };
    const stolen = await stepUp(other, { method: "passkey", challenge_id: begun.challenge_id, response: await authenticator.assert(begun.options) });
    expect(stolen.status).toBe(403);
    const again = await json(await call("/auth/step-up/passkey/options", { method: "POST", token: s.access }));
    const ok = await stepUp(s, { method: "passkey", challenge_id: again.challenge_id, response: await authenticator.assert(again.options) });
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect((await json(await call("/auth/step-up", { token: s.access }))).fresh).toBe(true);
  });

  it("offers the methods the account has: password, confirmed TOTP, passkey; none for an account without them", async () => {
    const s = await register();
    await age(s);
    const attempt = () => call("/api/settings/totp/start", { method: "POST", token: s.access });
    await expectStepUp(await attempt(), ["password"]);
    await stepUp(s, { method: "password", password: PASSWORD });
    await addPasskey(s);
    await call("/api/settings/totp/start", { method: "POST", token: s.access }); // pending: protects nothing, not offered
    await age(s);
    await expectStepUp(await attempt(), ["password", "passkey"]);
    await db().update(users).set({ passwordHash: null }).where(eq(users.id, s.userId));
    await expectStepUp(await attempt(), ["passkey"]);
    await db().delete((await import("../../../core/db/schema.ts")).passkeys).where(eq((await import("../../../core/db/schema.ts")).passkeys.userId, s.userId));
    const none = await attempt();
    await expectStepUp(none.clone(), []);
    expect(errorOf(await json(none)).message).toMatch(/sign in again/);
  });
});

describe("API tokens", () => {
  it("can never step up: a token granted manage on every instance is refused deleting one (methods []); one naming the instance by id may", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    const wide = await json(await call("/api/tokens", { token: owner.access, body: { name: "wide", scopes: [{ scope: `cloud.${owner.userId}.instances`, actions: ["read", "manage"] }] } }));
    await expectStepUp(await call(`/api/cloud/instance/${agent.instanceId}`, { method: "DELETE", token: wide.token }), []);
    expect((await call("/auth/step-up", { token: wide.token, body: { method: "password", password: PASSWORD } })).status).toBe(403);
    const exact = await json(await call("/api/tokens", { token: owner.access, body: { name: "exact", scopes: [{ scope: `cloud.${owner.userId}.instances.${agent.instanceId}`, actions: ["read", "manage"] }] } }));
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { method: "DELETE", token: exact.token })).status).toBe(200);
  });
});

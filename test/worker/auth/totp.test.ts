import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { Secret, TOTP, URI } from "otpauth";
import { call, cookieHeader, errorOf, json, ORIGIN, PASSWORD, register, testEnv, uniqueIp, type Session } from "../helpers.ts";
import { openDb } from "../../../core/db/client.ts";
import { auditLog, authChallenges, sessions, totpCredentials, totpRecoveryCodes } from "../../../core/db/schema.ts";
import { sha256Hex } from "../../../core/ids.ts";
import { RATE_LIMITS } from "../../../src/auth/rate-limit/rate-limits.ts";
import { MAX_CODE_ATTEMPTS_PER_CHALLENGE } from "../../../src/auth/two-factor/verify-second-factor.ts";
import { SoftAuthenticator } from "./soft-authenticator.ts";

const db = () => openDb(testEnv.DB);
const STEP_MS = 30_000;

/** The code an authenticator app with this secret shows `steps` time steps from now (−1: the previous code). */
const codeAt = (secret: string, steps = 0) => TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30, timestamp: Date.now() + steps * STEP_MS });

/**
 * Waits out the end of a time step when less than 3 s of it are left, so a code computed here
 * is still of the step the server sees (a test must not fail because the clock ticked between).
 */
async function awayFromStepEdge() {
  const left = STEP_MS - (Date.now() % STEP_MS);
  if (left < 3000) await new Promise((r) => setTimeout(r, left + 200));
}

/** A code that differs from every code of ±1 step (so it is wrong now, whatever the clock). */
function wrongCode(secret: string) {
  const near = new Set([-1, 0, 1].map((d) => codeAt(secret, d)));
  let n = 0;
  while (near.has(String(n).padStart(6, "0"))) n++;
  return String(n).padStart(6, "0");
}

const start = (s: Session) => call("/api/settings/totp/start", { method: "POST", token: s.access });
const confirm = (s: Session, code: string) => call("/api/settings/totp/confirm", { token: s.access, body: { code } });
const status = async (s: Session) => json(await call("/api/settings/totp", { token: s.access }));
const passwordLogin = (email: string) => call("/auth/login", { body: { email, password: PASSWORD }, ip: uniqueIp() });
const verify = (body: Record<string, unknown>, o: { origin?: string } = {}) => call("/auth/2fa/verify", { body, ip: uniqueIp(), ...o });

/** Turns TOTP on for `s` (confirmed with the previous step's code, so the current one is still unused) and returns its secret and recovery codes. */
async function enrol(s: Session) {
  const started = await start(s);
  expect(started.status, await started.clone().text()).toBe(200);
  const { secret } = await json(started);
  await awayFromStepEdge();
  const res = await confirm(s, codeAt(secret, -1));
  expect(res.status, await res.clone().text()).toBe(200);
  return { secret, recovery: (await json(res)).recovery_codes as string[] };
}

/** A password sign-in that must stop at the second step; returns that step. */
async function secondStep(email: string) {
  const res = await passwordLogin(email);
  expect(res.status).toBe(200);
  const step = await json(res);
  expect(step.requires_2fa).toBe(true);
  return step as { challenge_token: string; methods: string[]; expires_in: number; passkey_options?: { challenge: string } };
}

const auditActions = async (userId: string) => (await db().select().from(auditLog).where(eq(auditLog.subjectId, userId)).all()).map((r) => r.action);

describe("enrolling TOTP", () => {
  it("start answers a secret and an otpauth URL for SHA-1, 6 digits, 30 s; it stays pending (no second step) until confirmed", async () => {
    const s = await register();
    const res = await start(s);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const parsed = URI.parse(body.otpauth_url) as TOTP;
    expect(parsed).toBeInstanceOf(TOTP);
    expect({ algorithm: parsed.algorithm, digits: parsed.digits, period: parsed.period, secret: parsed.secret.base32, label: parsed.label }).toEqual({
      algorithm: "SHA1",
      digits: 6,
      period: 30,
      secret: body.secret,
      label: s.email,
    });
    expect(await status(s)).toEqual({ state: "pending", confirmed_at: null, recovery_codes_left: 0 });
    // A pending secret protects nothing: the password alone still signs in.
    expect((await json(await passwordLogin(s.email))).tokens.access_token).toBeTruthy();
  });

  it("starting again replaces the pending secret: a code of the old one no longer confirms", async () => {
    const s = await register();
    const first = (await json(await start(s))).secret;
    const second = (await json(await start(s))).secret;
    expect(second).not.toBe(first);
    await awayFromStepEdge();
    const old = await confirm(s, codeAt(first));
    expect(old.status).toBe(403);
    expect((await confirm(s, codeAt(second))).status).toBe(200);
  });

  it("a wrong code is refused with a clear error and changes nothing", async () => {
    const s = await register();
    const { secret } = await json(await start(s));
    const before = await db().select().from(totpCredentials).where(eq(totpCredentials.userId, s.userId)).get();
    const res = await confirm(s, wrongCode(secret));
    expect(res.status).toBe(403);
    const err = errorOf(await json(res));
    expect(err.code).toBe("E-AUTH-FORBID");
    expect(err.fields).toEqual([{ path: "code", message: "does not match" }]);
    expect(await db().select().from(totpCredentials).where(eq(totpCredentials.userId, s.userId)).get()).toEqual(before);
    expect(await db().select().from(totpRecoveryCodes).where(eq(totpRecoveryCodes.userId, s.userId)).all()).toEqual([]);
    expect((await status(s)).state).toBe("pending");
    // Not six digits: a 400 naming the field.
    const bad = await confirm(s, "12345");
    expect(bad.status).toBe(400);
    expect(errorOf(await json(bad)).fields?.[0]?.path).toBe("code");
  });

  it("confirm turns TOTP on and answers 10 distinct recovery codes, stored only as hashes; starting again is a 409", async () => {
    const s = await register();
    const { recovery } = await enrol(s);
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    for (const c of recovery) expect(c).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
    const stored = await db().select().from(totpRecoveryCodes).where(eq(totpRecoveryCodes.userId, s.userId)).all();
    expect(stored).toHaveLength(10);
    const plain = new Set(recovery.flatMap((c) => [c, c.replace(/-/g, "")]));
    for (const r of stored) expect(plain.has(r.codeHash)).toBe(false);
    expect(await status(s)).toMatchObject({ state: "enabled", recovery_codes_left: 10 });

    const again = await start(s);
    expect(again.status).toBe(409);
    expect(errorOf(await json(again))).toMatchObject({ code: "E-CONFLICT", message: expect.stringMatching(/already on/) });
    expect((await confirm(s, "123456")).status).toBe(409);
    expect(await auditActions(s.userId)).toEqual(expect.arrayContaining(["settings.totp_started", "settings.totp_confirmed"]));
  });

  it("needs a signed-in session", async () => {
    expect((await call("/api/settings/totp/start", { method: "POST" })).status).toBe(401);
    expect((await call("/api/settings/totp/confirm", { body: { code: "123456" } })).status).toBe(401);
  });
});

describe("signing in with TOTP", () => {
  it("a password login answers requires_2fa with totp and recovery, no session; a current code finishes it", async () => {
    const s = await register();
    const { secret } = await enrol(s);
    const res = await passwordLogin(s.email);
    expect(res.headers.getSetCookie()).toHaveLength(0);
    const step = await json(res);
    expect(step).toMatchObject({ requires_2fa: true, methods: ["totp", "recovery"], expires_in: 300 });
    expect(step.passkey_options).toBeUndefined();
    expect(step.tokens).toBeUndefined();
    expect(await auditActions(s.userId)).toContain("auth.login_2fa_required");

    await awayFromStepEdge();
    const done = await verify({ challenge_token: step.challenge_token, method: "totp", code: codeAt(secret) });
    expect(done.status, await done.clone().text()).toBe(200);
    const body = await json(done);
    expect(body.user.id).toBe(s.userId);
    const sessions = await json(await call("/api/settings/sessions", { token: body.tokens.access_token }));
    expect(sessions.sessions.find((x: { current: boolean }) => x.current).provider).toBe("password+totp");
  });

  it("a cookie sign-in sets its cookies only at the second step", async () => {
    const s = await register();
    const { secret } = await enrol(s);
    const res = await call("/auth/login", { body: { email: s.email, password: PASSWORD, transport: "cookie" }, origin: ORIGIN });
    expect(res.headers.getSetCookie()).toHaveLength(0);
    const step = await json(res);
    await awayFromStepEdge();
    const done = await verify({ challenge_token: step.challenge_token, method: "totp", code: codeAt(secret), transport: "cookie" }, { origin: ORIGIN });
    expect(done.status).toBe(200);
    expect((await json(done)).tokens).toBeUndefined();
    expect((await call("/auth/user", { cookie: cookieHeader(done) })).status).toBe(200);
  });

  it("a code is accepted once: the same code again (same step, still in its window) is refused", async () => {
    const s = await register();
    const { secret } = await enrol(s);
    await awayFromStepEdge();
    const code = codeAt(secret);
    expect((await verify({ challenge_token: (await secondStep(s.email)).challenge_token, method: "totp", code })).status).toBe(200);
    const replay = await verify({ challenge_token: (await secondStep(s.email)).challenge_token, method: "totp", code });
    expect(replay.status).toBe(401);
    expect(errorOf(await json(replay))).toMatchObject({ code: "E-AUTH-UNAUTH", message: expect.stringMatching(/wrong or was already used/) });
    // The confirm used the previous step's code: it is older than the last used step now, so refused too.
    const older = await verify({ challenge_token: (await secondStep(s.email)).challenge_token, method: "totp", code: codeAt(secret, -1) });
    expect(older.status).toBe(401);
  });

  it("one step of clock skew either way is accepted, two are refused", async () => {
    // −1 step: the confirm in enrol() used the previous step's code.
    const s = await register();
    const { secret } = await enrol(s);
    await awayFromStepEdge();
    for (const steps of [-2, 2]) {
      const res = await verify({ challenge_token: (await secondStep(s.email)).challenge_token, method: "totp", code: codeAt(secret, steps) });
      expect(res.status, `${steps} steps`).toBe(401);
    }
    const ahead = await verify({ challenge_token: (await secondStep(s.email)).challenge_token, method: "totp", code: codeAt(secret, 1) });
    expect(ahead.status, await ahead.clone().text()).toBe(200);

    // −1 step at sign-in: on another account whose last used step is moved back one (as if it had
    // been confirmed a step earlier), so the previous step's code is unused.
    const t = await register();
    const other = await enrol(t);
    const row = await db().select().from(totpCredentials).where(eq(totpCredentials.userId, t.userId)).get();
    await db().update(totpCredentials).set({ lastUsedStep: row!.lastUsedStep! - 1 }).where(eq(totpCredentials.userId, t.userId));
    await awayFromStepEdge();
    const behind = await verify({ challenge_token: (await secondStep(t.email)).challenge_token, method: "totp", code: codeAt(other.secret, -1) });
    expect(behind.status, await behind.clone().text()).toBe(200);
  });

  it("a wrong code changes nothing: the token survives it and the right code still works", async () => {
    const s = await register();
    const { secret } = await enrol(s);
    const step = await secondStep(s.email);
    const before = await db().select().from(totpCredentials).where(eq(totpCredentials.userId, s.userId)).get();
    await awayFromStepEdge();
    const wrong = await verify({ challenge_token: step.challenge_token, method: "totp", code: wrongCode(secret) });
    expect(wrong.status).toBe(401);
    expect(await db().select().from(totpCredentials).where(eq(totpCredentials.userId, s.userId)).get()).toEqual(before);
    expect(await auditActions(s.userId)).toContain("auth.login_failed");
    expect((await verify({ challenge_token: step.challenge_token, method: "totp", code: codeAt(secret) })).status).toBe(200);
  });

  it(`${MAX_CODE_ATTEMPTS_PER_CHALLENGE} wrong codes burn the challenge token: then even the right code needs the password again`, async () => {
    const s = await register();
    const { secret } = await enrol(s);
    const step = await secondStep(s.email);
    await awayFromStepEdge();
    for (let i = 0; i < MAX_CODE_ATTEMPTS_PER_CHALLENGE; i++) {
      expect((await verify({ challenge_token: step.challenge_token, method: "totp", code: wrongCode(secret) })).status).toBe(401);
    }
    const res = await verify({ challenge_token: step.challenge_token, method: "totp", code: codeAt(secret) });
    expect(res.status).toBe(401);
    expect(errorOf(await json(res)).message).toMatch(/unknown, expired or already used/);
  });

  it(`code attempts are limited per account, from any address: after ${RATE_LIMITS.secondFactorPerAccount.limit}, even the right code gets 429`, async () => {
    const s = await register();
    const { secret } = await enrol(s);
    let step = await secondStep(s.email);
    await awayFromStepEdge();
    // The confirm in enrol() was the account's first code attempt; each one comes from a new address.
    for (let i = 0; i < RATE_LIMITS.secondFactorPerAccount.limit - 1; i++) {
      if (i > 0 && i % (MAX_CODE_ATTEMPTS_PER_CHALLENGE - 1) === 0) step = await secondStep(s.email);
      expect((await verify({ challenge_token: step.challenge_token, method: "totp", code: wrongCode(secret) })).status).toBe(401);
    }
    const blocked = await verify({ challenge_token: (await secondStep(s.email)).challenge_token, method: "totp", code: codeAt(secret) });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(errorOf(await json(blocked)).code).toBe("E-RATE-LIMIT");
  });

  it("an expired or already used challenge token is refused with a clear error", async () => {
    const s = await register();
    const { secret, recovery } = await enrol(s);
    const step = await secondStep(s.email);
    await db()
      .update(authChallenges)
      .set({ expiresAt: new Date(Date.now() - 1000).toISOString() })
      .where(eq(authChallenges.keyHash, await sha256Hex(`login-2fa:${step.challenge_token}`)));
    await awayFromStepEdge();
    const expired = await verify({ challenge_token: step.challenge_token, method: "totp", code: codeAt(secret) });
    expect(expired.status).toBe(401);
    expect(errorOf(await json(expired))).toMatchObject({ code: "E-AUTH-UNAUTH", message: expect.stringMatching(/unknown, expired or already used/) });

    const live = await secondStep(s.email);
    expect((await verify({ challenge_token: live.challenge_token, method: "totp", code: codeAt(secret) })).status).toBe(200);
    const used = await verify({ challenge_token: live.challenge_token, method: "recovery", code: recovery[0] });
    expect(used.status).toBe(401);
    expect(errorOf(await json(used)).message).toMatch(/unknown, expired or already used/);
    expect((await verify({ challenge_token: "not-a-token", method: "totp", code: "123456" })).status).toBe(401);
  });

  it("an account without TOTP gets no second step", async () => {
    const s = await register();
    const plain = await json(await passwordLogin(s.email));
    expect(plain.requires_2fa).toBeUndefined();
    expect(plain.tokens.access_token).toBeTruthy();
  });
});

describe("recovery codes", () => {
  it("a recovery code finishes a sign-in once; used again it is refused; another still works; case and dashes are forgiven", async () => {
    const s = await register();
    const { recovery } = await enrol(s);
    const first = await verify({ challenge_token: (await secondStep(s.email)).challenge_token, method: "recovery", code: recovery[0] });
    expect(first.status, await first.clone().text()).toBe(200);
    const sessions = await json(await call("/api/settings/sessions", { token: (await json(first)).tokens.access_token }));
    expect(sessions.sessions.find((x: { current: boolean }) => x.current).provider).toBe("password+recovery");
    expect(await auditActions(s.userId)).toContain("auth.recovery_code_used");
    expect(await status(s)).toMatchObject({ recovery_codes_left: 9 });

    const again = await verify({ challenge_token: (await secondStep(s.email)).challenge_token, method: "recovery", code: recovery[0] });
    expect(again.status).toBe(401);
    expect(errorOf(await json(again)).message).toMatch(/recovery code is wrong or was already used/);

    const messy = ` ${recovery[1]!.toUpperCase().replace(/-/g, " ")} `;
    expect((await verify({ challenge_token: (await secondStep(s.email)).challenge_token, method: "recovery", code: messy })).status).toBe(200);
  });

  it("another account's recovery code is refused", async () => {
    const a = await register();
    const b = await register();
    const { recovery } = await enrol(a);
    await enrol(b);
    expect((await verify({ challenge_token: (await secondStep(b.email)).challenge_token, method: "recovery", code: recovery[0] })).status).toBe(401);
    // … and stays usable by its owner.
    expect((await verify({ challenge_token: (await secondStep(a.email)).challenge_token, method: "recovery", code: recovery[0] })).status).toBe(200);
  });
});

describe("TOTP with a passkey too", () => {
  it("methods name all three, and the same challenge token serves whichever is picked, after a wrong code too", async () => {
    const s = await register();
    const begun = await json(await call("/auth/passkey/register/start", { method: "POST", token: s.access }));
    const authenticator = await SoftAuthenticator.create();
    const added = await call("/auth/passkey/register/finish", { token: s.access, body: { challenge_id: begun.challenge_id, credential: await authenticator.register(begun.options) } });
    expect(added.status).toBe(201);
    const { secret } = await enrol(s);

    const step = await secondStep(s.email);
    expect(step.methods).toEqual(["totp", "recovery", "passkey"]);
    expect(step.passkey_options?.challenge).toBeTruthy();
    await awayFromStepEdge();
    expect((await verify({ challenge_token: step.challenge_token, method: "totp", code: wrongCode(secret) })).status).toBe(401);
    const done = await call("/auth/passkey/login/finish", { body: { challenge_token: step.challenge_token, credential: await authenticator.assert(step.passkey_options as never) } });
    expect(done.status, await done.clone().text()).toBe(200);
    // Redeemed by the passkey: no code finishes it a second time.
    expect((await verify({ challenge_token: step.challenge_token, method: "totp", code: codeAt(secret) })).status).toBe(401);

    const next = await secondStep(s.email);
    expect((await verify({ challenge_token: next.challenge_token, method: "totp", code: codeAt(secret) })).status).toBe(200);
  });

  it("the password alone gets no anchor token for an account with TOTP", async () => {
    const s = await register();
    await enrol(s);
    const res = await call("/api/cloud/request-anchor-token", { body: { email: s.email, password: PASSWORD } });
    expect(res.status).toBe(403);
    expect((await json(res)).anchor_token).toBeUndefined();
  });
});

describe("removing TOTP", () => {
  const remove = (s: Session) => call("/api/settings/totp", { method: "DELETE", token: s.access });
  const ageSession = (s: Session) =>
    db().update(sessions).set({ steppedUpAt: new Date(Date.now() - 10 * 60_000).toISOString() }).where(eq(sessions.id, s.sessionId));

  it("needs a step-up: an aged session is refused and nothing changes; after one, it removes TOTP and its recovery codes (no body)", async () => {
    const s = await register();
    const { secret } = await enrol(s);
    await ageSession(s);
    const refused = await remove(s);
    expect(refused.status).toBe(401);
    expect(errorOf(await json(refused))).toMatchObject({ code: "E-AUTH-STEP-UP", methods: ["password", "totp"] });
    expect((await status(s)).state).toBe("enabled");
    const wrong = await call("/auth/step-up", { token: s.access, body: { method: "password", password: "not the password" } });
    expect(wrong.status).toBe(403);
    expect((await remove(s)).status).toBe(401);

    expect((await call("/auth/step-up", { token: s.access, body: { method: "password", password: PASSWORD } })).status).toBe(200);
    const ok = await remove(s);
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(await status(s)).toEqual({ state: "none", confirmed_at: null, recovery_codes_left: 0 });
    expect(await db().select().from(totpRecoveryCodes).where(eq(totpRecoveryCodes.userId, s.userId)).all()).toEqual([]);
    expect(await auditActions(s.userId)).toContain("settings.totp_deleted");
    // The password alone signs in again, and the old secret's codes step up nothing.
    expect((await json(await passwordLogin(s.email))).tokens.access_token).toBeTruthy();
    expect((await call("/auth/step-up", { token: s.access, body: { method: "totp", code: codeAt(secret) } })).status).toBe(403);
    expect((await remove(s)).status).toBe(404);
    expect((await start(s)).status).toBe(200);
  });

  it("or a step-up with a current code, used up like a sign-in's: the code a sign-in took cannot step up", async () => {
    const s = await register();
    const { secret } = await enrol(s);
    await ageSession(s);
    await awayFromStepEdge();
    const code = codeAt(secret);
    expect((await verify({ challenge_token: (await secondStep(s.email)).challenge_token, method: "totp", code })).status).toBe(200);
    expect((await call("/auth/step-up", { token: s.access, body: { method: "totp", code } })).status).toBe(403);
    expect((await remove(s)).status).toBe(401);
    expect((await status(s)).state).toBe("enabled");
    expect((await call("/auth/step-up", { token: s.access, body: { method: "totp", code: codeAt(secret, 1) } })).status).toBe(200);
    const ok = await remove(s);
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect((await status(s)).state).toBe("none");
  });
});

describe("the API description", () => {
  it("lists the TOTP routes with the schemas that validate them", async () => {
    const doc = await json(await call("/openapi.json"));
    expect(Object.keys(doc.paths["/api/settings/totp"]).sort()).toEqual(["delete", "get"]);
    expect(doc.paths["/api/settings/totp/start"].post.summary).toMatch(/authenticator app/);
    expect(doc.paths["/api/settings/totp/confirm"].post.requestBody).toBeTruthy();
    expect(JSON.stringify(doc.paths["/auth/2fa/verify"].post.requestBody)).toMatch(/recovery/);
  });
});

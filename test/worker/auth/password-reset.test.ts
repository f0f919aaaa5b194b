import { describe, expect, it } from "vitest";
import { call, errorOf, json, login, PASSWORD, register, testEnv, uniqueEmail, uniqueIp } from "../helpers.ts";
import { challengeKeyHash } from "../../../src/auth/challenges/challenge-store.ts";
import { PASSWORD_RESET_LIMITS } from "../../../src/auth/password-reset/password-reset-routes.ts";

type Mail = { to: string; subject: string; text: string; html: string | null };

const NEW_PASSWORD = "a brand new passphrase 42";

/** What the dev outbox holds for an address, newest first. */
async function outbox(to: string): Promise<Mail[]> {
  const res = await call(`/api/dev/outbox?to=${encodeURIComponent(to)}`);
  expect(res.status).toBe(200);
  return (await json(res)).messages;
}

const LINK = /http:\/\/localhost:8787\/password\/reset#token=([A-Za-z0-9_-]{43})/;

const forgot = (email: string, ip = uniqueIp()) => call("/auth/password/forgot", { body: { email }, ip });
const reset = (token: string, password = NEW_PASSWORD) => call("/auth/password/reset", { body: { token, password } });
const loginStatus = async (email: string, password: string) => (await call("/auth/login", { body: { email, password } })).status;

/** Asks for a reset link for a new account and returns its token, read from the mail in the dev outbox. */
async function linkFor() {
  const user = await register();
  expect((await forgot(user.email)).status).toBe(202);
  const [mail] = await outbox(user.email);
  expect(mail!.subject).toBe("Reset your Anchorage password");
  return { user, token: LINK.exec(mail!.text)![1]!, mail: mail! };
}

/** The reset rows (challenges) written for an email, whether or not it has an account. */
const resetRows = (email: string) =>
  testEnv.DB.prepare("SELECT user_id, expires_at, created_at FROM auth_challenges WHERE kind = 'password-reset' AND json_extract(data, '$.email') = ?1")
    .bind(email)
    .all<{ user_id: string | null; expires_at: string; created_at: string }>()
    .then((r) => r.results);

const audits = (action: string, subject: string | null) =>
  testEnv.DB.prepare(`SELECT actor_id, detail FROM audit_log WHERE action = ?1 AND ${subject ? "subject_id = ?2" : "subject_id IS NULL"} ORDER BY id`)
    .bind(...(subject ? [action, subject] : [action]))
    .all<{ actor_id: string | null; detail: string | null }>()
    .then((r) => r.results);

describe("forgotten password: asking for a link", () => {
  it("answers an unknown email exactly as a known one, writes the same row for both, and mails only the known one", async () => {
    const user = await register();
    const ghost = uniqueEmail();
    const known = await forgot(user.email);
    const unknown = await forgot(ghost);
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    const body = await json(known);
    expect(await json(unknown)).toEqual(body);
    expect(body).toEqual({ message: expect.stringMatching(/^If an account exists/), expires_in: 1800 });

    const [mine] = await resetRows(user.email);
    const [theirs] = await resetRows(ghost);
    expect(mine!.user_id).toBe(user.userId);
    expect(theirs!.user_id).toBeNull();
    // 30 minutes, both.
    for (const row of [mine!, theirs!]) expect(Date.parse(row.expires_at) - Date.parse(row.created_at)).toBe(30 * 60 * 1000);

    expect(await outbox(ghost)).toEqual([]);
    const [mail] = await outbox(user.email);
    const token = LINK.exec(mail!.text)![1]!;
    expect(mail!.html).toContain(`href="http://localhost:8787/password/reset#token=${token}"`);
    expect((await audits("auth.password_reset_requested", user.userId)).length).toBe(1);
  });

  it("sends no link to a disabled account, and still answers the same", async () => {
    const user = await register();
    await testEnv.DB.prepare("UPDATE users SET disabled_at = ?1 WHERE id = ?2").bind(new Date().toISOString(), user.userId).run();
    expect((await forgot(user.email)).status).toBe(202);
    expect(await outbox(user.email)).toEqual([]);
  });

  it("limits asking per email, counting emails without an account the same way", async () => {
    for (const email of [(await register()).email, uniqueEmail()]) {
      for (let i = 0; i < PASSWORD_RESET_LIMITS.forgotPerEmail.limit; i++) expect((await forgot(email)).status).toBe(202);
      const refused = await forgot(email);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(errorOf(await json(refused)).code).toBe("E-RATE-LIMIT");
    }
  });

  it("limits asking per address across many emails", async () => {
    const ip = uniqueIp();
    const statuses: number[] = [];
    for (let i = 0; i <= PASSWORD_RESET_LIMITS.forgotPerIp.limit; i++) statuses.push((await forgot(uniqueEmail(), ip)).status);
    expect(statuses.filter((s) => s === 429)).toEqual([429]);
    expect(statuses.at(-1)).toBe(429);
  });

  it("is off in production when no mail can be sent", async () => {
    const res = await call("/auth/password/forgot", { body: { email: uniqueEmail() }, env: { ENVIRONMENT: "production", APP_ORIGIN: "https://anchorage.example" } });
    expect(res.status).toBe(404);
    expect(errorOf(await json(res)).code).toBe("E-NOT-FOUND");
  });
});

describe("forgotten password: setting the new one", () => {
  it("sets the password once: the old one is refused, the new one works, and the link cannot be used again", async () => {
    const { user, token } = await linkFor();
    const done = await reset(token);
    expect(done.status).toBe(200);
    const body = await json(done);
    expect(body).toMatchObject({ success: true, sessions_ended: 1 });
    // The reset signs nobody in.
    expect(done.headers.getSetCookie()).toEqual([]);
    expect(body.tokens).toBeUndefined();
    expect(await loginStatus(user.email, PASSWORD)).toBe(401);
    expect(await loginStatus(user.email, NEW_PASSWORD)).toBe(200);

    const again = await reset(token, "yet another passphrase 7");
    expect(again.status).toBe(401);
    expect(errorOf(await json(again))).toMatchObject({ code: "E-AUTH-UNAUTH", message: expect.stringMatching(/invalid, expired or already used/) });
    expect(await loginStatus(user.email, "yet another passphrase 7")).toBe(401);
    expect(await loginStatus(user.email, NEW_PASSWORD)).toBe(200);
  });

  it("lets exactly one of two racing submits of the same link through", async () => {
    const { token } = await linkFor();
    const results = await Promise.all(["first passphrase 123", "second passphrase 456", "third passphrase 789"].map((p) => reset(token, p)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);
  });

  it("refuses an expired link and changes nothing", async () => {
    const { user, token } = await linkFor();
    const hash = await challengeKeyHash("password-reset", token);
    const moved = await testEnv.DB.prepare("UPDATE auth_challenges SET expires_at = ?1 WHERE key_hash = ?2").bind(new Date(Date.now() - 1000).toISOString(), hash).run();
    expect(moved.meta.changes).toBe(1);
    const res = await reset(token);
    expect(res.status).toBe(401);
    expect(errorOf(await json(res)).code).toBe("E-AUTH-UNAUTH");
    expect(await loginStatus(user.email, PASSWORD)).toBe(200);
    expect(await loginStatus(user.email, NEW_PASSWORD)).toBe(401);
    expect((await call("/auth/user", { token: user.access })).status).toBe(200);
  });

  it("refuses a token nobody was sent, the row of an unknown email, a magic link's token, and malformed ones", async () => {
    expect((await reset("A".repeat(43))).status).toBe(401);
    const bad = await reset("short");
    expect(bad.status).toBe(400);
    expect(errorOf(await json(bad)).fields![0]!.path).toBe("token");
    // A sign-in link is another kind of challenge: it never passes for a reset link.
    const user = await register();
    expect((await call("/auth/magic-link/request", { body: { email: user.email } })).status).toBe(202);
    const [magic] = await outbox(user.email);
    const magicToken = /magic\?token=([A-Za-z0-9_-]{43})/.exec(magic!.text)![1]!;
    expect((await reset(magicToken)).status).toBe(401);
    expect(await loginStatus(user.email, PASSWORD)).toBe(200);
  });

  it("holds the password policy, and a refused password leaves the link usable", async () => {
    const { user, token } = await linkFor();
    const short = await reset(token, "too short");
    expect(short.status).toBe(400);
    expect(errorOf(await json(short))).toMatchObject({ code: "E-VALIDATION", fields: [expect.objectContaining({ path: "password", message: expect.stringMatching(/at least 12/) })] });
    expect((await reset(token, "x".repeat(129))).status).toBe(400);
    expect(await loginStatus(user.email, PASSWORD)).toBe(200);
    expect((await reset(token)).status).toBe(200);
  });

  it("ends every session at once: access tokens used before are refused on the next request, refresh tokens too; API tokens stay", async () => {
    const { user, token } = await linkFor();
    const other = await login(user.email);
    const script = (await json(await call("/api/tokens", { token: user.access, body: { name: "script", scopes: [{ scope: `cloud.${user.userId}`, actions: ["read"] }] } }))).token as string;
    // Used (and so cached) just before the reset.
    for (const s of [user, other]) expect((await call("/auth/user", { token: s.access })).status).toBe(200);
    expect((await call("/api/cloud/instances", { token: script })).status).toBe(200);

    const done = await reset(token);
    expect((await json(done)).sessions_ended).toBe(2);
    for (const s of [user, other]) {
      expect((await call("/auth/user", { token: s.access })).status).toBe(401);
      expect((await call("/auth/refresh", { body: { refresh_token: s.refresh } })).status).toBe(401);
    }
    const left = await testEnv.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ?1 AND revoked_at IS NULL").bind(user.userId).first<{ n: number }>();
    expect(left!.n).toBe(0);
    expect((await call("/api/cloud/instances", { token: script })).status).toBe(200);
  });

  it("mails a notice and audits the reset", async () => {
    const { user, token } = await linkFor();
    expect((await reset(token)).status).toBe(200);
    const [notice] = await outbox(user.email);
    expect(notice!.subject).toBe("Your Anchorage password was changed");
    expect(notice!.text).toMatch(/your password was changed/i);
    expect(notice!.text).not.toContain(token);
    const [audit] = await audits("auth.password_reset", user.userId);
    expect(audit!.actor_id).toBe(user.userId);
    expect(JSON.parse(audit!.detail!)).toEqual({ sessions_ended: 1 });
  });

  it("spends every other link still out for the account", async () => {
    const { user, token } = await linkFor();
    expect((await forgot(user.email)).status).toBe(202);
    const [second] = await outbox(user.email);
    const other = LINK.exec(second!.text)![1]!;
    expect(other).not.toBe(token);
    expect((await reset(other)).status).toBe(200);
    expect((await reset(token, "a third passphrase 99")).status).toBe(401);
    expect(await loginStatus(user.email, NEW_PASSWORD)).toBe(200);
  });
});

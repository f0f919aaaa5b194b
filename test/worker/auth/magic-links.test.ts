import { describe, expect, it } from "vitest";
import { call, errorOf, json, ORIGIN, register, testEnv, uniqueEmail, uniqueIp } from "../helpers.ts";
import { challengeKeyHash } from "../../../src/auth/challenges/challenge-store.ts";
import { MAGIC_LINK_LIMITS } from "../../../src/auth/magic-link/magic-link-routes.ts";

type Mail = { to: string; subject: string; text: string; html: string | null };

/** What the dev outbox holds for an address, newest first (the route the local stack offers). */
async function outbox(to: string): Promise<Mail[]> {
  const res = await call(`/api/dev/outbox?to=${encodeURIComponent(to)}`);
  expect(res.status).toBe(200);
  return (await json(res)).messages;
}

const linkOf = (mail: Mail) => /(http:\/\/localhost:8787\/magic\?token=([A-Za-z0-9_-]{43})(&for=cli)?)/.exec(mail.text);
const tokenOf = (mail: Mail) => linkOf(mail)![2]!;

const ask = (email: string, o: { for?: "cli" | "browser"; ip?: string } = {}) =>
  call("/auth/magic-link/request", { body: { email, ...(o.for ? { for: o.for } : {}) }, ip: o.ip ?? uniqueIp() });

/** Asks for a link for a new account and returns its token, read from the dev outbox. */
async function linkFor(o: { for?: "cli" } = {}) {
  const user = await register();
  const asked = await ask(user.email, o);
  expect(asked.status).toBe(202);
  const [mail] = await outbox(user.email);
  expect(mail!.subject).toMatch(o.for === "cli" ? /^Approve a terminal sign-in/ : /^Your Anchorage sign-in link$/);
  return { user, token: tokenOf(mail!), asked: await json(asked), mail: mail! };
}

const verify = (token: string, o: { transport?: "cookie"; origin?: string } = {}) =>
  call("/auth/magic-link/verify", { body: { token, ...(o.transport ? { transport: o.transport } : {}) }, origin: o.origin });
const status = (requestId: string) => call(`/auth/magic-link/status?request_id=${requestId}`);

/** Moves a challenge's expiry into the past, as ten minutes passing would. */
async function expire(key: string) {
  const hash = await challengeKeyHash("magic-link", key);
  const done = await testEnv.DB.prepare("UPDATE auth_challenges SET expires_at = ?1 WHERE key_hash = ?2").bind(new Date(Date.now() - 1000).toISOString(), hash).run();
  expect(done.meta.changes).toBe(1);
}

describe("magic links: asking", () => {
  it("answers an unknown email exactly as a known one, and mails only the known one", async () => {
    const user = await register();
    const ghost = uniqueEmail();
    const known = await ask(user.email);
    const unknown = await ask(ghost);
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(await json(unknown)).toEqual(await json(known));
    expect(await outbox(ghost)).toEqual([]);
    const [mail] = await outbox(user.email);
    expect(mail!.to).toBe(user.email);
    expect(linkOf(mail!)).not.toBeNull();
    expect(mail!.html).toContain(`href="http://localhost:8787/magic?token=${tokenOf(mail!)}"`);
  });

  it("answers a terminal's request the same way for an unknown email, request id and check code included", async () => {
    const user = await register();
    const known = await json(await ask(user.email, { for: "cli" }));
    const unknown = await json(await ask(uniqueEmail(), { for: "cli" }));
    expect(Object.keys(unknown).sort()).toEqual(Object.keys(known).sort());
    expect(unknown.request_id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(unknown.check_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    // The unknown email's request waits like any other: polling it tells nothing.
    expect(await json(await status(unknown.request_id))).toEqual({ status: "pending" });
    expect(await json(await status(known.request_id))).toEqual({ status: "pending" });
  });

  it("sends no link to a disabled account, and still answers the same", async () => {
    const user = await register();
    await testEnv.DB.prepare("UPDATE users SET disabled_at = ?1 WHERE id = ?2").bind(new Date().toISOString(), user.userId).run();
    expect((await ask(user.email)).status).toBe(202);
    expect(await outbox(user.email)).toEqual([]);
  });

  it("limits asking per email, counting emails without an account the same way", async () => {
    for (const email of [(await register()).email, uniqueEmail()]) {
      const statuses: number[] = [];
      for (let i = 0; i <= MAGIC_LINK_LIMITS.requestPerEmail.limit; i++) statuses.push((await ask(email)).status);
      expect(statuses.slice(0, -1).every((s) => s === 202)).toBe(true);
      const refused = await ask(email);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(errorOf(await json(refused)).code).toBe("E-RATE-LIMIT");
    }
  });

  it("limits asking per address across many emails", async () => {
    const ip = uniqueIp();
    const statuses: number[] = [];
    for (let i = 0; i <= MAGIC_LINK_LIMITS.requestPerIp.limit; i++) statuses.push((await ask(uniqueEmail(), { ip })).status);
    expect(statuses.filter((s) => s === 429)).toEqual([429]);
    expect(statuses.at(-1)).toBe(429);
    expect((await ask(uniqueEmail())).status).toBe(202);
  });

  it("is off in production when no mail can be sent, and /auth/config says so", async () => {
    const production = { ENVIRONMENT: "production", APP_ORIGIN: "https://anchorage.example" };
    expect((await json(await call("/auth/config", { env: production }))).magic_link).toBe(false);
    const res = await call("/auth/magic-link/request", { body: { email: uniqueEmail() }, env: production });
    expect(res.status).toBe(404);
    expect((await json(await call("/auth/config"))).magic_link).toBe(true);
    expect((await json(await call("/auth/config", { env: { ...production, RESEND_API_KEY: "re_x", MAIL_FROM: "a@anchorage.example" } }))).magic_link).toBe(true);
  });
});

describe("magic links: redeeming", () => {
  it("signs in once: the link starts a session, and a second use is refused", async () => {
    const { user, token } = await linkFor();
    const first = await verify(token);
    expect(first.status).toBe(200);
    const body = await json(first);
    expect(body).toMatchObject({ for: "browser", user: { id: user.userId } });
    const me = await call("/auth/user", { token: body.tokens.access_token });
    expect((await json(me)).id).toBe(user.userId);
    const sessions = await json(await call("/api/settings/sessions", { token: body.tokens.access_token }));
    expect(sessions.sessions.find((s: { current: boolean }) => s.current).provider).toBe("magic-link");

    const again = await verify(token);
    expect(again.status).toBe(401);
    expect(errorOf(await json(again)).message).toMatch(/invalid, expired or already used/);
  });

  it("gives exactly one session when the same link is redeemed twice at the same moment", async () => {
    const { token } = await linkFor();
    const results = await Promise.all(Array.from({ length: 5 }, () => verify(token)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401]);
  });

  it("refuses an expired link", async () => {
    const { token } = await linkFor();
    await expire(token);
    const res = await verify(token);
    expect(res.status).toBe(401);
  });

  it("refuses a token nobody was sent, and malformed ones", async () => {
    expect((await verify("A".repeat(43))).status).toBe(401);
    const bad = await verify("short");
    expect(bad.status).toBe(400);
    expect(errorOf(await json(bad)).fields![0]!.path).toBe("token");
  });

  it("sets the dashboard's cookies only for a page of our own origin", async () => {
    const { token } = await linkFor();
    expect((await verify(token, { transport: "cookie" })).status).toBe(403);
    // The refusal came before the link was spent.
    const res = await verify(token, { transport: "cookie", origin: ORIGIN });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("anc_access="))).toBe(true);
    expect((await json(res)).tokens).toBeUndefined();
  });
});

describe("magic links for a terminal (for: cli)", () => {
  it("waits until the link is opened, then hands the terminal its session exactly once", async () => {
    const { user, token, asked, mail } = await linkFor({ for: "cli" });
    expect(mail.text).toContain(asked.check_code);
    expect(linkOf(mail)![3]).toBe("&for=cli");
    expect(await json(await status(asked.request_id))).toEqual({ status: "pending" });

    // The browser that opens the link approves; it gets no session of its own.
    const opened = await verify(token, { transport: "cookie", origin: ORIGIN });
    expect(opened.status).toBe(200);
    expect(await json(opened)).toMatchObject({ for: "cli" });
    expect(opened.headers.getSetCookie()).toEqual([]);

    // Two polls racing after approval: one gets the session, the other finds it used.
    const [a, b] = await Promise.all([status(asked.request_id), status(asked.request_id)]);
    const bodies = [await json(a), await json(b)];
    const approved = bodies.filter((x) => x.status === "approved");
    expect(approved).toHaveLength(1);
    expect(bodies.filter((x) => x.status === "used")).toHaveLength(1);
    expect(a.headers.get("cache-control")).toBe("no-store");
    const me = await call("/auth/user", { token: approved[0].tokens.access_token });
    expect((await json(me)).id).toBe(user.userId);
    expect(await json(await status(asked.request_id))).toEqual({ status: "used" });
    // And the link itself stays spent.
    expect((await verify(token)).status).toBe(401);
  });

  it("says expired when the terminal's request runs out, and 404 for an id nobody was given", async () => {
    const { asked, token } = await linkFor({ for: "cli" });
    await expire(`status:${asked.request_id}`);
    expect(await json(await status(asked.request_id))).toEqual({ status: "expired" });
    // Opening the link now cannot approve anything.
    const late = await verify(token);
    expect(late.status).toBe(401);
    expect(errorOf(await json(late)).message).toMatch(/stopped waiting/);
    expect((await status("B".repeat(43))).status).toBe(404);
  });

  it("never lets a request id pass for a link, or a link for a request id", async () => {
    const { asked, token } = await linkFor({ for: "cli" });
    expect((await verify(asked.request_id)).status).toBe(401);
    expect((await status(token)).status).toBe(404);
    expect(await json(await status(asked.request_id))).toEqual({ status: "pending" });
  });
});

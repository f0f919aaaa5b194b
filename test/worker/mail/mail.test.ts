import { afterEach, describe, expect, it, vi } from "vitest";
import { call, json, login, PASSWORD, register, seedUser, uniqueEmail, uniqueIp } from "../helpers.ts";

type Mail = { to: string; subject: string; text: string; html: string | null };
const outbox = async (to: string): Promise<Mail[]> => (await json(await call(`/api/dev/outbox?to=${encodeURIComponent(to)}`))).messages;

const RESEND = { RESEND_API_KEY: "re_test_key_123", MAIL_FROM: "Anchorage <auth@anchorage.example>" };

/** Resend at the HTTP boundary: requests to api.resend.com are answered here and recorded; nothing else is touched. */
function fakeResend(answer: () => Response = () => Response.json({ id: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c" })) {
  const sent: { url: string; method: string; headers: Headers; body: any }[] = [];
  const previous = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const req = new Request(input, init);
    if (new URL(req.url).host !== "api.resend.com") return previous(input, init);
    sent.push({ url: req.url, method: req.method, headers: req.headers, body: await req.json() });
    return answer();
  });
  return sent;
}

afterEach(() => vi.restoreAllMocks());

describe("the mail sender", () => {
  it("posts to Resend's API with the key, the sender and the message when RESEND_API_KEY is set, and keeps nothing in the outbox", async () => {
    const sent = fakeResend();
    const user = await register();
    const res = await call("/auth/magic-link/request", { body: { email: user.email }, env: RESEND });
    expect(res.status).toBe(202);
    expect(sent).toHaveLength(1);
    const [mail] = sent;
    expect(mail!.url).toBe("https://api.resend.com/emails");
    expect(mail!.method).toBe("POST");
    expect(mail!.headers.get("authorization")).toBe("Bearer re_test_key_123");
    expect(mail!.headers.get("content-type")).toBe("application/json");
    expect(mail!.body).toMatchObject({ from: "Anchorage <auth@anchorage.example>", to: [user.email], subject: "Your Anchorage sign-in link" });
    expect(mail!.body.text).toMatch(/http:\/\/localhost:8787\/magic\?token=[A-Za-z0-9_-]{43}/);
    expect(mail!.body.html).toContain("/magic?token=");
    expect(await outbox(user.email)).toEqual([]);
  });

  it("answers the request the same when Resend fails, and logs the failure without the link", async () => {
    fakeResend(() => Response.json({ statusCode: 422, name: "validation_error", message: "Invalid `from` field." }, { status: 422 }));
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const user = await register();
    const res = await call("/auth/magic-link/request", { body: { email: user.email }, env: RESEND });
    expect(res.status).toBe(202);
    const logged = errors.mock.calls.map((args) => args.join(" ")).join("\n");
    expect(logged).toMatch(/"Your Anchorage sign-in link" was not sent: Error: Resend answered 422 validation_error: Invalid `from` field\./);
    expect(logged).not.toMatch(/token=|re_test_key_123/);
  });

  it("needs MAIL_FROM in production once RESEND_API_KEY is set", async () => {
    const res = await call("/auth/config", { env: { ENVIRONMENT: "production", APP_ORIGIN: "https://anchorage.example", RESEND_API_KEY: "re_x" } });
    expect(res.status).toBe(500);
    const body = await json(res);
    expect(body.error.message).toMatch(/MAIL_FROM is not set/);
    expect(JSON.stringify(body)).not.toContain("re_x");
  });
});

describe("the dev outbox route", () => {
  it("sends nothing to a placeholder .invalid address (an OAuth account without a verified email)", async () => {
    const { sendMail } = await import("../../../src/mail/send-mail.ts");
    const { loadConfig } = await import("../../../src/config.ts");
    const { openDb } = await import("../../../core/db/client.ts");
    const { testEnv } = await import("../helpers.ts");
    const deps = { config: loadConfig(testEnv), db: openDb(testEnv.DB) };
    const placeholder = `github-${Date.now()}@unverified.invalid`;
    await sendMail(deps, { to: placeholder, subject: "New sign-in", text: "x" });
    expect(await outbox(placeholder)).toEqual([]);
    const real = uniqueEmail();
    await sendMail(deps, { to: real, subject: "New sign-in", text: "x" });
    expect((await outbox(real)).map((m) => m.subject)).toEqual(["New sign-in"]);
  });

  it("lists kept mail for one address, newest first", async () => {
    const user = await register();
    await call("/auth/magic-link/request", { body: { email: user.email } });
    await call("/auth/magic-link/request", { body: { email: user.email, for: "cli" } });
    const mails = await outbox(user.email.toUpperCase());
    expect(mails.map((m) => m.subject)).toEqual([expect.stringMatching(/^Approve a terminal sign-in/), "Your Anchorage sign-in link"]);
  });

  it("does not exist in production, whatever the query", async () => {
    const production = { ENVIRONMENT: "production", APP_ORIGIN: "https://anchorage.example" };
    for (const path of ["/api/dev/outbox", "/api/dev/outbox?to=not-an-email", "/api/dev/outbox?limit=0"]) {
      const res = await call(path, { env: production });
      expect(res.status).toBe(404);
      expect((await json(res)).error).toEqual({ code: "E-NOT-FOUND", message: "no route for GET /api/dev/outbox" });
    }
    expect((await call("/api/dev/outbox", { env: { ENVIRONMENT: "development" } })).status).toBe(200);
  });
});

describe("notification mails", () => {
  it("tell a user of a sign-in from a new address, once per address, and not of their first session", async () => {
    const user = await seedUser(); // its first session: no notice
    expect(await outbox(user.email)).toEqual([]);
    const ip = uniqueIp();
    await login(user.email, PASSWORD, ip);
    const [notice] = await outbox(user.email);
    expect(notice!.subject).toBe("New sign-in to your Anchorage account");
    expect(notice!.text).toContain(ip);
    expect(notice!.text).toContain("with a password");
    await login(user.email, PASSWORD, ip);
    expect(await outbox(user.email)).toHaveLength(1);
  });

  it("tell a grantee that a share was made for them, naming who and what, and only when it is created enabled", async () => {
    const owner = await register();
    const grantee = await register();
    const before = (await outbox(grantee.email)).length;
    const saved = await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: grantee.email, permissions: ["read:cloud_instance", "command:cloud_instance"] } });
    expect(saved.status).toBe(200);
    const mails = await outbox(grantee.email);
    expect(mails).toHaveLength(before + 1);
    expect(mails[0]!.subject).toMatch(/shared their instances with you$/);
    expect(mails[0]!.text).toContain(owner.email);
    expect(mails[0]!.text).toContain("You may: read, command.");

    // Updating it, or creating one disabled, sends nothing.
    await call("/api/cloud/shares/save", { token: owner.access, body: { id: (await json(saved)).id, permissions: ["read:cloud_instance"] } });
    const other = await register();
    await call("/api/cloud/shares/save", { token: other.access, body: { grantee_email: grantee.email, enabled: false } });
    expect(await outbox(grantee.email)).toHaveLength(before + 1);
    expect(await outbox(uniqueEmail())).toEqual([]);
  });
});

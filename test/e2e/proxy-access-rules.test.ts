import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createHash } from "node:crypto";
import { api, base } from "./http-client.ts";
import { freshUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { startLocalApp, type LocalApp } from "./local-apps.ts";

/**
 * Access rules end to end: a real app behind a real agent whose config lists the rules, reached
 * through `npm start` with curl (Basic with `-u`, a forged X-Forwarded-For) and as two users of
 * one domain, one of them verified.
 */
const sha = (s: string) => createHash("sha256").update(s).digest("hex");
// Asynchronous: the app answering runs in this same process.
const run = promisify(execFile);
async function curl(args: string[]): Promise<{ status: number; body: string }> {
  const out = (await run("curl", ["-s", "-o", "-", "-w", "\n%{http_code}", ...args], { encoding: "utf8" })).stdout;
  const at = out.lastIndexOf("\n");
  return { status: Number(out.slice(at + 1)), body: out.slice(0, at) };
}

describe("proxy access rules", () => {
  let app: LocalApp;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  const domain = `rules-${Date.now().toString(36)}.example`;
  let verified = "";
  let unverified = "";

  beforeAll(async () => {
    app = await startLocalApp();
    const owner = await freshUser("rules-owner");
    // Two users of one domain: the admin vouches for one address, not the other.
    const made = await Promise.all(
      [true, false].map(async (emailVerified, i) => {
        const email = `u${i}-${Date.now().toString(36)}@${domain}`;
        const password = `rules user ${i} password`;
        const created = await api("/admin/users", { token: inject("adminToken"), body: { email, password, email_verified: emailVerified } });
        expect(created.status).toBe(201);
        expect(created.body.email_verified).toBe(emailVerified);
        return (await api("/auth/login", { body: { email, password }, headers: { "cf-connecting-ip": `198.51.100.${200 + i}` } })).body.tokens.access_token as string;
      }),
    );
    [verified, unverified] = made as [string, string];
    const rules = `{ allow: [ { email_domain: ${domain} }, { ip: 10.0.0.0/8 }, { basic: { user: ci, password_sha256: "${sha("ci pass")}" } } ] }`;
    agent = await startAgent(owner.token, `name: rules-app\nproxy: { slug: rules-app, target: "http://127.0.0.1:${app.port}", access: ${rules} }\n`);
    await until(async () => (await fetch(`${base()}/p/rules-app/id?i=1`, { headers: { authorization: `Bearer ${verified}` } })).status === 200, 20_000);
  });
  afterAll(async () => {
    agent?.run.child.kill("SIGKILL");
    await app?.close();
  });

  it("lets in a verified user of the domain and refuses an unverified one", async () => {
    expect((await fetch(`${base()}/p/rules-app/id?i=2`, { headers: { authorization: `Bearer ${verified}` } })).status).toBe(200);
    const refused = await fetch(`${base()}/p/rules-app/id?i=3`, { headers: { authorization: `Bearer ${unverified}` } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("E-AUTH-FORBID");
  });

  it("takes curl -u with the right password, asks for one otherwise, and never hands it to the app", async () => {
    const url = `http://127.0.0.1:${inject("port")}/p/rules-app/echo-headers`;
    const ok = await curl(["-u", "ci:ci pass", url]);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).headers.authorization).toBeUndefined();
    expect((await curl(["-u", "ci:wrong", url])).status).toBe(401);
    const challenge = (await run("curl", ["-s", "-D", "-", "-o", "/dev/null", url], { encoding: "utf8" })).stdout;
    expect(challenge).toMatch(/^HTTP\/1\.1 401/);
    expect(challenge.toLowerCase()).toContain('www-authenticate: basic realm="rules-app"');
  });

  it("counts the client's address, never a forged X-Forwarded-For", async () => {
    const url = `http://127.0.0.1:${inject("port")}/p/rules-app/id?i=4`;
    expect((await curl(["-H", "X-Forwarded-For: 10.1.2.3", url])).status).toBe(401);
    expect((await curl(["-H", "CF-Connecting-IP: 10.1.2.3", url])).status).toBe(200); // what the edge sets in production (wrangler dev keeps a client's)
  });
});

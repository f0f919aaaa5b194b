import { describe, expect, it } from "vitest";
import { agentConfigSchema, ipInRange, proxyAccessSchema, type ProxyAccess } from "@anchorage/common";
import { call, errorOf, json, register, testEnv, unique, type Session } from "../helpers.ts";
import { openDb } from "../../../core/db/client.ts";
import { recordAgentHello } from "../../../core/instances/instance-store.ts";
import { findUserById } from "../../../core/users/users.ts";
import { emailProven } from "../../../src/users/email-verified.ts";
import { sha256Hex } from "../../../core/ids.ts";

const key = { kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" };
const db = () => openDb(testEnv.DB);

async function proxied(owner: Session, slug: string, access: ProxyAccess = "users") {
  const res = await call("/api/cloud/instances/register", { token: owner.access, body: { name: slug, public_key: key, proxy: { slug, target: "http://127.0.0.1:9", access } } });
  expect(res.status).toBe(201);
  return (await json(res)).instance_id as string;
}
const hello = (id: string, slug: string, access: ProxyAccess, hostnames: string[] = []) =>
  recordAgentHello(db(), id, { name: "box", hostname: "h", platform: "linux", arch: "x64", agentVersion: "0.1.0", proxy: { slug, target: "http://127.0.0.1:9", access, hostnames } });
const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;
/** Access granted shows as the agent being offline (no agent runs here): the request got past the rules. */
const LET_IN = 503;

async function verify(s: Session) {
  const user = (await findUserById(db(), s.userId))!;
  await emailProven(db(), user, s.email);
}

describe("access rules in the config", () => {
  it("parse the issue's forms, and refuse bad ones with the field's path", () => {
    const ok = agentConfigSchema.parse({
      name: "box",
      proxy: {
        slug: "app", target: "http://127.0.0.1:3000",
        access: { allow: [{ email_domain: "Example.com" }, { email: "Ops@Other.org" }, { ip: "10.0.0.0/8" }, { ip: "2001:db8::/32" }, { basic: { user: "ci", password_sha256: "A".repeat(64) } }, { token: true }] },
        hostnames: ["App.Example.com"],
      },
    });
    expect(ok.proxy?.access).toEqual({ allow: [{ email_domain: "example.com" }, { email: "ops@other.org" }, { ip: "10.0.0.0/8" }, { ip: "2001:db8::/32" }, { basic: { user: "ci", password_sha256: "a".repeat(64) } }, { token: true }] });
    expect(ok.proxy?.hostnames).toEqual(["app.example.com"]);
    for (const bad of [{ allow: [] }, { allow: [{ ip: "10.0.0.0/33" }] }, { allow: [{ email_domain: "not a domain" }] }, { allow: [{ basic: { user: "ci", password_sha256: "short" } }] }, { allow: [{ token: false }] }, { allow: [{ nope: 1 }] }, "everyone"]) {
      expect(proxyAccessSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(agentConfigSchema.safeParse({ name: "b", proxy: { slug: "app", target: "http://x", hostnames: ["localhost"] } }).success).toBe(false);
  });

  it("match addresses in v4, v6 and v4-mapped forms, and nothing else", () => {
    expect(ipInRange("10.1.2.3", "10.0.0.0/8")).toBe(true);
    expect(ipInRange("11.1.2.3", "10.0.0.0/8")).toBe(false);
    expect(ipInRange("::ffff:10.1.2.3", "10.0.0.0/8")).toBe(true);
    expect(ipInRange("2001:db8::1", "2001:db8::/32")).toBe(true);
    expect(ipInRange("2001:db9::1", "2001:db8::/32")).toBe(false);
    expect(ipInRange("10.1.2.3", "2001:db8::/32")).toBe(false);
    expect(ipInRange("192.0.2.7", "192.0.2.7")).toBe(true);
    expect(ipInRange(null, "0.0.0.0/0")).toBe(false);
    expect(ipInRange("garbage", "0.0.0.0/0")).toBe(false);
  });
});

describe("a proxy with access rules", () => {
  it("lets in a client from an allowed address, never by a forged X-Forwarded-For", async () => {
    const owner = await register();
    const slug = unique("ip-");
    await proxied(owner, slug, { allow: [{ ip: "10.0.0.0/8" }] });
    expect((await call(`/p/${slug}/`, { ip: "10.9.8.7" })).status).toBe(LET_IN);
    const forged = await call(`/p/${slug}/`, { ip: "203.0.113.5", headers: { "x-forwarded-for": "10.9.8.7" } });
    expect(forged.status).toBe(401);
    expect(errorOf(await json(forged)).code).toBe("E-AUTH-UNAUTH");
  });

  it("asks a client for a Basic password, takes the right one, refuses a wrong one and keeps the password from the app", async () => {
    const owner = await register();
    const slug = unique("basic-");
    await proxied(owner, slug, { allow: [{ basic: { user: "ci", password_sha256: await sha256Hex("s3cret pass") } }] });
    const none = await call(`/p/${slug}/`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe(`Basic realm="${slug}", charset="UTF-8"`);
    expect((await call(`/p/${slug}/`, { headers: { authorization: basic("ci", "wrong") } })).status).toBe(401);
    expect((await call(`/p/${slug}/`, { headers: { authorization: basic("other", "s3cret pass") } })).status).toBe(401);
    expect((await call(`/p/${slug}/`, { headers: { authorization: basic("ci", "s3cret pass") } })).status).toBe(LET_IN);
    // A signed-in owner is no exception: the rules decide, and they want a password.
    expect((await call(`/p/${slug}/`, { token: owner.access })).status).toBe(401);
  });

  it("lets in a user by verified email or domain only, and Anchorage credentials with proxy permission by `token: true`", async () => {
    const owner = await register();
    const domain = `${unique("d")}.example`;
    const colleague = await register(`${unique("c")}@${domain}`);
    const stranger = await register();
    const named = await register();
    const slug = unique("mail-");
    const id = await proxied(owner, slug, { allow: [{ email_domain: domain }, { email: named.email }, { token: true }] });
    // An address not yet proven counts for nothing: anyone can sign up with any address.
    expect((await call(`/p/${slug}/`, { token: colleague.access })).status).toBe(403);
    await verify(colleague);
    await verify(named);
    await verify(stranger);
    expect((await call(`/p/${slug}/`, { token: colleague.access })).status).toBe(LET_IN);
    expect((await call(`/p/${slug}/`, { token: named.access })).status).toBe(LET_IN);
    const refused = await call(`/p/${slug}/`, { token: stranger.access });
    expect(refused.status).toBe(403);
    expect(errorOf(await json(refused)).message).toMatch(/access rules/);
    expect((await call(`/p/${slug}/`, { token: owner.access })).status).toBe(LET_IN); // token: true, the owner's proxy permission
    // Not signed in: 401, and a browser is sent to sign in.
    expect((await call(`/p/${slug}/`)).status).toBe(401);
    const browser = await call(`/p/${slug}/x`, { headers: { accept: "text/html" } });
    expect(browser.status).toBe(302);
    expect(browser.headers.get("location")).toBe(`/?next=${encodeURIComponent(`/p/${slug}/x`)}`);
    // Without `token: true` the owner is refused too: the rules are the whole list.
    await hello(id, slug, { allow: [{ email: named.email }] });
    await call(`/api/cloud/proxies/${id}/toggle`, { token: owner.access, body: { inactive: false } }); // any route change reaches the object
    expect((await call(`/p/${slug}/`, { token: owner.access })).status).toBe(403);
    expect((await call(`/p/${slug}/`, { token: named.access })).status).toBe(LET_IN);
  });
});

describe("the owner's access through the API", () => {
  it("wins over the config across hellos, shows its source, hides password hashes from sharees, and goes back on null", async () => {
    const owner = await register();
    const sharee = await register();
    const slug = unique("own-");
    const id = await proxied(owner, slug, "public");
    await hello(id, slug, "public");
    const rules = { allow: [{ basic: { user: "ci", password_sha256: "b".repeat(64) } }] };
    const set = await call(`/api/cloud/proxies/${id}/access`, { method: "PUT", token: owner.access, body: { access: rules } });
    expect(set.status).toBe(200);
    expect(await json(set)).toMatchObject({ access: "rules", access_source: "owner", access_rules: rules });
    expect((await call(`/p/${slug}/`)).status).toBe(401);
    await hello(id, slug, "public"); // the agent reconnects: the owner's choice stays
    expect((await call(`/p/${slug}/`)).status).toBe(401);

    await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: id, permissions: ["read:cloud_instance", "proxy:cloud_instance"] } });
    const seen = (await json(await call("/api/cloud/proxies", { token: sharee.access }))).proxies.find((p: { instance_id: string }) => p.instance_id === id);
    expect(seen.access_rules).toEqual({ allow: [{ basic: { user: "ci", password_sha256: "[redacted]" } }] });
    expect((await call(`/api/cloud/proxies/${id}/access`, { method: "PUT", token: sharee.access, body: { access: "public" } })).status).toBe(403);

    const bad = await call(`/api/cloud/proxies/${id}/access`, { method: "PUT", token: owner.access, body: { access: { allow: [{ ip: "300.1.1.1" }] } } });
    expect(bad.status).toBe(400);
    expect((await call(`/p/${slug}/`)).status).toBe(401); // unchanged

    const back = await call(`/api/cloud/proxies/${id}/access`, { method: "PUT", token: owner.access, body: { access: null } });
    expect(back.status).toBe(200);
    expect(await json(back)).toMatchObject({ access: "public", access_source: "config" });
    expect((await call(`/p/${slug}/`)).status).toBe(LET_IN);
  });
});

describe("own host names", () => {
  it("route a request by its Host, belong to one owner, and are let go when the config drops them", async () => {
    const owner = await register();
    const other = await register();
    const slug = unique("host-");
    const name = `${unique("app")}.example.com`;
    const id = await proxied(owner, slug, "public");
    expect(await hello(id, slug, "public", [name])).toEqual({ proxyConflict: false, hostnamesTaken: [] });
    expect((await call("/", { host: name })).status).toBe(LET_IN);
    expect((await call("/anything?x=1", { host: `${name}:8787` })).status).toBe(LET_IN);

    const theirs = await proxied(other, unique("theirs-"), "public");
    expect((await hello(theirs, unique("theirs-"), "public", [name])).hostnamesTaken).toEqual([name]);
    const listed = (await json(await call("/api/cloud/proxies", { token: owner.access }))).proxies.find((p: { instance_id: string }) => p.instance_id === id);
    expect(listed.hostnames).toEqual([name]);

    await hello(id, slug, "public", []);
    // A fresh name (this isolate never copied it) now reaches nothing: the dashboard's own pages answer.
    const gone = `${unique("gone")}.example.com`;
    expect((await call("/healthz", { host: gone })).status).toBe(200);
    expect((await hello(theirs, unique("theirs-"), "public", [name])).hostnamesTaken).toEqual([]);
  });

  it("are never the dashboard's or the proxy domain's names, nor names under them", async () => {
    const owner = await register();
    const slug = unique("hres-");
    const id = await proxied(owner, slug, "public");
    const under = `${unique("x")}.${slug}.localhost`; // under PROXY_DOMAIN (localhost:8787) and the dashboard's host
    await hello(id, slug, "public", [under]);
    expect((await call("/healthz", { host: `${under}:8787` })).status).toBe(200); // the dashboard answers, not the app
  });

  it("send a browser without a session to sign in and back to the same host, never to a host the proxy does not hold", async () => {
    const owner = await register();
    const slug = unique("hsign-");
    const name = `${unique("app")}.example.com`;
    const id = await proxied(owner, slug, "users");
    await hello(id, slug, "users", [name]);
    const page = await call("/docs?a=1", { host: `${name}:8787`, headers: { accept: "text/html" } });
    expect(page.status).toBe(302);
    const login = new URL(page.headers.get("location")!);
    expect(login.pathname).toBe("/auth/proxy-login");
    expect(login.searchParams.get("host")).toBe(`${name}:8787`);
    const handed = await call(login.pathname + login.search, { token: owner.access });
    expect(handed.status).toBe(302);
    expect(new URL(handed.headers.get("location")!).host).toBe(`${name}:8787`);
    for (const host of [`evil.example.com:8787`, `${name}:9999`]) {
      const evil = await call(`/auth/proxy-login?slug=${slug}&host=${encodeURIComponent(host)}&next=/`, { token: owner.access });
      expect(evil.status).toBe(400);
    }
  });
});

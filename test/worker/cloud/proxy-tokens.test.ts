import { describe, expect, it } from "vitest";
import { call, json, register } from "../helpers.ts";

async function proxiedInstance(slug: string) {
  const owner = await register();
  const res = await call("/api/cloud/instances/register", {
    token: owner.access,
    body: { name: slug, public_key: { kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" }, proxy: { slug, target: "http://127.0.0.1:9", access: "users" } },
  });
  return { owner, instanceId: (await json(res)).instance_id as string };
}

describe("proxy tokens", () => {
  it("trades a handoff token for the app host's cookie once, and refuses the replay", async () => {
    const { owner, instanceId } = await proxiedInstance(`handoff-${Date.now().toString(36)}`);
    const slug = (await json(await call(`/api/cloud/instance/${instanceId}`, { token: owner.access }))).proxy_slug;
    const minted = await call("/auth/proxy-token", { token: owner.access, body: { instance_id: instanceId } });
    expect(minted.status).toBe(200);
    const { proxy_token, expires_in } = await json(minted);
    expect(expires_in).toBe(300);
    const trade = () => call(`/__anchorage/session?token=${encodeURIComponent(proxy_token)}&next=/deep?x=1`, { headers: { host: `${slug}.localhost:8787` } });
    const first = await trade();
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe("/deep?x=1");
    expect(first.headers.getSetCookie()[0]).toMatch(/^anc_proxy=.+HttpOnly/);
    const replay = await trade();
    expect(replay.status).toBe(401);
  });

  it("never redirects the handoff to another site", async () => {
    const { owner, instanceId } = await proxiedInstance(`safe-${Date.now().toString(36)}`);
    const slug = (await json(await call(`/api/cloud/instance/${instanceId}`, { token: owner.access }))).proxy_slug;
    const { proxy_token } = await json(await call("/auth/proxy-token", { token: owner.access, body: { instance_id: instanceId } }));
    const trade = (next: string) => call(`/__anchorage/session?token=${encodeURIComponent(proxy_token)}&next=${encodeURIComponent(next)}`, { headers: { host: `${slug}.localhost:8787` } });
    // Each is a 400 (never a 500, never a Location elsewhere), found before the single-use token is spent.
    for (const next of ["//evil.example/x", "/\t/evil.example/", "/\n/evil.example/", "/\r\n/evil.example/", "/\\evil.example", "https://evil.example/"]) {
      const res = await trade(next);
      expect(res.status, JSON.stringify(next)).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(res.headers.getSetCookie()).toHaveLength(0);
    }
    const ok = await trade("/after");
    expect(ok.status).toBe(302);
    expect(ok.headers.get("location")).toBe("/after");
  });

  it("refuses a proxy token to someone without proxy permission, and a token for another instance", async () => {
    const a = await proxiedInstance(`perm-a-${Date.now().toString(36)}`);
    const b = await proxiedInstance(`perm-b-${Date.now().toString(36)}`);
    const stranger = await register();
    expect((await call("/auth/proxy-token", { token: stranger.access, body: { instance_id: a.instanceId } })).status).toBe(404);
    const { proxy_token } = await json(await call("/auth/proxy-token", { token: a.owner.access, body: { instance_id: a.instanceId } }));
    const slugB = (await json(await call(`/api/cloud/instance/${b.instanceId}`, { token: b.owner.access }))).proxy_slug;
    const res = await call(`/__anchorage/session?token=${encodeURIComponent(proxy_token)}&next=/`, { headers: { host: `${slugB}.localhost:8787` } });
    expect(res.status).toBe(401);
  });

  it("mints the same token with GET ?target=, and refuses a missing target and a stranger", async () => {
    const { owner, instanceId } = await proxiedInstance(`get-${Date.now().toString(36)}`);
    const res = await call(`/auth/proxy-token?target=${instanceId}`, { token: owner.access });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ proxy_token: expect.any(String), expires_in: 300 });
    const missing = await call("/auth/proxy-token", { token: owner.access });
    expect(missing.status).toBe(400);
    expect((await json(missing)).error.fields[0].path).toBe("target");
    expect((await call(`/auth/proxy-token?target=${instanceId}`, { token: (await register()).access })).status).toBe(404);
  });
});

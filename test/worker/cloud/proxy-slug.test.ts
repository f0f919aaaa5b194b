import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, testEnv, unique, type Session } from "../helpers.ts";
import { openDb } from "../../../core/db/client.ts";
import { recordAgentHello } from "../../../core/instances/instance-store.ts";

const key = { kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" };

async function proxied(owner: Session, slug: string) {
  const res = await call("/api/cloud/instances/register", { token: owner.access, body: { name: slug, public_key: key, proxy: { slug, target: "http://127.0.0.1:9", access: "users" } } });
  expect(res.status).toBe(201);
  return (await json(res)).instance_id as string;
}
const rename = (s: Session, id: string, slug: string | null) => call(`/api/cloud/proxies/${id}/slug`, { token: s.access, body: { slug } });
const slugOf = async (s: Session, id: string) => (await json(await call(`/api/cloud/instance/${id}`, { token: s.access }))).proxy_slug;
const hello = (id: string, slug: string) =>
  recordAgentHello(openDb(testEnv.DB), id, { name: "box", hostname: "h", platform: "linux", arch: "x64", agentVersion: "0.1.0", proxy: { slug, target: "http://127.0.0.1:9", access: "users" } });

describe("renaming a proxy", () => {
  it("gives the app its new addresses, keeps the owner's name across the agent's reconnects, and goes back to the config's on null", async () => {
    const owner = await register();
    const configured = unique("cfg-");
    const id = await proxied(owner, configured);
    const chosen = unique("mine-");
    const res = await rename(owner, id, chosen);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ slug: chosen, path_url: `http://localhost:8787/p/${chosen}/`, host_url: `http://${chosen}.localhost:8787/` });
    // The old address is free and no longer leads here.
    expect((await call(`/p/${configured}/`, { token: owner.access })).status).toBe(404);

    await hello(id, configured); // the agent reconnects with its config's slug
    expect(await slugOf(owner, id)).toBe(chosen);

    expect((await rename(owner, id, null)).status).toBe(200);
    await hello(id, configured);
    expect(await slugOf(owner, id)).toBe(configured);
  });

  it("refuses a taken slug, a malformed one, and anyone but the owner (or an admin)", async () => {
    const owner = await register();
    const other = await register();
    const taken = unique("taken-");
    await proxied(other, taken);
    const id = await proxied(owner, unique("own-"));
    const before = await slugOf(owner, id);

    const conflict = await rename(owner, id, taken);
    expect(conflict.status).toBe(409);
    expect(errorOf(await json(conflict)).fields?.[0]?.path).toBe("slug");
    expect((await rename(owner, id, "Not A Slug!")).status).toBe(400);
    expect(await slugOf(owner, id)).toBe(before);

    expect((await rename(other, id, unique("steal-"))).status).toBe(404);
    await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: other.email, instance_id: id, permissions: ["read:cloud_instance", "proxy:cloud_instance"] } });
    expect((await rename(other, id, unique("steal-"))).status).toBe(403);
    expect(await slugOf(owner, id)).toBe(before);
  });
});

import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorOf, seedAdmin, testEnv, unique } from "../helpers.ts";
import { until } from "./fake-agent.ts";
import { accepted, busyProxy, connectRelay, serveOn, visit } from "./proxied-app.ts";
import type { Env } from "../../../core/env.ts";
import type { ProxyRoute } from "../../../core/instances/proxy-route.ts";
import { CALL_COUNTS_HEADER } from "../../../src/http/call-counts.ts";
import { proxySlugKey } from "../../../src/auth/principal-cache/forget.ts";
import { dropCopy } from "../../../src/auth/principal-cache/keep-copy.ts";

/**
 * A proxied request finds its instance in a copy of D1's answer (this isolate's, then this
 * location's), and every change to the proxy's route still applies to the very next request:
 * through the API the copy is forgotten; a change the copy cannot hear of (the agent's hello, or
 * a change made in another location) is refused by the object that serves the request, and the
 * Worker looks again in D1. Each test first makes this location hold the copy, then changes the
 * route, then asks again.
 */

const counted = { ANCHORAGE_BENCH_CALLS: "1" } as Partial<Env>;
const callsOf = (res: Response) => JSON.parse(res.headers.get(CALL_COUNTS_HEADER)!) as { d1: number; kv: number; do: number; cache: number };
const stub = (id: string) => testEnv.INSTANCE.get(testEnv.INSTANCE.idFromName(id));

/** A public app on a fake agent, answered by it, with this location holding its slug's copy. */
async function heldProxy(relays = 1) {
  const fixture = await busyProxy(relays);
  serveOn(fixture.agent.ws!, "0");
  expect((await visit(fixture.slug, 0)).status).toBe(200);
  expect((await visit(fixture.slug, 1)).status).toBe(200);
  return fixture;
}

/** The route the InstanceDO holds (its storage), as a request is checked against it. */
const heldRoute = (id: string) =>
  runInDurableObject(stub(id), async (_o, state) => {
    const row = state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'proxy_route'").toArray()[0];
    return row ? (JSON.parse(row.value) as ProxyRoute | null) : undefined;
  });

/** The agent says hello again with its app under `users` access, as it would after a config change and a restart. */
async function helloWithUsersAccess(agent: Awaited<ReturnType<typeof busyProxy>>["agent"], slug: string, relays = 1) {
  const hello = agent.helloMessage();
  agent.send({ ...hello, config: { ...hello.config, proxy: { slug, target: "http://127.0.0.1:9", access: "users", relays } } });
  await until(async () => (await heldRoute(agent.instanceId))?.access === "users");
}

describe("the proxy's copy of a slug", () => {
  it("answers a proxied GET without D1 once this location holds the slug", async () => {
    const { agent, slug } = await busyProxy(1);
    serveOn(agent.ws!, "0");
    const first = await call(`/p/${slug}/`, { env: counted });
    expect(first.status).toBe(200);
    expect(callsOf(first).d1).toBeGreaterThan(0);
    const again = await call(`/p/${slug}/`, { env: counted });
    expect(again.status).toBe(200);
    expect(await again.text()).toBe("0");
    expect(callsOf(again)).toMatchObject({ d1: 0, kv: 0 });
  });

  it("applies a pause and a resume through the API to the very next request", async () => {
    const { owner, agent, slug } = await heldProxy();
    const toggle = (inactive: boolean) => call(`/api/cloud/proxies/${agent.instanceId}/toggle`, { token: owner.access, body: { inactive, reason: "maintenance" } });
    expect((await toggle(true)).status).toBe(200);
    const paused = await visit(slug, 2);
    expect(paused.status).toBe(503);
    expect(JSON.parse(paused.body).error.message).toMatch(/paused: maintenance/);
    expect((await toggle(false)).status).toBe(200);
    expect((await visit(slug, 3)).status).toBe(200);
  });

  it("frees the old address of a rename on the very next request, and serves the new one", async () => {
    const { owner, agent, slug } = await heldProxy();
    const renamed = unique("renamed-");
    expect((await call(`/api/cloud/proxies/${agent.instanceId}/slug`, { token: owner.access, body: { slug: renamed } })).status).toBe(200);
    expect((await visit(slug, 2)).status).toBe(404);
    expect((await visit(renamed, 3)).status).toBe(200);
  });

  it("refuses what the copy missed: after the agent's hello closes the app to signed-in users, an anonymous request is refused at once", async () => {
    const { owner, agent, slug } = await heldProxy();
    await helloWithUsersAccess(agent, slug);
    // This location's copy still says public; the InstanceDO refuses it, and D1's answer decides.
    const anonymous = await visit(slug, 2);
    expect(anonymous.status).toBe(401);
    expect(errorOf(JSON.parse(anonymous.body)).code).toBe("E-AUTH-UNAUTH");
    const signedIn = await call(`/p/${slug}/`, { token: owner.access });
    expect(signedIn.status).toBe(200);
    // A request with a body is decided on D1's answer from the start (it can be sent only once).
    const post = await call(`/p/${slug}/form`, { method: "POST", body: { a: 1 } });
    expect(post.status).toBe(401);
  });

  it("refuses what the copy missed on relay objects too: the InstanceDO hands them the route", async () => {
    const { agent, slug } = await heldProxy(3);
    serveOn(accepted(await connectRelay(agent, 1)), "1");
    serveOn(accepted(await connectRelay(agent, 2)), "2");
    const before = await Promise.all(Array.from({ length: 30 }, (_, i) => visit(slug, i)));
    expect(new Set(before.map((a) => a.relay))).toEqual(new Set(["0", "1", "2"])); // every object served, so each checked the copy
    await helloWithUsersAccess(agent, slug, 3);
    const after = await Promise.all(Array.from({ length: 30 }, (_, i) => visit(slug, i)));
    expect(after.map((a) => a.status)).toEqual(Array(30).fill(401));
  });

  it("heals an object whose route missed a change made straight in D1, instead of refusing good requests", async () => {
    const { owner, agent, slug } = await heldProxy();
    expect((await call(`/api/cloud/proxies/${agent.instanceId}/toggle`, { token: owner.access, body: { inactive: true } })).status).toBe(200);
    expect((await heldRoute(agent.instanceId))?.inactive).toBe(true);
    // Resumed in D1 alone (as if the message to this object were lost), and this location's copy gone as it ages out.
    await testEnv.DB.prepare("UPDATE instances SET proxy_inactive = 0, proxy_reason = NULL WHERE id = ?").bind(agent.instanceId).run();
    await dropCopy(proxySlugKey(slug));
    // The request decided on D1's answer finds the object out of date; the object reads D1 and serves it.
    const resumed = await visit(slug, 2);
    expect(resumed.status).toBe(200);
    expect((await heldRoute(agent.instanceId))?.inactive).toBe(false);
  });

  it("answers 404 on the very next request after the instance is deleted, or its owner", async () => {
    const { owner, agent, slug } = await heldProxy();
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { method: "DELETE", token: owner.access })).status).toBe(200);
    expect((await visit(slug, 2)).status).toBe(404);

    const second = await heldProxy();
    const admin = await seedAdmin();
    expect((await call(`/admin/users/${second.owner.userId}`, { method: "DELETE", token: admin.access })).status).toBe(200);
    const gone = await visit(second.slug, 2);
    expect(gone.status).toBe(404);
    expect(errorOf(JSON.parse(gone.body)).code).toBe("E-NOT-FOUND");
  });
});

import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, json, register, testEnv, PASSWORD } from "../helpers.ts";
import { FakeAgent, until } from "./fake-agent.ts";

const instanceStatus = async (token: string, id: string) => (await json(await call(`/api/cloud/instance/${id}`, { token }))).status;

describe("anchoring an instance", () => {
  it("issues single-use anchor tokens for a password, and registers with one", async () => {
    const owner = await register();
    const res = await call("/api/cloud/request-anchor-token", { body: { email: owner.email, password: PASSWORD } });
    expect(res.status).toBe(200);
    const { anchor_token } = await json(res);
    expect(anchor_token).toMatch(/^ant_/);
    const body = (token: string) => ({ anchor_token: token, name: "via-token", public_key: { kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" } });
    const reg = await call("/api/cloud/instances/register", { body: body(anchor_token) });
    expect(reg.status).toBe(201);
    expect((await json(reg)).owner_id).toBe(owner.userId);
    expect((await call("/api/cloud/instances/register", { body: body(anchor_token) })).status).toBe(401);
  });

  it("lets an admin (and only an admin) get an anchor token that registers an instance for another user", async () => {
    const { seedAdmin } = await import("../helpers.ts");
    const admin = await seedAdmin();
    const user = await register();
    const other = await register();
    expect((await call("/api/cloud/request-anchor-token-as", { token: other.access, body: { user_id: user.userId } })).status).toBe(403);
    const res = await call("/api/cloud/request-anchor-token-as", { token: admin.access, body: { email: user.email } });
    expect(res.status).toBe(200);
    const { anchor_token, user: forUser } = await json(res);
    expect(forUser.id).toBe(user.userId);
    const reg = await call("/api/cloud/instances/register", { body: { anchor_token, name: "for-user", public_key: { kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" } } });
    expect((await json(reg)).owner_id).toBe(user.userId);
    expect((await call("/api/cloud/request-anchor-token-as", { token: admin.access, body: { user_id: "usr_nobody" } })).status).toBe(404);
  });

  it("refuses a wrong password for an anchor token like a login does", async () => {
    const owner = await register();
    const res = await call("/api/cloud/request-anchor-token", { body: { email: owner.email, password: "wrong wrong wrong" } });
    expect(res.status).toBe(401);
  });

  it("connects with a signed challenge and goes online, then offline after the grace period", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    expect(await instanceStatus(owner.access, agent.instanceId)).toBe("offline");
    const res = await agent.connect();
    expect(res.status).toBe(101);
    await until(() => agent.received.find((m) => m.type === "welcome"));
    agent.heartbeat();
    await until(async () => (await instanceStatus(owner.access, agent.instanceId)) === "online");

    agent.ws!.close(1000, "bye");
    const stub = testEnv.INSTANCE.get(testEnv.INSTANCE.idFromName(agent.instanceId));
    // Still "online" during the grace period; the alarm then marks it offline.
    await until(async () => !(await stub.live()).online);
    await new Promise((r) => setTimeout(r, 3100));
    await runDurableObjectAlarm(stub);
    await until(async () => (await json(await call(`/api/cloud/instances`, { token: owner.access }))).instances[0]?.status === "offline");
  });

  it("takes the instance's name from the agent's config on every connect", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner, "named-at-anchor");
    const hello = agent.helloMessage();
    await agent.connect({ hello: false });
    agent.send({ ...hello, config: { ...hello.config, name: "renamed in config.yaml" } });
    await until(async () => (await json(await call(`/api/cloud/instance/${agent.instanceId}`, { token: owner.access }))).name === "renamed in config.yaml");
  });

  it("refuses a proof that is replayed, signed by another key, or for another instance", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    const other = await FakeAgent.register(owner, "other");
    const nonce = await agent.nonce();
    const proof = await agent.proof(nonce);
    const connect = (p: string, id = agent.instanceId) => call(`/agent/connect?instance_id=${id}`, { headers: { upgrade: "websocket", authorization: `Bearer ${p}` } });

    // Signed by the other instance's key: refused.
    expect((await connect(await other.proof(nonce, { iss: agent.instanceId }))).status).toBe(401);
    const first = await connect(proof);
    expect(first.status).toBe(101);
    first.webSocket!.accept();
    // The same proof again: the nonce is spent.
    expect((await connect(proof)).status).toBe(401);
    // Without a proof.
    expect((await call(`/agent/connect?instance_id=${agent.instanceId}`, { headers: { upgrade: "websocket" } })).status).toBe(401);
    first.webSocket!.close();
  });

  it("ignores internal x-anchorage-* headers a client sends to /agent/connect", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    const proof = await agent.proof(await agent.nonce());
    const sneaky = JSON.stringify({ exchangeId: "x", open: { kind: "http", method: "GET", path: "/", headers: [] }, options: { firstByteTimeoutMs: 1000 }, html: false });
    const res = await call(`/agent/connect?instance_id=${agent.instanceId}`, {
      headers: { upgrade: "websocket", authorization: `Bearer ${proof}`, "x-anchorage-proxy": sneaky, "x-anchorage-owner": "usr_attacker" },
    });
    // Treated as the agent connection it is, not as a proxied request, and with the real owner.
    expect(res.status).toBe(101);
    res.webSocket!.accept();
    res.webSocket!.close();
  });

  it("replaces a first connection with a second one, telling the first why", async () => {
    const owner = await register();
    const a = await FakeAgent.register(owner);
    await a.connect();
    const firstWs = a.ws!;
    let firstClose: number | null = null;
    firstWs.addEventListener("close", (e) => (firstClose = e.code));
    await a.connect();
    await until(() => firstClose !== null);
    expect(firstClose).toBe(4001);
    a.handlers.ping = () => ({ pong: "second" });
    const status = await json(await call(`/api/cloud/instance/${a.instanceId}/status`, { token: owner.access }));
    expect(status.online).toBe(true);
  });

  it("keeps the agent's socket working after the Durable Object is evicted (hibernation)", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    await agent.connect();
    agent.heartbeat(42);
    const stub = testEnv.INSTANCE.get(testEnv.INSTANCE.idFromName(agent.instanceId));
    await until(async () => (await stub.live()).stats?.cpu === 42);
    await evictDurableObject(stub);
    // The object restarts from storage; the socket is still there, and RPCs reach the agent.
    const status = await json(await call(`/api/cloud/instance/${agent.instanceId}/status`, { token: owner.access }));
    expect(status.online).toBe(true);
    expect(status.rtt_ms).toBeGreaterThanOrEqual(0);
    expect((await stub.live()).stats?.cpu).toBe(42);
    expect(agent.closed).toBeNull();
  });

  it("closes a socket that sends an invalid message, with a reason", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    await agent.connect();
    agent.send({ type: "heartbeat", stats: "nope" });
    await until(() => agent.closed);
    expect(agent.closed!.code).toBe(4002);
    expect(agent.closed!.reason).toMatch(/invalid control message/);
  });

  it("refuses a stream the DO does not serve with a RESET frame, and closes on a malformed frame", async () => {
    const { encodeFrame, decodeFrame, FrameType } = await import("@anchorage/common");
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    await agent.connect();
    const frames: ReturnType<typeof decodeFrame>[] = [];
    agent.ws!.addEventListener("message", (e) => {
      if (typeof e.data !== "string") frames.push(decodeFrame(e.data as ArrayBuffer));
    });
    agent.ws!.send(encodeFrame({ type: FrameType.OPEN, streamId: 2, flags: 0, payload: new TextEncoder().encode('{"kind":"proxy-http"}') }));
    const reset = await until(() => frames[0]);
    expect(reset).toMatchObject({ ok: true, frame: { type: FrameType.RESET, streamId: 2 } });
    agent.ws!.send(new Uint8Array([0xff, 0, 1]));
    await until(() => agent.closed);
    expect(agent.closed!.code).toBe(4002);
    expect(agent.closed!.reason).toMatch(/invalid frame/);
  });

  it("marks an instance offline when heartbeats stop, even if the socket never closes", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    await agent.connect();
    const stub = testEnv.INSTANCE.get(testEnv.INSTANCE.idFromName(agent.instanceId));
    const { runInDurableObject } = await import("cloudflare:test");
    // Pretend the last heartbeat was long ago, then let the alarm run.
    await runInDurableObject(stub, async (_i, state) => {
      state.storage.sql.exec("UPDATE meta SET value = ? WHERE key = 'last_heartbeat'", JSON.stringify(Date.now() - 60_000));
    });
    await runDurableObjectAlarm(stub);
    await until(() => agent.closed);
    expect(agent.closed!.code).toBe(4003);
  });
});

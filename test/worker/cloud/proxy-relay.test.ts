import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame, FrameType, StreamFlag, type Frame } from "@anchorage/common";
import { register, testEnv, unique } from "../helpers.ts";
import type { ProxyRoute } from "../../../core/instances/proxy-route.ts";
import { STALE_ROUTE_HEADER } from "../../../core/rpc/proxy-exchange.ts";
import { FakeAgent, until } from "./fake-agent.ts";
import { rewriteHeader } from "../../../durable-objects/instance/proxy-relay.ts";
import { slugFromHost } from "../../../src/cloud/proxy/proxy-route.ts";

/** A fake agent publishing an app (public, at a slug of its own) that also collects the binary frames the DO sends it. */
async function agentWithFrames() {
  const owner = await register();
  const agent = await FakeAgent.register(owner);
  await agent.connect({ hello: false });
  const slug = unique("relay-");
  const hello = agent.helloMessage();
  agent.send({ ...hello, config: { ...hello.config, proxy: { slug, target: "http://127.0.0.1:9", access: "public" } } });
  route = { slug, access: "public", rules: null, inactive: false };
  instanceId = agent.instanceId;
  const frames: Frame[] = [];
  agent.ws!.addEventListener("message", (e) => {
    if (typeof e.data === "string") return;
    const d = decodeFrame(e.data as ArrayBuffer);
    if (d.ok) frames.push(d.frame);
  });
  const stub = testEnv.INSTANCE.get(testEnv.INSTANCE.idFromName(agent.instanceId));
  await until(async () => (await stub.live()).hello);
  // The hello is in D1 (the route the object holds is D1's): what the Worker would decide on.
  await until(async () => (await testEnv.DB.prepare("SELECT proxy_slug FROM instances WHERE id = ?").bind(agent.instanceId).first<{ proxy_slug: string }>())?.proxy_slug === slug);
  return { agent, frames, stub };
}

/** The route the Worker decided on, and the instance: what the last agentWithFrames() publishes. */
let route: ProxyRoute;
let instanceId = "";

const proxyRequest = (exchangeId: string, path = "/", decidedOn: ProxyRoute = route) =>
  new Request("https://instance.internal/proxy", {
    headers: { "x-anchorage-proxy": JSON.stringify({ instanceId, exchangeId, open: { kind: "http", method: "GET", path, headers: [] }, options: { firstByteTimeoutMs: 5000 }, html: false, route: decidedOn }) },
  });

describe("the DO's proxy relay", () => {
  it("opens a stream, streams the agent's response as it comes, and ends it", async () => {
    const { agent, frames, stub } = await agentWithFrames();
    const pending = stub.fetch(proxyRequest("x1", "/hello?x=1"));
    const open = await until(() => frames.find((f) => f.type === FrameType.OPEN));
    expect(JSON.parse(new TextDecoder().decode(open.payload))).toMatchObject({ kind: "http", method: "GET", path: "/hello?x=1" });
    expect(open.streamId % 2).toBe(1); // the DO opens odd ids
    const send = (type: Frame["type"], payload: Uint8Array, flags = 0) => agent.ws!.send(encodeFrame({ type, streamId: open.streamId, flags, payload }));
    send(FrameType.DATA, new TextEncoder().encode(JSON.stringify({ status: 201, headers: [["x-app", "1"], ["set-cookie", "a=1"], ["set-cookie", "b=2"]] })), StreamFlag.HEAD);
    const res = await pending;
    expect(res.status).toBe(201);
    expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    const reader = res.body!.getReader();
    send(FrameType.DATA, new TextEncoder().encode("first "));
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("first ");
    send(FrameType.DATA, new TextEncoder().encode("second"));
    send(FrameType.END, new Uint8Array());
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("second");
    expect((await reader.read()).done).toBe(true);
  });

  it("resets the stream when the visitor's exchange is cancelled, so the agent stops the local request", async () => {
    const { agent, frames, stub } = await agentWithFrames();
    const pending = stub.fetch(proxyRequest("x2"));
    const open = await until(() => frames.find((f) => f.type === FrameType.OPEN));
    agent.ws!.send(encodeFrame({ type: FrameType.DATA, streamId: open.streamId, flags: StreamFlag.HEAD, payload: new TextEncoder().encode('{"status":200,"headers":[]}') }));
    await pending;
    await stub.cancelExchange("x2");
    const reset = await until(() => frames.find((f) => f.type === FrameType.RESET && f.streamId === open.streamId));
    expect(new TextDecoder().decode(reset.payload)).toBe("visitor went away");
  });

  it("answers 502 when the agent resets before a response, and fails in-flight exchanges when it disconnects", async () => {
    const { agent, frames, stub } = await agentWithFrames();
    const first = stub.fetch(proxyRequest("x3"));
    const open = await until(() => frames.find((f) => f.type === FrameType.OPEN));
    agent.ws!.send(encodeFrame({ type: FrameType.RESET, streamId: open.streamId, flags: 0, payload: new TextEncoder().encode("ECONNREFUSED") }));
    const refused = await first;
    expect(refused.status).toBe(502);
    expect(((await refused.json()) as any).error.message).toMatch(/ECONNREFUSED/);

    const second = stub.fetch(proxyRequest("x4"));
    await until(() => frames.filter((f) => f.type === FrameType.OPEN).length === 2);
    agent.ws!.close(1000, "bye");
    const offline = await second;
    expect(offline.status).toBe(503);
  });

  it("refuses a request decided on another route than the one D1 has, before anything reaches the agent", async () => {
    const { frames, stub } = await agentWithFrames();
    for (const stale of [{ ...route, access: "users" as const }, { ...route, slug: unique("gone-") }, { ...route, inactive: true }]) {
      const res = await stub.fetch(proxyRequest("x5", "/", stale));
      expect(res.status).toBe(409);
      expect(res.headers.get(STALE_ROUTE_HEADER)).toBe("x5"); // only the Worker, which chose the exchange id, reads it
    }
    expect(frames.filter((f) => f.type === FrameType.OPEN)).toHaveLength(0);
    // The route it holds is the one D1 has: a request decided on it goes through.
    const pending = stub.fetch(proxyRequest("x6"));
    await until(() => frames.find((f) => f.type === FrameType.OPEN));
    expect(await stub.proxyRoute(instanceId)).toEqual(route);
    void pending;
  });

  it("looks in D1 before refusing, so a route it missed (changed there directly) heals instead of refusing good requests", async () => {
    const { frames, stub } = await agentWithFrames();
    await testEnv.DB.prepare("UPDATE instances SET proxy_access = 'users' WHERE id = ?").bind(instanceId).run();
    const now = { ...route, access: "users" as const };
    const pending = stub.fetch(proxyRequest("x7", "/", now));
    await until(() => frames.find((f) => f.type === FrameType.OPEN));
    // And the one it held before is now refused.
    const old = await stub.fetch(proxyRequest("x8"));
    expect(old.status).toBe(409);
    void pending;
  });

  it("rewrites redirects and cookie paths for the path form only where they are absolute paths", () => {
    expect(rewriteHeader("Location", "/login", "/p/app")).toBe("/p/app/login");
    expect(rewriteHeader("Location", "https://elsewhere.example/x", "/p/app")).toBe("https://elsewhere.example/x");
    expect(rewriteHeader("Location", "//evil.example/x", "/p/app")).toBe("//evil.example/x");
    expect(rewriteHeader("Set-Cookie", "a=1; Path=/", "/p/app")).toBe("a=1; Path=/p/app/");
    expect(rewriteHeader("Set-Cookie", "a=1; path=/deep; Secure", "/p/app")).toBe("a=1; Path=/p/app/deep; Secure");
    expect(rewriteHeader("Set-Cookie", "a=1", "/p/app")).toBe("a=1; Path=/p/app/");
    // The host form keeps the app's own cookies as they are, and its Location too.
    expect(rewriteHeader("Set-Cookie", "a=1; Path=/", null)).toBe("a=1; Path=/");
    expect(rewriteHeader("Location", "/login", null)).toBe("/login");
  });

  it("finds the slug in a proxy host name, and nothing in other hosts", () => {
    expect(slugFromHost("demo.localhost:8787", "localhost:8787")).toBe("demo");
    expect(slugFromHost("DEMO.localhost:8787", "localhost:8787")).toBe("demo");
    expect(slugFromHost("localhost:8787", "localhost:8787")).toBeNull();
    expect(slugFromHost("a.b.localhost:8787", "localhost:8787")).toBeNull();
    expect(slugFromHost("demo.localhost:8787", null)).toBeNull();
  });
});

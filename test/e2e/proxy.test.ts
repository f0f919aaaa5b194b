import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { io as ioClient } from "socket.io-client";
import WebSocket from "ws";
import { request as httpRequest } from "node:http";
import { api, base } from "./http-client.ts";
import { freshUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { patternBytes, sha256, startLocalApp, type LocalApp } from "./local-apps.ts";

/**
 * The reverse proxy end to end: a real local app (HTTP, SSE, WebSocket, Socket.IO) behind a
 * real agent, reached through `npm start` by path (/p/<slug>/) and by host (<slug>.localhost).
 */
/** A request with its own Host header (fetch may not set one): how `<slug>.localhost` is reached here. */
function viaHost(port: number, host: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, headers: { ...headers, host } }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("reverse proxy", () => {
  let app: LocalApp;
  let token = "";
  let privateAgent: Awaited<ReturnType<typeof startAgent>>;
  let publicAgent: Awaited<ReturnType<typeof startAgent>>;
  const port = () => inject("port");
  const auth = () => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    app = await startLocalApp();
    token = (await freshUser("proxy-owner")).token;
    const target = `http://127.0.0.1:${app.port}`;
    privateAgent = await startAgent(token, `name: private-app\nproxy: { slug: priv-app, target: "${target}", access: users }\n`);
    publicAgent = await startAgent(token, `name: public-app\nproxy: { slug: pub-app, target: "${target}", access: public }\n`);
    await until(async () => (await fetch(`${base()}/p/pub-app/id?i=1`)).status === 200, 20_000);
    await until(async () => (await fetch(`${base()}/p/priv-app/id?i=1`, { headers: auth() })).status === 200, 20_000);
  });
  afterAll(async () => {
    privateAgent?.run.child.kill("SIGKILL");
    publicAgent?.run.child.kill("SIGKILL");
    await app?.close();
  });

  it("reaches the app by path and by host, forwarding X-Forwarded-* and never our credentials", async () => {
    const viaPath = (await (await fetch(`${base()}/p/priv-app/echo-headers?q=1`, { headers: { ...auth(), cookie: "anc_access=secret; theirs=ok" } })).json()) as any;
    expect(viaPath.url).toBe("/echo-headers?q=1");
    expect(viaPath.headers).toMatchObject({ "x-forwarded-proto": "http", "x-forwarded-prefix": "/p/priv-app", cookie: "theirs=ok" });
    expect(viaPath.headers["x-forwarded-for"]).toBeTruthy();
    expect(viaPath.headers.authorization).toBeUndefined();
    const byHost = JSON.parse((await viaHost(port(), `priv-app.localhost:${port()}`, "/echo-headers", auth())).body);
    expect(byHost.url).toBe("/echo-headers");
    expect(byHost.headers["x-forwarded-host"]).toBe(`priv-app.localhost:${port()}`);
    // Without credentials, the host form refuses too.
    expect((await viaHost(port(), `priv-app.localhost:${port()}`, "/echo-headers")).status).toBe(401);
  });

  it("applies each access policy: public for anyone; users need a session with proxy permission", async () => {
    expect((await fetch(`${base()}/p/pub-app/id?i=2`)).status).toBe(200);
    const anon = await fetch(`${base()}/p/priv-app/id?i=2`);
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as any).error.code).toBe("E-AUTH-UNAUTH");
    const browser = await fetch(`${base()}/p/priv-app/page`, { headers: { accept: "text/html" }, redirect: "manual" });
    expect(browser.status).toBe(302);
    expect(browser.headers.get("location")).toBe("/?next=%2Fp%2Fpriv-app%2Fpage");

    const { email, token: sharee } = await freshUser("proxy-sharee");
    expect((await fetch(`${base()}/p/priv-app/id?i=3`, { headers: { authorization: `Bearer ${sharee}` } })).status).toBe(404);
    const s = await api("/api/cloud/shares/save", { token, body: { grantee_email: email, instance_id: privateAgent.instanceId, permissions: ["read:cloud_instance"] } });
    expect((await fetch(`${base()}/p/priv-app/id?i=3`, { headers: { authorization: `Bearer ${sharee}` } })).status).toBe(403);
    await api("/api/cloud/shares/save", { token, body: { id: s.body.id, permissions: ["read:cloud_instance", "proxy:cloud_instance"] } });
    expect((await fetch(`${base()}/p/priv-app/id?i=3`, { headers: { authorization: `Bearer ${sharee}` } })).status).toBe(200);
  });

  it("lets an API token through only with the proxy verb on that instance, and never passes it on", async () => {
    const me = (await api("/auth/user", { token })).body.id as string;
    const mint = async (actions: string[]) => (await api("/api/tokens", { token, body: { name: "proxy", scopes: [{ scope: `cloud.${me}.instances.${privateAgent.instanceId}`, actions }] } })).body.token as string;
    const reader = await mint(["read"]);
    const visitor = await mint(["read", "proxy"]);
    expect((await fetch(`${base()}/p/priv-app/id?i=4`, { headers: { authorization: `Bearer ${reader}` } })).status).toBe(403);
    const ok = await fetch(`${base()}/p/priv-app/echo-headers`, { headers: { authorization: `Bearer ${visitor}` } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).headers.authorization).toBeUndefined();
  });

  it("streams large bodies both ways, byte for byte", async () => {
    const upload = patternBytes(48 * 1024 * 1024, 99);
    const up = await (await fetch(`${base()}/p/pub-app/upload`, { method: "POST", body: upload, headers: { "content-type": "application/octet-stream" } })).json();
    expect(up).toEqual({ bytes: upload.length, sha256: sha256(upload) });
    const down = new Uint8Array(await (await fetch(`${base()}/p/pub-app/download`)).arrayBuffer());
    expect(down.length).toBe(32 * 1024 * 1024);
    expect(sha256(down)).toBe(sha256(patternBytes(32 * 1024 * 1024)));
  });

  it("answers 100 concurrent requests, each correctly", async () => {
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => fetch(`${base()}/p/pub-app/id?i=${i}`).then((r) => r.text())));
    expect(answers).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
  });

  it("delivers a server-sent event before the app has finished the response", async () => {
    const res = await fetch(`${base()}/p/pub-app/sse`);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain("data: first");
    app.release(); // only now does the app write the rest and end
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toContain("data: second");
  });

  it("keeps several Set-Cookie headers, and rewrites cookie paths and redirects under /p/", async () => {
    const res = await fetch(`${base()}/p/pub-app/cookies`);
    expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/p/pub-app/", "b=2; Path=/p/pub-app/; HttpOnly", "c=3; Path=/p/pub-app/deep; SameSite=Lax"]);
    const redirect = await fetch(`${base()}/p/pub-app/redirect`, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("/p/pub-app/landing");
    // By host there is no prefix to add.
    const byHost = await viaHost(port(), `pub-app.localhost:${port()}`, "/redirect");
    expect(byHost.headers.location).toBe("/landing");
  });

  it("relays a WebSocket: text, binary, and the close code and reason", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port()}/p/pub-app/ws`);
    const messages: (string | Buffer)[] = [];
    ws.on("message", (d, isBinary) => messages.push(isBinary ? (d as Buffer) : d.toString()));
    await new Promise((r) => ws.on("open", r));
    await until(() => messages.length >= 1);
    expect(messages[0]).toMatch(/^hello /);
    ws.send("hi");
    ws.send(Buffer.from([1, 2, 3, 250]));
    await until(() => messages.length >= 3);
    expect(messages[1]).toBe("echo:hi");
    expect([...(messages[2] as Buffer)]).toEqual([1, 2, 3, 250]);
    const closed = new Promise<[number, string]>((r) => ws.on("close", (code, reason) => r([code, reason.toString()])));
    ws.send("close-me");
    expect(await closed).toEqual([4321, "asked to close"]);
  });

  it("carries Socket.IO with both transports (the unmodified client and server)", async () => {
    for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]] as const) {
      const socket = ioClient(`http://127.0.0.1:${port()}`, { path: "/p/priv-app/socket.io", transports: [...transports], extraHeaders: auth(), reconnection: false, upgrade: transports.length > 1 });
      const reply = await new Promise<string>((resolve, reject) => {
        socket.on("connect_error", reject);
        socket.on("connect", () => socket.emit("ping-me", "x", resolve));
      });
      expect(reply).toMatch(/^pong:x:(polling|websocket)$/);
      if (transports.length === 1) expect(reply.endsWith(transports[0])).toBe(true);
      socket.close();
    }
  });

  it("pauses and resumes from the API, with the reason", async () => {
    const paused = await api(`/api/cloud/proxies/${publicAgent.instanceId}/toggle`, { token, body: { inactive: true, reason: "maintenance" } });
    expect(paused.body).toMatchObject({ inactive: true, reason: "maintenance", slug: "pub-app" });
    const res = await fetch(`${base()}/p/pub-app/id?i=1`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as any).error.message).toMatch(/paused: maintenance/);
    const list = await api("/api/cloud/proxies", { token });
    expect(list.body.proxies.find((p: { slug: string }) => p.slug === "pub-app")).toMatchObject({ inactive: true, path_url: `${base().replace("127.0.0.1", "localhost")}/p/pub-app/` });
    await api(`/api/cloud/proxies/${publicAgent.instanceId}/toggle`, { token, body: { inactive: false } });
    expect((await fetch(`${base()}/p/pub-app/id?i=1`)).status).toBe(200);
  });

  it("fails cleanly: 502 when the app breaks, 504 (and the app's request cancelled) when it does not answer", async () => {
    const crash = await fetch(`${base()}/p/pub-app/crash`);
    expect(crash.status).toBe(502);
    expect(((await crash.json()) as any).error.code).toBe("E-PROXY-UPSTREAM");
    const t0 = Date.now();
    const slow = await fetch(`${base()}/p/pub-app/slow`);
    expect(slow.status).toBe(504); // PROXY_TIMEOUT_SECONDS=3 for this stack
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(((await slow.json()) as any).error.code).toBe("E-PROXY-TIMEOUT");
    // The 504 reset the stream, so the agent cancelled the app's request.
    await until(() => app.closedRequests.includes("/slow"));
    // (A visitor hanging up takes the same path, from the Worker's request.signal to cancelExchange
    // in the DO; local workerd does not signal client disconnects, so that first step is tested in workerd.)
  });

  it("answers 503 while the instance is offline, and works again when it is back", async () => {
    publicAgent.run.child.kill("SIGKILL");
    await until(async () => (await fetch(`${base()}/p/pub-app/id?i=1`)).status === 503, 10_000);
    const res = await fetch(`${base()}/p/pub-app/id?i=1`);
    expect(((await res.json()) as any).error.code).toBe("E-INSTANCE-OFFLINE");
    const html = await fetch(`${base()}/p/pub-app/`, { headers: { accept: "text/html" } });
    expect(html.headers.get("content-type")).toMatch(/text\/html/);
    publicAgent.run = publicAgent.restart();
    await until(async () => (await fetch(`${base()}/p/pub-app/id?i=1`)).status === 200, 20_000);
  });
});

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame, FrameType, StreamFlag, type Frame } from "@anchorage/common";
import worker from "../../../src/index.ts";
import { call, errorOf, json, register, testEnv, unique, uniqueIp } from "../helpers.ts";
import type { Env } from "../../../core/env.ts";
import { rewriteHeader } from "../../../durable-objects/instance/proxy-relay.ts";
import { FakeAgent, until } from "./fake-agent.ts";

const enc = (s: string) => new TextEncoder().encode(s);

/**
 * Plays the local app on the agent's socket: records every proxied OPEN and answers it with
 * `answer` (status, headers, body bytes as the app sent them).
 */
function serveApp(ws: WebSocket, answer: { status?: number; headers: [string, string][]; body: Uint8Array; keptPrefix?: boolean }) {
  const opens: { path: string; headers: [string, string][]; prefix?: string }[] = [];
  ws.addEventListener("message", (e) => {
    if (typeof e.data === "string") return;
    const d = decodeFrame(e.data as ArrayBuffer);
    if (!d.ok || d.frame.type !== FrameType.OPEN) return;
    const open = JSON.parse(new TextDecoder().decode(d.frame.payload));
    if (open.kind !== "http") return;
    opens.push(open);
    const streamId = d.frame.streamId;
    const send = (type: Frame["type"], payload: Uint8Array, flags = 0) => ws.send(encodeFrame({ type, streamId, flags, payload }));
    send(FrameType.DATA, enc(JSON.stringify({ status: answer.status ?? 200, headers: answer.headers, ...(answer.keptPrefix ? { keptPrefix: true } : {}) })), StreamFlag.HEAD);
    send(FrameType.DATA, answer.body);
    send(FrameType.END, new Uint8Array());
  });
  return opens;
}

/** A public proxy on a connected fake agent. */
async function publicProxy() {
  const owner = await register();
  const agent = await FakeAgent.register(owner);
  await agent.connect({ hello: false });
  const slug = unique("enc-");
  const hello = agent.helloMessage();
  agent.send({ ...hello, config: { ...hello.config, proxy: { slug, target: "http://127.0.0.1:9", access: "public" } } });
  await until(async () => (await testEnv.DB.prepare("SELECT proxy_slug FROM instances WHERE id = ?").bind(agent.instanceId).first<{ proxy_slug: string }>())?.proxy_slug === slug);
  return { agent, slug };
}

/**
 * A visitor's request as Cloudflare hands it to the Worker: the platform replaces the visitor's
 * Accept-Encoding with `br, gzip` and keeps what was sent in `request.cf.clientAcceptEncoding`
 * (developers.cloudflare.com/fundamentals/reference/http-request-headers/#accept-encoding;
 * miniflare does the same since workers-sdk#5409).
 */
async function visit(url: string, sent: string | null, headers: Record<string, string> = {}) {
  const req = new Request(url, {
    headers: { host: new URL(url).host, "accept-encoding": "br, gzip", "cf-connecting-ip": uniqueIp(), ...headers },
    cf: { clientAcceptEncoding: sent ?? "" },
  } as RequestInit);
  const ctx = createExecutionContext();
  const res = await worker.fetch(req as Request<unknown, IncomingRequestCfProperties>, testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const acceptEncodingOf = (open: { headers: [string, string][] }) => open.headers.filter(([n]) => n.toLowerCase() === "accept-encoding").map(([, v]) => v);

describe("compressed responses through the proxy", () => {
  it("gives the app the visitor's own Accept-Encoding (gzip, br, identity, none), not the platform's", async () => {
    const { agent, slug } = await publicProxy();
    const opens = serveApp(agent.ws!, { headers: [["content-type", "text/plain"]], body: enc("ok") });
    for (const sent of ["gzip", "br", "identity", "gzip, deflate, br, zstd"]) {
      expect((await visit(`http://localhost:8787/p/${slug}/x`, sent)).status).toBe(200);
      expect(acceptEncodingOf(opens.at(-1)!)).toEqual([sent]);
      expect((await visit(`http://${slug}.localhost:8787/x`, sent)).status).toBe(200);
      expect(acceptEncodingOf(opens.at(-1)!)).toEqual([sent]);
    }
    // A visitor who sent none: the app gets none (identity), not `br, gzip`.
    expect((await visit(`http://${slug}.localhost:8787/x`, null)).status).toBe(200);
    expect(acceptEncodingOf(opens.at(-1)!)).toEqual([]);
  });

  it("passes a body the app already compressed through once, with its Content-Encoding, on both forms", async () => {
    const { agent, slug } = await publicProxy();
    const script = "window.ran = 'yes';\n".repeat(200);
    const gz = new Uint8Array(await new Response(new Blob([script]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
    serveApp(agent.ws!, { headers: [["content-type", "application/javascript"], ["content-encoding", "gzip"], ["vary", "accept-encoding"]], body: gz });
    for (const url of [`http://localhost:8787/p/${slug}/app.js`, `http://${slug}.localhost:8787/app.js`]) {
      const res = await visit(url, "gzip");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-encoding")).toBe("gzip");
      // Decoded once, it is the script: no second gzip around the app's (what the visitor's
      // wire carries byte for byte is checked end to end, test/e2e/proxy-real-apps.test.ts).
      expect(await res.text()).toBe(script);
    }
  });
});

/** The dashboard's assets as wrangler.toml serves them: its files, and index.html for any other path (SPA fallback). */
const dashboardAssets = (): Partial<Env> => ({
  ASSETS: {
    async fetch(input: RequestInfo | URL) {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
      if (path === "/assets/index.js") return new Response("console.log('dashboard')", { headers: { "content-type": "text/javascript" } });
      return new Response("<!doctype html><title>Anchorage</title>", { headers: { "content-type": "text/html" } });
    },
    connect() {
      throw new Error("not used");
    },
  } as unknown as Fetcher,
});

describe("absolute URLs from an app on the path form", () => {
  it("a script or fetch() for a path nobody serves gets 404 JSON, not the dashboard's page", async () => {
    const env = dashboardAssets();
    for (const headers of [{ "sec-fetch-mode": "no-cors", "sec-fetch-dest": "script" }, { "sec-fetch-mode": "cors", accept: "*/*" }, { accept: "*/*" }] as Record<string, string>[]) {
      const res = await call("/@vite/client", { env, headers });
      expect(res.status).toBe(404);
      expect(errorOf(await json(res)).code).toBe("E-NOT-FOUND");
    }
    // The dashboard's own files and its pages for navigations are still served.
    expect(await (await call("/assets/index.js", { env, headers: { "sec-fetch-mode": "no-cors" } })).text()).toBe("console.log('dashboard')");
    for (const headers of [{ "sec-fetch-mode": "navigate" }, { accept: "text/html,application/xhtml+xml" }] as Record<string, string>[]) {
      const page = await call("/instances/ins_1", { env, headers });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html");
    }
    expect((await call("/", { env })).status).toBe(200);
  });

  it("says the app uses absolute URLs and names its host-form address when the Referer is under /p/<slug>/", async () => {
    const env = dashboardAssets();
    const res = await call("/style.css", { env, headers: { "sec-fetch-mode": "no-cors", referer: "http://localhost:8787/p/my-site/docs/" } });
    expect(res.status).toBe(404);
    const { code, message } = errorOf(await json(res));
    expect(code).toBe("E-NOT-FOUND");
    expect(message).toContain("the app at /p/my-site/ uses absolute URLs");
    expect(message).toContain("http://my-site.localhost:8787/");
    // Another site's page, or a dashboard page, gets no hint.
    for (const referer of ["https://elsewhere.example/p/my-site/", "http://localhost:8787/instances"]) {
      const plain = errorOf(await json(await call("/style.css", { env, headers: { "sec-fetch-mode": "no-cors", referer } })));
      expect(plain.message).toBe("no route for GET /style.css");
    }
  });
});

describe("proxy.keep_prefix on the path form", () => {
  it("tells the agent the prefix (it passes the path unchanged with keep_prefix), and the host form has none", async () => {
    const { agent, slug } = await publicProxy();
    const opens = serveApp(agent.ws!, { headers: [], body: enc("ok") });
    await visit(`http://localhost:8787/p/${slug}/@vite/client?t=1`, null);
    expect(opens.at(-1)).toMatchObject({ path: "/@vite/client?t=1", prefix: `/p/${slug}` });
    await visit(`http://${slug}.localhost:8787/@vite/client`, null);
    expect(opens.at(-1)!.prefix).toBeUndefined();
  });

  it("leaves Location and a cookie path under the prefix as the app set them when it kept the prefix; other cookie paths still go under it", async () => {
    const { agent, slug } = await publicProxy();
    const prefix = `/p/${slug}`;
    serveApp(agent.ws!, {
      status: 302,
      keptPrefix: true,
      headers: [["location", `${prefix}/login`], ["set-cookie", `a=1; Path=${prefix}/admin`], ["set-cookie", "b=2; Path=/"], ["set-cookie", `c=3; Path=${prefix}x`], ["set-cookie", "anc_access=planted; Path=/"]],
      body: new Uint8Array(),
    });
    const res = await visit(`http://localhost:8787${prefix}/`, null);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${prefix}/login`);
    expect(res.headers.getSetCookie()).toEqual([`a=1; Path=${prefix}/admin`, `b=2; Path=${prefix}/`, `c=3; Path=${prefix}/p/${slug}x`]);
  });

  it("without keep_prefix, rewrites as before", () => {
    expect(rewriteHeader("location", "/p/app/login", "/p/app")).toBe("/p/app/p/app/login");
    expect(rewriteHeader("location", "/p/app/login", "/p/app", true)).toBe("/p/app/login");
    expect(rewriteHeader("set-cookie", "a=1; Path=/p/app/x", "/p/app")).toBe("a=1; Path=/p/app/p/app/x");
    expect(rewriteHeader("set-cookie", "a=1; Path=/p/app/x", "/p/app", true)).toBe("a=1; Path=/p/app/x");
    expect(rewriteHeader("set-cookie", "a=1; Path=/p/apple", "/p/app", true)).toBe("a=1; Path=/p/app/p/apple");
    expect(rewriteHeader("set-cookie", "a=1; Domain=example.com; Path=/p/app", "/p/app", true)).toBeNull();
  });
});

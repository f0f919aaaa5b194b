import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { gzipSync } from "node:zlib";
import { decodeFrame, encodeFrame, FrameType, StreamFlag, type Frame } from "@anchorage/common";
import worker from "../../../src/index.ts";
import { register, testEnv, unique, uniqueIp } from "../helpers.ts";
import { FakeAgent, until } from "./fake-agent.ts";

const enc = (s: string) => new TextEncoder().encode(s);

/**
 * Plays the local app on the agent's socket: records every proxied OPEN and answers it with
 * `answer` (status, headers, body bytes as the app sent them).
 */
function serveApp(ws: WebSocket, answer: { status?: number; headers: [string, string][]; body: Uint8Array }) {
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
    send(FrameType.DATA, enc(JSON.stringify({ status: answer.status ?? 200, headers: answer.headers })), StreamFlag.HEAD);
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
    const gz = gzipSync(script);
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

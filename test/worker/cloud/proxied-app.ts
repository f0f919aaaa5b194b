import { expect } from "vitest";
import { decodeFrame, encodeFrame, FrameType, StreamFlag, type Frame } from "@anchorage/common";
import { call, register, testEnv, unique } from "../helpers.ts";
import { FakeAgent, until } from "./fake-agent.ts";

/** Fixtures of a proxied app on fake agents: an agent that publishes one, plays its local app, and opens relay sockets. */

export const enc = (s: string) => new TextEncoder().encode(s);

/**
 * Plays the local app on one socket: every proxied GET is answered with the socket's label, or,
 * with `hold`, left unanswered (its stream ids collected) so it stays in flight.
 */
export function serveOn(ws: WebSocket, label: string, opts: { hold?: boolean } = {}) {
  const held: number[] = [];
  ws.addEventListener("message", (e) => {
    if (typeof e.data === "string") return;
    const d = decodeFrame(e.data as ArrayBuffer);
    if (!d.ok || d.frame.type !== FrameType.OPEN) return;
    if (JSON.parse(new TextDecoder().decode(d.frame.payload)).kind !== "http") return;
    const streamId = d.frame.streamId;
    if (opts.hold) return void held.push(streamId);
    const send = (type: Frame["type"], payload: Uint8Array, flags = 0) => ws.send(encodeFrame({ type, streamId, flags, payload }));
    send(FrameType.DATA, enc(JSON.stringify({ status: 200, headers: [["content-type", "text/plain"]] })), StreamFlag.HEAD);
    send(FrameType.DATA, enc(label));
    send(FrameType.END, new Uint8Array());
  });
  return held;
}

/** The upgrade of relay socket `relay`, with a fresh signed challenge unless a proof is given. */
export async function connectRelay(agent: FakeAgent, relay: number | string, proof?: string): Promise<Response> {
  const p = proof ?? (await agent.proof(await agent.nonce()));
  return call(`/agent/connect?instance_id=${agent.instanceId}&relay=${relay}`, { headers: { upgrade: "websocket", authorization: `Bearer ${p}` } });
}

export function accepted(res: Response): WebSocket {
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  ws.binaryType = "arraybuffer";
  return ws;
}

/** An agent whose config publishes a public app over `relays` sockets, connected (its own socket only). */
export async function busyProxy(relays: number) {
  const owner = await register();
  const agent = await FakeAgent.register(owner);
  await agent.connect({ hello: false });
  const slug = unique("busy-");
  const hello = agent.helloMessage();
  agent.send({ ...hello, config: { ...hello.config, proxy: { slug, target: "http://127.0.0.1:9", access: "public", relays } } });
  await until(async () => {
    const row = await testEnv.DB.prepare("SELECT proxy_slug, proxy_relays FROM instances WHERE id = ?").bind(agent.instanceId).first<{ proxy_slug: string; proxy_relays: number }>();
    return row?.proxy_slug === slug && row.proxy_relays === relays;
  });
  return { owner, agent, slug };
}

export const visit = async (slug: string, i: number) => {
  const res = await call(`/p/${slug}/x?i=${i}`);
  return { status: res.status, relay: res.headers.get("x-anchorage-relay"), body: await res.text() };
};


import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from "jose";
import { decodeFrame, encodeFrame, FrameType, StreamFlag } from "@anchorage/common";
import { call, json, type Session } from "../helpers.ts";

/** What a fake file call answers: a result for the head, and bytes after it (a read's content, a scan's JSON). */
export type CallAnswer = { result: unknown; body?: Uint8Array | string };

/**
 * A stand-in for the agent inside workerd: the real registration, challenge, signed
 * proof and WebSocket, speaking the real protocol. (The real agent process is tested
 * end to end in test/e2e.)
 */
export class FakeAgent {
  ws: WebSocket | null = null;
  received: any[] = [];
  closed: { code: number; reason: string } | null = null;
  /** How the agent answers each RPC method. */
  handlers: Record<string, (params: any, id: string) => unknown> = {
    ping: () => ({ pong: true }),
  };
  /**
   * How the agent answers each file call (a stream: OPEN, the request's bytes, END). Throw an
   * error with a `code` to refuse.
   */
  calls: Record<string, (params: any, body: Uint8Array) => CallAnswer | Promise<CallAnswer>> = {};
  private constructor(
    readonly instanceId: string,
    private readonly privateKey: CryptoKey,
  ) {}

  static async register(owner: Session, name = "box"): Promise<FakeAgent> {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const jwk = await exportJWK(publicKey);
    const res = await call("/api/cloud/instances/register", { token: owner.access, body: { name, public_key: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y } } });
    if (res.status !== 201) throw new Error(`register failed: ${res.status} ${await res.text()}`);
    return new FakeAgent((await json(res)).instance_id, privateKey);
  }

  async proof(nonce: string, over: { iss?: string; aud?: string } = {}): Promise<string> {
    return new SignJWT({ nonce })
      .setProtectedHeader({ alg: "ES256" })
      .setIssuer(over.iss ?? this.instanceId)
      .setAudience(over.aud ?? "anchorage-agent-connect")
      .setIssuedAt()
      .setExpirationTime("60s")
      .sign(this.privateKey);
  }

  async nonce(): Promise<string> {
    const res = await call("/agent/challenge", { body: { instance_id: this.instanceId } });
    if (res.status !== 200) throw new Error(`challenge failed: ${res.status}`);
    return (await json(res)).nonce;
  }

  /** Opens the socket (fresh challenge and proof) and says hello; returns the raw upgrade response. */
  async connect(opts: { hello?: boolean } = {}): Promise<Response> {
    const proof = await this.proof(await this.nonce());
    const res = await call(`/agent/connect?instance_id=${this.instanceId}`, { headers: { upgrade: "websocket", authorization: `Bearer ${proof}` } });
    if (res.status !== 101 || !res.webSocket) return res;
    const ws = res.webSocket;
    ws.accept();
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    this.closed = null;
    ws.addEventListener("message", (e) => {
      if (typeof e.data === "string") this.onMessage(ws, e.data);
      else this.onFrame(ws, e.data as ArrayBuffer);
    });
    ws.addEventListener("close", (e) => (this.closed = { code: e.code, reason: e.reason }));
    if (opts.hello !== false) this.send(this.helloMessage());
    return res;
  }

  helloMessage() {
    return {
      type: "hello",
      protocol: 1,
      agent_version: "0.1.0",
      hostname: "fake-host",
      platform: "linux",
      arch: "x64",
      config: { name: "box", commands: [{ name: "disk", argv: ["df", "-h"] }], roots: [], logs: [], terminal: { record: true }, sync: { exclude: [] } },
    };
  }

  send(msg: unknown) {
    this.ws!.send(JSON.stringify(msg));
  }

  heartbeat(cpu = 12.5) {
    this.send({ type: "heartbeat", at: new Date().toISOString(), stats: { cpu, memory: { used: 1, total: 4 }, disk: { used: 10, total: 100 }, load: [0.1, 0.2, 0.3], uptime: 1000 } });
  }

  private readonly openCalls = new Map<number, { method: string; params: unknown; parts: Uint8Array[] }>();

  /** Serves call streams the way the agent does: HEAD, the answer's bytes, END. */
  private onFrame(ws: WebSocket, data: ArrayBuffer) {
    const d = decodeFrame(data);
    if (!d.ok) return;
    const { type, streamId, payload } = d.frame;
    const send = (t: FrameType, bytes: Uint8Array, flags = 0) => ws.send(encodeFrame({ type: t, streamId, flags, payload: bytes }));
    if (type === FrameType.OPEN) {
      const open = JSON.parse(new TextDecoder().decode(payload));
      if (open.kind === "call") this.openCalls.set(streamId, { method: open.method, params: open.params, parts: [] });
      return;
    }
    const c = this.openCalls.get(streamId);
    if (!c) return;
    if (type === FrameType.DATA) c.parts.push(payload.slice());
    if (type === FrameType.RESET) this.openCalls.delete(streamId);
    if (type !== FrameType.END) return;
    this.openCalls.delete(streamId);
    const body = new Uint8Array(c.parts.reduce((n, p) => n + p.length, 0));
    c.parts.reduce((at, p) => (body.set(p, at), at + p.length), 0);
    const handler = this.calls[c.method];
    Promise.resolve()
      .then(() => (handler ? handler(c.params, body) : Promise.reject(new Error(`no call handler for ${c.method}`))))
      .then(
        (answer) => {
          send(FrameType.DATA, new TextEncoder().encode(JSON.stringify({ ok: true, result: answer.result })), StreamFlag.HEAD);
          const bytes = typeof answer.body === "string" ? new TextEncoder().encode(answer.body) : answer.body;
          for (let i = 0; bytes && i < bytes.length; i += 256 * 1024) send(FrameType.DATA, bytes.subarray(i, i + 256 * 1024));
          send(FrameType.END, new Uint8Array());
        },
        (e: Error & { code?: string }) => {
          send(FrameType.DATA, new TextEncoder().encode(JSON.stringify({ ok: false, error: { code: e.code ?? "E-AGENT", message: e.message } })), StreamFlag.HEAD);
          send(FrameType.END, new Uint8Array());
        },
      );
  }

  private onMessage(ws: WebSocket, data: string) {
    const msg = JSON.parse(data);
    this.received.push(msg);
    if (msg.type !== "rpc") return;
    const handler = this.handlers[msg.method];
    Promise.resolve()
      .then(() => (handler ? handler(msg.params, msg.id) : Promise.reject(new Error(`no handler for ${msg.method}`))))
      .then(
        (result) => ws.send(JSON.stringify({ type: "rpc-result", id: msg.id, ok: true, result })),
        (e: Error & { code?: string }) => ws.send(JSON.stringify({ type: "rpc-result", id: msg.id, ok: false, error: { code: e.code ?? "E-AGENT", message: e.message } })),
      );
  }
}

export const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` returns a truthy value (polling), or fails after `ms`. */
export async function until<T>(check: () => T | Promise<T>, ms = 3000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await tick(25);
  }
}

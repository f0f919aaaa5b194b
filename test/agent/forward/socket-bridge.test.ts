import { connect, createServer, type Server, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { decodeFrame } from "@anchorage/common/protocol/frames";
import { StreamEndpoint } from "@anchorage/common/protocol/stream-endpoint";
import { agentConfigSchema } from "@anchorage/common/agent-config";
import { bridgeSocket } from "../../../agent/src/forward/socket-bridge.ts";
import type { StreamHandlers } from "../../../agent/src/proxy/stream-types.ts";

const WINDOW = 64 * 1024;

/** Two ends of one stream joined in memory; `hold` keeps b's frames back (a stalled peer). */
function pair() {
  const q: { a: Uint8Array[]; b: Uint8Array[] } = { a: [], b: [] };
  let hold = false;
  const handlers: StreamHandlers = { onData: () => {}, onEnd: () => {}, onReset: () => {} };
  const got: Uint8Array[] = [];
  let ended = false;
  const a: StreamEndpoint = new StreamEndpoint(1, (bytes) => queueMicrotask(() => deliver(b, bytes)), {
    onData: (p, f) => handlers.onData(p, f), onEnd: () => handlers.onEnd(), onReset: (r) => handlers.onReset(r),
  }, WINDOW);
  const b: StreamEndpoint = new StreamEndpoint(1, (bytes) => queueMicrotask(() => deliver(a, bytes)), {
    onData: (p) => {
      got.push(p.slice());
      if (!hold) b.consumed(p.length);
      else q.b.push(p);
    },
    onEnd: () => (ended = true), onReset: () => {},
  }, WINDOW);
  function deliver(to: StreamEndpoint, bytes: Uint8Array) {
    const d = decodeFrame(bytes);
    if (d.ok) to.receive(d.frame);
  }
  return {
    a, b, handlers, got, ended: () => ended,
    stall: () => (hold = true),
    release: () => {
      hold = false;
      for (const p of q.b.splice(0)) b.consumed(p.length);
    },
  };
}

let servers: Server[] = [];
afterEach(() => {
  for (const s of servers) s.close();
  servers = [];
});

async function socketPair(): Promise<{ local: Socket; remote: Socket }> {
  let remote!: Socket;
  const accepted = new Promise<void>((r) => {
    const server = createServer({ allowHalfOpen: true }, (s) => ((remote = s), r()));
    servers.push(server);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      local = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    });
  });
  let local!: Socket;
  await accepted;
  return { local, remote };
}

describe("bridgeSocket", () => {
  it("carries every byte, pauses the socket while the peer grants no credit, and resumes when it does", async () => {
    const { local, remote } = await socketPair();
    const p = pair();
    bridgeSocket(remote, p.a, p.handlers, () => {});
    p.stall();
    const payload = randomBytes(4 * 1024 * 1024);
    local.write(payload);
    await new Promise((r) => setTimeout(r, 300));
    // A stalled reader: no more than the window crossed, and the socket is paused (the rest waits in the kernel).
    const crossed = p.got.reduce((n, c) => n + c.length, 0);
    expect(crossed).toBeLessThanOrEqual(WINDOW);
    expect(remote.isPaused()).toBe(true);
    p.release();
    local.end();
    await new Promise<void>((r) => {
      const t = setInterval(() => p.ended() && (clearInterval(t), r()), 20);
    });
    expect(Buffer.concat(p.got).equals(payload)).toBe(true);
  });

  it("writes the peer's bytes to the socket, grants credit once written, and turns END into a half-close", async () => {
    const { local, remote } = await socketPair();
    const p = pair();
    bridgeSocket(remote, p.a, p.handlers, () => {});
    const read: Buffer[] = [];
    const ended = new Promise<void>((r) => local.on("end", () => r()));
    local.on("data", (d) => read.push(d));
    const payload = randomBytes(1024 * 1024);
    await p.b.write(payload);
    p.b.end();
    await ended;
    expect(Buffer.concat(read).equals(payload)).toBe(true);
  });

  it("resets the stream when the socket fails", async () => {
    const { local, remote } = await socketPair();
    const p = pair();
    let done = false;
    bridgeSocket(remote, p.a, p.handlers, () => (done = true));
    local.resetAndDestroy();
    await new Promise((r) => setTimeout(r, 200));
    expect(p.a.closed).toBe(true);
    expect(done).toBe(true);
  });
});

describe("the forward: config", () => {
  const base = { name: "box" };
  it("takes named host:port targets and refuses bad ones, naming the field", () => {
    expect(agentConfigSchema.parse({ ...base, forward: [{ name: "ssh", target: "127.0.0.1:22" }, { name: "db", target: "[::1]:5432" }] }).forward).toHaveLength(2);
    for (const [forward, path] of [
      [[{ name: "ssh", target: "127.0.0.1" }], "forward.0.target"],
      [[{ name: "ssh", target: "127.0.0.1:70000" }], "forward.0.target"],
      [[{ name: "SSH", target: "127.0.0.1:22" }], "forward.0.name"],
      [[{ name: "a", target: "h:1" }, { name: "a", target: "h:2" }], "forward.1.name"],
    ] as const) {
      const r = agentConfigSchema.safeParse({ ...base, forward });
      expect(r.success).toBe(false);
      expect(r.error!.issues.map((i) => i.path.join("."))).toContain(path);
    }
  });
});

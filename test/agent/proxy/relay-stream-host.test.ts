import { describe, expect, it } from "vitest";
import { agentConfigSchema, decodeFrame, encodeFrame, FrameType, type Frame } from "@anchorage/common";
import { createLogger } from "../../../agent/src/agent-log.ts";
import { StreamHost } from "../../../agent/src/proxy/stream-host.ts";
import { streamServers } from "../../../agent/src/proxy/stream-servers.ts";

/** The stream host of a proxy relay socket: no terminals, no files. */
function relayHost() {
  const config = agentConfigSchema.parse({ name: "t", proxy: { slug: "app", target: "http://127.0.0.1:9", relays: 3 } });
  const sent: Frame[] = [];
  const host = new StreamHost((bytes) => {
    const d = decodeFrame(bytes);
    if (d.ok) sent.push({ ...d.frame, payload: d.frame.payload.slice() });
  }, streamServers(config, createLogger(null), null, null));
  const open = (streamId: number, body: unknown) => host.receive(encodeFrame({ type: FrameType.OPEN, streamId, flags: 0, payload: new TextEncoder().encode(JSON.stringify(body)) }).buffer);
  const resetOf = (streamId: number) => {
    const f = sent.find((s) => s.streamId === streamId && s.type === FrameType.RESET);
    return f ? new TextDecoder().decode(f.payload) : null;
  };
  return { open, resetOf };
}

describe("a proxy relay socket's streams", () => {
  it("refuses a terminal or a file call: a relay serves proxied requests only", () => {
    const { open, resetOf } = relayHost();
    expect(open(1, { kind: "pty", session: "tty_abcdefgh12", user: "usr_1", create: true, cols: 80, rows: 24 })).toEqual({ ok: true });
    expect(resetOf(1)).toBe("a proxy relay socket serves proxied requests only");
    open(3, { kind: "call", method: "files.read", params: { path: "/etc/passwd" } });
    expect(resetOf(3)).toBe("a proxy relay socket serves proxied requests only");
  });

  it("serves a proxied request (here the app refuses the connection: a RESET naming why, not the relay refusal)", async () => {
    const { open, resetOf } = relayHost();
    open(5, { kind: "http", method: "GET", path: "/", headers: [] });
    const deadline = Date.now() + 5000;
    while (!resetOf(5) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(resetOf(5)).toMatch(/ECONNREFUSED/);
  });
});

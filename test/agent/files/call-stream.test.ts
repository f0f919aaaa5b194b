import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { agentConfigSchema, decodeFrame, encodeFrame, FrameType, StreamFlag, windowFrame, type Frame } from "@anchorage/common";
import { createLogger } from "../../../agent/src/agent-log.ts";
import { StreamHost } from "../../../agent/src/proxy/stream-host.ts";
import { FileContext } from "../../../agent/src/files/file-context.ts";
import { streamServers } from "../../../agent/src/proxy/stream-servers.ts";
import type { TerminalSessions } from "../../../agent/src/terminal/terminal-sessions.ts";

/**
 * The agent's side of a call stream (protocol/files.ts), driven frame by frame the way the DO
 * drives it: OPEN, the request's bytes, END; then one HEAD, the answer's bytes, END.
 */
function host() {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-call-")));
  const root = join(base, "root");
  mkdirSync(root);
  writeFileSync(join(root, "a.txt"), "alpha\r\n");
  // No proxy in this config: file calls must not need one.
  const config = agentConfigSchema.parse({ name: "t", roots: [root] });
  const sent: Frame[] = [];
  const streams = new StreamHost((bytes) => {
    const d = decodeFrame(bytes);
    if (d.ok) sent.push({ ...d.frame, payload: d.frame.payload.slice() });
  }, streamServers(config, createLogger(null), {} as TerminalSessions, new FileContext(config, join(base, "home"))));
  mkdirSync(join(base, "home"));
  let nextId = 1;
  const collect = (id: number) => {
    const mine = sent.filter((f) => f.streamId === id);
    const head = mine.find((f) => f.type === FrameType.DATA && f.flags & StreamFlag.HEAD);
    const rest = mine.filter((f) => f.type === FrameType.DATA && !(f.flags & StreamFlag.HEAD));
    return {
      id,
      head: head ? JSON.parse(new TextDecoder().decode(head.payload)) : null,
      body: Buffer.concat(rest.map((f) => f.payload)),
      ended: mine.at(-1)?.type === FrameType.END,
    };
  };
  const settled = (id: number) => sent.some((f) => f.streamId === id && (f.type === FrameType.END || f.type === FrameType.RESET));
  const call = async (method: string, params: unknown, body?: Uint8Array, waitMs = 2000) => {
    const id = nextId;
    nextId += 2;
    const frame = (type: Frame["type"], payload: Uint8Array) => streams.receive(encodeFrame({ type, streamId: id, flags: 0, payload }).buffer);
    frame(FrameType.OPEN, new TextEncoder().encode(JSON.stringify({ kind: "call", method, params })));
    if (body) frame(FrameType.DATA, body);
    frame(FrameType.END, new Uint8Array());
    for (let waited = 0; waited < waitMs && !settled(id); waited += 10) await new Promise((r) => setTimeout(r, 10));
    return collect(id);
  };
  return { root, call, collect, streams };
}

describe("file calls over a stream", () => {
  it("answers a read with a head, the file's bytes and END, on an instance with no proxy", async () => {
    const { root, call } = host();
    const r = await call("files.read", { path: join(root, "a.txt") });
    expect(r.head).toMatchObject({ ok: true, result: { path: join(root, "a.txt"), size: 7 } });
    expect(r.body.toString()).toBe("alpha\r\n");
    expect(r.ended).toBe(true);
  });

  it("takes a write's content from the stream's bytes", async () => {
    const { root, call } = host();
    const content = new TextEncoder().encode("written\n");
    const r = await call("files.write", { path: join(root, "b.txt"), size: content.length }, content);
    expect(r.head).toMatchObject({ ok: true, result: { created: true, size: 8 } });
    expect(readFileSync(join(root, "b.txt"), "utf8")).toBe("written\n");
    // A length that does not match what arrived is refused, and nothing is written.
    const short = await call("files.write", { path: join(root, "c.txt"), size: 99 }, content);
    expect(short.head).toEqual({ ok: false, error: { code: "E-VALIDATION", message: "expected 99 bytes of content, received 8" } });
  });

  it("answers a scan with its JSON as the stream's bytes", async () => {
    const { root, call } = host();
    const r = await call("files.scan", { path: root });
    expect(r.head).toEqual({ ok: true, result: null });
    const scan = JSON.parse(r.body.toString());
    expect(scan.files).toEqual([expect.objectContaining({ path: "a.txt", text: true, size: 7 })]);
  });

  it("answers refusals with their code in the head, and bad params as validation errors", async () => {
    const { root, call } = host();
    expect((await call("files.read", { path: "/etc/passwd" })).head).toMatchObject({ ok: false, error: { code: "E-AUTH-FORBID" } });
    expect((await call("files.read", { path: join(root, "nope") })).head).toMatchObject({ ok: false, error: { code: "E-NOT-FOUND" } });
    expect((await call("files.browse", { path: "relative" })).head).toMatchObject({ ok: false, error: { code: "E-VALIDATION" } });
    expect((await call("files.browse", { path: root, extra: 1 })).head).toMatchObject({ ok: false, error: { code: "E-VALIDATION" } });
  });

  it("sends a large answer only as fast as the DO grants credit", async () => {
    const { root, call, collect, streams } = host();
    writeFileSync(join(root, "big.bin"), new Uint8Array(1024 * 1024).fill(7));
    const r = await call("files.read", { path: join(root, "big.bin") }, undefined, 300);
    // One window (1 MiB) may be in flight, the HEAD included: the last bytes wait for credit.
    expect(r.body.length).toBeGreaterThan(0);
    expect(r.body.length).toBeLessThan(1024 * 1024);
    expect(r.ended).toBe(false);
    streams.receive(encodeFrame(windowFrame(r.id, 512 * 1024)).buffer);
    await new Promise((res) => setTimeout(res, 20));
    const after = collect(r.id);
    expect(after.body.length).toBe(1024 * 1024);
    expect(after.ended).toBe(true);
  });
});

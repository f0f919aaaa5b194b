import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame, FrameType, resetReason, type Frame } from "@anchorage/common/protocol/frames";
import { StreamHost } from "../../../agent/src/proxy/stream-host.ts";
import { loadOnFirstUse } from "../../../agent/src/proxy/stream-servers.ts";
import type { StreamServer, StreamServers } from "../../../agent/src/proxy/stream-types.ts";

/** A host whose file calls go to `call`; every other kind refused. */
function hostWith(call: StreamServer<"call">) {
  const sent: Frame[] = [];
  const refuse = { refuse: "not here" };
  const servers: StreamServers = { http: refuse, ws: refuse, pty: refuse, tcp: refuse, call };
  const host = new StreamHost((bytes) => {
    const d = decodeFrame(bytes);
    if (d.ok) sent.push({ ...d.frame, payload: d.frame.payload.slice() });
  }, servers);
  const frame = (type: Frame["type"], streamId: number, payload: Uint8Array | string = new Uint8Array()) =>
    host.receive(encodeFrame({ type, streamId, flags: 0, payload: typeof payload === "string" ? new TextEncoder().encode(payload) : payload }).buffer);
  const open = (streamId: number) => frame(FrameType.OPEN, streamId, JSON.stringify({ kind: "call", method: "files.read", params: {} }));
  return { sent, frame, open };
}

describe("a stream server loaded on first use (issue 22)", () => {
  it("loads once, and hands the frames that came while it loaded to the server in order", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let loads = 0;
    const seen: string[] = [];
    const { frame, open } = hostWith(loadOnFirstUse(async () => {
      loads++;
      await gate;
      return (_stream, handlers, open) => {
        seen.push(`open ${open.method}`);
        handlers.onData = (p) => seen.push(`data ${new TextDecoder().decode(p)}`);
        handlers.onEnd = () => seen.push("end");
      };
    }));
    open(1);
    frame(FrameType.DATA, 1, "one");
    frame(FrameType.DATA, 1, "two");
    frame(FrameType.END, 1);
    open(3);
    expect(seen).toEqual([]); // nothing served before the module is there
    release();
    await gate;
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual(["open files.read", "data one", "data two", "end", "open files.read"]);
    expect(loads).toBe(1);
  });

  it("resets the stream, naming why, when the code cannot be loaded", async () => {
    const { sent, open } = hostWith(loadOnFirstUse(() => Promise.reject(new Error("Cannot find module './serve-call.ts'"))));
    open(1);
    await new Promise((r) => setTimeout(r, 10));
    const reset = sent.find((f) => f.streamId === 1 && f.type === FrameType.RESET);
    expect(reset && resetReason(reset)).toBe("the agent could not load this stream's code: Cannot find module './serve-call.ts'");
  });

  it("tries the load again on the next stream after one failed", async () => {
    let loads = 0;
    const served: number[] = [];
    const { sent, open } = hostWith(loadOnFirstUse(async () => {
      if (++loads === 1) throw new Error("EMFILE: too many open files");
      return (stream) => void served.push(stream.id);
    }));
    open(1);
    await new Promise((r) => setTimeout(r, 10));
    expect(sent.some((f) => f.streamId === 1 && f.type === FrameType.RESET)).toBe(true);
    open(3);
    await new Promise((r) => setTimeout(r, 10));
    expect(loads).toBe(2);
    expect(served).toEqual([3]);
  });

  it("refuses a kind its socket does not serve, with the reason the socket gave", () => {
    const { sent, frame } = hostWith(loadOnFirstUse(() => new Promise(() => {})));
    frame(FrameType.OPEN, 5, JSON.stringify({ kind: "http", method: "GET", path: "/", headers: [] }));
    const reset = sent.find((f) => f.streamId === 5 && f.type === FrameType.RESET);
    expect(reset && resetReason(reset)).toBe("not here");
  });
});

import {
  decodeFrame,
  FrameType,
  isInitiatedBy,
  resetFrame,
  encodeFrame,
} from "@anchorage/common/protocol/frames";
import { PTY_STREAM_WINDOW, STREAM_WINDOW, StreamEndpoint } from "@anchorage/common/protocol/stream-endpoint";
import { streamOpenSchema } from "@anchorage/common/protocol/stream-open";
import type { StreamServer, StreamServers } from "./stream-types.ts";

/**
 * The agent's side of the socket's binary streams: the DO opens one per proxied
 * request or WebSocket, served against the local app named in this machine's own config
 * (never a target the server names), one per terminal attachment, and one per file call.
 * It serves each kind with the server its socket registered (proxy/stream-servers.ts), and
 * imports none of them.
 */
export class StreamHost {
  private readonly streams = new Map<number, StreamEndpoint>();
  private readonly send: (bytes: Uint8Array) => void;
  private readonly servers: StreamServers;

  constructor(send: (bytes: Uint8Array) => void, servers: StreamServers) {
    this.send = send;
    this.servers = servers;
  }

  /** A binary message from the DO; false when it is malformed (the caller closes the socket). */
  receive(bytes: ArrayBuffer): { ok: true } | { ok: false; error: string } {
    const decoded = decodeFrame(bytes);
    if (!decoded.ok) return decoded;
    const frame = decoded.frame;
    const existing = this.streams.get(frame.streamId);
    if (existing) {
      existing.receive(frame);
      return { ok: true };
    }
    if (frame.type !== FrameType.OPEN) return { ok: true }; // late frames for a stream already gone
    if (!isInitiatedBy(frame.streamId, "do")) {
      this.send(encodeFrame(resetFrame(frame.streamId, "wrong stream parity")));
      return { ok: true };
    }
    let open;
    try {
      open = streamOpenSchema.safeParse(JSON.parse(new TextDecoder().decode(frame.payload)));
    } catch {
      open = null;
    }
    if (!open?.success) {
      this.send(encodeFrame(resetFrame(frame.streamId, "malformed OPEN")));
      return { ok: true };
    }
    const server = this.servers[open.data.kind];
    if ("refuse" in server) {
      this.send(encodeFrame(resetFrame(frame.streamId, server.refuse)));
      return { ok: true };
    }
    const handlers = { onData: (_p: Uint8Array, _f: number) => {}, onEnd: () => {}, onReset: (_r: string) => {} };
    const stream = new StreamEndpoint(frame.streamId, this.send, {
      onData: (p, f) => handlers.onData(p, f),
      onEnd: () => handlers.onEnd(),
      onReset: (r) => handlers.onReset(r),
      onClose: () => this.streams.delete(frame.streamId),
    }, open.data.kind === "pty" ? PTY_STREAM_WINDOW : STREAM_WINDOW);
    this.streams.set(frame.streamId, stream);
    const done = () => this.streams.delete(stream.id);
    (server as StreamServer<typeof open.data.kind>)(stream, handlers, open.data, done);
    return { ok: true };
  }

  /** The socket dropped: every local exchange is aborted. */
  failAll(reason: string) {
    for (const s of [...this.streams.values()]) s.receive({ type: FrameType.RESET, streamId: s.id, flags: 0, payload: new TextEncoder().encode(reason) });
    this.streams.clear();
  }
}

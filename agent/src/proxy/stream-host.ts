import {
  decodeFrame,
  FrameType,
  isInitiatedBy,
  resetFrame,
  encodeFrame,
  PTY_STREAM_WINDOW,
  STREAM_WINDOW,
  StreamEndpoint,
  streamOpenSchema,
  type AgentConfig,
} from "@anchorage/common";
import type { Logger } from "../agent-log.ts";
import { proxyHttp } from "./proxy-http.ts";
import { proxyWebSocket } from "./proxy-ws.ts";
import type { TerminalSessions } from "../terminal/terminal-sessions.ts";
import type { FileContext } from "../files/file-calls.ts";
import { serveCall } from "../files/serve-call.ts";

/**
 * The agent's side of the socket's binary streams: the DO opens one per proxied
 * request or WebSocket, served against the local app named in this machine's own config
 * (never a target the server names), one per terminal attachment, and one per file call.
 */
export class StreamHost {
  private readonly streams = new Map<number, StreamEndpoint>();
  private readonly send: (bytes: Uint8Array) => void;
  private readonly config: AgentConfig;
  private readonly log: Logger;
  private readonly terminals: TerminalSessions | null;
  private readonly files: FileContext | null;

  /** Without terminals and files (a proxy relay socket), only proxied requests are served. */
  constructor(send: (bytes: Uint8Array) => void, config: AgentConfig, log: Logger, terminals: TerminalSessions | null, files: FileContext | null) {
    this.send = send;
    this.config = config;
    this.log = log;
    this.terminals = terminals;
    this.files = files;
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
    const target = this.config.proxy?.target;
    if (!target && (open.data.kind === "http" || open.data.kind === "ws")) {
      this.send(encodeFrame(resetFrame(frame.streamId, "this instance publishes no local app (no proxy in config.yaml)")));
      return { ok: true };
    }
    if ((open.data.kind === "pty" && !this.terminals) || (open.data.kind === "call" && !this.files)) {
      this.send(encodeFrame(resetFrame(frame.streamId, "a proxy relay socket serves proxied requests only")));
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
    if (open.data.kind === "pty") this.terminals!.attach(stream, handlers, open.data);
    else if (open.data.kind === "call") serveCall(stream, handlers, open.data, this.files!, this.log);
    else if (open.data.kind === "http") proxyHttp(stream, handlers, this.config.proxy!, open.data, done, this.log);
    else proxyWebSocket(stream, handlers, this.config.proxy!, open.data, done, this.log);
    return { ok: true };
  }

  /** The socket dropped: every local exchange is aborted. */
  failAll(reason: string) {
    for (const s of [...this.streams.values()]) s.receive({ type: FrameType.RESET, streamId: s.id, flags: 0, payload: new TextEncoder().encode(reason) });
    this.streams.clear();
  }
}

export type StreamHandlers = { onData: (p: Uint8Array, f: number) => void; onEnd: () => void; onReset: (r: string) => void };

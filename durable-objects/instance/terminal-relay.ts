import { errorStatus, PTY_REFUSAL, PTY_STREAM_WINDOW, ptyEventSchema, StreamFlag, type ErrorCode, terminalClientMessageSchema, type StreamEndpoint, type TerminalServerMessage } from "@anchorage/common";
import { isAgentGone, type AgentStreams } from "./agent-streams.ts";
import { recordingPrefix, TerminalRecorder, type RecordingState } from "./terminal-recorder.ts";

/** How long the agent has to start (or find) the shell before the browser is told it could not. */
const ATTACH_TIMEOUT_MS = 10_000;
/** `cloud:tty-data` previews go out at most this often per session, at most this much each. */
const PREVIEW_MS = 250;
const PREVIEW_BYTES = 8 * 1024;

export type TerminalRequest = {
  instanceId: string;
  userId: string;
  /** The user's name as the session's participants see it. */
  name?: string;
  /** The session to reattach to; absent for a new shell (its id is made here). */
  session: string | null;
  newSession: string;
  since?: number;
  /** The client acknowledges what it has taken in ({"type":"ack"}), and credit follows its pace. */
  ack: boolean;
  cols: number;
  rows: number;
  record: boolean;
};

export type TerminalStarted = { session: string; userId: string; shell: string; cols: number; rows: number; startedAt: string; recorded: boolean };

export type TerminalHooks = {
  bucket: R2Bucket;
  loadRecording(session: string): RecordingState | undefined;
  saveRecording(session: string, state: RecordingState | undefined): void;
  started(info: TerminalStarted): Promise<void>;
  preview(userId: string, session: string, data: string): void;
  background(p: Promise<unknown>): void;
};

/** Someone invited into a session (issue 28), on a socket of their own fed from the session's attachment. */
type Watcher = { userId: string; name: string; mode: "watch" | "drive"; socket: WebSocket; acks: boolean; acked: number };

/**
 * A session attached here: its user's socket and the agent's stream, the output offset, the last
 * TAIL_BYTES of output (what a participant joining sees first), and the participants watching.
 */
type Live = { userId: string; name: string; browser: WebSocket; stream: StreamEndpoint; offset: number; tail: Uint8Array[]; tailBytes: number; watchers: Set<Watcher> };

/** What a participant who joins sees first of the output (the agent's scrollback is its user's). */
const TAIL_BYTES = 64 * 1024;
/**
 * How far a participant may fall behind (output sent, not acknowledged) before output is dropped
 * for them: a slow watcher never holds back the session's user, nor fills the object's memory.
 */
const WATCHER_LAG = 256 * 1024;

export type JoinRequest = { session: string; userId: string; name: string; mode: "watch" | "drive"; ack: boolean };

const sendJson = (ws: WebSocket, msg: TerminalServerMessage) => {
  try {
    ws.send(JSON.stringify(msg));
  } catch {
    /* gone */
  }
};

const closeSocket = (ws: WebSocket, code: number, reason: string) => {
  try {
    ws.close(code, reason);
  } catch {
    /* already closed */
  }
};

const jsonError = (code: ErrorCode, message: string) => Response.json({ error: { code, message } }, { status: errorStatus[code] });

/**
 * Joins a browser's terminal socket to a `pty` stream on the agent's socket: bytes both ways,
 * resize and close as control, the session id and replay offset first, the exit status last.
 * Closing the browser only detaches (the shell waits on the agent); a recorder, when the
 * instance records, writes the output to R2 as it passes.
 */
export class TerminalRelay {
  private readonly streams: AgentStreams;
  private readonly hooks: TerminalHooks;
  private readonly live = new Map<string, Live>();
  /** One recorder per session while this object lives, shared by its attachments (two tabs, a reattach). */
  private readonly recorders = new Map<string, TerminalRecorder>();

  constructor(streams: AgentStreams, hooks: TerminalHooks) {
    this.streams = streams;
    this.hooks = hooks;
  }

  async open(req: TerminalRequest): Promise<Response> {
    const session = req.session ?? req.newSession;
    const pair = new WebSocketPair();
    const [client, browser] = [pair[0], pair[1]];
    let offset = 0;
    let acked = 0;
    let recorder: TerminalRecorder | null = null;
    let settle!: (r: { ok: true; shell: string; startedAt: string } | { ok: false; reason: string }) => void;
    const attached = new Promise<Parameters<typeof settle>[0]>((r) => (settle = r));
    let isAttached = false;
    let preview = "";
    let previewTimer: ReturnType<typeof setTimeout> | undefined;
    const previews = new TextDecoder();

    const send = (msg: TerminalServerMessage) => {
      try {
        browser.send(JSON.stringify(msg));
      } catch {
        /* the browser is gone */
      }
    };

    const stream = this.streams.open({
      onData: (payload, flags) => {
        if (flags & StreamFlag.HEAD) {
          let ev;
          try {
            ev = ptyEventSchema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
          } catch {
            ev = null;
          }
          stream?.consumed(payload.length);
          if (!ev?.success) return stream?.reset("malformed control");
          if ("attached" in ev.data) {
            offset = ev.data.attached.offset;
            acked = offset;
            isAttached = true;
            // Made the moment the agent attaches, so the very first output is recorded.
            if (req.record) recorder = this.recorderFor(req, session, ev.data.attached.shell, ev.data.attached.started_at);
            send({ type: "session", id: session, offset, replay_bytes: ev.data.attached.replay_bytes });
            settle({ ok: true, shell: ev.data.attached.shell, startedAt: ev.data.attached.started_at });
          } else send({ type: "exit", code: ev.data.exit.code, signal: ev.data.exit.signal });
          return;
        }
        try {
          browser.send(payload);
        } catch {
          /* the browser is gone; its close detaches */
        }
        recorder?.output(offset, payload);
        offset += payload.length;
        const l = this.live.get(session);
        if (l?.stream === stream) this.fanOut(l, payload, offset);
        // Without acks, credit goes back as the bytes are handed to the socket (which may buffer).
        if (!req.ack) stream?.consumed(payload.length);
        if (preview.length < PREVIEW_BYTES) preview += previews.decode(payload.subarray(0, PREVIEW_BYTES), { stream: true });
        previewTimer ??= setTimeout(() => {
          this.hooks.preview(req.userId, session, preview.slice(-PREVIEW_BYTES));
          preview = "";
          previewTimer = undefined;
        }, PREVIEW_MS);
      },
      onEnd: () => close(1000, "terminal ended"),
      onReset: (reason) => {
        if (!isAttached) return settle({ ok: false, reason });
        // The agent's socket dropped (or the object is going away): the shell lives on; come back with session=….
        close(4503, `detached: ${reason}`.slice(0, 120));
      },
      onClose: () => {
        const l = this.live.get(session);
        if (l?.stream === stream) {
          this.live.delete(session);
          for (const w of l.watchers) closeSocket(w.socket, 1000, "the session's user left it");
        }
        if (recorder) this.hooks.background(recorder.flush());
      },
    }, PTY_STREAM_WINDOW);
    if (!stream) return jsonError("E-INSTANCE-OFFLINE", "the instance is offline");

    const close = (code: number, reason: string) => {
      try {
        browser.close(code, reason);
      } catch {
        /* already closed */
      }
    };

    stream.open({ kind: "pty", session, user: req.userId, create: req.session === null, cols: req.cols, rows: req.rows, ...(req.since !== undefined ? { since: req.since } : {}) });
    const timer = setTimeout(() => settle({ ok: false, reason: "the agent did not start the terminal in time" }), ATTACH_TIMEOUT_MS);
    browser.accept();
    browser.binaryType = "arraybuffer"; // workerd's default hands binary messages over as Blobs
    // Listeners before any await: a message arriving at an accepted socket with none is lost.
    browser.addEventListener("message", (e) => {
      if (typeof e.data !== "string") return void stream.write(new Uint8Array(e.data as ArrayBuffer));
      let msg;
      try {
        msg = terminalClientMessageSchema.safeParse(JSON.parse(e.data));
      } catch {
        msg = null;
      }
      if (!msg?.success) return send({ type: "error", message: 'expected {"type":"resize","cols","rows"}, {"type":"close"}, {"type":"ping"} or {"type":"ack","offset"}; terminal bytes go in binary frames' });
      if (msg.data.type === "resize") {
        void stream.head({ resize: { cols: msg.data.cols, rows: msg.data.rows } });
        recorder?.resize(msg.data.cols, msg.data.rows);
      } else if (msg.data.type === "ping") send({ type: "pong" });
      else if (msg.data.type === "ack") {
        // Credit for what the client has taken in, never for more than was sent.
        const upTo = Math.min(msg.data.offset, offset);
        if (req.ack && upTo > acked) {
          stream.consumed(upTo - acked);
          acked = upTo;
        }
      }
      else void stream.head({ kill: true });
    });
    // The browser left: the shell is detached, not ended.
    browser.addEventListener("close", () => stream.end());
    browser.addEventListener("error", () => stream.end());
    const result = await attached;
    clearTimeout(timer);
    if (!result.ok) {
      stream.reset("gave up");
      close(1011, "not attached");
      if (result.reason.startsWith(PTY_REFUSAL.noSession)) return jsonError("E-NOT-FOUND", "terminal session not found: it ended, or its grace period ran out");
      if (result.reason.startsWith(PTY_REFUSAL.tooMany)) return jsonError("E-CONFLICT", result.reason);
      if (isAgentGone(result.reason)) return jsonError("E-INSTANCE-OFFLINE", "the instance went offline");
      return jsonError("E-INTERNAL", `the terminal could not start: ${result.reason}`);
    }

    if (req.session === null) {
      await this.hooks.started({ session, userId: req.userId, shell: result.shell, cols: req.cols, rows: req.rows, startedAt: result.startedAt, recorded: req.record });
    }
    this.live.set(session, { userId: req.userId, name: req.name ?? "", browser, stream, offset, tail: [], tailBytes: 0, watchers: new Set() });

    return new Response(null, { status: 101, webSocket: client });
  }

  /** The session's recorder: the one its other attachments share, or one carrying on from storage, or a new one. */
  private recorderFor(req: TerminalRequest, session: string, shell: string, startedAt: string): TerminalRecorder {
    const existing = this.recorders.get(session);
    if (existing) return existing;
    const state = this.hooks.loadRecording(session) ?? { startedMs: Date.parse(startedAt) || Date.now(), seq: 0, recordedOffset: 0, bytes: 0, truncated: false };
    const recorder = new TerminalRecorder({
      bucket: this.hooks.bucket,
      prefix: recordingPrefix(req.instanceId, session),
      state,
      persist: (s) => this.hooks.saveRecording(session, s),
      background: this.hooks.background,
    });
    recorder.begin({ cols: req.cols, rows: req.rows, shell, title: session });
    this.recorders.set(session, recorder);
    this.hooks.saveRecording(session, state);
    return recorder;
  }

  /**
   * A participant joins a session attached here: the last of its output first, then the output
   * as it comes; `watch` input is refused with `read-only`, `drive` input reaches the shell. The
   * Worker has checked the invite and the participant's own `terminal:` access.
   */
  join(req: JoinRequest): Response {
    const l = this.live.get(req.session);
    if (!l) return jsonError("E-CONFLICT", "its user is not connected to this session right now; it can be joined while they are");
    const pair = new WebSocketPair();
    const [client, socket] = [pair[0], pair[1]];
    socket.accept();
    socket.binaryType = "arraybuffer";
    const w: Watcher = { userId: req.userId, name: req.name, mode: req.mode, socket, acks: req.ack, acked: l.offset - l.tailBytes };
    socket.addEventListener("message", (e) => {
      if (typeof e.data !== "string") {
        if (w.mode === "drive") void l.stream.write(new Uint8Array(e.data as ArrayBuffer));
        else sendJson(socket, { type: "read-only" });
        return;
      }
      let msg;
      try {
        msg = terminalClientMessageSchema.safeParse(JSON.parse(e.data));
      } catch {
        msg = null;
      }
      if (!msg?.success) return sendJson(socket, { type: "error", message: 'expected {"type":"ping"}, {"type":"ack","offset"} or {"type":"close"}' });
      if (msg.data.type === "ping") sendJson(socket, { type: "pong" });
      else if (msg.data.type === "ack") w.acked = Math.max(w.acked, Math.min(msg.data.offset, l.offset));
      // A participant leaving ends their socket, never the shell; the size stays the session user's.
      else if (msg.data.type === "close") closeSocket(socket, 1000, "left");
    });
    const leave = () => {
      if (l.watchers.delete(w)) this.announce(l);
    };
    socket.addEventListener("close", leave);
    socket.addEventListener("error", leave);
    sendJson(socket, { type: "session", id: req.session, offset: l.offset - l.tailBytes, replay_bytes: l.tailBytes });
    for (const chunk of l.tail) socket.send(chunk);
    l.watchers.add(w);
    this.announce(l);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** The session's user dropped a participant: their sockets on it close now. */
  dropParticipant(session: string, userId: string) {
    const l = this.live.get(session);
    if (!l) return;
    this.removeWatchers(l, userId, "removed from the session by its user");
  }

  private removeWatchers(l: Live, userId: string, reason: string) {
    let removed = false;
    for (const w of [...l.watchers]) {
      if (w.userId !== userId) continue;
      closeSocket(w.socket, 4403, reason.slice(0, 120));
      removed = l.watchers.delete(w) || removed;
    }
    if (removed) this.announce(l);
  }

  /** Output for the participants, and into the tail a participant joining sees. */
  private fanOut(l: Live, payload: Uint8Array, offset: number) {
    l.offset = offset;
    l.tail.push(payload);
    l.tailBytes += payload.length;
    while (l.tail.length > 1 && l.tailBytes - l.tail[0]!.length >= TAIL_BYTES) l.tailBytes -= l.tail.shift()!.length;
    for (const w of l.watchers) {
      // Behind by more than WATCHER_LAG: this output is dropped for them alone.
      if (w.acks && offset - payload.length - w.acked > WATCHER_LAG) continue;
      try {
        w.socket.send(payload);
      } catch {
        /* gone: its close removes it */
      }
    }
  }

  /** Everyone in the session hears who is in it now. */
  private announce(l: Live) {
    const list = [{ name: l.name, mode: "owner" as const }, ...[...l.watchers].map((w) => ({ name: w.name, mode: w.mode }))];
    sendJson(l.browser, { type: "participants", list });
    for (const w of l.watchers) sendJson(w.socket, { type: "participants", list });
  }

  /** Closes the open sockets of a user's terminals (their shells are ended on the agent by RPC). */
  closeUser(userId: string, reason: string) {
    for (const l of this.live.values()) {
      this.removeWatchers(l, userId, reason);
      if (l.userId !== userId) continue;
      try {
        l.browser.close(4403, reason.slice(0, 120));
      } catch {
        /* already closed */
      }
      l.stream.reset(reason);
    }
  }

  /** A session ended on the agent: its recording's last segment is written and its state dropped. */
  async ended(session: string): Promise<number> {
    const recorder = this.recorders.get(session);
    this.recorders.delete(session);
    if (recorder) await recorder.flush();
    const state = recorder?.state ?? this.hooks.loadRecording(session);
    this.hooks.saveRecording(session, undefined);
    return state?.bytes ?? 0;
  }
}

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

type Live = { userId: string; browser: WebSocket; stream: StreamEndpoint };

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
        if (this.live.get(session)?.stream === stream) this.live.delete(session);
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
    this.live.set(session, { userId: req.userId, browser, stream });

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

  /** Closes the open sockets of a user's terminals (their shells are ended on the agent by RPC). */
  closeUser(userId: string, reason: string) {
    for (const l of this.live.values()) {
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

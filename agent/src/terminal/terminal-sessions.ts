import { existsSync } from "node:fs";
import os from "node:os";
import { PTY_REFUSAL, ptyControlSchema, type PtyOpen } from "@anchorage/common/protocol/terminal";
import { StreamFlag, type StreamEndpoint } from "@anchorage/common/protocol/stream-endpoint";
import type { AgentConfig } from "@anchorage/common/agent-config";
import type { Logger } from "../agent-log.ts";
import type { StreamHandlers } from "../proxy/stream-types.ts";
import type { Pty, PtySpawn } from "./pty-backend.ts";
import { Scrollback } from "./scrollback.ts";

/** Output kept per session for reattaching clients. */
export const SCROLLBACK_BYTES = 512 * 1024;
/** Live shells per instance at once. */
export const MAX_SESSIONS = 16;
/** Output is sent in pieces of at most this much: a keystroke's echo at once, a flood gathered. */
const FLUSH_BYTES = 32 * 1024;
/**
 * Output that follows a sizeable piece of output this closely is a flood (a pty gives it 4 KiB a
 * read): it waits FLOOD_GATHER_MS to go out in larger frames, since each frame costs the server
 * more than its bytes. Small output (an echo, a prompt) always goes at once.
 */
const FLOOD_GAP_MS = 5;
const FLOOD_PIECE_BYTES = 1024;
const FLOOD_GATHER_MS = 2;
/** After SIGHUP, a shell that does not exit this soon is killed. */
const KILL_GRACE_MS = 3_000;

export type EndReason = "exit" | "closed" | "idle" | "max-lifetime" | "detached";
export type TtyEnded = { session: string; code: number | null; signal: string | null; reason: EndReason; at: string };

type Session = {
  id: string;
  user: string;
  pty: Pty;
  shell: string;
  startedAt: Date;
  scrollback: Scrollback;
  stream: StreamEndpoint | null;
  lastActivity: number;
  exited: { code: number | null; signal: string | null } | null;
  endReason: EndReason | null;
  graceTimer?: ReturnType<typeof setTimeout>;
  /** Output read but not yet sent: a flood goes out in fewer, larger frames; a keystroke's echo at once. */
  pending: Uint8Array[];
  pendingBytes: number;
  flushing?: { cancel: () => void };
  lastFlushAt: number;
  lastFlushBytes: number;
  timers: ReturnType<typeof setTimeout | typeof setInterval>[];
};

type Options = { config: AgentConfig; log: Logger; spawnPty: PtySpawn; onEnded: (e: TtyEnded) => void };

/**
 * The instance's shells. They belong to the agent process, not to a connection: a dropped
 * browser or a dropped server socket only detaches a shell, which then waits `grace_seconds`
 * for its user to come back and be replayed what it wrote meanwhile.
 */
export class TerminalSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly opts: Options;

  constructor(opts: Options) {
    this.opts = opts;
  }

  /** Sessions a user could still attach to (shells running, or ended and kept for their user). */
  ids(): string[] {
    return [...this.sessions.keys()];
  }

  get liveCount(): number {
    return [...this.sessions.values()].filter((s) => !s.exited).length;
  }

  /** A pty stream the DO opened: a new shell, or a reattachment to one of this user's. */
  attach(stream: StreamEndpoint, handlers: StreamHandlers, open: PtyOpen) {
    let s = this.sessions.get(open.session);
    if (open.create) {
      if (s) return stream.reset("session already exists");
      if (this.liveCount >= MAX_SESSIONS) return stream.reset(`${PTY_REFUSAL.tooMany} on this instance (at most ${MAX_SESSIONS})`);
      try {
        s = this.spawn(open);
      } catch (e) {
        return stream.reset(`could not start the shell: ${(e as Error).message}`);
      }
    } else if (!s || s.user !== open.user) {
      return stream.reset(`${PTY_REFUSAL.noSession} (it ended, or its grace period ran out)`);
    }
    const session = s;
    clearTimeout(session.graceTimer);
    session.stream?.reset("attached elsewhere");
    session.stream = stream;
    session.pending = []; // already in the scrollback, which the replay below starts from
    session.pendingBytes = 0;

    handlers.onData = (payload, flags) => {
      if (session.stream !== stream) return;
      stream.consumed(payload.length);
      if (flags & StreamFlag.HEAD) return this.control(session, payload);
      session.lastActivity = Date.now();
      if (!session.exited) session.pty.write(payload);
    };
    handlers.onEnd = () => this.detach(session, stream);
    handlers.onReset = () => this.detach(session, stream);

    if (!session.exited && session.pty.canResize) session.pty.resize(open.cols, open.rows);
    const replay = session.scrollback.since(open.since ?? 0);
    void stream.head({ attached: { offset: replay.from, replay_bytes: replay.bytes.length, shell: session.shell, started_at: session.startedAt.toISOString() } });
    if (replay.bytes.length) void stream.write(replay.bytes);
    if (session.exited) this.deliverExit(session);
  }

  /** Ends sessions now, attached or not: one by id, or every one of a user's. Returns their ids. */
  close(which: { session: string } | { user: string }, reason: EndReason = "closed"): string[] {
    const hit = [...this.sessions.values()].filter((s) => ("session" in which ? s.id === which.session : s.user === which.user));
    for (const s of hit) this.end(s, reason);
    return hit.map((s) => s.id);
  }

  /** The agent is stopping: every shell gets SIGHUP. */
  closeAll() {
    for (const s of this.sessions.values()) this.end(s, "closed");
  }

  private spawn(open: PtyOpen): Session {
    const { config } = this.opts;
    const shell = config.terminal.shell ?? process.env.SHELL ?? "/bin/sh";
    const cwd = config.roots.find((r) => existsSync(r)) ?? os.homedir();
    // The agent's own ANCHORAGE_* variables (a password given to `anchor`, say) stay with the agent.
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ANCHORAGE_")));
    Object.assign(env, { TERM: "xterm-256color", COLORTERM: "truecolor", LANG: process.env.LANG || "C.UTF-8", ANCHORAGE_TERMINAL_SESSION: open.session });
    const pty = this.opts.spawnPty({ shell, args: ["-l"], cwd, cols: open.cols, rows: open.rows, env });
    const s: Session = {
      id: open.session, user: open.user, pty, shell, startedAt: new Date(), scrollback: new Scrollback(SCROLLBACK_BYTES),
      stream: null, lastActivity: Date.now(), exited: null, endReason: null, timers: [], pending: [], pendingBytes: 0, lastFlushAt: 0, lastFlushBytes: 0,
    };
    this.sessions.set(s.id, s);
    pty.onData((bytes) => this.output(s, bytes));
    pty.onExit((e) => this.exited(s, e));
    const { idle_seconds, max_seconds } = config.terminal;
    if (max_seconds > 0) s.timers.push(setTimeout(() => this.end(s, "max-lifetime"), max_seconds * 1000));
    if (idle_seconds > 0) {
      s.timers.push(setInterval(() => Date.now() - s.lastActivity >= idle_seconds * 1000 && this.end(s, "idle"), Math.min(idle_seconds * 1000, 10_000)));
    }
    this.opts.log.info(`terminal ${s.id} started (${shell}, pid ${pty.pid})`);
    return s;
  }

  private output(s: Session, bytes: Uint8Array) {
    s.lastActivity = Date.now();
    s.scrollback.append(bytes);
    if (!s.stream) return;
    s.pending.push(bytes);
    s.pendingBytes += bytes.length;
    if (s.pendingBytes >= FLUSH_BYTES) return this.flush(s);
    if (s.flushing) return;
    if (s.lastFlushBytes >= FLOOD_PIECE_BYTES && performance.now() - s.lastFlushAt < FLOOD_GAP_MS) {
      const t = setTimeout(() => this.flush(s), FLOOD_GATHER_MS);
      s.flushing = { cancel: () => clearTimeout(t) };
    } else {
      const t = setImmediate(() => this.flush(s));
      s.flushing = { cancel: () => clearImmediate(t) };
    }
  }

  private flush(s: Session) {
    s.flushing?.cancel();
    s.flushing = undefined;
    s.lastFlushAt = performance.now();
    s.lastFlushBytes = s.pendingBytes;
    const stream = s.stream;
    const parts = s.pending;
    s.pending = [];
    s.pendingBytes = 0;
    if (!stream || !parts.length) return;
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const sent = stream.write(bytes);
    // Backpressure: while the server has not granted credit for what is queued, stop reading the
    // shell, so a flood (`cat` of a large file) waits in the kernel, not in our memory.
    if (stream.queuedBytes > 0) {
      s.pty.pause();
      void sent.then(() => s.pty.resume());
    }
  }

  private control(s: Session, payload: Uint8Array) {
    let msg;
    try {
      msg = ptyControlSchema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
    } catch {
      msg = null;
    }
    if (!msg?.success) return;
    if ("resize" in msg.data) {
      if (!s.exited && s.pty.canResize) s.pty.resize(msg.data.resize.cols, msg.data.resize.rows);
    } else this.end(s, "closed");
  }

  private detach(s: Session, stream: StreamEndpoint) {
    if (s.stream !== stream) return;
    s.stream = null;
    if (!stream.closed) stream.end();
    if (s.exited) return this.forget(s);
    const grace = this.opts.config.terminal.grace_seconds;
    s.graceTimer = setTimeout(() => this.end(s, "detached"), grace * 1000);
  }

  /** Asks the shell to go (SIGHUP, as a closed terminal does), then makes sure it has. */
  private end(s: Session, reason: EndReason) {
    if (s.exited) return this.forget(s);
    s.endReason ??= reason;
    s.pty.kill("SIGHUP");
    const t = setTimeout(() => !s.exited && s.pty.kill("SIGKILL"), KILL_GRACE_MS);
    t.unref?.();
  }

  private exited(s: Session, e: { code: number | null; signal: string | null }) {
    s.exited = e;
    for (const t of s.timers) clearTimeout(t);
    const reason = s.endReason ?? "exit";
    this.opts.log.info(`terminal ${s.id} ended (${reason}, code ${e.code ?? e.signal})`);
    this.opts.onEnded({ session: s.id, code: e.code, signal: e.signal, reason, at: new Date().toISOString() });
    if (s.stream) this.deliverExit(s);
    else if (reason === "exit") {
      // Detached when its shell exited: kept for the grace period, so its user still sees how it ended.
      clearTimeout(s.graceTimer);
      s.graceTimer = setTimeout(() => this.forget(s), this.opts.config.terminal.grace_seconds * 1000);
    } else this.forget(s);
  }

  private deliverExit(s: Session) {
    this.flush(s);
    const stream = s.stream!;
    void stream.head({ exit: s.exited }).then(() => stream.end());
    this.forget(s);
  }

  private forget(s: Session) {
    clearTimeout(s.graceTimer);
    for (const t of s.timers) clearTimeout(t);
    this.sessions.delete(s.id);
  }
}

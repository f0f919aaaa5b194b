import type { TerminalClientMessage, TerminalParticipant, TerminalServerMessage, TerminalSession } from "@anchorage/common";
import { ApiError, instancePath } from "../api.ts";
import { listTerminalSessions } from "./recordings-api.ts";

/**
 * One terminal session's socket (DESIGN.md, Contracts: Terminal): binary frames are terminal
 * bytes both ways, text frames JSON control. Closing the socket only detaches, so after an
 * unexpected drop (network, 4503 agent gone, 1006) it reattaches by itself with `session` and
 * `since` (the bytes it already has), and the server replays what was missed.
 * No xterm here: the view feeds it keystrokes and writes what it hands back.
 */

export type TerminalState =
  | { kind: "connecting" }
  | { kind: "open" }
  | { kind: "reconnecting"; attempt: number }
  | { kind: "exited"; code: number | null; signal: string | null }
  /** Over for good, and why: access revoked, the session gone, or a shell that never started. */
  | { kind: "ended"; reason: string; canRetry: boolean };

export interface TerminalSocketHandlers {
  output(bytes: Uint8Array): void;
  state(state: TerminalState): void;
  /** Output that was dropped from the server's replay buffer while we were away. */
  gap(bytes: number): void;
  expired(): void;
  /** The session this socket runs, once the server names it (a new shell's id, or the one attached). */
  session?(id: string): void;
  /** Who is in a shared session now (the session's user first), on every join and leave. */
  participants?(list: TerminalParticipant[]): void;
  /** Keys typed by a participant who may only watch were refused. */
  readOnly?(): void;
}

/** The server closes with these (durable-objects/instance/terminal-relay.ts). */
const CLOSE_REVOKED = 4403;

const MIN_DELAY_MS = 1_000;
const MAX_DELAY_MS = 15_000;
/** A connection that lasted this long was healthy: the next drop retries at once. */
const STABLE_MS = 10_000;
/** After {"type":"close"} the server answers with exit and closes; stop waiting after this. */
const END_WAIT_MS = 5_000;
const KEEPALIVE_MS = 25_000;
/** Acknowledge output this often (a quarter of the server's 64 KiB window for a terminal). */
const ACK_BYTES = 16 * 1024;

function socketUrl(instanceId: string, cols: number, rows: number, session: string | null, since: number): string {
  // ack=1: we say what we have taken in, so a flooding shell waits for us instead of filling buffers.
  const q = new URLSearchParams({ cols: String(cols), rows: String(rows), ack: "1" });
  if (session) {
    q.set("session", session);
    q.set("since", String(since));
  }
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  return `${scheme}${location.host}${instancePath(instanceId, `terminal?${q}`)}`;
}

const encoder = new TextEncoder();

export class TerminalSocket {
  private ws: WebSocket | null = null;
  private session: string | null = null;
  /** Output bytes written to the screen so far, counted from the session's first byte. */
  private have = 0;
  /** Byte offset of the next output byte that arrives on the current socket. */
  private position = 0;
  /** The last output offset acknowledged to the server. */
  private acked = 0;
  private cols = 80;
  private rows = 24;
  private attempt = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  /** Set once the session is over or given up: nothing more happens. */
  private done = false;
  /** The user closed the tab: end the shell, then go quiet. */
  private ending = false;
  /** Between asking the server and opening the socket. */
  private opening = false;
  /** Attaching a new screen to a running session: what the server no longer holds was never on it. */
  private fresh = false;

  constructor(
    private readonly instanceId: string,
    private readonly on: TerminalSocketHandlers,
  ) {
    addEventListener("online", this.wake);
  }

  /**
   * Opens a new shell of this size, or attaches to the running session `attach` (a tab the user
   * left and came back to): the server replays what it still holds of its output.
   */
  start(cols: number, rows: number, attach?: string) {
    this.cols = cols;
    this.rows = rows;
    if (attach) {
      this.session = attach;
      this.fresh = true;
    }
    void this.open();
  }

  /** Keystrokes (a string, UTF-8 encoded) or raw bytes (xterm's binary mouse reports). */
  send(data: string | Uint8Array) {
    if (this.ws?.readyState === WebSocket.OPEN && this.session) this.ws.send(typeof data === "string" ? encoder.encode(data) : data);
  }

  resize(cols: number, rows: number) {
    if (cols === this.cols && rows === this.rows) return;
    this.cols = cols;
    this.rows = rows;
    if (this.session) this.control({ type: "resize", cols, rows });
  }

  /** Try again now rather than wait out the backoff (or, after a failed start, start again). */
  reconnectNow() {
    if (this.ending) return;
    if (this.done) {
      // Only a shell that never started can be retried: start a fresh one.
      if (this.session) return;
      this.done = false;
    }
    if (this.ws || this.opening) return; // an attempt is under way
    clearTimeout(this.retry);
    this.retry = undefined;
    this.attempt = 0;
    void this.open();
  }

  /** Ends the shell ({"type":"close"}); a detached one is reattached just long enough to say so. */
  end() {
    this.ending = true;
    this.stopListening();
    clearTimeout(this.retry);
    if (this.done) return this.drop();
    if (this.ws?.readyState === WebSocket.OPEN && this.session) this.control({ type: "close" });
    else if (!this.ws) {
      if (!this.session) return;
      this.connect();
    }
    // Otherwise the socket is opening: `close` goes out when the session message arrives.
    setTimeout(() => this.drop(), END_WAIT_MS);
  }

  /** Leaves the shell running (the server keeps it for a grace period) and stops. */
  detach() {
    this.done = true;
    this.stopListening();
    clearTimeout(this.retry);
    this.drop();
  }

  private stopListening() {
    removeEventListener("online", this.wake);
  }

  /** Waiting to reattach: go now (the browser is back online, or the instance is). */
  readonly wake = () => {
    if (!this.done && !this.ending && this.retry !== undefined) this.reconnectNow();
  };

  private control(msg: TerminalClientMessage) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private drop() {
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState < WebSocket.CLOSING) ws.close(1000, this.ending ? "closed" : "detached");
  }

  private setState(s: TerminalState) {
    if (!this.ending) this.on.state(s);
  }

  private connect() {
    const ws = new WebSocket(socketUrl(this.instanceId, this.cols, this.rows, this.session, this.have));
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    let attachedAt = 0;
    let exited = false;
    // Idle sockets are closed by proxies along the way; a ping now and then keeps this one in use.
    const keepAlive = setInterval(() => this.control({ type: "ping" }), KEEPALIVE_MS);

    ws.onmessage = (m: MessageEvent) => {
      if (typeof m.data !== "string") return this.receive(new Uint8Array(m.data as ArrayBuffer));
      let msg: TerminalServerMessage;
      try {
        msg = JSON.parse(m.data) as TerminalServerMessage;
      } catch {
        return;
      }
      if (msg.type === "session") {
        attachedAt = Date.now();
        const reattached = this.session !== null;
        this.session = msg.id;
        // A new shell starts where the server says; a reattach may find that the replay buffer moved on.
        if (!reattached || this.fresh) this.have = Math.max(this.have, msg.offset);
        else if (msg.offset > this.have) this.on.gap(msg.offset - this.have);
        this.fresh = false;
        this.on.session?.(msg.id);
        this.position = msg.offset;
        this.acked = msg.offset;
        if (this.ending) return this.control({ type: "close" });
        this.setState({ kind: "open" });
      } else if (msg.type === "exit") {
        exited = true;
        this.done = true;
        this.setState({ kind: "exited", code: msg.code, signal: msg.signal });
      }
      else if (msg.type === "pong") return;
      else if (msg.type === "participants") this.on.participants?.(msg.list);
      else if (msg.type === "read-only") this.on.readOnly?.();
      // {"type":"error"} answers a control message we got wrong: nothing a user can act on.
      else console.warn("terminal:", msg.message);
    };

    ws.onclose = (ev: CloseEvent) => {
      clearInterval(keepAlive);
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.ending || exited) return;
      if (ev.code === CLOSE_REVOKED) return this.finish("Your access to this instance's terminal was revoked.", false);
      if (!this.session) {
        // Refused before it started (offline, no permission, too many terminals): the browser is not told which.
        return this.finish("Could not start a terminal. The instance may be offline or have reached its limit of terminals.", true);
      }
      // 4503 (the agent dropped: the shell lives on), 1006 (the network), 1001 (the server went away), or a refused reattach.
      // A connection that held a while was healthy: start the backoff over (a flapping one keeps backing off).
      if (attachedAt && Date.now() - attachedAt > STABLE_MS) this.attempt = 0;
      this.scheduleReattach();
    };
  }

  /** Writes what is new; a replay that overlaps what we have is trimmed. */
  private receive(bytes: Uint8Array) {
    const start = this.position;
    this.position += bytes.length;
    if (this.position - this.acked >= ACK_BYTES) {
      this.acked = this.position;
      this.control({ type: "ack", offset: this.position });
    }
    if (this.position <= this.have) return;
    this.on.output(start < this.have ? bytes.subarray(this.have - start) : bytes);
    this.have = this.position;
  }

  private scheduleReattach() {
    if (this.done || this.retry !== undefined) return;
    this.attempt++;
    this.setState({ kind: "reconnecting", attempt: this.attempt });
    const delay = this.attempt === 1 ? 0 : Math.min(MIN_DELAY_MS * 2 ** (this.attempt - 2), MAX_DELAY_MS);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.open();
    }, delay);
  }

  /**
   * Asks the server before opening the socket: how the session stands (a refused upgrade looks the
   * same to a browser whatever the reason), and, as every API call does, it refreshes an expired
   * access cookie that the upgrade would otherwise be refused for.
   */
  private async open() {
    if (this.done || this.ending || this.opening) return;
    this.opening = true;
    this.setState(this.session ? { kind: "reconnecting", attempt: this.attempt } : { kind: "connecting" });
    let sessions: TerminalSession[] | null = null;
    try {
      sessions = await listTerminalSessions(this.instanceId);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        this.detach();
        return this.on.expired();
      }
      if (e instanceof ApiError && (e.status === 403 || e.status === 404)) return this.finish("You can no longer reach this instance.", false);
      // The network is down too: try the socket anyway, and back off when it fails.
    } finally {
      this.opening = false;
    }
    if (this.done || this.ending) return;
    const row = this.session && sessions ? sessions.find((x) => x.id === this.session) : undefined;
    if (this.session && sessions && !row) return this.finish("This terminal session is gone.", false);
    if (row?.ended_at) {
      this.done = true;
      if (row.end_reason === "exit") return this.setState({ kind: "exited", code: row.exit_code, signal: null });
      return this.setState({ kind: "ended", reason: endedReason(row.end_reason), canRetry: false });
    }
    this.connect();
  }

  private finish(reason: string, canRetry: boolean) {
    this.done = true;
    this.setState({ kind: "ended", reason, canRetry });
  }
}

function endedReason(reason: string | null): string {
  switch (reason) {
    case "idle":
      return "The terminal was closed after being idle.";
    case "max-lifetime":
      return "The terminal reached its longest allowed lifetime.";
    case "detached":
      return "The terminal was closed after staying detached too long.";
    case "lost":
      return "The agent restarted, and the shell with it.";
    default:
      return "The terminal was closed.";
  }
}

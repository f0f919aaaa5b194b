import type { AgentMessage, RpcMethod } from "@anchorage/common";
import { randomToken } from "../../core/ids.ts";
import type { DoResult } from "../../core/rpc/do-result.ts";
import { endLostSessions, endTerminalSession, findTerminalSession, insertTerminalSession } from "../../core/terminal/terminal-store.ts";
import type { InstanceContext } from "./instance-context.ts";
import { deleteRecordings, type RecordingState } from "./terminal-recorder.ts";
import { TerminalRelay, type TerminalRequest, type TerminalStarted } from "./terminal-relay.ts";

type Call = (method: RpcMethod, params?: unknown, timeoutMs?: number) => Promise<DoResult<unknown>>;

/**
 * The instance's terminals: a browser's terminal socket joined to a shell on the agent (the bytes
 * and the recording: terminal-relay.ts and terminal-recorder.ts), and each session's row in D1, from
 * its start to its end, whether the agent reports it or a reconnect finds it gone. A user whose
 * `terminal:` access is revoked loses their shells, at once or as soon as the agent is back.
 */
export class Terminals {
  private readonly relay: TerminalRelay;

  constructor(
    private readonly c: InstanceContext,
    private readonly call: Call,
  ) {
    this.relay = new TerminalRelay(c.streams, {
      bucket: c.env.BLOBS,
      loadRecording: (session) => c.state.getMeta<RecordingState>(`rec:${session}`),
      saveRecording: (session, rec) => c.state.setMeta(`rec:${session}`, rec),
      started: (t) => this.started(t),
      preview: (userId, sessionId, data) => {
        const inst = c.instance();
        if (inst) c.emitTo([userId, inst.ownerId], { type: "cloud:tty-data", instanceId: inst.id, sessionId, data });
      },
      background: (p) => c.background("terminal recording", p),
    });
  }

  /**
   * A browser's terminal socket; the Worker has checked `terminal:` access and, for a reattach, that
   * the session is the caller's, or, to join one (`join`), that they were invited into it.
   */
  async open(request: Request): Promise<Response> {
    const req = JSON.parse(request.headers.get("x-anchorage-terminal")!) as Omit<TerminalRequest, "record" | "newSession"> & { join?: { mode: "watch" | "drive" } };
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ error: { code: "E-VALIDATION", message: "expected a WebSocket upgrade" } }, { status: 400 });
    }
    if (req.join && req.session) return this.relay.join({ session: req.session, userId: req.userId, name: req.name ?? "", mode: req.join.mode, ack: req.ack });
    if (this.c.agentSockets().length === 0) return Response.json({ error: { code: "E-INSTANCE-OFFLINE", message: "the instance is offline" } }, { status: 503 });
    const record = this.c.hello()?.config.terminal.record ?? true;
    return this.relay.open({ ...req, record, newSession: `tty_${randomToken(12)}` });
  }

  /** The agent says a session ended: its row records how, and its user and the owner hear it. */
  async ended(instanceId: string, msg: Extract<AgentMessage, { type: "tty-ended" }>): Promise<void> {
    const bytes = await this.relay.ended(msg.session);
    const db = this.c.db();
    await endTerminalSession(db, instanceId, msg.session, { at: msg.at, reason: msg.reason, exitCode: msg.code, recordingBytes: bytes });
    const inst = this.c.instance();
    const row = await findTerminalSession(db, msg.session);
    if (inst && row?.instanceId === inst.id) this.c.emitTo([inst.ownerId, ...(row ? [row.userId] : [])], { type: "cloud:tty-exit", instanceId: inst.id, sessionId: msg.session, code: msg.code, signal: msg.signal, reason: msg.reason, at: msg.at });
  }

  /**
   * The agent connected again, with the sessions it still has: those it lost are ended, and the
   * shells of users whose access was revoked while it was away are closed now.
   */
  async agentBack(instanceId: string, alive: readonly string[]): Promise<void> {
    for (const lost of await endLostSessions(this.c.db(), instanceId, alive, new Date().toISOString())) await this.relay.ended(lost);
    for (const userId of this.c.state.getMeta<string[]>("tty_revoked") ?? []) void this.call("terminal.close", { user: userId });
    this.c.state.setMeta("tty_revoked", undefined);
  }

  /**
   * A user lost `terminal:` access (a share revoked or narrowed): their shells end now, attached
   * or not. When the agent is away, they end as soon as it is back.
   */
  /** People were invited into a session: each hears it on their dashboards. */
  invited(sessionId: string, invitees: { userId: string; mode: "watch" | "drive" }[], from: string): void {
    const inst = this.c.instance();
    if (!inst) return;
    for (const i of invitees) this.c.emitTo([i.userId], { type: "cloud:tty-invite", instanceId: inst.id, sessionId, mode: i.mode, from, at: new Date().toISOString() });
  }

  /** A participant was dropped (or their mode changed): their sockets on the session close now. */
  dropParticipant(sessionId: string, userId: string): void {
    this.relay.dropParticipant(sessionId, userId);
  }

  async closeUser(userId: string): Promise<void> {
    this.relay.closeUser(userId, "terminal access revoked");
    const r = await this.call("terminal.close", { user: userId }, 5_000);
    if (!r.ok) this.c.state.setMeta("tty_revoked", [...new Set([...(this.c.state.getMeta<string[]>("tty_revoked") ?? []), userId])]);
  }

  /** The instance was deleted: every recording of it leaves R2. */
  async deleteRecordings(instanceId: string): Promise<void> {
    await deleteRecordings(this.c.env.BLOBS, `recordings/${instanceId}/`);
  }

  private async started(t: TerminalStarted) {
    const inst = this.c.instance();
    if (!inst) return;
    await insertTerminalSession(this.c.db(), {
      id: t.session, instanceId: inst.id, ownerId: inst.ownerId, userId: t.userId, shell: t.shell, cols: t.cols, rows: t.rows, startedAt: t.startedAt, recorded: t.recorded,
    });
  }
}

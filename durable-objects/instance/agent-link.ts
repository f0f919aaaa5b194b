import {
  agentMessageSchema, CLOSE, HEARTBEAT_INTERVAL_MS, MAX_CONTROL_BYTES,
  type AgentMessage, type HealthPoint, type LogLine, type SystemStats,
} from "@anchorage/common";
import { randomToken } from "../../core/ids.ts";
import { markInstanceStatus, recordAgentHello } from "../../core/instances/instance-store.ts";
import { setInstanceTags } from "../../core/instances/instance-tags.ts";
import type { Hello, InstanceLive } from "../../core/rpc/instance-rpc.ts";
import type { InstanceContext } from "./instance-context.ts";
import { notifyAlertWatchers } from "./alert-watchers.ts";

/** A socket closing is not yet an outage: agents reconnect in about a second (DESIGN.md, flapping connections). */
export const OFFLINE_GRACE_MS = 3_000;
/** Three missed heartbeats and the peer is gone, even if TCP never said so. */
export const HEARTBEAT_DEADLINE_MS = 3 * HEARTBEAT_INTERVAL_MS;

type AgentAttachment = { kind: "agent"; instanceId: string; ownerId: string; connectedAt: number };

/** A control message from the agent, with the instance its socket was opened for. */
export type AgentControl = { instanceId: string; msg: AgentMessage };

/**
 * The agent's socket (Hibernation API: per-socket state in its attachment, everything else in
 * storage): the signed connect, the hello, heartbeats and their deadline, the offline grace after
 * a drop, and what the agent reports (stats, health, logs). Its part of the alarm is the heartbeat
 * deadline and the end of the grace, when the instance is marked offline.
 */
export class AgentLink {
  constructor(
    private readonly c: InstanceContext,
    /** The agent is gone (closed, silent, or told to go): calls and streams in flight fail now. */
    private readonly gone: (message: string, streamsWhy: string) => void,
  ) {}

  /** A fresh single-use nonce the agent must sign to connect (60 s). */
  challenge(): string {
    const nonce = randomToken(24);
    this.c.state.addChallenge(nonce);
    return nonce;
  }

  /** The agent's WebSocket upgrade; the Worker has verified the signature over `x-anchorage-nonce`. */
  async connect(request: Request): Promise<Response> {
    const instanceId = request.headers.get("x-anchorage-instance");
    const ownerId = request.headers.get("x-anchorage-owner");
    const nonce = request.headers.get("x-anchorage-nonce");
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || !instanceId || !ownerId || !nonce) {
      return Response.json({ error: { code: "E-VALIDATION", message: "expected an agent WebSocket upgrade" } }, { status: 400 });
    }
    if (!this.c.state.consumeChallenge(nonce)) {
      return Response.json({ error: { code: "E-AUTH-UNAUTH", message: "challenge unknown, used or expired" } }, { status: 401 });
    }
    // A second connection replaces the first cleanly: the old one is told why.
    for (const old of this.c.agentSockets()) old.close(CLOSE.replaced, "replaced by a newer connection");

    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.c.ctx.acceptWebSocket(server, ["agent"]);
    const attachment: AgentAttachment = { kind: "agent", instanceId, ownerId, connectedAt: Date.now() };
    server.serializeAttachment(attachment);
    const state = this.c.state;
    state.setMeta("instance", { id: instanceId, ownerId });
    state.setMeta("connected_at", new Date().toISOString());
    state.setMeta("last_heartbeat", Date.now());
    state.setMeta("offline_at", undefined);
    server.send(JSON.stringify({ type: "welcome", instance_id: instanceId, heartbeat_interval_ms: HEARTBEAT_INTERVAL_MS }));
    await this.c.reschedule();
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * A message on the agent's socket. Binary frames carry streams (proxy, terminal, files) and go to
   * the stream table; a control message is checked against the protocol and handed back. Anything
   * malformed ends the socket with the reason.
   */
  receive(ws: WebSocket, message: string | ArrayBuffer): AgentControl | null {
    const att = ws.deserializeAttachment() as AgentAttachment | null;
    if (att?.kind !== "agent") return null;
    if (typeof message !== "string") {
      const r = this.c.streams.receive(message, ws);
      if (!r.ok) ws.close(CLOSE.invalidMessage, `invalid frame: ${r.error}`.slice(0, 120));
      return null;
    }
    if (message.length > MAX_CONTROL_BYTES) return closed(ws, "control message too large");
    let parsed;
    try {
      parsed = agentMessageSchema.safeParse(JSON.parse(message));
    } catch {
      return closed(ws, "control message is not JSON");
    }
    if (!parsed.success) return closed(ws, `invalid control message: ${parsed.error.issues[0]?.message ?? "?"}`.slice(0, 120));
    return { instanceId: att.instanceId, msg: parsed.data };
  }

  /** The agent introduced itself: its hello is kept, D1 learns its name and proxy, and the instance is online. */
  async hello(instanceId: string, msg: Extract<AgentMessage, { type: "hello" }>): Promise<void> {
    const hello: Hello = { agent_version: msg.agent_version, hostname: msg.hostname, platform: msg.platform, arch: msg.arch, config: msg.config };
    this.c.state.setMeta("hello", hello);
    this.c.state.setMeta("last_heartbeat", Date.now());
    const recorded = await recordAgentHello(this.c.db(), instanceId, {
      name: msg.config.name,
      hostname: msg.hostname, platform: msg.platform, arch: msg.arch, agentVersion: msg.agent_version, proxy: msg.config.proxy,
    });
    await setInstanceTags(this.c.db(), instanceId, "config", msg.config.tags);
    if (recorded.proxyConflict) {
      this.c.state.appendLogs([{ at: new Date().toISOString(), source: "anchorage", line: `proxy slug "${msg.config.proxy?.slug}" is taken by another instance; keeping the previous one` }]);
    }
    if (recorded.hostnamesTaken.length) {
      this.c.state.appendLogs([{ at: new Date().toISOString(), source: "anchorage", line: `proxy host name${recorded.hostnamesTaken.length > 1 ? "s" : ""} ${recorded.hostnamesTaken.map((h) => `"${h}"`).join(", ")} belong${recorded.hostnamesTaken.length > 1 ? "" : "s"} to another account; not used` }]);
    }
    const was = this.c.state.getMeta<string>("status");
    this.c.state.setMeta("status", "online");
    if (was !== "online") notifyAlertWatchers(this.c, instanceId, "online", Date.now());
    this.c.emit({ type: "cloud:instance-update", instanceId, status: "online", at: new Date().toISOString() });
  }

  async heartbeat(instanceId: string, stats: SystemStats): Promise<void> {
    const now = Date.now();
    const state = this.c.state;
    state.setMeta("last_heartbeat", now);
    state.setMeta("stats", stats);
    state.recordHealth(stats, now);
    // D1's last_seen is for listings: once a minute is enough.
    if (now - (state.getMeta<number>("last_seen_written") ?? 0) > 60_000) {
      state.setMeta("last_seen_written", now);
      await markInstanceStatus(this.c.db(), instanceId, "online", now);
    }
    this.c.emit({ type: "cloud:instance-update", instanceId, status: "online", at: new Date(now).toISOString(), stats });
    await this.c.reschedule();
  }

  logs(instanceId: string, lines: LogLine[]): void {
    const stored = this.c.state.appendLogs(lines);
    if (stored.length) this.c.emit({ type: "cloud:log-lines", instanceId, lines: stored });
  }

  /** The socket closed: unless a newer one replaced it or the instance was deleted, the offline grace starts. */
  async closed(ws: WebSocket, code: number): Promise<void> {
    const att = ws.deserializeAttachment() as AgentAttachment | null;
    if (att?.kind !== "agent") return;
    if (this.c.agentSockets().some((s) => s !== ws)) return; // replaced: the new socket carries on
    if (code === CLOSE.deleted) return;
    this.c.state.setMeta("offline_at", Date.now() + (code === CLOSE.disconnected ? 0 : OFFLINE_GRACE_MS));
    this.gone("the agent disconnected", "disconnected");
    await this.c.reschedule();
  }

  /** When the alarm should next wake this part: the heartbeat deadline, the end of the offline grace. */
  wakeAt(): number | undefined {
    const times: number[] = [];
    if (this.c.agentSockets().length) times.push((this.c.state.getMeta<number>("last_heartbeat") ?? Date.now()) + HEARTBEAT_DEADLINE_MS);
    const offlineAt = this.c.state.getMeta<number>("offline_at");
    if (offlineAt !== undefined) times.push(offlineAt);
    return times.length ? Math.min(...times) : undefined;
  }

  /** Heartbeat deadline and offline grace, whichever has come. */
  async alarm(now: number): Promise<void> {
    const state = this.c.state;
    const sockets = this.c.agentSockets();
    const last = state.getMeta<number>("last_heartbeat") ?? 0;
    if (sockets.length && now - last >= HEARTBEAT_DEADLINE_MS) {
      for (const s of sockets) s.close(CLOSE.heartbeatTimeout, "no heartbeat");
      state.setMeta("offline_at", now);
      this.gone("the agent stopped answering", "stopped answering");
    }
    const offlineAt = state.getMeta<number>("offline_at");
    if (offlineAt !== undefined && offlineAt <= now && this.c.agentSockets().length === 0) {
      state.setMeta("offline_at", undefined);
      if (state.getMeta<string>("status") !== "offline") {
        state.setMeta("status", "offline");
        const inst = this.c.instance();
        if (inst) {
          await markInstanceStatus(this.c.db(), inst.id, "offline", last || now);
          notifyAlertWatchers(this.c, inst.id, "offline", now);
          this.c.emit({ type: "cloud:instance-update", instanceId: inst.id, status: "offline", at: new Date(now).toISOString() });
        }
      }
    }
  }

  live(): InstanceLive {
    const state = this.c.state;
    const online = this.c.agentSockets().length > 0;
    const lastHb = state.getMeta<number>("last_heartbeat");
    return {
      online,
      status: online || state.getMeta<string>("status") === "online" ? "online" : "offline",
      connected_at: online ? (state.getMeta<string>("connected_at") ?? null) : null,
      last_heartbeat: lastHb ? new Date(lastHb).toISOString() : null,
      stats: state.getMeta<SystemStats>("stats") ?? null,
      hello: this.c.hello() ?? null,
    };
  }

  /** Lines after `since`, oldest first; or, without `since`, the newest `limit` lines. */
  logLines(since: number | undefined, limit: number) {
    return since === undefined ? this.c.state.logsTail(limit) : this.c.state.logsSince(since, limit);
  }

  health(sinceMinute: number): HealthPoint[] {
    return this.c.state.healthHistory(sinceMinute);
  }

  /** The owner asked the agent to go: its socket closes, and the instance is offline with no grace. Whether it was connected. */
  disconnect(): boolean {
    const sockets = this.c.agentSockets();
    for (const s of sockets) s.close(CLOSE.disconnected, "disconnected by the owner");
    if (sockets.length) this.c.state.setMeta("offline_at", Date.now());
    return sockets.length > 0;
  }

  /** The instance was deleted: the agent is told to stop for good. */
  closeDeleted(): void {
    for (const s of this.c.agentSockets()) s.close(CLOSE.deleted, "instance deleted");
  }
}

const closed = (ws: WebSocket, reason: string): null => {
  ws.close(CLOSE.invalidMessage, reason);
  return null;
};

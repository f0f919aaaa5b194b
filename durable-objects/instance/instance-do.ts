import { DurableObject } from "cloudflare:workers";
import {
  agentMessageSchema,
  builtinCommands,
  CLOSE,
  HEARTBEAT_INTERVAL_MS,
  MAX_CONTROL_BYTES,
  commandResultSchema,
  type AgentConfig,
  type CommandResult,
  type ErrorCode,
  type HubEvent,
  type RpcMethod,
  type SystemStats,
} from "@anchorage/common";
import type { Env } from "../../core/env.ts";
import { openDb } from "../../core/db/client.ts";
import { randomToken } from "../../core/ids.ts";
import { markInstanceStatus, recordAgentHello } from "../../core/instances/instance-store.ts";
import { publishToAudience } from "../../core/events/publish.ts";
import { InstanceState, type HealthPoint } from "./instance-state.ts";
import type { ActionRecord, Hello, InstanceLive, InstanceRpc } from "../../core/rpc/instance-rpc.ts";
import type { DoResult } from "../../core/rpc/do-result.ts";
import { ProxyRelay } from "./proxy-relay.ts";
import { relayObjectName } from "../../core/rpc/proxy-exchange.ts";
import { GIT_REMOTE_TIMEOUT_SECONDS, GIT_TIMEOUT_MS, isRemoteGitOp, streamOpenSchema, type GitRequest } from "@anchorage/common";
import { AgentStreams } from "./agent-streams.ts";
import { TerminalRelay, type TerminalRequest } from "./terminal-relay.ts";
import { deleteRecordings, type RecordingState } from "./terminal-recorder.ts";
import { endLostSessions, endTerminalSession, findTerminalSession, insertTerminalSession } from "../../core/terminal/terminal-store.ts";
import { publishToUsers } from "../../core/events/publish.ts";
import { FILE_MAX_BYTES, scanResultSchema, type CompareResult, type FileCallMethod, type FileCallParams, type ScanResult } from "@anchorage/common";
import { callAgent } from "./agent-call.ts";
import { compareCrossInstance } from "./compare-cross-instance.ts";
import { planOperation } from "./sync-plan.ts";
import { excludesGitDir } from "../../core/files/git-dir-writes.ts";
import { pullChunksToAgent } from "./sync-transfer.ts";
import type { ChunkRef, SyncOperation } from "../../core/rpc/sync-operation.ts";
import { SyncStore } from "./sync-store.ts";
import { SyncRuns } from "./sync-runs.ts";
import { touchChunks } from "../../core/sync-chunks/chunk-usage.ts";
import { MirrorSchedule } from "./mirror-schedule.ts";

/** A socket closing is not yet an outage: agents reconnect in about a second (DESIGN.md, flapping connections). */
export const OFFLINE_GRACE_MS = 3_000;
/** Three missed heartbeats and the peer is gone, even if TCP never said so. */
export const HEARTBEAT_DEADLINE_MS = 3 * HEARTBEAT_INTERVAL_MS;

const fail = (code: ErrorCode, message: string): DoResult<never> => ({ ok: false, code, message });

/** A first scan hashes every file: big trees take minutes. Other file calls are quick. */
const SCAN_TIMEOUT_MS = 10 * 60_000;
const FILE_CALL_TIMEOUT_MS = 60_000;
/** A scan's JSON: about 250 bytes a file, up to MAX_SCAN_FILES files. */
const MAX_SCAN_ANSWER_BYTES = 64 * 1024 * 1024;

/** Codes an agent may answer with as they are (the caller's input was at fault); anything else is the agent's failure. */
const PASSED_ON: ReadonlySet<string> = new Set(["E-VALIDATION", "E-NOT-FOUND", "E-CONFLICT", "E-PRECONDITION", "E-AUTH-FORBID", "E-TIMEOUT", "E-PAYLOAD-TOO-LARGE", "E-CONFIG"]);
const agentFailure = (e: { code: string; message: string }): DoResult<never> =>
  PASSED_ON.has(e.code) ? fail(e.code as ErrorCode, e.message) : fail("E-INTERNAL", `${e.code}: ${e.message}`);

type AgentAttachment = { kind: "agent"; instanceId: string; ownerId: string; connectedAt: number };
type Pending = { resolve: (r: DoResult<unknown>) => void; onProgress?: (stream: "stdout" | "stderr", data: string) => void; timer: ReturnType<typeof setTimeout> };

/**
 * One per anchored instance (name = instance id). Holds the agent's socket with the
 * Hibernation API: per-socket state in its attachment, everything else in SQLite
 * storage, so a hibernated or evicted object picks up where it was. Only RPC calls
 * in flight live in memory, and they cannot outlive the request that waits on them.
 */
export class InstanceDO extends DurableObject<Env> implements InstanceRpc {
  private readonly state: InstanceState;
  private readonly pending = new Map<string, Pending>();
  private outbox: Promise<unknown> = Promise.resolve();
  private readonly streams = new AgentStreams(() => this.agentSockets()[0]);
  private readonly relay = new ProxyRelay(this.streams);
  private readonly terminals: TerminalRelay;
  /** The syncs this object runs, and their resume after a restart or an agent away (sync-runs.ts). */
  private readonly syncs: SyncRuns;
  /** The mirrors whose source is this instance: scheduled checks, the agent's change reports, automatic syncs. */
  private readonly mirrors: MirrorSchedule;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.state = new InstanceState(ctx.storage.sql);
    this.syncs = new SyncRuns({
      store: new SyncStore(ctx.storage.sql),
      deps: (op) => this.syncDeps(op),
      awaitDestination: (op) => {
        if (op.destinationInstanceId === op.sourceInstanceId) return; // this agent's hello resumes it
        const destination = this.env.INSTANCE.get(this.env.INSTANCE.idFromName(op.destinationInstanceId));
        this.ctx.waitUntil(destination.wakeSyncsWhenBack(op.sourceInstanceId).catch((e) => console.error(`sync: ${(e as Error).message}`)));
      },
      background: (p) => this.ctx.waitUntil(p.then(() => this.outbox).catch((e) => console.error(`sync: ${(e as Error).message}`))),
      reschedule: () => this.scheduleAlarm(),
      ended: (id) => this.ctx.waitUntil(this.mirrors.syncEnded(id)), // a mirror's sync: its state follows
    });
    this.terminals = new TerminalRelay(this.streams, {
      bucket: env.BLOBS,
      loadRecording: (session) => this.state.getMeta<RecordingState>(`rec:${session}`),
      saveRecording: (session, rec) => this.state.setMeta(`rec:${session}`, rec),
      started: (t) => this.terminalStarted(t),
      preview: (userId, sessionId, data) => {
        const inst = this.instance();
        if (inst) this.emitTo([userId, inst.ownerId], { type: "cloud:tty-data", instanceId: inst.id, sessionId, data });
      },
      background: (p) => this.ctx.waitUntil(p.catch((e) => console.error(`terminal recording: ${(e as Error).message}`))),
    });
    this.mirrors = new MirrorSchedule({
      db: openDb(env.DB),
      compare: (destinationId, req) => this.compareWith(destinationId, req),
      startSync: (destinationId, req, requestedBy) => this.startSync(destinationId, req, requestedBy),
      syncStatus: (operationId) => this.syncStatus(operationId),
      emit: (event) => this.emit(event),
      now: () => Date.now(),
      self: () => this.instance(),
      load: () => this.state.getMeta("mirrors"),
      save: (s) => this.state.setMeta("mirrors", s),
      sendWatches: (watches) => this.agentSockets().forEach((s) => s.send(JSON.stringify({ type: "mirror-watch", watches }))),
      reschedule: () => this.scheduleAlarm(),
      pokeSource: (sourceId) => this.env.INSTANCE.get(this.env.INSTANCE.idFromName(sourceId)).recheckMirrors(),
    });
    // The agent's keep-alive pings are answered without waking (or billing) the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  // ── connecting ────────────────────────────────────────────────────────────

  /** A fresh single-use nonce the agent must sign to connect (60 s). */
  async challenge(): Promise<string> {
    const nonce = randomToken(24);
    this.state.addChallenge(nonce);
    return nonce;
  }

  /** The agent's WebSocket upgrade; the Worker has verified the signature over `x-anchorage-nonce`. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.has("x-anchorage-proxy")) return this.proxy(request);
    if (request.headers.has("x-anchorage-terminal")) return this.terminal(request);
    const instanceId = request.headers.get("x-anchorage-instance");
    const ownerId = request.headers.get("x-anchorage-owner");
    const nonce = request.headers.get("x-anchorage-nonce");
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || !instanceId || !ownerId || !nonce) {
      return Response.json({ error: { code: "E-VALIDATION", message: "expected an agent WebSocket upgrade" } }, { status: 400 });
    }
    if (!this.state.consumeChallenge(nonce)) {
      return Response.json({ error: { code: "E-AUTH-UNAUTH", message: "challenge unknown, used or expired" } }, { status: 401 });
    }
    // A second connection replaces the first cleanly: the old one is told why.
    for (const old of this.agentSockets()) old.close(CLOSE.replaced, "replaced by a newer connection");

    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, ["agent"]);
    const attachment: AgentAttachment = { kind: "agent", instanceId, ownerId, connectedAt: Date.now() };
    server.serializeAttachment(attachment);
    this.state.setMeta("instance", { id: instanceId, ownerId });
    this.state.setMeta("connected_at", new Date().toISOString());
    this.state.setMeta("last_heartbeat", Date.now());
    this.state.setMeta("offline_at", undefined);
    server.send(JSON.stringify({ type: "welcome", instance_id: instanceId, heartbeat_interval_ms: HEARTBEAT_INTERVAL_MS }));
    await this.scheduleAlarm();
    return new Response(null, { status: 101, webSocket: client });
  }

  // ── messages from the agent ───────────────────────────────────────────────

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const att = ws.deserializeAttachment() as AgentAttachment | null;
    if (att?.kind !== "agent") return;
    if (typeof message !== "string") {
      // Binary frames carry streams (proxy, terminal, files). A malformed frame ends the socket
      // with the reason; a well-formed one is refused, since no stream kind is served yet.
      const r = this.streams.receive(message, ws);
      if (!r.ok) ws.close(CLOSE.invalidMessage, `invalid frame: ${r.error}`.slice(0, 120));
      return;
    }
    if (message.length > MAX_CONTROL_BYTES) return ws.close(CLOSE.invalidMessage, "control message too large");
    let parsed;
    try {
      parsed = agentMessageSchema.safeParse(JSON.parse(message));
    } catch {
      return ws.close(CLOSE.invalidMessage, "control message is not JSON");
    }
    if (!parsed.success) return ws.close(CLOSE.invalidMessage, `invalid control message: ${parsed.error.issues[0]?.message ?? "?"}`.slice(0, 120));
    const msg = parsed.data;

    switch (msg.type) {
      case "hello": {
        const hello: Hello = { agent_version: msg.agent_version, hostname: msg.hostname, platform: msg.platform, arch: msg.arch, config: msg.config };
        this.state.setMeta("hello", hello);
        this.state.setMeta("last_heartbeat", Date.now());
        const recorded = await recordAgentHello(openDb(this.env.DB), att.instanceId, {
          name: msg.config.name,
          hostname: msg.hostname, platform: msg.platform, arch: msg.arch, agentVersion: msg.agent_version, proxy: msg.config.proxy,
        });
        if (recorded.proxyConflict) {
          this.state.appendLogs([{ at: new Date().toISOString(), source: "anchorage", line: `proxy slug "${msg.config.proxy?.slug}" is taken by another instance; keeping the previous one` }]);
        }
        this.state.setMeta("status", "online");
        this.emit({ type: "cloud:instance-update", instanceId: att.instanceId, status: "online", at: new Date().toISOString() });
        for (const lost of await endLostSessions(openDb(this.env.DB), att.instanceId, msg.terminals, new Date().toISOString())) await this.terminals.ended(lost);
        // Shares revoked while the agent was away: their holders' shells end now.
        for (const userId of this.state.getMeta<string[]>("tty_revoked") ?? []) void this.call("terminal.close", { user: userId });
        this.state.setMeta("tty_revoked", undefined);
        this.syncs.resume({ agentBack: true }); // syncs waiting for this agent carry on now
        this.wakeSyncSources(); // and those other instances run to this one
        // Which of its folders to watch; failed checks again. Mirror bookkeeping failing (D1 away) must not fail the hello.
        await this.mirrors.agentConnected().catch((e: unknown) => console.error(`mirrors on connect: ${(e as Error).message}`));
        return;
      }
      case "mirror-changed": {
        await this.mirrors.changed(msg.ids);
        return;
      }
      case "heartbeat": {
        const now = Date.now();
        this.state.setMeta("last_heartbeat", now);
        this.state.setMeta("stats", msg.stats);
        this.state.recordHealth(msg.stats, now);
        // D1's last_seen is for listings: once a minute is enough.
        if (now - (this.state.getMeta<number>("last_seen_written") ?? 0) > 60_000) {
          this.state.setMeta("last_seen_written", now);
          await markInstanceStatus(openDb(this.env.DB), att.instanceId, "online", now);
        }
        this.emit({ type: "cloud:instance-update", instanceId: att.instanceId, status: "online", at: new Date(now).toISOString(), stats: msg.stats });
        await this.scheduleAlarm();
        return;
      }
      case "rpc-result": {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        p.resolve(msg.ok ? { ok: true, value: msg.result } : agentFailure(msg.error));
        return;
      }
      case "rpc-progress": {
        this.pending.get(msg.id)?.onProgress?.(msg.stream, msg.data);
        return;
      }
      case "tty-ended": {
        const bytes = await this.terminals.ended(msg.session);
        const db = openDb(this.env.DB);
        await endTerminalSession(db, att.instanceId, msg.session, { at: msg.at, reason: msg.reason, exitCode: msg.code, recordingBytes: bytes });
        const inst = this.instance();
        const row = await findTerminalSession(db, msg.session);
        if (inst && row?.instanceId === inst.id) this.emitTo([inst.ownerId, ...(row ? [row.userId] : [])], { type: "cloud:tty-exit", instanceId: inst.id, sessionId: msg.session, code: msg.code, signal: msg.signal, reason: msg.reason, at: msg.at });
        return;
      }
      case "logs": {
        const lines = this.state.appendLogs(msg.lines);
        if (lines.length) this.emit({ type: "cloud:log-lines", instanceId: att.instanceId, lines });
        return;
      }
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    const att = ws.deserializeAttachment() as AgentAttachment | null;
    if (att?.kind !== "agent") return;
    if (this.agentSockets().some((s) => s !== ws)) return; // replaced: the new socket carries on
    if (code === CLOSE.deleted) return;
    this.state.setMeta("offline_at", Date.now() + (code === CLOSE.disconnected ? 0 : OFFLINE_GRACE_MS));
    this.failPending("E-INSTANCE-OFFLINE", "the agent disconnected");
    this.streams.failAll("disconnected");
    await this.scheduleAlarm();
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.webSocketClose(ws, 1006);
  }

  /** Heartbeat deadline and offline grace, whichever comes first. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const sockets = this.agentSockets();
    const last = this.state.getMeta<number>("last_heartbeat") ?? 0;
    if (sockets.length && now - last >= HEARTBEAT_DEADLINE_MS) {
      for (const s of sockets) s.close(CLOSE.heartbeatTimeout, "no heartbeat");
      this.state.setMeta("offline_at", now);
      this.failPending("E-INSTANCE-OFFLINE", "the agent stopped answering");
      this.streams.failAll("stopped answering");
    }
    const offlineAt = this.state.getMeta<number>("offline_at");
    if (offlineAt !== undefined && offlineAt <= now && this.agentSockets().length === 0) {
      this.state.setMeta("offline_at", undefined);
      if (this.state.getMeta<string>("status") !== "offline") {
        this.state.setMeta("status", "offline");
        const inst = this.state.getMeta<{ id: string; ownerId: string }>("instance");
        if (inst) {
          await markInstanceStatus(openDb(this.env.DB), inst.id, "offline", last || now);
          this.emit({ type: "cloud:instance-update", instanceId: inst.id, status: "offline", at: new Date(now).toISOString() });
        }
      }
    }
    // Mirror checks can take minutes (scans): they run beside the alarm, not inside it.
    if ((this.mirrors.nextAt() ?? Infinity) <= now) this.ctx.waitUntil(this.mirrors.runDue());
    this.syncs.resume(); // syncs whose retry is due, or that a restart cut short
    await this.scheduleAlarm();
    await this.outbox;
  }

  // ── the reverse proxy ─────────────────────────────────────────────────────

  /** A visitor's request (or WebSocket) for the instance's local app; the Worker has checked access. */
  private async proxy(request: Request): Promise<Response> {
    return this.relay.serve(request, this.agentSockets().length > 0, 0);
  }

  // ── terminals ─────────────────────────────────────────────────────────────

  /** A browser's terminal socket; the Worker has checked `terminal:` access and, for a reattach, that the session is the caller's. */
  private async terminal(request: Request): Promise<Response> {
    const req = JSON.parse(request.headers.get("x-anchorage-terminal")!) as Omit<TerminalRequest, "record" | "newSession">;
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ error: { code: "E-VALIDATION", message: "expected a WebSocket upgrade" } }, { status: 400 });
    }
    if (this.agentSockets().length === 0) return Response.json({ error: { code: "E-INSTANCE-OFFLINE", message: "the instance is offline" } }, { status: 503 });
    const record = this.state.getMeta<Hello>("hello")?.config.terminal.record ?? true;
    return this.terminals.open({ ...req, record, newSession: `tty_${randomToken(12)}` });
  }

  private async terminalStarted(t: { session: string; userId: string; shell: string; cols: number; rows: number; startedAt: string; recorded: boolean }) {
    const inst = this.instance();
    if (!inst) return;
    await insertTerminalSession(openDb(this.env.DB), {
      id: t.session, instanceId: inst.id, ownerId: inst.ownerId, userId: t.userId, shell: t.shell, cols: t.cols, rows: t.rows, startedAt: t.startedAt, recorded: t.recorded,
    });
  }

  /**
   * A user lost `terminal:` access (a share revoked or narrowed): their shells end now, attached
   * or not. When the agent is away, they end as soon as it is back.
   */
  async closeTerminalsOf(userId: string): Promise<void> {
    this.terminals.closeUser(userId, "terminal access revoked");
    const r = await this.call("terminal.close", { user: userId }, 5_000);
    if (!r.ok) this.state.setMeta("tty_revoked", [...new Set([...(this.state.getMeta<string[]>("tty_revoked") ?? []), userId])]);
  }

  /**
   * A proxy relay socket's connect (docs/features.md, `proxy.relays`): its nonce came from this
   * object, like the agent's own socket's, and is spent here. Relays join an agent that is connected.
   */
  async spendRelayChallenge(nonce: string): Promise<"ok" | "offline" | "unknown"> {
    if (!this.state.consumeChallenge(nonce)) return "unknown";
    return this.agentSockets().length ? "ok" : "offline";
  }

  /** The visitor hung up: the exchange's stream is reset, so the agent cancels the local request. */
  async cancelExchange(exchangeId: string): Promise<void> {
    this.relay.cancel(exchangeId);
  }

  // ── what the Worker asks ──────────────────────────────────────────────────

  async live(): Promise<InstanceLive> {
    const online = this.agentSockets().length > 0;
    const lastHb = this.state.getMeta<number>("last_heartbeat");
    return {
      online,
      status: online || this.state.getMeta<string>("status") === "online" ? "online" : "offline",
      connected_at: online ? (this.state.getMeta<string>("connected_at") ?? null) : null,
      last_heartbeat: lastHb ? new Date(lastHb).toISOString() : null,
      stats: this.state.getMeta<SystemStats>("stats") ?? null,
      hello: this.state.getMeta<Hello>("hello") ?? null,
    };
  }

  /** Sends one RPC to the agent; fails fast with E-INSTANCE-OFFLINE, or E-INTERNAL after the timeout. */
  async call(method: RpcMethod, params?: unknown, timeoutMs = 15_000, onProgress?: Pending["onProgress"]): Promise<DoResult<unknown>> {
    const socket = this.agentSockets()[0];
    if (!socket) return fail("E-INSTANCE-OFFLINE", "the instance is offline");
    const id = randomToken(9);
    return new Promise<DoResult<unknown>>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(fail("E-INTERNAL", `the agent did not answer ${method} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.pending.set(id, { resolve, onProgress, timer });
      try {
        socket.send(JSON.stringify({ type: "rpc", id, method, params }));
      } catch {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(fail("E-INSTANCE-OFFLINE", "the instance is offline"));
      }
    });
  }

  async ping(): Promise<DoResult<{ rtt_ms: number }>> {
    const started = Date.now();
    const r = await this.call("ping", undefined, 5_000);
    return r.ok ? { ok: true, value: { rtt_ms: Date.now() - started } } : r;
  }

  /** Runs an allowed command, streaming its output as events, and records it in the recent actions. */
  async runCommand(input: { command: string; requestedBy: string; timeoutSeconds: number }): Promise<DoResult<ActionRecord>> {
    const inst = this.state.getMeta<{ id: string }>("instance");
    if (!inst || this.agentSockets().length === 0) return fail("E-INSTANCE-OFFLINE", "the instance is offline");
    // Only what the agent's config allows (plus the builtins); the agent checks again itself.
    const allowed = [...builtinCommands, ...(this.state.getMeta<Hello>("hello")?.config.commands.map((c) => c.name) ?? [])];
    if (!allowed.includes(input.command)) return fail("E-VALIDATION", `unknown command "${input.command}"; allowed: ${allowed.join(", ")}`);
    const { action } = await this.trackAction(input.command, input.requestedBy, input.timeoutSeconds, "command.run", { name: input.command, timeout_seconds: input.timeoutSeconds });
    return { ok: true, value: action };
  }

  /** A git operation. Remote ones (fetch, pull, push) run as actions, their output streamed like a command's. */
  async git(request: GitRequest, requestedBy: string): Promise<DoResult<unknown>> {
    if (!isRemoteGitOp(request.op)) return this.call("git", request, GIT_TIMEOUT_MS + 5_000);
    if (this.agentSockets().length === 0) return fail("E-INSTANCE-OFFLINE", "the instance is offline");
    const repo = "repo" in request ? request.repo : "";
    const { action, refusal } = await this.trackAction(`git ${request.op} ${repo}`.slice(0, 200), requestedBy, GIT_REMOTE_TIMEOUT_SECONDS, "git", request);
    // Refused before git ran (a merge in progress, a path outside the roots): the caller gets the refusal itself.
    return refusal ?? { ok: true, value: action };
  }

  // ── files ─────────────────────────────────────────────────────────────────

  /** A file call on the agent (folders, browse, read, write, scan), over a stream: answers may be larger than a control message. */
  async fileCall(method: FileCallMethod, params: unknown, body?: Uint8Array): Promise<DoResult<{ result: unknown; body: Uint8Array }>> {
    // A scan or a chunk list reads whole trees or files; an assembly writes a whole file.
    const scan = method === "files.scan" || method === "files.chunks" || method === "files.assemble" || method === "files.chunks.many" || method === "files.assemble.many";
    const r = await callAgent(this.streams, method, params, {
      body,
      maxAnswerBytes: scan ? MAX_SCAN_ANSWER_BYTES : FILE_MAX_BYTES + 64 * 1024,
      timeoutMs: scan ? SCAN_TIMEOUT_MS : FILE_CALL_TIMEOUT_MS,
    });
    if (r.ok) return { ok: true, value: { result: r.result, body: r.body } };
    return r.from === "agent" ? agentFailure(r) : fail(r.code as ErrorCode, r.message);
  }

  /** Scans a folder on this instance (every file with its hashes), checked against the contract. */
  async scan(params: FileCallParams<"files.scan">): Promise<DoResult<ScanResult>> {
    const r = await this.fileCall("files.scan", params);
    if (!r.ok) return r;
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(r.value.body));
    } catch {
      json = undefined;
    }
    const parsed = scanResultSchema.safeParse(json);
    return parsed.success ? { ok: true, value: parsed.data } : fail("E-INTERNAL", "the agent answered files.scan with a malformed scan");
  }

  /** Compares a folder here with a folder on another instance (or this one); the Worker has checked `sync:` on both. */
  async compareWith(destinationId: string, req: { sourcePath: string; targetPath: string; exclude: string[]; verify: boolean; missingDestinationIsEmpty?: boolean }): Promise<DoResult<CompareResult>> {
    const self = this.instance()?.id ?? "";
    const scanParams = (path: string) => ({ path, exclude: req.exclude, verify: req.verify });
    // Calling our own stub from inside would queue behind this very call: scan directly instead.
    const scanned = destinationId === self ? this.scan(scanParams(req.targetPath)) : (this.env.INSTANCE.get(this.env.INSTANCE.idFromName(destinationId)).scan(scanParams(req.targetPath)) as Promise<DoResult<ScanResult>>);
    // A sync may create its target folder; only the source must exist (a missing source could be an unmounted disk).
    const destination: Promise<DoResult<ScanResult>> = scanned.then((r) =>
      !r.ok && r.code === "E-NOT-FOUND" && req.missingDestinationIsEmpty ? { ok: true, value: { root: req.targetPath, files: [], links: [], dirs: [], excluded: 0, skipped: [], hashed: 0 } } : r,
    );
    return compareCrossInstance(
      { instanceId: self, path: req.sourcePath, scan: this.scan(scanParams(req.sourcePath)) },
      { instanceId: destinationId, path: req.targetPath, scan: destination },
    );
  }

  // ── sync (the transfer after a compare) ───────────────────────────────────

  /**
   * Starts a sync from a folder here to a folder on another instance (or this one); the Worker has
   * checked `sync:` on both. The compare and the plan run before answering, so a missing or empty
   * source or a mass deletion is refused at once; the transfer then runs here, its state in storage.
   */
  async startSync(destinationId: string, req: { sourcePath: string; targetPath: string; exclude: string[]; delete: boolean; only?: string[] }, requestedBy: string): Promise<DoResult<{ operationId: string }>> {
    const inst = this.instance();
    if (!inst) return fail("E-INSTANCE-OFFLINE", "the instance is offline");
    const compare = await this.compareWith(destinationId, { sourcePath: req.sourcePath, targetPath: req.targetPath, exclude: req.exclude, verify: false, missingDestinationIsEmpty: true });
    if (!compare.ok) return compare;
    const planned = planOperation(compare.value, { delete: req.delete, gitExcluded: excludesGitDir(req.exclude), ...(req.only ? { only: new Set(req.only) } : {}) });
    if ("code" in planned) return fail(planned.code, planned.message);
    const op: SyncOperation = {
      id: `${inst.id}.${randomToken(12)}`,
      sourceInstanceId: inst.id,
      destinationInstanceId: destinationId,
      ownerId: inst.ownerId,
      requestedBy,
      sourcePath: req.sourcePath,
      targetPath: req.targetPath,
      state: "running",
      ...planned.counts,
      started_at: new Date().toISOString(),
    };
    this.emitSync(op);
    this.syncs.start(op, planned.plan);
    await this.scheduleAlarm();
    return { ok: true, value: { operationId: op.id } };
  }

  /** What a sync run from here talks to: this agent, the destination's object (or this one), R2, the events, D1's chunk use. */
  private syncDeps(op: SyncOperation) {
    const destination = op.destinationInstanceId === op.sourceInstanceId ? null : this.env.INSTANCE.get(this.env.INSTANCE.idFromName(op.destinationInstanceId));
    return {
      source: (m: FileCallMethod, p: unknown, b?: Uint8Array) => this.fileCall(m, p, b),
      destination: destination ? (m: FileCallMethod, p: unknown, b?: Uint8Array) => destination.fileCall(m, p, b) as Promise<DoResult<{ result: unknown; body: Uint8Array }>> : (m: FileCallMethod, p: unknown, b?: Uint8Array) => this.fileCall(m, p, b),
      pullChunks: destination
        ? (o: string, owner: string, c: ChunkRef[], seed?: string[]) => destination.pullChunks(o, owner, c, seed) as Promise<DoResult<{ downloaded: number }>>
        : (o: string, owner: string, c: ChunkRef[], seed?: string[]) => this.pullChunks(o, owner, c, seed),
      bucket: this.env.BLOBS,
      progress: (o: SyncOperation, paths?: string[]) => this.emitSync(o, paths),
      touchChunks: (owner: string, chunks: ChunkRef[]) => touchChunks(openDb(this.env.DB), owner, chunks),
      away: async () => {
        if (!this.agentSockets().length) return `source ${op.sourceInstanceId}: the instance is offline`;
        if (destination && !(await destination.live()).online) return `destination ${op.destinationInstanceId}: the instance is offline`;
        return null;
      },
    };
  }

  /**
   * A sync's state. One still running that this object is not running (a restart cut it short) is
   * continued from its stored plan; one waiting for an agent says so in `waiting`.
   */
  async syncStatus(operationId: string): Promise<SyncOperation | null> {
    return this.syncs.status(operationId) ?? null;
  }

  /** Stops a running sync before its next chunk or file; what is written stays written. */
  async cancelSync(operationId: string): Promise<SyncOperation | null> {
    return this.syncs.cancel(operationId) ?? null;
  }

  // ── mirrors (their rows in D1; the Worker has checked the caller's `sync:` on both instances) ──

  /** A mirror from this instance was saved or deleted: the agent's watch list and the schedule follow. */
  async mirrorsChanged(): Promise<void> {
    await this.mirrors.refresh();
  }

  /** An agent of one of this instance's mirrors came back: those whose last check failed are checked now. */
  async recheckMirrors(): Promise<void> {
    await this.mirrors.recheckFailed();
  }

  async checkMirror(id: string) {
    return this.mirrors.check(id);
  }

  async syncMirror(id: string, requestedBy: string) {
    return this.mirrors.sync(id, requestedBy);
  }

  /** A sync run by `sourceId` waits for this instance's agent: its object is told as soon as the agent is back. */
  async wakeSyncsWhenBack(sourceId: string): Promise<void> {
    this.state.setMeta("sync_waiters", [...new Set([...(this.state.getMeta<string[]>("sync_waiters") ?? []), sourceId])]);
    if (this.agentSockets().length) this.wakeSyncSources(); // it came back meanwhile
  }

  /** This instance's agent is back: syncs waiting for it, run by other instances, carry on now. */
  private wakeSyncSources() {
    for (const sourceId of this.state.getMeta<string[]>("sync_waiters") ?? []) {
      this.ctx.waitUntil(this.env.INSTANCE.get(this.env.INSTANCE.idFromName(sourceId)).resumeSyncs().catch((e) => console.error(`sync: ${(e as Error).message}`)));
    }
    this.state.setMeta("sync_waiters", undefined);
  }

  /** A destination's agent is back: the syncs waiting for an agent are tried again now. */
  async resumeSyncs(): Promise<void> {
    this.syncs.resume({ agentBack: true });
  }

  /** The destination's half of a sync: chunks from R2 to this instance's agent. */
  async pullChunks(operation: string, ownerId: string, chunks: ChunkRef[], seed: string[] = []): Promise<DoResult<{ downloaded: number }>> {
    return pullChunksToAgent((m, p, b) => this.fileCall(m, p, b), this.env.BLOBS, operation, ownerId, chunks, seed);
  }

  /**
   * A sync's progress, twice over: `cloud:sync-activity` with its counts, and `cloud:command-progress`
   * (action id = operation id) with a line per file, so anything that follows commands follows syncs.
   * One of each per batch of files (`path`: its last file).
   */
  private emitSync(op: SyncOperation, paths?: string[]) {
    const at = new Date().toISOString();
    const path = paths?.at(-1);
    this.emit({
      type: "cloud:sync-activity", instanceId: op.sourceInstanceId, destinationInstanceId: op.destinationInstanceId, operationId: op.id, at,
      state: op.state, files: { ...op.files }, bytes: { ...op.bytes }, ...(path ? { path } : {}), ...(op.error ? { error: op.error } : {}),
    });
    const base = { type: "cloud:command-progress" as const, instanceId: op.sourceInstanceId, actionId: op.id, command: `sync ${op.sourcePath} → ${op.destinationInstanceId}:${op.targetPath}`.slice(0, 200), at };
    if (paths?.length) this.emit({ ...base, stream: "stdout", data: paths.map((p) => `${p}\n`).join("") });
    else if (op.state === "running") this.emit({ ...base, status: "running" });
    else this.emit({ ...base, status: op.state === "done" ? "success" : "error", ...(op.state !== "done" ? { error: op.error ?? op.state } : {}) });
  }

  /**
   * Runs an RPC whose result is a command's (exit code, output tails) as a recorded action:
   * pending → success/error in the recent actions, its output streamed as command-progress events.
   */
  private async trackAction(label: string, requestedBy: string, timeoutSeconds: number, method: RpcMethod, params: unknown): Promise<{ action: ActionRecord; refusal: DoResult<never> | null }> {
    const inst = this.instance()!;
    const id = `act_${randomToken(9)}`;
    const started = Date.now();
    this.state.startAction({ id, command: label, requested_by: requestedBy, started_at: new Date(started).toISOString() });
    const base = { type: "cloud:command-progress" as const, instanceId: inst.id, actionId: id, command: label };
    this.emit({ ...base, at: new Date().toISOString(), status: "running" });
    let tail = "";
    const r = await this.call(method, params, (timeoutSeconds + 10) * 1000, (stream, data) => {
      tail = (tail + data).slice(-8192);
      this.emit({ ...base, at: new Date().toISOString(), stream, data });
    });
    const result = r.ok ? commandResultSchema.safeParse(r.value) : null;
    const done: CommandResult | null = result?.success ? result.data : null;
    const status = done && done.exit_code === 0 && !done.timed_out ? "success" : "error";
    const error = !r.ok ? r.message : !done ? "the agent answered with a malformed result" : done.timed_out ? "timed out" : null;
    const action = this.state.finishAction(id, {
      status,
      exit_code: done?.exit_code ?? null,
      duration_ms: done?.duration_ms ?? Date.now() - started,
      output_tail: tail,
      error,
    });
    this.emit({ ...base, at: new Date().toISOString(), status, ...(done ? { result: done } : {}), ...(error ? { error } : {}) });
    await this.outbox;
    // The agent refused the request itself (its code passed on): the caller may answer with that.
    return { action, refusal: !r.ok && PASSED_ON.has(r.code) ? r : null };
  }

  async recentActions(limit = 50): Promise<ActionRecord[]> {
    return this.state.recentActions(limit);
  }

  /** Lines after `since`, oldest first; or, without `since`, the newest `limit` lines. */
  async logs(since: number | undefined, limit: number) {
    return since === undefined ? this.state.logsTail(limit) : this.state.logsSince(since, limit);
  }

  async health(sinceMinute: number): Promise<HealthPoint[]> {
    return this.state.healthHistory(sinceMinute);
  }

  /** The owner asked the agent to go: it stops until started again. */
  async disconnect(): Promise<boolean> {
    const sockets = this.agentSockets();
    for (const s of sockets) s.close(CLOSE.disconnected, "disconnected by the owner");
    if (sockets.length) {
      this.state.setMeta("offline_at", Date.now());
      await this.alarm();
    }
    return sockets.length > 0;
  }

  /** The instance was deleted: its agent is told to stop for good, and this object forgets everything. */
  async destroy(): Promise<void> {
    for (const s of this.agentSockets()) s.close(CLOSE.deleted, "instance deleted");
    this.failPending("E-NOT-FOUND", "the instance was deleted");
    const inst = this.instance();
    const relays = this.state.getMeta<Hello>("hello")?.config.proxy?.relays ?? 1;
    for (let k = 1; inst && k < relays; k++) await this.env.PROXY_RELAY.get(this.env.PROXY_RELAY.idFromName(relayObjectName(inst.id, k))).close(CLOSE.deleted, "instance deleted");
    if (inst) await deleteRecordings(this.env.BLOBS, `recordings/${inst.id}/`);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  // ── internals ─────────────────────────────────────────────────────────────

  private agentSockets(): WebSocket[] {
    return this.ctx.getWebSockets("agent").filter((s) => s.readyState === WebSocket.OPEN);
  }

  private failPending(code: ErrorCode, message: string) {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve(fail(code, message));
      this.pending.delete(id);
    }
  }

  private instance() {
    return this.state.getMeta<{ id: string; ownerId: string }>("instance");
  }

  /** Events go out in order, one fan-out after another. */
  private emit(event: HubEvent) {
    const inst = this.instance();
    if (!inst) return;
    this.enqueue(() => publishToAudience(this.env, inst, event));
  }

  /** An event for these users only (a terminal's). */
  private emitTo(userIds: string[], event: HubEvent) {
    const inst = this.instance();
    if (!inst) return;
    this.enqueue(() => publishToUsers(this.env, inst, userIds, event));
  }

  private enqueue(fanOut: () => Promise<void>) {
    this.outbox = this.outbox.then(fanOut).catch((e) => console.error(`event fan-out failed: ${(e as Error).message}`));
    this.ctx.waitUntil(this.outbox);
  }

  private async scheduleAlarm() {
    const candidates: number[] = [];
    if (this.agentSockets().length) candidates.push((this.state.getMeta<number>("last_heartbeat") ?? Date.now()) + HEARTBEAT_DEADLINE_MS);
    const offlineAt = this.state.getMeta<number>("offline_at");
    if (offlineAt !== undefined) candidates.push(offlineAt);
    const mirrorsAt = this.mirrors.nextAt();
    if (mirrorsAt !== undefined) candidates.push(mirrorsAt);
    const syncsAt = this.syncs.wakeAt();
    if (syncsAt !== undefined) candidates.push(syncsAt);
    if (candidates.length) await this.ctx.storage.setAlarm(Math.max(Date.now() + 10, Math.min(...candidates)));
    else await this.ctx.storage.deleteAlarm();
  }
}

import { DurableObject } from "cloudflare:workers";
import { CLOSE, type CompareResult, type FileCallMethod, type FileCallParams, type GitRequest, type HealthPoint, type MetricSeries, type MetricsPlan, type RpcMethod, type ScanResult } from "@anchorage/common";
import type { Env } from "../../core/env.ts";
import type { DoResult } from "../../core/rpc/do-result.ts";
import type { ProxyRoute } from "../../core/instances/proxy-route.ts";
import type { ActionRecord, CompareRequest, InstanceLive, InstanceRpc, OnProgress, ScriptRunInput, SyncStartRequest } from "../../core/rpc/instance-rpc.ts";
import type { ChunkRef, SyncOperation } from "../../core/rpc/sync-operation.ts";
import { AgentCommands } from "./agent-commands.ts";
import { AgentFiles } from "./agent-files.ts";
import { AgentLink } from "./agent-link.ts";
import { InstanceContext } from "./instance-context.ts";
import { Mirrors } from "./mirrors.ts";
import { ProxyExchanges } from "./proxy-exchanges.ts";
import { Syncs } from "./syncs.ts";
import { Terminals } from "./terminals.ts";
import { TcpForwards } from "./tcp-forwards.ts";

/**
 * One per anchored instance (name = instance id): a router over its parts, each in its own file
 * with its own state and its part of the one alarm. The agent's socket and hello (agent-link.ts),
 * RPCs and recorded commands (agent-commands.ts), file calls (agent-files.ts), terminals
 * (terminals.ts; a terminal's bytes: terminal-relay.ts), the reverse proxy (proxy-exchanges.ts;
 * its bytes: proxy-relay.ts), syncs (syncs.ts) and mirrors (mirrors.ts). What they share (storage,
 * the agent's sockets and streams, the event outbox) is the InstanceContext. The socket uses the
 * Hibernation API and everything else is in SQLite storage, so a hibernated or evicted object picks
 * up where it was; only calls and streams in flight live in memory.
 */
export class InstanceDO extends DurableObject<Env> implements InstanceRpc {
  private readonly c: InstanceContext;
  private readonly link: AgentLink;
  private readonly commands: AgentCommands;
  private readonly files: AgentFiles;
  private readonly terminals: Terminals;
  private readonly proxy: ProxyExchanges;
  private readonly syncs: Syncs;
  private readonly mirrors: Mirrors;
  private readonly forwards: TcpForwards;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.c = new InstanceContext(ctx, env, () => this.scheduleAlarm());
    this.commands = new AgentCommands(this.c);
    this.link = new AgentLink(this.c, (message, streamsWhy) => {
      this.commands.failPending("E-INSTANCE-OFFLINE", message);
      this.c.streams.failAll(streamsWhy);
    });
    this.files = new AgentFiles(this.c.streams);
    this.syncs = new Syncs(this.c, this.files, (id) => this.ctx.waitUntil(this.mirrors.syncEnded(id)));
    this.terminals = new Terminals(this.c, (method, params, timeoutMs) => this.commands.call(method, params, timeoutMs));
    this.mirrors = new Mirrors(this.c, this.syncs);
    this.proxy = new ProxyExchanges(this.c);
    this.forwards = new TcpForwards(this.c);
    // The agent's keep-alive pings are answered without waking (or billing) the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  // ── sockets and the alarm ─────────────────────────────────────────────────

  /** A visitor's proxied request, a browser's terminal socket, a forwarded TCP connection, or the agent's own socket. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.has("x-anchorage-proxy")) return this.proxy.serve(request);
    if (request.headers.has("x-anchorage-terminal")) return this.terminals.open(request);
    if (request.headers.has("x-anchorage-forward")) return this.forwards.connect(request);
    return this.link.connect(request);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const control = this.link.receive(ws, message);
    if (!control) return;
    const { instanceId, msg } = control;
    switch (msg.type) {
      case "hello":
        await this.link.hello(instanceId, msg);
        await this.proxy.routeChanged(instanceId); // the config may name another slug or access
        await this.terminals.agentBack(instanceId, msg.terminals);
        this.syncs.agentBack();
        // Which of its folders to watch; failed checks again. Mirror bookkeeping failing (D1 away) must not fail the hello.
        await this.mirrors.agentConnected().catch((e: unknown) => console.error(`mirrors on connect: ${(e as Error).message}`));
        return;
      case "heartbeat":
        return this.link.heartbeat(instanceId, msg.stats);
      case "logs":
        return this.link.logs(instanceId, msg.lines);
      case "rpc-result":
        return this.commands.result(msg);
      case "rpc-progress":
        return this.commands.progress(msg);
      case "tty-ended":
        return this.terminals.ended(instanceId, msg);
      case "mirror-changed":
        return this.mirrors.changed(msg.ids);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    await this.link.closed(ws, code);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.webSocketClose(ws, 1006);
  }

  /** Each part's due work: the heartbeat deadline and offline grace, mirror checks, sync retries. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    await this.link.alarm(now);
    this.mirrors.alarm(now);
    this.syncs.alarm();
    await this.scheduleAlarm();
    await this.c.flushed();
  }

  /** The one alarm, at the earliest time any part wants it. */
  private async scheduleAlarm() {
    const times = [this.link.wakeAt(), this.mirrors.wakeAt(), this.syncs.wakeAt()].filter((t): t is number => t !== undefined);
    if (times.length) await this.ctx.storage.setAlarm(Math.max(Date.now() + 10, Math.min(...times)));
    else await this.ctx.storage.deleteAlarm();
  }

  // ── the agent ─────────────────────────────────────────────────────────────

  async challenge(): Promise<string> {
    return this.link.challenge();
  }

  async live(): Promise<InstanceLive> {
    return this.link.live();
  }

  async logs(since: number | undefined, limit: number) {
    return this.link.logLines(since, limit);
  }

  async health(sinceMinute: number): Promise<HealthPoint[]> {
    return this.link.health(sinceMinute);
  }

  async metrics(plan: MetricsPlan): Promise<MetricSeries> {
    return this.c.state.metricSeries(plan);
  }

  async disconnect(): Promise<boolean> {
    const connected = this.link.disconnect();
    if (connected) await this.alarm();
    return connected;
  }

  async destroy(): Promise<void> {
    this.link.closeDeleted();
    this.commands.failPending("E-NOT-FOUND", "the instance was deleted");
    const inst = this.c.instance();
    if (inst) {
      await this.proxy.closeRelays(inst.id, CLOSE.deleted, "instance deleted");
      await this.terminals.deleteRecordings(inst.id);
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  // ── commands and files ────────────────────────────────────────────────────

  async call(method: RpcMethod, params?: unknown, timeoutMs?: number, onProgress?: OnProgress): Promise<DoResult<unknown>> {
    return this.commands.call(method, params, timeoutMs, onProgress);
  }

  async ping(): Promise<DoResult<{ rtt_ms: number }>> {
    return this.commands.ping();
  }

  async runCommand(input: { command: string; requestedBy: string; timeoutSeconds: number }): Promise<DoResult<ActionRecord>> {
    return this.commands.runCommand(input);
  }

  async runScript(input: ScriptRunInput): Promise<DoResult<ActionRecord>> {
    return this.commands.runScript(input);
  }

  async git(request: GitRequest, requestedBy: string): Promise<DoResult<unknown>> {
    return this.commands.git(request, requestedBy);
  }

  async recentActions(limit = 50): Promise<ActionRecord[]> {
    return this.commands.recentActions(limit);
  }

  async fileCall(method: FileCallMethod, params: unknown, body?: Uint8Array): Promise<DoResult<{ result: unknown; body: Uint8Array }>> {
    return this.files.call(method, params, body);
  }

  async scan(params: FileCallParams<"files.scan">): Promise<DoResult<ScanResult>> {
    return this.files.scan(params);
  }

  // ── terminals and the proxy ───────────────────────────────────────────────

  async terminalInvited(sessionId: string, invitees: { userId: string; mode: "watch" | "drive" }[], from: string): Promise<void> {
    this.terminals.invited(sessionId, invitees, from);
  }

  async dropTerminalParticipant(sessionId: string, userId: string): Promise<void> {
    this.terminals.dropParticipant(sessionId, userId);
  }

  async closeTerminalsOf(userId: string): Promise<void> {
    await this.terminals.closeUser(userId);
  }

  async closeForwardsOf(userId: string): Promise<void> {
    this.forwards.closeUser(userId);
  }

  async spendRelayChallenge(nonce: string): Promise<"ok" | "offline" | "unknown"> {
    return this.proxy.spendRelayChallenge(nonce);
  }

  async proxyRouteChanged(instanceId: string): Promise<ProxyRoute | null> {
    return this.proxy.routeChanged(instanceId);
  }

  async proxyRoute(instanceId: string): Promise<ProxyRoute | null> {
    return this.proxy.currentRoute(instanceId);
  }

  async cancelExchange(exchangeId: string): Promise<void> {
    this.proxy.cancel(exchangeId);
  }

  // ── syncs and mirrors ─────────────────────────────────────────────────────

  async compareWith(destinationId: string, req: CompareRequest): Promise<DoResult<CompareResult>> {
    return this.syncs.compareWith(destinationId, req);
  }

  async startSync(destinationId: string, req: SyncStartRequest, requestedBy: string): Promise<DoResult<{ operationId: string }>> {
    return this.syncs.start(destinationId, req, requestedBy);
  }

  async syncStatus(operationId: string): Promise<SyncOperation | null> {
    return this.syncs.status(operationId);
  }

  async cancelSync(operationId: string): Promise<SyncOperation | null> {
    return this.syncs.cancel(operationId);
  }

  async wakeSyncsWhenBack(sourceId: string): Promise<void> {
    this.syncs.waitForAgent(sourceId);
  }

  async resumeSyncs(): Promise<void> {
    this.syncs.destinationBack();
  }

  async pullChunks(operation: string, ownerId: string, chunks: ChunkRef[], seed: string[] = []): Promise<DoResult<{ downloaded: number }>> {
    return this.syncs.pullChunks(operation, ownerId, chunks, seed);
  }

  async mirrorsChanged(): Promise<void> {
    await this.mirrors.refresh();
  }

  async recheckMirrors(): Promise<void> {
    await this.mirrors.recheckFailed();
  }

  async checkMirror(id: string) {
    return this.mirrors.check(id);
  }

  async syncMirror(id: string, requestedBy: string) {
    return this.mirrors.sync(id, requestedBy);
  }
}

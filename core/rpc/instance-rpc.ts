import type {
  AgentConfig, CompareResult, CompareStatus, FileCallMethod, FileCallParams, GitRequest, HealthPoint, LogLine, MetricSeries, MetricsPlan, RpcMethod, ScanResult, SystemStats,
} from "@anchorage/common";
import type { MirrorRow } from "../db/schema.ts";
import type { ProxyRoute } from "../instances/proxy-route.ts";
import type { DoResult } from "./do-result.ts";
import type { ChunkRef, SyncOperation } from "./sync-operation.ts";

/**
 * What an InstanceDO (one per anchored instance, name = its id) answers over RPC: the contract the
 * Worker's routes and the other instances' objects call through a stub. Besides these, its `fetch`
 * takes the agent's socket upgrade, a visitor's proxied request (`x-anchorage-proxy`) and a
 * browser's terminal socket (`x-anchorage-terminal`). The Worker has checked access before any call.
 */
export interface InstanceRpc extends Rpc.DurableObjectBranded {
  // the agent's socket and what it reports (durable-objects/instance/agent-link.ts)
  /** A fresh single-use nonce the agent must sign to connect (60 s). */
  challenge(): Promise<string>;
  live(): Promise<InstanceLive>;
  /** Lines after `since`, oldest first; or, without `since`, the newest `limit` lines. */
  logs(since: number | undefined, limit: number): Promise<(LogLine & { seq: number })[]>;
  health(sinceMinute: number): Promise<HealthPoint[]>;
  /** The metric history over a plan the Worker has checked (common/src/metrics.ts planMetrics). */
  metrics(plan: MetricsPlan): Promise<MetricSeries>;
  /** The owner asked the agent to go: it stops until started again. Whether an agent was connected. */
  disconnect(): Promise<boolean>;
  /** The instance was deleted: its agent is told to stop for good, and the object forgets everything. */
  destroy(): Promise<void>;

  // commands (agent-commands.ts)
  /** Sends one RPC to the agent; fails fast with E-INSTANCE-OFFLINE, or E-INTERNAL after the timeout. */
  call(method: RpcMethod, params?: unknown, timeoutMs?: number, onProgress?: OnProgress): Promise<DoResult<unknown>>;
  ping(): Promise<DoResult<{ rtt_ms: number }>>;
  /** Runs an allowed command, streaming its output as events, and records it in the recent actions. */
  runCommand(input: { command: string; requestedBy: string; timeoutSeconds: number }): Promise<DoResult<ActionRecord>>;
  /**
   * Runs a script from the library as a recorded action, like a command (label `script <name>@v<n>`).
   * E-AUTH-FORBID at once when the agent's hello says `scripts: false` (the agent checks again itself).
   */
  runScript(input: ScriptRunInput): Promise<DoResult<ActionRecord>>;
  /** A git operation. Remote ones (fetch, pull, push) run as actions, their output streamed like a command's. */
  git(request: GitRequest, requestedBy: string): Promise<DoResult<unknown>>;
  recentActions(limit?: number): Promise<ActionRecord[]>;

  // files (agent-files.ts)
  /** A file call on the agent (folders, browse, read, write, scan), over a stream: answers may be larger than a control message. */
  fileCall(method: FileCallMethod, params: unknown, body?: Uint8Array): Promise<DoResult<{ result: unknown; body: Uint8Array }>>;
  /** Scans a folder on this instance (every file with its hashes), checked against the contract. */
  scan(params: FileCallParams<"files.scan">): Promise<DoResult<ScanResult>>;

  // terminals (terminals.ts) and the proxy (proxy-exchanges.ts)
  /** A user lost `terminal:` access: their shells end now, attached or not (or as soon as the agent is back). */
  closeTerminalsOf(userId: string): Promise<void>;
  /** A user lost `proxy:` here (or was disabled): their TCP forwards close now. */
  closeForwardsOf(userId: string): Promise<void>;
  /** People were invited into a terminal session: each hears it live (`cloud:tty-invite`). */
  terminalInvited(sessionId: string, invitees: { userId: string; mode: "watch" | "drive" }[], from: string): Promise<void>;
  /** A participant was dropped from a session (or their mode changed): their sockets on it close now. */
  dropTerminalParticipant(sessionId: string, userId: string): Promise<void>;
  /** A proxy relay socket's connect: its nonce came from this object, like the agent's own socket's, and is spent here. */
  spendRelayChallenge(nonce: string): Promise<"ok" | "offline" | "unknown">;
  /** The visitor hung up: the exchange's stream is reset, so the agent cancels the local request. */
  cancelExchange(exchangeId: string): Promise<void>;
  /** The proxy's route (slug, access, pause) may have changed in D1: the object, and its relay objects, hold it as it is now. */
  proxyRouteChanged(instanceId: string): Promise<ProxyRoute | null>;
  /** The proxy's route as D1 has it now (for a relay object whose copy disagrees with a request). */
  proxyRoute(instanceId: string): Promise<ProxyRoute | null>;

  // sync (syncs.ts): this instance is the source; the Worker has checked `sync:` on both
  /** Compares a folder here with a folder on another instance (or this one). */
  compareWith(destinationId: string, req: CompareRequest): Promise<DoResult<CompareResult>>;
  /** Starts a sync from a folder here to a folder on another instance (or this one); refused at once when the plan is. */
  startSync(destinationId: string, req: SyncStartRequest, requestedBy: string): Promise<DoResult<{ operationId: string }>>;
  /** A sync's state (one a restart cut short is continued; one waiting for an agent says so in `waiting`). */
  syncStatus(operationId: string): Promise<SyncOperation | null>;
  /** Stops a running sync before its next chunk or file; what is written stays written. */
  cancelSync(operationId: string): Promise<SyncOperation | null>;
  /** A sync run by `sourceId` waits for this instance's agent: its object is told as soon as the agent is back. */
  wakeSyncsWhenBack(sourceId: string): Promise<void>;
  /** A destination's agent is back: the syncs waiting for an agent are tried again now. */
  resumeSyncs(): Promise<void>;
  /** The destination's half of a sync: chunks from R2 to this instance's agent. */
  pullChunks(operation: string, ownerId: string, chunks: ChunkRef[], seed?: string[]): Promise<DoResult<{ downloaded: number }>>;

  // mirrors (mirrors.ts): their rows are in D1
  /** A mirror from this instance was saved or deleted: the agent's watch list and the schedule follow. */
  mirrorsChanged(): Promise<void>;
  /** An agent of one of this instance's mirrors came back: those whose last check failed are checked now. */
  recheckMirrors(): Promise<void>;
  checkMirror(id: string): Promise<DoResult<MirrorCheck>>;
  syncMirror(id: string, requestedBy: string): Promise<DoResult<{ operationId: string; row: MirrorRow }>>;
}

/** A script version to run: the Worker read it from the library (scoped to its owner) and checked `command:` on the instance. */
export type ScriptRunInput = {
  scriptId: string;
  version: number;
  interpreter: "sh" | "bash" | "python3";
  body: string;
  args?: string[];
  requestedBy: string;
  timeoutSeconds: number;
  /** The script's name, for the action's label (the id when absent). */
  name?: string;
};

export type OnProgress = (stream: "stdout" | "stderr", data: string) => void;

export type CompareRequest = { sourcePath: string; targetPath: string; exclude: string[]; verify: boolean; missingDestinationIsEmpty?: boolean };
export type SyncStartRequest = { sourcePath: string; targetPath: string; exclude: string[]; delete: boolean; only?: string[] };

/** What the agent said about itself when it connected. */
export type Hello = { agent_version: string; hostname: string; platform: string; arch: string; config: AgentConfig };

export type InstanceLive = {
  /** An agent socket is open right now. */
  online: boolean;
  /** What the dashboard shows: stays "online" through the short grace after a drop (no flapping). */
  status: "online" | "offline";
  connected_at: string | null;
  last_heartbeat: string | null;
  stats: SystemStats | null;
  hello: Hello | null;
};

/** A command (or a remote git operation) the instance ran, as its recent actions list it. */
export type ActionRecord = {
  id: string;
  command: string;
  requested_by: string;
  started_at: string;
  finished_at: string | null;
  status: "running" | "success" | "error";
  exit_code: number | null;
  duration_ms: number | null;
  output_tail: string;
  error: string | null;
};

/** A mirror's check: the compare's counts, the files still to sync, and the row as it is now. */
export type MirrorCheck = { summary: Record<CompareStatus, number>; pending: number; row: MirrorRow };

import type { CompareResult, FileCallMethod, ScanResult } from "@anchorage/common";
import { excludesGitDir } from "../../core/files/git-dir-writes.ts";
import { randomToken } from "../../core/ids.ts";
import type { DoResult } from "../../core/rpc/do-result.ts";
import type { CompareRequest, SyncStartRequest } from "../../core/rpc/instance-rpc.ts";
import type { ChunkRef, SyncOperation } from "../../core/rpc/sync-operation.ts";
import { touchChunks } from "../../core/sync-chunks/chunk-usage.ts";
import { fail, offline } from "./agent-failure.ts";
import type { AgentFiles } from "./agent-files.ts";
import { compareCrossInstance } from "./compare-cross-instance.ts";
import type { InstanceContext } from "./instance-context.ts";
import { planOperation } from "./sync-plan.ts";
import { SyncRuns } from "./sync-runs.ts";
import { SyncStore } from "./sync-store.ts";
import { pullChunksToAgent } from "./sync-transfer.ts";

/**
 * Syncs from this instance (the source) to a folder on another instance or this one: the compare,
 * the plan, and the transfer's runs (sync-runs.ts, sync-transfer.ts), their state in storage; the
 * destination's half (chunks from R2 to its agent); and the waits for an agent that is away. Its part
 * of the alarm: the retries that are due, and the watchdog of a run a restart cut short.
 */
export class Syncs {
  private readonly runs: SyncRuns;

  constructor(
    private readonly c: InstanceContext,
    private readonly files: AgentFiles,
    /** An operation ended (a mirror's: its state follows). */
    ended: (operationId: string) => void,
  ) {
    this.runs = new SyncRuns({
      store: new SyncStore(c.ctx.storage.sql),
      deps: (op) => this.deps(op),
      awaitDestination: (op) => {
        if (op.destinationInstanceId === op.sourceInstanceId) return; // this agent's hello resumes it
        c.background("sync", c.instanceStub(op.destinationInstanceId).wakeSyncsWhenBack(op.sourceInstanceId));
      },
      background: (p) => c.background("sync", p.then(() => c.flushed())),
      reschedule: () => c.reschedule(),
      ended,
    });
  }

  /** Compares a folder here with a folder on another instance (or this one); the Worker has checked `sync:` on both. */
  async compareWith(destinationId: string, req: CompareRequest): Promise<DoResult<CompareResult>> {
    const self = this.c.instance()?.id ?? "";
    const scanParams = (path: string) => ({ path, exclude: req.exclude, verify: req.verify });
    // Calling our own stub from inside would queue behind this very call: scan directly instead.
    const scanned = destinationId === self ? this.files.scan(scanParams(req.targetPath)) : (this.c.instanceStub(destinationId).scan(scanParams(req.targetPath)) as Promise<DoResult<ScanResult>>);
    // A sync may create its target folder; only the source must exist (a missing source could be an unmounted disk).
    const destination: Promise<DoResult<ScanResult>> = scanned.then((r) =>
      !r.ok && r.code === "E-NOT-FOUND" && req.missingDestinationIsEmpty ? { ok: true, value: { root: req.targetPath, files: [], links: [], dirs: [], excluded: 0, skipped: [], hashed: 0 } } : r,
    );
    return compareCrossInstance(
      { instanceId: self, path: req.sourcePath, scan: this.files.scan(scanParams(req.sourcePath)) },
      { instanceId: destinationId, path: req.targetPath, scan: destination },
    );
  }

  /**
   * Starts a sync from a folder here to a folder on another instance (or this one); the Worker has
   * checked `sync:` on both. The compare and the plan run before answering, so a missing or empty
   * source or a mass deletion is refused at once; the transfer then runs here, its state in storage.
   */
  async start(destinationId: string, req: SyncStartRequest, requestedBy: string): Promise<DoResult<{ operationId: string }>> {
    const inst = this.c.instance();
    if (!inst) return offline();
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
    this.emit(op);
    this.runs.start(op, planned.plan);
    await this.c.reschedule();
    return { ok: true, value: { operationId: op.id } };
  }

  /**
   * A sync's state. One still running that this object is not running (a restart cut it short) is
   * continued from its stored plan; one waiting for an agent says so in `waiting`.
   */
  status(operationId: string): SyncOperation | null {
    return this.runs.status(operationId) ?? null;
  }

  /** Stops a running sync before its next chunk or file; what is written stays written. */
  cancel(operationId: string): SyncOperation | null {
    return this.runs.cancel(operationId) ?? null;
  }

  /** The destination's half of a sync: chunks from R2 to this instance's agent. */
  pullChunks(operation: string, ownerId: string, chunks: ChunkRef[], seed: string[] = []): Promise<DoResult<{ downloaded: number }>> {
    return pullChunksToAgent((m, p, b) => this.files.call(m, p, b), this.c.env.BLOBS, operation, ownerId, chunks, seed);
  }

  /** A sync run by `sourceId` waits for this instance's agent: its object is told as soon as the agent is back. */
  waitForAgent(sourceId: string): void {
    this.c.state.setMeta("sync_waiters", [...new Set([...(this.c.state.getMeta<string[]>("sync_waiters") ?? []), sourceId])]);
    if (this.c.agentSockets().length) this.wakeSources(); // it came back meanwhile
  }

  /** This instance's agent is back: syncs from here waiting for it carry on, and so do those other instances run to this one. */
  agentBack(): void {
    this.runs.resume({ agentBack: true });
    this.wakeSources();
  }

  /** Another instance's agent (a destination's) is back: the syncs waiting for an agent are tried again now. */
  destinationBack(): void {
    this.runs.resume({ agentBack: true });
  }

  wakeAt(): number | undefined {
    return this.runs.wakeAt();
  }

  /** Syncs whose retry is due, or that a restart cut short. */
  alarm(): void {
    this.runs.resume();
  }

  /** This instance's agent is back: syncs waiting for it, run by other instances, carry on now. */
  private wakeSources() {
    for (const sourceId of this.c.state.getMeta<string[]>("sync_waiters") ?? []) this.c.background("sync", this.c.instanceStub(sourceId).resumeSyncs());
    this.c.state.setMeta("sync_waiters", undefined);
  }

  /** What a sync run from here talks to: this agent, the destination's object (or this one), R2, the events, D1's chunk use. */
  private deps(op: SyncOperation) {
    const destination = op.destinationInstanceId === op.sourceInstanceId ? null : this.c.instanceStub(op.destinationInstanceId);
    const here = (m: FileCallMethod, p: unknown, b?: Uint8Array) => this.files.call(m, p, b);
    return {
      source: here,
      destination: destination ? (m: FileCallMethod, p: unknown, b?: Uint8Array) => destination.fileCall(m, p, b) as Promise<DoResult<{ result: unknown; body: Uint8Array }>> : here,
      pullChunks: destination
        ? (o: string, owner: string, c: ChunkRef[], seed?: string[]) => destination.pullChunks(o, owner, c, seed) as Promise<DoResult<{ downloaded: number }>>
        : (o: string, owner: string, c: ChunkRef[], seed?: string[]) => this.pullChunks(o, owner, c, seed),
      bucket: this.c.env.BLOBS,
      progress: (o: SyncOperation, paths?: string[]) => this.emit(o, paths),
      touchChunks: (owner: string, chunks: ChunkRef[]) => touchChunks(this.c.db(), owner, chunks),
      away: async () => {
        if (!this.c.agentSockets().length) return `source ${op.sourceInstanceId}: the instance is offline`;
        if (destination && !(await destination.live()).online) return `destination ${op.destinationInstanceId}: the instance is offline`;
        return null;
      },
    };
  }

  /**
   * A sync's progress, twice over: `cloud:sync-activity` with its counts, and `cloud:command-progress`
   * (action id = operation id) with a line per file, so anything that follows commands follows syncs.
   * One of each per batch of files (`path`: its last file).
   */
  private emit(op: SyncOperation, paths?: string[]) {
    const at = new Date().toISOString();
    const path = paths?.at(-1);
    this.c.emit({
      type: "cloud:sync-activity", instanceId: op.sourceInstanceId, destinationInstanceId: op.destinationInstanceId, operationId: op.id, at,
      state: op.state, files: { ...op.files }, bytes: { ...op.bytes }, ...(path ? { path } : {}), ...(op.error ? { error: op.error } : {}),
    });
    const base = { type: "cloud:command-progress" as const, instanceId: op.sourceInstanceId, actionId: op.id, command: `sync ${op.sourcePath} → ${op.destinationInstanceId}:${op.targetPath}`.slice(0, 200), at };
    if (paths?.length) this.c.emit({ ...base, stream: "stdout", data: paths.map((p) => `${p}\n`).join("") });
    else if (op.state === "running") this.c.emit({ ...base, status: "running" });
    else this.c.emit({ ...base, status: op.state === "done" ? "success" : "error", ...(op.state !== "done" ? { error: op.error ?? op.state } : {}) });
  }
}

import { runSyncTransfer, type SyncDeps, type SyncPlanPaths } from "./sync-transfer.ts";
import type { SyncOperation } from "../../core/rpc/sync-operation.ts";
import type { SyncStore } from "./sync-store.ts";

/** While an operation runs, the object's alarm comes back this often: a run cut short by a restart is continued by it. */
export const SYNC_WATCHDOG_MS = 60_000;

export type SyncRunsHost = {
  store: SyncStore;
  /** What a run of this operation talks to: its agents, R2, the events. */
  deps: (op: SyncOperation) => Omit<SyncDeps, "load" | "save" | "planDone">;
  /** Keeps the object at work until the promise settles. */
  background: (p: Promise<unknown>) => void;
  /** Sets the object's alarm again (wakeAt has changed). */
  reschedule: () => Promise<void>;
  /** An operation ended (done, failed or cancelled; not paused). */
  ended?: (id: string) => void;
  /** An operation paused because its destination's agent is away: have its object say when it is back. */
  awaitDestination?: (op: SyncOperation) => void;
};

/**
 * The syncs a source InstanceDO runs, and their resume (issue #7): every operation and what is
 * left of its plan are in storage (SyncStore); the runs themselves live in memory. A running
 * operation that is not running here was cut short (the object restarted) or is waiting for an
 * agent: it is run again when its retry is due (the alarm), when this instance's agent comes back,
 * or when someone asks for its status, and continues from what is stored.
 */
export class SyncRuns {
  private readonly active = new Set<string>();

  constructor(private readonly host: SyncRunsHost) {}

  /** A new operation: stored with its plan, then run. */
  start(op: SyncOperation, plan: SyncPlanPaths): void {
    this.host.store.prune();
    this.host.store.put(op);
    this.host.store.savePlan(op.id, plan);
    this.run(op);
  }

  /** Runs again the stored running operations that are not running here and are due; with `agentBack`, every waiting one. */
  resume(opts: { agentBack?: boolean } = {}, now = Date.now()): void {
    for (const op of this.host.store.running()) {
      if (this.active.has(op.id)) continue;
      if (!op.waiting || opts.agentBack || op.waiting.retry_at <= now) this.run(op);
    }
  }

  /** When the alarm should come for the syncs: a waiting operation's retry, now for one cut short, a watchdog while one runs. */
  wakeAt(now = Date.now()): number | undefined {
    const times = this.host.store.running().map((op) => (this.active.has(op.id) ? now + SYNC_WATCHDOG_MS : (op.waiting?.retry_at ?? now)));
    return times.length ? Math.min(...times) : undefined;
  }

  /** The stored operation; one cut short by a restart is continued first. */
  status(id: string): SyncOperation | undefined {
    const op = this.host.store.get(id);
    if (op?.state === "running" && !op.waiting && !this.active.has(id)) this.run(op);
    return op;
  }

  /** Stops a running operation before its next chunk or file; one not running here (waiting) ends at once. */
  cancel(id: string): SyncOperation | undefined {
    const op = this.host.store.get(id);
    if (!op || op.state !== "running") return op;
    const cancelled: SyncOperation = { ...op, state: "cancelled" };
    if (this.active.has(id)) {
      this.host.store.put(cancelled); // the run sees it before its next chunk or file, and ends
      return cancelled;
    }
    delete cancelled.waiting;
    cancelled.finished_at = new Date().toISOString();
    this.host.store.put(cancelled);
    const deps = this.host.deps(op);
    this.host.background(deps.destination("files.stage.clear", { operation: id }).catch(() => undefined));
    deps.progress(cancelled);
    this.host.ended?.(id);
    this.host.background(this.host.reschedule());
    return cancelled;
  }

  private run(op: SyncOperation): void {
    const { store } = this.host;
    this.active.add(op.id);
    const plan = store.plan(op.id);
    const run = runSyncTransfer(op, plan, {
      ...this.host.deps(op),
      load: () => store.get(op.id),
      save: (o) => {
        // A cancel recorded meanwhile stays recorded.
        const stored = store.get(o.id);
        store.put(stored?.state === "cancelled" && o.state === "running" ? { ...o, state: "cancelled" } : o);
      },
      planDone: (kind, paths) => store.planDone(op.id, kind, paths),
    })
      .finally(() => this.active.delete(op.id))
      .then((o) => {
        if (o.state !== "running") this.host.ended?.(o.id);
        else if (o.waiting?.reason.startsWith("destination ")) this.host.awaitDestination?.(o);
        return this.host.reschedule();
      });
    this.host.background(run);
  }
}

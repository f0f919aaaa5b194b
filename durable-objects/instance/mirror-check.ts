import { pendingMirrorFiles, type CompareResult, type MirrorEvent, type MirrorState } from "@anchorage/common";
import type { Db } from "../../core/db/client.ts";
import type { MirrorRow } from "../../core/db/schema.ts";
import { nowIso } from "../../core/ids.ts";
import { updateMirrorState, type MirrorStatePatch } from "../../core/sync/mirror-store.ts";
import { mirrorEvent } from "../../core/sync/mirror-view.ts";
import type { DoResult } from "../../core/rpc/do-result.ts";
import type { SyncOperation } from "../../core/rpc/sync-operation.ts";
import type { MirrorCheck } from "../../core/rpc/instance-rpc.ts";

/**
 * A mirror's check and sync (issue #7), run in its source's InstanceDO: a check is the compare of
 * the cross-instance sync, a sync is that sync's operation; these functions only keep the mirror's
 * state in D1 and announce it. Plain functions over `MirrorDeps`, so a test can run them without a socket.
 */
export type MirrorDeps = {
  db: Db;
  /** The compare of compare-cross-instance, run from this (the source's) object. */
  compare: (destinationId: string, req: { sourcePath: string; targetPath: string; exclude: string[]; verify: boolean; missingDestinationIsEmpty: boolean }) => Promise<DoResult<CompareResult>>;
  /** The cross-instance sync's start. */
  startSync: (destinationId: string, req: { sourcePath: string; targetPath: string; exclude: string[]; delete: boolean }, requestedBy: string) => Promise<DoResult<{ operationId: string }>>;
  syncStatus: (operationId: string) => Promise<SyncOperation | null>;
  emit: (event: MirrorEvent) => void;
  now: () => number;
};

/** Whether the mirror's last sync is still running (a row left `syncing` by an object that restarted is not). */
export async function syncRunning(deps: MirrorDeps, row: MirrorRow): Promise<boolean> {
  if (row.state !== "syncing" || !row.lastOperationId) return false;
  return (await deps.syncStatus(row.lastOperationId))?.state === "running";
}

/** Compares the mirror's folders now and records what that says: in sync, needs sync, or the error. */
export async function checkMirror(deps: MirrorDeps, row: MirrorRow): Promise<DoResult<MirrorCheck>> {
  const r = await deps.compare(row.destinationInstanceId, { sourcePath: row.sourcePath, targetPath: row.targetPath, exclude: row.exclude, verify: false, missingDestinationIsEmpty: true });
  const at = nowIso(deps.now());
  const running = await syncRunning(deps, row);
  if (!r.ok) {
    await record(deps, row, { state: running ? "syncing" : "error", lastError: r.message, lastErrorAt: at });
    return r;
  }
  const summary = r.value.summary;
  const pending = pendingMirrorFiles(summary, row.deleteFiles);
  const state: MirrorState = running ? "syncing" : pending > 0 ? "needs_sync" : "in_sync";
  const updated = await record(deps, row, { state, lastCheckAt: at, lastSummary: summary, lastError: null, lastErrorAt: null });
  return { ok: true, value: { summary, pending, row: updated ?? row } };
}

/** Starts the mirror's sync (refused while one of its syncs runs); the mirror is `syncing` until it ends. */
export async function startMirrorSync(deps: MirrorDeps, row: MirrorRow, requestedBy: string): Promise<DoResult<{ operationId: string; row: MirrorRow }>> {
  if (await syncRunning(deps, row)) return { ok: false, code: "E-CONFLICT", message: `a sync of this mirror is running: ${row.lastOperationId}` };
  const r = await deps.startSync(row.destinationInstanceId, { sourcePath: row.sourcePath, targetPath: row.targetPath, exclude: row.exclude, delete: row.deleteFiles }, requestedBy);
  if (!r.ok) {
    await record(deps, row, { state: "error", lastError: r.message, lastErrorAt: nowIso(deps.now()) });
    return r;
  }
  const updated = await record(deps, row, { state: "syncing", lastOperationId: r.value.operationId, lastError: null, lastErrorAt: null }, r.value.operationId);
  return { ok: true, value: { operationId: r.value.operationId, row: updated ?? row } };
}

/**
 * The mirror's sync ended. Done: its time is kept and the folders are checked again, so the state
 * is what is there now (a change made during the sync leaves it `needs_sync`). Cancelled: checked
 * again too. Failed: `error`, with the operation's reason.
 */
export async function finishMirrorSync(deps: MirrorDeps, row: MirrorRow, op: SyncOperation): Promise<DoResult<MirrorCheck> | null> {
  if (op.state === "running") return null;
  if (op.state === "failed") {
    await record(deps, row, { state: "error", lastError: op.error ?? "the sync failed", lastErrorAt: op.finished_at ?? nowIso(deps.now()) });
    return null;
  }
  const synced = op.state === "done" ? ((await updateMirrorState(deps.db, row.id, { lastSyncAt: op.finished_at ?? nowIso(deps.now()), state: "needs_sync" })) ?? null) : { ...row, state: "needs_sync" };
  if (!synced) return null; // deleted meanwhile
  return checkMirror(deps, synced);
}

/** The source's agent saw a change under the mirror's folder: `needs_sync` now (a running sync stays `syncing`). */
export async function markChanged(deps: MirrorDeps, row: MirrorRow): Promise<MirrorRow> {
  if (await syncRunning(deps, row)) return row;
  if (row.state === "needs_sync") return row;
  return (await record(deps, row, { state: "needs_sync" })) ?? row;
}

/**
 * Scheduled work on the mirror stops for this reason (its owner lost `sync:`): `error`, saying why,
 * announced once. The time is kept every time, so the schedule waits an interval before asking again.
 */
export async function haltMirror(deps: MirrorDeps, row: MirrorRow, reason: string): Promise<void> {
  const patch: MirrorStatePatch = { state: "error", lastError: reason, lastErrorAt: nowIso(deps.now()) };
  if (row.state === "error" && row.lastError === reason) await updateMirrorState(deps.db, row.id, patch);
  else await record(deps, row, patch);
}

/** Stores the outcome and tells the dashboard (when the mirror still exists). */
async function record(deps: MirrorDeps, row: MirrorRow, patch: MirrorStatePatch, operationId?: string): Promise<MirrorRow | undefined> {
  const updated = await updateMirrorState(deps.db, row.id, patch);
  if (updated) deps.emit(mirrorEvent(updated, nowIso(deps.now()), operationId ? { operationId } : {}));
  return updated;
}

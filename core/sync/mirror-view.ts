import { reportedMirrorState, type Mirror, type MirrorDirection, type MirrorEvent, type MirrorState } from "@anchorage/common";
import type { MirrorRow } from "../db/schema.ts";

/** The API's view of a mirror's row, its state as of `now` (stale when not checked successfully within twice its interval). */
export function mirrorView(r: MirrorRow, now = Date.now()): Mirror {
  return {
    id: r.id,
    direction: r.direction as MirrorDirection,
    name: r.name,
    ownerId: r.ownerId,
    sourceInstanceId: r.sourceInstanceId,
    destinationInstanceId: r.destinationInstanceId,
    sourcePath: r.sourcePath,
    targetPath: r.targetPath,
    options: { exclude: r.exclude, delete: r.deleteFiles },
    intervalSeconds: r.intervalSeconds,
    autoSync: r.autoSync,
    state: reportedMirrorState({ state: r.state as MirrorState, intervalSeconds: r.intervalSeconds, last_check_at: r.lastCheckAt, created_at: r.createdAt }, now),
    last_check_at: r.lastCheckAt,
    last_sync_at: r.lastSyncAt,
    last_summary: (r.lastSummary as Mirror["last_summary"]) ?? null,
    last_error: r.lastError,
    last_error_at: r.lastErrorAt,
    last_operation_id: r.lastOperationId,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

/** The `cloud:mirror` event for a row as it is now (`deleted` once it is gone). */
export function mirrorEvent(row: MirrorRow, at: string, extra: { operationId?: string; deleted?: true } = {}): MirrorEvent {
  return {
    type: "cloud:mirror",
    instanceId: row.sourceInstanceId,
    destinationInstanceId: row.destinationInstanceId,
    mirrorId: row.id,
    direction: row.direction as MirrorDirection,
    state: reportedMirrorState({ state: row.state as MirrorState, intervalSeconds: row.intervalSeconds, last_check_at: row.lastCheckAt, created_at: row.createdAt }, Date.parse(at)),
    at,
    last_check_at: row.lastCheckAt,
    last_sync_at: row.lastSyncAt,
    ...(row.lastError ? { last_error: row.lastError } : {}),
    ...extra,
  };
}

import { and, desc, eq, lt, or, sql, type AnyColumn, type SQL } from "drizzle-orm";
import type { ActivityKind, ActivityStatus } from "@anchorage/common";
import { mapLimited } from "@anchorage/common/map-limited";
import type { Db } from "../../../core/db/client.ts";
import { auditLog } from "../../../core/db/schema.ts";
import type { AuditRow } from "../../../core/audit/audit-event.ts";
import type { SyncOperation } from "../../../core/rpc/sync-operation.ts";
import type { ActivityScope } from "./activity-scope.ts";
import type { RawItem } from "./command-activity.ts";
import { auditActionsFor, auditKind, REMOTE_GIT_ACTIONS, SYNC_STARTS } from "./audit-kinds.ts";

/** Zero-padded, so ids compare as strings the way audit ids compare as numbers. */
export const auditItemId = (id: number) => `aud_${String(id).padStart(12, "0")}`;

/** `col IN (ids)` with the ids as one JSON parameter: D1 binds at most 100 parameters a query. */
const inIds = (col: AnyColumn, ids: string[]) => sql`${col} in (select value from json_each(${JSON.stringify(ids)}))`;

export type AuditQuery = { kind?: ActivityKind; status?: ActivityStatus; before?: { at: string; id: string }; limit: number };

/** Rows strictly after the cursor in the list's order (`at` desc, then item id desc). */
function olderThan(before: { at: string; id: string }): SQL | undefined {
  if (before.id.startsWith("aud_")) {
    const n = Number(before.id.slice(4));
    return or(lt(auditLog.at, before.at), and(eq(auditLog.at, before.at), lt(auditLog.id, n)));
  }
  // Any other id sorts against `aud_…` as strings do: rows at the same instant come before (`act_…`) or after it.
  return before.id < "aud_" ? lt(auditLog.at, before.at) : sql`${auditLog.at} <= ${before.at}`;
}

/**
 * The newest audit rows about the scope's instances that the Activity list may show: all of an
 * owned (or, for an admin, any) instance's, and on a shared one only the caller's own.
 */
export async function activityAuditRows(db: Db, scope: ActivityScope, userId: string, q: AuditQuery): Promise<AuditRow[]> {
  const { exact, git } = auditActionsFor(q.kind, q.status);
  if ((!exact.length && !git) || (!scope.full.length && !scope.own.length)) return [];
  const whose = or(
    scope.full.length ? inIds(auditLog.subjectId, scope.full) : undefined,
    scope.own.length ? and(inIds(auditLog.subjectId, scope.own), eq(auditLog.actorId, userId)) : undefined,
  );
  const which = or(
    exact.length ? inIds(auditLog.action, exact) : undefined,
    git ? sql`${auditLog.action} LIKE ${"cloud.git\\_%"} ESCAPE '\\'` : undefined,
  );
  return db
    .select()
    .from(auditLog)
    .where(and(whose, which, q.before ? olderThan(q.before) : undefined))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(q.limit)
    .all();
}

const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);

/** How a sync's outcome reads, from its operation (null: no longer kept by the source's object). */
function syncOutcome(op: SyncOperation | null | undefined): { status: ActivityStatus; words: string; output?: string } {
  if (!op) return { status: "success", words: "started; its outcome is no longer kept" };
  const files = `${op.files.done} of ${op.files.total} file${op.files.total === 1 ? "" : "s"}`;
  switch (op.state) {
    case "running":
      return { status: "pending", words: op.waiting ? `waiting for an agent (${files})` : `running (${files})` };
    case "done":
      return { status: "success", words: `done (${files})` };
    case "cancelled":
      return { status: "error", words: `cancelled (${files})` };
    case "failed":
      return { status: "error", words: "failed", ...(op.error ? { output: op.error } : {}) };
  }
}

export type AuditNames = {
  /** Names of the instances the caller can see (others are "another instance"). */
  instanceName: (id: string) => string | null;
  /** Sync operations of the rows, by operation id. */
  syncs: Map<string, SyncOperation | null>;
};

/** An audit row as an item, or null when it is no activity (an action this list does not show). */
export function auditRowToItem(row: AuditRow, names: AuditNames): RawItem | null {
  const kind = auditKind(row.action);
  const instanceName = row.subjectId ? names.instanceName(row.subjectId) : null;
  if (!kind || !row.subjectId || instanceName === null) return null;
  const d = row.detail ?? {};
  let status: ActivityStatus = "success";
  let summary: string;
  let output: string | undefined;
  const destination = () => {
    const id = str(d.destination);
    return (id && names.instanceName(id)) ?? "another instance";
  };
  switch (row.action) {
    case "cloud.command": {
      status = d.status === "error" ? "error" : "success";
      const exit = typeof d.exit_code === "number" ? `exit code ${d.exit_code}; ` : "";
      summary = `Ran ${str(d.command) ?? "a command"} (${exit}its output is no longer kept)`;
      break;
    }
    case "cloud.sync_start":
    case "cloud.mirror_sync": {
      const outcome = syncOutcome(names.syncs.get(str(d.operation) ?? ""));
      status = outcome.status;
      output = outcome.output;
      summary = `${row.action === "cloud.mirror_sync" ? "Mirror sync" : "Sync"} of ${str(d.source_path) ?? "a folder"} to ${destination()}:${str(d.target_path) ?? "?"}: ${outcome.words}`;
      break;
    }
    case "cloud.mirror_saved":
      summary = `Mirror ${d.created ? "made" : "changed"}: ${str(d.source_path) ?? "a folder"} to ${destination()}:${str(d.target_path) ?? "?"}`;
      break;
    case "cloud.mirror_deleted":
      summary = "Mirror deleted";
      break;
    case "cloud.proxy_paused":
      summary = `Proxy paused${str(d.reason) ? `: ${str(d.reason)}` : ""}`;
      break;
    case "cloud.proxy_resumed":
      summary = "Proxy resumed";
      break;
    case "cloud.proxy_renamed":
      summary = `Proxy renamed from ${str(d.from) ?? "(none)"} to ${str(d.to) ?? "(none)"}`;
      break;
    case "cloud.file_write":
      summary = `${d.created ? "Created" : "Saved"} ${str(d.path) ?? "a file"}${typeof d.size === "number" ? ` (${d.size} bytes)` : ""}`;
      break;
    case "cloud.file_mkdir":
      summary = `Made folder ${str(d.path) ?? "?"}`;
      break;
    case "cloud.file_rename":
      summary = `Moved ${str(d.from) ?? "?"} to ${str(d.to) ?? "?"}`;
      break;
    case "cloud.file_delete":
      summary = `Deleted ${str(d.path) ?? "?"}${str(d.backup) ? ` (kept as ${str(d.backup)})` : ""}`;
      break;
    case "cloud.terminal_opened":
      summary = "Opened a terminal";
      break;
    case "cloud.forward_opened":
      summary = `Opened a TCP forward to ${str(d.name) ?? "?"}`;
      break;
    case "cloud.instance_registered":
      summary = `Anchored${str(d.name) ? ` as ${str(d.name)}` : ""}`;
      break;
    case "cloud.instance_disconnected":
      summary = "Told the agent to disconnect";
      break;
    case "cloud.instance_tagged":
      summary = Array.isArray(d.tags) && d.tags.length ? `Tagged ${d.tags.join(", ")}` : "Removed its tags";
      break;
    default: {
      // cloud.git_<op>: a remote one ran as an action, whose record (with its result) has since gone.
      const op = row.action.slice("cloud.git_".length);
      summary = `git ${op}${str(d.repo) ? ` in ${str(d.repo)}` : ""}${REMOTE_GIT_ACTIONS.has(row.action) ? " (its result is no longer kept)" : ""}`;
    }
  }
  return {
    id: auditItemId(row.id),
    kind,
    status,
    instance_id: row.subjectId,
    instance_name: instanceName,
    actor_id: row.actorId,
    at: row.at,
    summary,
    ...(output ? { output } : {}),
  };
}

/** Whether the row is one of the instance's recorded actions (a command, a remote git call) already read from its object. */
export function isCoveredByActions(row: AuditRow, coveredSince: Map<string, string>): boolean {
  if (row.action !== "cloud.command" && !REMOTE_GIT_ACTIONS.has(row.action)) return false;
  const since = row.subjectId ? coveredSince.get(row.subjectId) : undefined;
  // The entry is written when the action has ended, so at or after its start.
  return since !== undefined && row.at >= since;
}

/** The sync operations the rows started, from their source instance's object; null where it no longer has one. */
export async function syncOperationsOf(rows: AuditRow[], status: (sourceId: string, operationId: string) => Promise<SyncOperation | null>): Promise<Map<string, SyncOperation | null>> {
  const wanted = new Map<string, string>();
  for (const r of rows) {
    const op = str(r.detail?.operation);
    if (SYNC_STARTS.has(r.action) && op && r.subjectId) wanted.set(op, r.subjectId);
  }
  const found = await mapLimited([...wanted], 8, async ([op, source]) => [op, await status(source, op)] as const);
  return new Map(found);
}

import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  mirrorCheckedSchema,
  mirrorDeletedSchema,
  mirrorIdRequestSchema,
  mirrorListQuerySchema,
  mirrorListSchema,
  mirrorSavedSchema,
  mirrorSaveRequestSchema,
  mirrorSyncStartedSchema,
  pendingMirrorFiles,
  type CompareResult,
  type MirrorDirection,
  type MirrorSaveRequest,
} from "@anchorage/common";
import type { AppEnv } from "../../http/app-env.ts";
import { newRouter } from "../../http/router.ts";
import { AppError, notFound } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { actorDetail } from "../../../core/auth/principal.ts";
import type { MirrorRow } from "../../../core/db/schema.ts";
import { nowIso } from "../../../core/ids.ts";
import { publishToAudience } from "../../../core/events/publish.ts";
import { requireInstance } from "../../../core/instances/instance-access.ts";
import { destinationExcludes } from "../../../core/files/git-dir-writes.ts";
import { visibleInstances } from "../instances/visible-instances.ts";
import type { DoResult } from "../../../core/rpc/do-result.ts";
import type { MirrorCheck } from "../../../core/rpc/instance-rpc.ts";
import { requireMirror } from "../../../core/sync/mirror-access.ts";
import { deleteMirror, findSamePair, mirrorsTouching, newMirrorId, saveMirror, type MirrorStatePatch } from "../../../core/sync/mirror-store.ts";
import { mirrorEvent, mirrorView } from "../../../core/sync/mirror-view.ts";

/**
 * Push mirrors (`/api/cloud/mirrors/*`) and pull mirrors (`/api/cloud/pulls/*`), issue #7: the same
 * routes over one table, each prefix seeing only its own direction. Everything needs `sync:` on
 * both of a mirror's instances; its check and sync run in the source's InstanceDO (mirror-schedule.ts).
 */
export function mirrorRoutes(direction: MirrorDirection) {
  const router = newRouter();
  const tags = [direction === "push" ? "mirrors" : "pulls"];
  const what = direction === "push" ? "push mirror (listed on its source's side)" : "pull mirror (listed on its destination's side)";

  router.openapi(
    createRoute({
      method: "get", path: "/list", tags, ...signedIn,
      summary: `Every ${what} you may use (sync: on both its instances), or those touching one instance; each with its state as of now (stale: not checked successfully within twice its interval)`,
      request: { query: mirrorListQuerySchema },
      responses: { 200: jsonResponse(mirrorListSchema, "The mirrors, oldest first"), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { instanceId } = c.req.valid("query");
      const visible = await visibleInstances(c.get("db"), c.get("principal"));
      if (instanceId && !visible.some((a) => a.instance.id === instanceId)) throw notFound("instance");
      const syncable = new Set(visible.filter((a) => a.permissions.includes("sync:cloud_instance")).map((a) => a.instance.id));
      const rows = await mirrorsTouching(c.get("db"), direction, instanceId ? [instanceId] : [...syncable]);
      const now = Date.now();
      return c.json({ mirrors: rows.filter((r) => syncable.has(r.sourceInstanceId) && syncable.has(r.destinationInstanceId)).map((r) => mirrorView(r, now)) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "post", path: "/save", tags, ...signedIn,
      summary: `Create a ${what} (no id) or change one (its id): the folders are compared at once, so a path outside an agent's roots, a missing source or an overlap is refused and nothing is saved. An agent that is offline does not stop the save: the mirror is stale until its first check`,
      request: { body: jsonBody(mirrorSaveRequestSchema) },
      responses: {
        200: jsonResponse(mirrorSavedSchema, "Changed"),
        201: jsonResponse(mirrorSavedSchema, "Created"),
        ...errorResponses(400, 401, 403, 404, 409, 413),
      },
    }),
    async (c) => {
      const req = c.req.valid("json");
      const { row, created } = await save(c, direction, req);
      return created ? c.json({ success: true as const, mirror: mirrorView(row) }, 201) : c.json({ success: true as const, mirror: mirrorView(row) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "post", path: "/delete", tags, ...signedIn,
      summary: `Delete a ${what}: no more checks, syncs or watching. Files stay where they are`,
      request: { body: jsonBody(mirrorIdRequestSchema) },
      responses: { 200: jsonResponse(mirrorDeletedSchema, "Deleted"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const p = c.get("principal");
      const db = c.get("db");
      const { row, source } = await requireMirror(db, p, c.req.valid("json").id, direction);
      await deleteMirror(db, row.id);
      await sourceObject(c, row.sourceInstanceId).mirrorsChanged();
      announce(c, source.instance, row, { deleted: true });
      await recordAudit(db, { actorId: p.userId, action: "cloud.mirror_deleted", subjectId: source.instance.id, ip: clientIp(c.req.raw), detail: { mirror: row.id, direction, ...actorDetail(p) } }, eventSink(c));
      return c.json({ success: true as const, id: row.id }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "post", path: "/sync", tags, ...signedIn,
      summary: `Sync a ${what} now: the cross-instance sync of its folders with its options. Refused while one of its syncs runs (409), and like any sync (a missing or empty source, a mass deletion)`,
      request: { body: jsonBody(mirrorIdRequestSchema) },
      responses: { 200: jsonResponse(mirrorSyncStartedSchema, "Started: follow it at /api/cloud/sync/operations/{operationId}"), ...errorResponses(400, 401, 403, 404, 409, 503, 504) },
    }),
    async (c) => {
      const p = c.get("principal");
      const db = c.get("db");
      const { row } = await requireMirror(db, p, c.req.valid("json").id, direction);
      const r = (await sourceObject(c, row.sourceInstanceId).syncMirror(row.id, p.userId)) as DoResult<{ operationId: string; row: MirrorRow }>;
      if (!r.ok) throw new AppError(r.code, r.message);
      await recordAudit(db, {
        actorId: p.userId, action: "cloud.mirror_sync", subjectId: row.sourceInstanceId, ip: clientIp(c.req.raw),
        detail: { mirror: row.id, direction, operation: r.value.operationId, destination: row.destinationInstanceId, source_path: row.sourcePath, target_path: row.targetPath, delete: row.deleteFiles, ...actorDetail(p) },
      }, eventSink(c));
      return c.json({ success: true as const, operationId: r.value.operationId, mirror: mirrorView(r.value.row) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "post", path: "/check", tags, ...signedIn,
      summary: `Check a ${what} now: compare its folders, record in_sync or needs_sync, and answer the compare's counts`,
      request: { body: jsonBody(mirrorIdRequestSchema) },
      responses: { 200: jsonResponse(mirrorCheckedSchema, "Checked"), ...errorResponses(400, 401, 403, 404, 413, 503, 504) },
    }),
    async (c) => {
      const { row } = await requireMirror(c.get("db"), c.get("principal"), c.req.valid("json").id, direction);
      const r = (await sourceObject(c, row.sourceInstanceId).checkMirror(row.id)) as DoResult<MirrorCheck>;
      if (!r.ok) throw new AppError(r.code, r.message);
      return c.json({ success: true as const, summary: r.value.summary, pending: r.value.pending, mirror: mirrorView(r.value.row) }, 200);
    },
  );

  return router;
}

/** An agent that could not be asked: the save goes ahead, the mirror stale until its first check. Anything else is the request's fault. */
const UNREACHABLE: ReadonlySet<string> = new Set(["E-INSTANCE-OFFLINE", "E-INTERNAL", "E-TIMEOUT"]);

/** Validates, compares once (the agents confine the paths to their roots), and writes the mirror. */
async function save(c: Context<AppEnv>, direction: MirrorDirection, req: MirrorSaveRequest): Promise<{ row: MirrorRow; created: boolean }> {
  const p = c.get("principal");
  const db = c.get("db");
  const existing = req.id ? (await requireMirror(db, p, req.id, direction)).row : undefined;
  const { instance: source } = await requireInstance(db, p, req.sourceInstanceId, "sync:cloud_instance");
  const destination = await requireInstance(db, p, req.destinationInstanceId, "sync:cloud_instance");
  // Without command: on the destination, the mirror keeps .git out of its scans for good (issue 19).
  req = { ...req, options: { ...req.options, exclude: destinationExcludes(destination, req.targetPath, req.options.exclude) } };
  if (req.sourceInstanceId === req.destinationInstanceId && overlaps(req.sourcePath, req.targetPath)) {
    throw new AppError("E-VALIDATION", "on one instance, the source and target folders must not be the same or inside one another", {
      fields: [{ path: "targetPath", message: `overlaps the source folder ${req.sourcePath}` }],
    });
  }
  const same = await findSamePair(db, req);
  if (same && same.id !== existing?.id) throw new AppError("E-CONFLICT", `mirror ${same.id} already copies these folders`);

  const stub = sourceObject(c, source.id);
  const compared = (await stub.compareWith(req.destinationInstanceId, { sourcePath: req.sourcePath, targetPath: req.targetPath, exclude: req.options.exclude, verify: false, missingDestinationIsEmpty: true })) as DoResult<CompareResult>;
  if (!compared.ok && !UNREACHABLE.has(compared.code)) throw new AppError(compared.code, compared.message);
  const at = nowIso();
  const pending = compared.ok ? pendingMirrorFiles(compared.value.summary, req.options.delete) : 0;
  const patch: MirrorStatePatch = compared.ok
    ? { state: pending > 0 ? "needs_sync" : "in_sync", lastCheckAt: at, lastSummary: compared.value.summary, lastError: null, lastErrorAt: null }
    : { state: "stale", lastError: `not checked yet: ${compared.message}`, lastErrorAt: at };
  let row = await saveMirror(db, { id: existing?.id ?? newMirrorId(), ownerId: p.userId, direction, req, existing }, patch);

  // The old source stops watching a folder that is no longer mirrored; the new one starts.
  if (existing && existing.sourceInstanceId !== row.sourceInstanceId) await sourceObject(c, existing.sourceInstanceId).mirrorsChanged();
  await stub.mirrorsChanged();
  if (row.autoSync && pending > 0) {
    const r = (await stub.syncMirror(row.id, p.userId)) as DoResult<{ operationId: string; row: MirrorRow }>;
    if (r.ok) row = r.value.row;
  }
  announce(c, source, row);
  await recordAudit(db, {
    actorId: p.userId, action: "cloud.mirror_saved", subjectId: source.id, ip: clientIp(c.req.raw),
    detail: { mirror: row.id, direction, created: !existing, destination: row.destinationInstanceId, source_path: row.sourcePath, target_path: row.targetPath, delete: row.deleteFiles, auto_sync: row.autoSync, interval_seconds: row.intervalSeconds, ...actorDetail(p) },
  }, eventSink(c));
  return { row, created: !existing };
}

/** Whether two folders on one instance are the same or one holds the other (a sync into itself never ends). */
export function overlaps(a: string, b: string): boolean {
  const dir = (x: string) => (x.endsWith("/") ? x : `${x}/`);
  return dir(a).startsWith(dir(b)) || dir(b).startsWith(dir(a));
}

function sourceObject(c: Context<AppEnv>, instanceId: string) {
  return c.env.INSTANCE.get(c.env.INSTANCE.idFromName(instanceId));
}

/** The mirror's state to those who may see its source, after the response. */
function announce(c: Context<AppEnv>, source: { id: string; ownerId: string }, row: MirrorRow, extra: { deleted?: true } = {}) {
  const work = publishToAudience(c.env, source, mirrorEvent(row, nowIso(), extra)).catch((e) => console.error(`mirror event: ${(e as Error).message}`));
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No ExecutionContext (hono throws then): the work runs on unawaited.
  }
}

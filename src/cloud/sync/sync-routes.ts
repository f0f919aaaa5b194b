import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import type { Context } from "hono";
import { crossInstanceRequestSchema, skippedEntrySchema, type CrossInstanceRequest } from "@anchorage/common";
import type { AppEnv } from "../../http/app-env.ts";
import { newRouter } from "../../http/router.ts";
import { AppError, notFound } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { actorDetail, type Principal } from "../../../core/auth/principal.ts";
import type { Db } from "../../../core/db/client.ts";
import type { Env } from "../../../core/env.ts";
import { requireInstance } from "../../../core/instances/instance-access.ts";
import { destinationExcludes } from "../../../core/files/git-dir-writes.ts";
import type { DoResult } from "../../../core/rpc/do-result.ts";
import type { SyncOperation } from "../../../core/rpc/sync-operation.ts";

/**
 * `POST /api/cloud/sync/cross-instance` (DESIGN.md, Contracts: Sync): compare, then transfer
 * what differs, in the source's InstanceDO; `GET /api/cloud/sync/operations/:operationId` and
 * `POST …/cancel`. Everything needs `sync:` on both instances.
 */
export const syncRoutes = newRouter();

export const startedSchema = z.object({ success: z.literal(true), operationId: z.string() });
export const operationSchema = z.object({
  operationId: z.string(),
  sourceInstanceId: z.string(),
  destinationInstanceId: z.string(),
  sourcePath: z.string(),
  targetPath: z.string(),
  state: z.enum(["running", "done", "failed", "cancelled"]),
  /** Files whose content is sent, and files removed. */
  files: z.object({ total: z.number().int(), done: z.number().int() }),
  /** Folders created, symlinks made, modes and mtimes set (a touch-only change moves no content). */
  entries: z.object({ total: z.number().int(), done: z.number().int() }),
  /**
   * `uploaded`: content bytes the source sent to storage (0 when every chunk was already held); `downloaded`: bytes sent to the
   * destination; `written`: the size of the files written so far, `total` at the end however few bytes had to move.
   */
  bytes: z.object({ total: z.number().int(), uploaded: z.number().int(), downloaded: z.number().int(), written: z.number().int() }),
  /** Entries the sync left alone and why: a symlink leading outside the destination's roots, a socket, a file where the other side has a folder… */
  skipped: z.array(skippedEntrySchema),
  error: z.string().optional(),
  started_at: z.string(),
  finished_at: z.string().optional(),
  /** While running: an agent is away and the sync waits for it (tried again at `retry_at`, or as soon as it is back; failed after 24 h). */
  waiting: z.object({ since: z.string(), attempts: z.number().int(), retry_at: z.string(), reason: z.string() }).optional(),
});
const opParam = z.object({ operationId: z.string().min(3).max(140) });

/** A compare's `files` as it came (entries with a `path`), or just the paths. */
const executeRequestSchema = crossInstanceRequestSchema.extend({
  files: z.array(z.union([z.string().min(1).max(4096), z.object({ path: z.string().min(1).max(4096) }).passthrough()])).min(1).max(100_000),
});

/** Checks `sync:` on both instances, starts the sync in the source's object, audits it. */
export async function startSync(c: Context<AppEnv>, body: CrossInstanceRequest, only?: string[]) {
  const p = c.get("principal");
  const db = c.get("db");
  const { instance: source } = await requireInstance(db, p, body.sourceInstanceId, "sync:cloud_instance");
  const destinationAccess = await requireInstance(db, p, body.destinationInstanceId, "sync:cloud_instance");
  const { instance: destination } = destinationAccess;
  const stub = c.env.INSTANCE.get(c.env.INSTANCE.idFromName(source.id));
  // Without command: on the destination, .git is left out of both scans: nothing under it is written or removed (issue 19).
  const exclude = destinationExcludes(destinationAccess, body.targetPath, body.options.exclude);
  const req = { sourcePath: body.sourcePath, targetPath: body.targetPath, exclude, delete: body.options.delete, ...(only ? { only } : {}) };
  const r = (await stub.startSync(destination.id, req, p.userId)) as DoResult<{ operationId: string }>;
  if (!r.ok) throw new AppError(r.code, r.message);
  await recordAudit(db, {
    actorId: p.userId, action: "cloud.sync_start", subjectId: source.id, ip: clientIp(c.req.raw),
    detail: { operation: r.value.operationId, destination: destination.id, source_path: body.sourcePath, target_path: body.targetPath, delete: body.options.delete, ...(only ? { chosen_files: only.length } : {}), ...actorDetail(p) },
  }, eventSink(c));
  return { success: true as const, operationId: r.value.operationId };
}

syncRoutes.openapi(
  createRoute({
    method: "post", path: "/sync/cross-instance", tags: ["sync"], ...signedIn,
    summary: "Sync a folder on one instance to a folder on another: compare, then send what differs in content-addressed chunks through storage (only chunks not yet stored are uploaded), written atomically with the replaced files backed up. Refused: a missing or empty source, and deleting (delete: true) more than 10 files and more than a quarter of the destination",
    request: { body: jsonBody(crossInstanceRequestSchema) },
    responses: { 200: jsonResponse(startedSchema, "Started: follow it at /api/cloud/sync/operations/{operationId}"), ...errorResponses(400, 401, 403, 404, 409, 413, 503, 504) },
  }),
  async (c) => c.json(await startSync(c, c.req.valid("json")), 200),
);

syncRoutes.openapi(
  createRoute({
    method: "post", path: "/sync/execute-from-comparison", tags: ["sync"], ...signedIn,
    summary: "Sync only the files chosen from a compare's result (its files entries, or their paths). The trees are compared again first, so a file that is identical by now is skipped and the refusals of cross-instance apply; only_destination files are removed only with delete: true",
    request: { body: jsonBody(executeRequestSchema) },
    responses: { 200: jsonResponse(startedSchema, "Started: follow it at /api/cloud/sync/operations/{operationId}"), ...errorResponses(400, 401, 403, 404, 409, 413, 503, 504) },
  }),
  async (c) => {
    const { files, ...body } = c.req.valid("json");
    return c.json(await startSync(c, body, files.map((f) => (typeof f === "string" ? f : f.path))), 200);
  },
);

/**
 * The operation, for someone with `sync:` on both its instances. The id names the source
 * instance; anyone else (or an id that was never issued) gets the same 404.
 */
export async function findOperation(env: Env, db: Db, p: Principal, operationId: string, cancel: boolean): Promise<SyncOperation> {
  const sourceId = operationId.slice(0, operationId.lastIndexOf("."));
  if (!sourceId) throw notFound("sync operation");
  await requireInstance(db, p, sourceId, "sync:cloud_instance").catch(() => {
    throw notFound("sync operation");
  });
  const stub = env.INSTANCE.get(env.INSTANCE.idFromName(sourceId));
  const seen = (await stub.syncStatus(operationId)) as SyncOperation | null;
  if (!seen) throw notFound("sync operation");
  await requireInstance(db, p, seen.destinationInstanceId, "sync:cloud_instance").catch(() => {
    throw notFound("sync operation");
  });
  return cancel ? ((await stub.cancelSync(operationId)) as SyncOperation) : seen;
}

export const view = (op: SyncOperation) => ({
  operationId: op.id, sourceInstanceId: op.sourceInstanceId, destinationInstanceId: op.destinationInstanceId, sourcePath: op.sourcePath, targetPath: op.targetPath,
  state: op.state, files: op.files, entries: op.entries ?? { total: 0, done: 0 }, bytes: { ...op.bytes, written: op.bytes.written ?? (op.state === "done" ? op.bytes.total : 0) },
  skipped: op.skipped ?? [], ...(op.error ? { error: op.error } : {}), started_at: op.started_at, ...(op.finished_at ? { finished_at: op.finished_at } : {}),
  ...(op.waiting ? { waiting: { ...op.waiting, retry_at: new Date(op.waiting.retry_at).toISOString() } } : {}),
});

syncRoutes.openapi(
  createRoute({
    method: "get", path: "/sync/operations/{operationId}", tags: ["sync"], ...signedIn,
    summary: "A sync's state, files done and bytes moved",
    request: { params: opParam },
    responses: { 200: jsonResponse(operationSchema, "The operation"), ...errorResponses(401, 404) },
  }),
  async (c) => c.json(view(await findOperation(c.env, c.get("db"), c.get("principal"), c.req.valid("param").operationId, false)), 200),
);

syncRoutes.openapi(
  createRoute({
    method: "post", path: "/sync/operations/{operationId}/cancel", tags: ["sync"], ...signedIn,
    summary: "Stop a running sync before its next chunk or file (files already written stay; none is left half-written)",
    request: { params: opParam },
    responses: { 200: jsonResponse(operationSchema, "The operation, cancelled unless it had already ended"), ...errorResponses(401, 404) },
  }),
  async (c) => c.json(view(await findOperation(c.env, c.get("db"), c.get("principal"), c.req.valid("param").operationId, true)), 200),
);

import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { newRouter } from "../../http/router.ts";
import { notFound } from "../../../core/app-error.ts";
import { errorResponses, jsonBody, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import { findOperation, operationSchema, startSync, view } from "./sync-routes.ts";
import { asCrossInstance, folderSyncRequestSchema } from "./folder-request.ts";

/**
 * Transfer sessions under an instance (the Cloud Manager's REST list): `POST …/instance/:id/transfer/start`,
 * `GET …/transfer/:transferId/status`, `POST …/transfer/:transferId/cancel`. A transfer is a sync
 * operation whose source is `:id` (its id is the operation's id), so these are views over the sync
 * routes: the same checks, audit (`cloud.sync_start`) and states. A transfer whose source is another
 * instance, or one the caller may not see (`sync:` on both instances), is the same 404.
 */
export const transferRoutes = newRouter();
const tags = ["sync"];

/** The folder body, optionally narrowed to some of the source folder's files (paths relative to sourcePath). */
const transferRequestSchema = folderSyncRequestSchema.extend({
  files: z.array(z.string().min(1).max(4096)).min(1).max(100_000).optional(),
});
const transferParams = z.object({ id: z.string().min(1).max(64), transferId: z.string().min(3).max(140) });
const transferSchema = operationSchema.extend({ transferId: z.string() });
const startedTransferSchema = z.object({ success: z.literal(true), transferId: z.string(), operationId: z.string() });

transferRoutes.openapi(
  createRoute({
    method: "post", path: "/instance/{id}/transfer/start", tags, ...signedIn,
    summary: "Start a transfer from a folder of this instance to a folder of another (destinationInstanceId; default this one): the whole folder, or only `files` (paths relative to sourcePath). A sync operation with this instance as its source",
    request: { params: z.object({ id: z.string().min(1).max(64) }), body: jsonBody(transferRequestSchema) },
    responses: { 200: jsonResponse(startedTransferSchema, "Started: follow it at /api/cloud/instance/{id}/transfer/{transferId}/status"), ...errorResponses(400, 401, 403, 404, 409, 413, 503, 504) },
  }),
  async (c) => {
    const { files, ...body } = c.req.valid("json");
    const started = await startSync(c, asCrossInstance(c.req.valid("param").id, body), files);
    return c.json({ success: true as const, transferId: started.operationId, operationId: started.operationId }, 200);
  },
);

/** The transfer, if its source is `:id` and the caller has `sync:` on both of its instances. */
async function findTransfer(c: Context<AppEnv>, cancel: boolean) {
  const id = c.req.param("id")!;
  const transferId = c.req.param("transferId")!;
  if (transferId.slice(0, transferId.lastIndexOf(".")) !== id) throw notFound("transfer");
  const op = view(await findOperation(c.env, c.get("db"), c.get("principal"), transferId, cancel));
  return { transferId: op.operationId, ...op };
}

transferRoutes.openapi(
  createRoute({
    method: "get", path: "/instance/{id}/transfer/{transferId}/status", tags, ...signedIn,
    summary: "A transfer's state, files done and bytes moved",
    request: { params: transferParams },
    responses: { 200: jsonResponse(transferSchema, "The transfer"), ...errorResponses(401, 404) },
  }),
  async (c) => c.json(await findTransfer(c, false), 200),
);

transferRoutes.openapi(
  createRoute({
    method: "post", path: "/instance/{id}/transfer/{transferId}/cancel", tags, ...signedIn,
    summary: "Stop a running transfer before its next chunk or file (files already written stay; none is left half-written)",
    request: { params: transferParams },
    responses: { 200: jsonResponse(transferSchema, "The transfer, cancelled unless it had already ended"), ...errorResponses(401, 404) },
  }),
  async (c) => c.json(await findTransfer(c, true), 200),
);

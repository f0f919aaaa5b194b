import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { newRouter } from "../../http/router.ts";
import { errorResponses, jsonBody, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import { startedSchema, startSync } from "./sync-routes.ts";
import { asCrossInstance, folderSyncRequestSchema } from "./folder-request.ts";

/**
 * `POST /api/cloud/instance/:id/sync/folder` (the Cloud Manager's REST list): sync a folder of
 * this instance to a folder of another (or of this one). The same operation as
 * `POST /api/cloud/sync/cross-instance` with the source taken from the path: the same checks
 * (`sync:` on both), refusals, audit and status route.
 */
export const folderRoute = newRouter();

folderRoute.openapi(
  createRoute({
    method: "post", path: "/instance/{id}/sync/folder", tags: ["sync"], ...signedIn,
    summary: "Sync a folder of this instance to a folder of another instance (destinationInstanceId; default this one): cross-instance sync with the source from the path",
    request: { params: z.object({ id: z.string().min(1).max(64) }), body: jsonBody(folderSyncRequestSchema) },
    responses: { 200: jsonResponse(startedSchema, "Started: follow it at /api/cloud/sync/operations/{operationId}"), ...errorResponses(400, 401, 403, 404, 409, 413, 503, 504) },
  }),
  async (c) => c.json(await startSync(c, asCrossInstance(c.req.valid("param").id, c.req.valid("json"))), 200),
);

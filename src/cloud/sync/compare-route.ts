import { createRoute } from "@hono/zod-openapi";
import { compareResultSchema, crossInstanceRequestSchema, type CompareResult } from "@anchorage/common";
import { newRouter } from "../../http/router.ts";
import { AppError } from "../../../core/app-error.ts";
import { errorResponses, jsonBody, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import { requireInstance } from "../../../core/instances/instance-access.ts";
import type { DoResult } from "../../../core/rpc/do-result.ts";

/**
 * `POST /api/cloud/sync/compare-cross-instance` (DESIGN.md, Contracts: Sync): the Cloud Manager's
 * body; every path of either tree with a status. Needs `sync:` on both instances.
 */
export const compareRoute = newRouter();

compareRoute.openapi(
  createRoute({
    method: "post", path: "/sync/compare-cross-instance", tags: ["sync"], ...signedIn,
    summary: "Compare a folder on one instance with a folder on another: every file listed as identical, different, new (only on the source), only_destination, or destination_newer (a conflict). Text files that differ only in CRLF vs LF are identical",
    request: { body: jsonBody(crossInstanceRequestSchema) },
    responses: { 200: jsonResponse(compareResultSchema, "Every file of either tree, by path"), ...errorResponses(400, 401, 403, 404, 413, 503, 504) },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const p = c.get("principal");
    const db = c.get("db");
    const { instance: source } = await requireInstance(db, p, body.sourceInstanceId, "sync:cloud_instance");
    const { instance: destination } = await requireInstance(db, p, body.destinationInstanceId, "sync:cloud_instance");
    const stub = c.env.INSTANCE.get(c.env.INSTANCE.idFromName(source.id));
    const r = (await stub.compareWith(destination.id, { sourcePath: body.sourcePath, targetPath: body.targetPath, exclude: body.options.exclude, verify: body.options.verify })) as DoResult<CompareResult>;
    if (!r.ok) throw new AppError(r.code, r.message);
    return c.json(r.value, 200);
  },
);

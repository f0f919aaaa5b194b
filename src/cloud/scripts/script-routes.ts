import { createRoute } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import {
  actionRecordSchema, MAX_SCRIPT_BYTES, scriptCreateSchema, scriptDetailSchema, scriptRunRequestSchema, scriptSchema, scriptUpdateSchema, scriptVersionSchema,
} from "@anchorage/common";
import { newRouter } from "../../http/router.ts";
import { errorResponses, jsonBody, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import { AppError, notFound } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { actorDetail } from "../../../core/auth/principal.ts";
import { requireInstance } from "../../../core/instances/instance-access.ts";
import { createScript, deleteScript, requireScriptVersion, scriptsOf, updateScript, versionsOf } from "../../../core/scripts/script-store.ts";
import { requireScriptAccess } from "./script-access.ts";
import { toScriptDetail, toScriptView, toVersionView } from "./script-view.ts";

/**
 * `/api/cloud/scripts`: the caller's script library (every change a new version, the old ones
 * kept), and `POST /api/cloud/instance/:id/script` to run one on an instance whose agent allows
 * scripts. Scripts are the caller's own: another user's id is not found.
 */
export const scriptRoutes = newRouter();
const tags = ["scripts"];
const idParam = z.object({ id: z.string().min(1).max(64) });

/** A body of MAX_SCRIPT_BYTES takes more as JSON (escapes); the app's 64 KiB limit skips these paths (isScriptLibraryPath). */
export const MAX_SCRIPT_REQUEST_BYTES = 8 * MAX_SCRIPT_BYTES;
export const isScriptLibraryPath = (path: string) => path === "/api/cloud/scripts" || path.startsWith("/api/cloud/scripts/");
const limit = bodyLimit({
  maxSize: MAX_SCRIPT_REQUEST_BYTES,
  onError: () => {
    throw new AppError("E-PAYLOAD-TOO-LARGE", `request body is larger than ${MAX_SCRIPT_REQUEST_BYTES} bytes`);
  },
});
scriptRoutes.use("/scripts", limit);
scriptRoutes.use("/scripts/*", limit);

scriptRoutes.openapi(
  createRoute({ method: "post", path: "/scripts", tags, ...signedIn, summary: "Keep a script in your library: its version 1",
    request: { body: jsonBody(scriptCreateSchema) },
    responses: { 201: jsonResponse(scriptDetailSchema, "The script"), ...errorResponses(400, 401, 403, 409, 413, 507) } }),
  async (c) => {
    const p = c.get("principal");
    requireScriptAccess(p);
    const saved = await createScript(c.get("db"), p.userId, c.req.valid("json"));
    await recordAudit(c.get("db"), { actorId: p.userId, action: "cloud.script_saved", subjectId: saved.script.id, ip: clientIp(c.req.raw), detail: { name: saved.script.name, version: 1, ...actorDetail(p) } }, eventSink(c));
    return c.json(toScriptDetail(saved, await versionsOf(c.get("db"), saved.script.id)), 201);
  },
);

scriptRoutes.openapi(
  createRoute({ method: "get", path: "/scripts", tags, ...signedIn, summary: "Your scripts, by name, each at its newest version",
    responses: { 200: jsonResponse(z.object({ scripts: z.array(scriptSchema) }), "Scripts"), ...errorResponses(401, 403) } }),
  async (c) => {
    const p = c.get("principal");
    requireScriptAccess(p);
    return c.json({ scripts: (await scriptsOf(c.get("db"), p.userId)).map(toScriptView) }, 200);
  },
);

scriptRoutes.openapi(
  createRoute({ method: "get", path: "/scripts/{id}", tags, ...signedIn, summary: "One of your scripts: its newest body and every version (newest first)",
    request: { params: idParam },
    responses: { 200: jsonResponse(scriptDetailSchema, "The script"), ...errorResponses(401, 403, 404) } }),
  async (c) => {
    const p = c.get("principal");
    requireScriptAccess(p);
    const found = await requireScriptVersion(c.get("db"), p.userId, c.req.valid("param").id);
    return c.json(toScriptDetail(found, await versionsOf(c.get("db"), found.script.id)), 200);
  },
);

scriptRoutes.openapi(
  createRoute({ method: "put", path: "/scripts/{id}", tags, ...signedIn, summary: "Save a new version of a script (the body; the interpreter and name stay unless given)",
    request: { params: idParam, body: jsonBody(scriptUpdateSchema) },
    responses: { 200: jsonResponse(scriptDetailSchema, "The script at its new version"), ...errorResponses(400, 401, 403, 404, 409, 413, 507) } }),
  async (c) => {
    const p = c.get("principal");
    requireScriptAccess(p);
    const saved = await updateScript(c.get("db"), p.userId, c.req.valid("param").id, c.req.valid("json"));
    await recordAudit(c.get("db"), { actorId: p.userId, action: "cloud.script_saved", subjectId: saved.script.id, ip: clientIp(c.req.raw), detail: { name: saved.script.name, version: saved.latest.version, ...actorDetail(p) } }, eventSink(c));
    return c.json(toScriptDetail(saved, await versionsOf(c.get("db"), saved.script.id)), 200);
  },
);

scriptRoutes.openapi(
  createRoute({ method: "get", path: "/scripts/{id}/versions/{version}", tags, ...signedIn, summary: "One version of a script, with its body",
    request: { params: idParam.extend({ version: z.coerce.number().int().min(1) }) },
    responses: { 200: jsonResponse(scriptVersionSchema, "The version"), ...errorResponses(400, 401, 403, 404) } }),
  async (c) => {
    const p = c.get("principal");
    requireScriptAccess(p);
    const { id, version } = c.req.valid("param");
    return c.json(toVersionView(await requireScriptVersion(c.get("db"), p.userId, id, version)), 200);
  },
);

scriptRoutes.openapi(
  createRoute({ method: "delete", path: "/scripts/{id}", tags, ...signedIn, summary: "Delete a script and all its versions",
    request: { params: idParam },
    responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Deleted"), ...errorResponses(401, 403, 404) } }),
  async (c) => {
    const p = c.get("principal");
    requireScriptAccess(p);
    const { id } = c.req.valid("param");
    if (!(await deleteScript(c.get("db"), p.userId, id))) throw notFound("script");
    await recordAudit(c.get("db"), { actorId: p.userId, action: "cloud.script_deleted", subjectId: id, ip: clientIp(c.req.raw), detail: actorDetail(p) }, eventSink(c));
    return c.json({ success: true as const }, 200);
  },
);

scriptRoutes.openapi(
  createRoute({ method: "post", path: "/instance/{id}/script", tags, ...signedIn,
    summary: "Run one of your scripts (its newest version unless `version` names one) on an instance whose agent config says `scripts: true`; output streams as cloud:command-progress events",
    request: { params: idParam, body: jsonBody(scriptRunRequestSchema) },
    responses: { 200: jsonResponse(actionRecordSchema, "The finished action"), ...errorResponses(400, 401, 403, 404, 413, 503) } }),
  async (c) => {
    const p = c.get("principal");
    const { instance } = await requireInstance(c.get("db"), p, c.req.valid("param").id, "command:cloud_instance");
    requireScriptAccess(p);
    const body = c.req.valid("json");
    const { script, latest } = await requireScriptVersion(c.get("db"), p.userId, body.script_id, body.version);
    const stub = c.env.INSTANCE.get(c.env.INSTANCE.idFromName(instance.id));
    const r = await stub.runScript({
      scriptId: script.id, version: latest.version, name: script.name, interpreter: latest.interpreter, body: latest.body, args: body.args,
      requestedBy: p.userId, timeoutSeconds: body.timeout_seconds,
    });
    if (!r.ok) throw new AppError(r.code, r.message);
    const action = r.value;
    // Audited as the command it is (the Activity list shows it so), with the script it ran.
    await recordAudit(c.get("db"), { actorId: p.userId, action: "cloud.command", subjectId: instance.id, ip: clientIp(c.req.raw), detail: { command: action.command, script_id: script.id, version: latest.version, status: action.status, exit_code: action.exit_code, ...actorDetail(p) } }, eventSink(c));
    return c.json(action, 200);
  },
);

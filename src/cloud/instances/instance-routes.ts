import { redactProxyAccess } from "@anchorage/common";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { actionRecordSchema, commandRequestSchema, healthPointSchema, instancePatchSchema, instanceSchema, logLineSchema, systemInfoSchema, tagSchema, type Action } from "@anchorage/common";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { newRouter } from "../../http/router.ts";
import { AppError } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { actorDetail } from "../../../core/auth/principal.ts";
import { eventSink } from "../../audit/event-sink.ts";
import type { DoResult } from "../../../core/rpc/do-result.ts";
import { requireInstance } from "../../../core/instances/instance-access.ts";
import { deleteInstance } from "../../../core/instances/instance-store.ts";
import { forgetProxySlugs } from "../proxy/proxy-route-copy.ts";
import { toInstanceView } from "./instance-view.ts";
import { visibleInstances } from "./visible-instances.ts";
import { setInstanceTags, tagsOf } from "../../../core/instances/instance-tags.ts";
import { requireStepUp } from "../../auth/step-up/require-step-up.ts";

export const instanceRoutes = newRouter();
const tags = ["instances"];
const idParam = z.object({ id: z.string().min(1).max(64) });

const stubFor = (c: Context<AppEnv>, id: string) => c.env.INSTANCE.get(c.env.INSTANCE.idFromName(id));

/** A DO answer, or its failure as the API's error (503 when the agent is offline). */
function unwrap<T>(r: DoResult<T>): T {
  if (!r.ok) throw new AppError(r.code, r.message);
  return r.value;
}

async function load(c: Context<AppEnv>, id: string, action: Action) {
  return requireInstance(c.get("db"), c.get("principal"), id, action);
}

instanceRoutes.openapi(
  createRoute({ method: "get", path: "/instances", tags, ...signedIn, summary: "Instances you own, those shared with you (all of them for admins), with live stats; `tag` keeps those carrying it",
    request: { query: z.strictObject({ tag: tagSchema.optional() }) },
    responses: { 200: jsonResponse(z.object({ instances: z.array(instanceSchema) }), "Instances"), ...errorResponses(400, 401) } }),
  async (c) => {
    const { tag } = c.req.valid("query");
    const visible = await visibleInstances(c.get("db"), c.get("principal"));
    const tagged = await tagsOf(c.get("db"), visible.map((a) => a.instance.id));
    const chosen = tag ? visible.filter((a) => tagged.get(a.instance.id)!.all.includes(tag)) : visible;
    const withStats = await Promise.all(
      chosen.map(async (a) => {
        const live = await stubFor(c, a.instance.id).live();
        return toInstanceView({ ...a, instance: { ...a.instance, status: live.status } }, live.status === "online" ? live.stats : null, tagged.get(a.instance.id));
      }),
    );
    return c.json({ instances: withStats }, 200);
  },
);

instanceRoutes.openapi(
  createRoute({ method: "patch", path: "/instances/{id}", tags, ...signedIn,
    summary: "Set the owner's tags of an instance (the agent config's `tags:` stay beside them); answers the instance with every tag",
    request: { params: idParam, body: jsonBody(instancePatchSchema) },
    responses: { 200: jsonResponse(instanceSchema, "The instance"), ...errorResponses(400, 401, 403, 404) } }),
  async (c) => {
    const p = c.get("principal");
    const a = await load(c, c.req.valid("param").id, "manage:cloud_instance");
    const body = c.req.valid("json");
    await setInstanceTags(c.get("db"), a.instance.id, "api", body.tags);
    await recordAudit(c.get("db"), { actorId: p.userId, action: "cloud.instance_tagged", subjectId: a.instance.id, ip: clientIp(c.req.raw), detail: { tags: body.tags, ...actorDetail(p) } }, eventSink(c));
    const live = await stubFor(c, a.instance.id).live();
    const all = (await tagsOf(c.get("db"), [a.instance.id])).get(a.instance.id);
    return c.json(toInstanceView({ ...a, instance: { ...a.instance, status: live.status } }, live.status === "online" ? live.stats : null, all), 200);
  },
);

instanceRoutes.openapi(
  createRoute({ method: "post", path: "/instances/refresh", tags, ...signedIn, summary: "Ping every visible instance now and report who answers",
    responses: { 200: jsonResponse(z.object({ instances: z.array(z.object({ id: z.string(), online: z.boolean(), rtt_ms: z.number().nullable() })) }), "Statuses"), ...errorResponses(401) } }),
  async (c) => {
    const visible = await visibleInstances(c.get("db"), c.get("principal"));
    const out = await Promise.all(
      visible.map(async ({ instance }) => {
        const r = await stubFor(c, instance.id).ping();
        return { id: instance.id, online: r.ok, rtt_ms: r.ok ? r.value.rtt_ms : null };
      }),
    );
    return c.json({ instances: out }, 200);
  },
);

instanceRoutes.openapi(
  createRoute({ method: "get", path: "/instance/{id}", tags, ...signedIn, summary: "One instance", request: { params: idParam },
    responses: { 200: jsonResponse(instanceSchema, "The instance"), ...errorResponses(401, 404) } }),
  async (c) => {
    const a = await load(c, c.req.valid("param").id, "read:cloud_instance");
    const live = await stubFor(c, a.instance.id).live();
    const all = (await tagsOf(c.get("db"), [a.instance.id])).get(a.instance.id);
    return c.json(toInstanceView({ ...a, instance: { ...a.instance, status: live.status } }, live.status === "online" ? live.stats : null, all), 200);
  },
);

instanceRoutes.openapi(
  createRoute({ method: "get", path: "/instance/{id}/info", tags, ...signedIn, summary: "Fresh system information from the agent", request: { params: idParam },
    responses: { 200: jsonResponse(systemInfoSchema, "System info"), ...errorResponses(401, 403, 404, 503) } }),
  async (c) => {
    const { instance } = await load(c, c.req.valid("param").id, "read:cloud_instance");
    const info = systemInfoSchema.safeParse(unwrap(await stubFor(c, instance.id).call("system.info")));
    if (!info.success) throw new AppError("E-INTERNAL", "the agent answered with malformed system info");
    return c.json(info.data, 200);
  },
);

instanceRoutes.openapi(
  createRoute({ method: "get", path: "/instance/{id}/status", tags, ...signedIn, summary: "Ping the agent: online, and the round trip in ms", request: { params: idParam },
    responses: { 200: jsonResponse(z.object({ online: z.boolean(), rtt_ms: z.number().nullable(), last_heartbeat: z.string().nullable(), connected_at: z.string().nullable() }), "Status"), ...errorResponses(401, 404) } }),
  async (c) => {
    const { instance } = await load(c, c.req.valid("param").id, "read:cloud_instance");
    const stub = stubFor(c, instance.id);
    const [r, live] = [await stub.ping(), await stub.live()];
    return c.json({ online: r.ok, rtt_ms: r.ok ? r.value.rtt_ms : null, last_heartbeat: live.last_heartbeat, connected_at: live.connected_at }, 200);
  },
);

instanceRoutes.openapi(
  createRoute({ method: "get", path: "/instance/{id}/health", tags, ...signedIn, summary: "Health history: up to 24 h at 1-minute resolution",
    request: { params: idParam, query: z.strictObject({ hours: z.coerce.number().min(0.1).max(24).default(24) }) },
    responses: { 200: jsonResponse(z.object({ points: z.array(healthPointSchema) }), "History"), ...errorResponses(401, 404) } }),
  async (c) => {
    const { instance } = await load(c, c.req.valid("param").id, "read:cloud_instance");
    const since = Math.floor(Date.now() / 60_000 - c.req.valid("query").hours * 60);
    return c.json({ points: await stubFor(c, instance.id).health(since) }, 200);
  },
);

instanceRoutes.openapi(
  createRoute({ method: "get", path: "/instance/{id}/logs", tags, ...signedIn, summary: "Log lines after sequence number `since`, or without it the newest `limit` lines (the live tail comes through /api/events)",
    request: { params: idParam, query: z.strictObject({ since: z.coerce.number().int().min(0).optional(), limit: z.coerce.number().int().min(1).max(2000).default(500) }) },
    responses: { 200: jsonResponse(z.object({ lines: z.array(logLineSchema.extend({ seq: z.number().int() })) }), "Lines"), ...errorResponses(401, 404) } }),
  async (c) => {
    const { instance } = await load(c, c.req.valid("param").id, "read:cloud_instance");
    const q = c.req.valid("query");
    return c.json({ lines: await stubFor(c, instance.id).logs(q.since, q.limit) }, 200);
  },
);

instanceRoutes.openapi(
  createRoute({ method: "get", path: "/instance/{id}/config", tags, ...signedIn, summary: "The agent's config, secrets redacted", request: { params: idParam },
    responses: { 200: jsonResponse(z.object({ config: z.unknown().nullable(), agent_version: z.string().nullable() }), "Config"), ...errorResponses(401, 404) } }),
  async (c) => {
    const { instance } = await load(c, c.req.valid("param").id, "read:cloud_instance");
    const live = await stubFor(c, instance.id).live();
    const config = live.hello?.config ?? null;
    const shown = config?.proxy ? { ...config, proxy: { ...config.proxy, access: redactProxyAccess(config.proxy.access) } } : config;
    return c.json({ config: shown, agent_version: live.hello?.agent_version ?? null }, 200);
  },
);

instanceRoutes.openapi(
  createRoute({ method: "post", path: "/instance/{id}/command", tags, ...signedIn,
    summary: "Run an allowed command (a builtin or one from the agent's config) as argv, never through a shell; output streams as cloud:command-progress events",
    request: { params: idParam, body: jsonBody(commandRequestSchema) },
    responses: { 200: jsonResponse(actionRecordSchema, "The finished action"), ...errorResponses(400, 401, 403, 404, 503) } }),
  async (c) => {
    const p = c.get("principal");
    const { instance } = await load(c, c.req.valid("param").id, "command:cloud_instance");
    const body = c.req.valid("json");
    const action = unwrap(await stubFor(c, instance.id).runCommand({ command: body.command, requestedBy: p.userId, timeoutSeconds: body.timeout_seconds }));
    await recordAudit(c.get("db"), { actorId: p.userId, action: "cloud.command", subjectId: instance.id, ip: clientIp(c.req.raw), detail: { command: body.command, status: action.status, exit_code: action.exit_code, ...actorDetail(p) } }, eventSink(c));
    return c.json(action, 200);
  },
);

instanceRoutes.openapi(
  createRoute({ method: "get", path: "/instance/{id}/actions", tags, ...signedIn, summary: "Recent actions (commands) with their status and output tail", request: { params: idParam },
    responses: { 200: jsonResponse(z.object({ actions: z.array(actionRecordSchema) }), "Actions"), ...errorResponses(401, 404) } }),
  async (c) => {
    const { instance } = await load(c, c.req.valid("param").id, "read:cloud_instance");
    return c.json({ actions: await stubFor(c, instance.id).recentActions(50) }, 200);
  },
);

instanceRoutes.openapi(
  createRoute({ method: "post", path: "/instance/{id}/disconnect", tags, ...signedIn, summary: "Tell the agent to disconnect and stop (it stays registered)", request: { params: idParam },
    responses: { 200: jsonResponse(z.object({ success: z.literal(true), was_online: z.boolean() }), "Disconnected"), ...errorResponses(401, 403, 404) } }),
  async (c) => {
    const p = c.get("principal");
    const { instance } = await load(c, c.req.valid("param").id, "manage:cloud_instance");
    const wasOnline = await stubFor(c, instance.id).disconnect();
    await recordAudit(c.get("db"), { actorId: p.userId, action: "cloud.instance_disconnected", subjectId: instance.id, ip: clientIp(c.req.raw), detail: actorDetail(p) }, eventSink(c));
    return c.json({ success: true as const, was_online: wasOnline }, 200);
  },
);

instanceRoutes.openapi(
  createRoute({ method: "delete", path: "/instance/{id}", tags, ...signedIn, summary: "Delete an instance: its credential stops working and its agent is told to stop. Needs a step-up (E-AUTH-STEP-UP)", request: { params: idParam },
    responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Deleted"), ...errorResponses(401, 403, 404) } }),
  async (c) => {
    const p = c.get("principal");
    const { instance } = await load(c, c.req.valid("param").id, "manage:cloud_instance");
    // A token deletes only an instance its own grant names by id with `manage` (see requireStepUp).
    await requireStepUp(c, p, { tokenTarget: { root: "cloud", userId: instance.ownerId, resource: "instances", id: instance.id, verb: "manage" } });
    await deleteInstance(c.get("db"), instance.id, instance.ownerId);
    await stubFor(c, instance.id).destroy();
    await forgetProxySlugs(c, [instance.proxySlug]); // the object holds no route now: a copy elsewhere is refused there
    await recordAudit(c.get("db"), { actorId: p.userId, action: "cloud.instance_deleted", subjectId: instance.id, ip: clientIp(c.req.raw), detail: { owner_id: instance.ownerId, ...actorDetail(p) } }, eventSink(c));
    return c.json({ success: true as const }, 200);
  },
);

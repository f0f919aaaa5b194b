import { createRoute } from "@hono/zod-openapi";
import { and, eq, isNotNull } from "drizzle-orm";
import { z } from "zod";
import { newRouter } from "../../http/router.ts";
import { AppError, notFound } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import { instances, type InstanceRow } from "../../../core/db/schema.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { actorDetail } from "../../../core/auth/principal.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { requireInstance } from "../../../core/instances/instance-access.ts";
import { visibleInstances } from "../instances/visible-instances.ts";
import { proxyRouteChanged } from "./proxy-route-copy.ts";
import { isUniqueViolation } from "../../../core/users/users.ts";
import { proxyAccessSchema, readProxyAccessRules, redactAccessRules, slugSchema } from "@anchorage/common";
import { accessColumns, configAccessOf } from "../../../core/instances/proxy-access-columns.ts";
import { hostnamesByInstance, hostnamesOf } from "../../../core/instances/proxy-hostnames.ts";


export const proxyAdminRoutes = newRouter();
const tags = ["proxies"];

const proxySchema = z.object({
  instance_id: z.string(),
  instance_name: z.string(),
  slug: z.string(),
  path_url: z.string(),
  host_url: z.string().nullable(),
  access: z.enum(["users", "public", "rules"]),
  /** With access "rules": the rules; a Basic rule's password hash shows only to those who may change them. */
  access_rules: z.object({ allow: z.array(z.record(z.string(), z.unknown())) }).nullable(),
  /** Whose choice the access is: the agent's config, or the owner's through the API (which wins until cleared). */
  access_source: z.enum(["config", "owner"]),
  /** Host names the proxy also answers on (`proxy.hostnames`). */
  hostnames: z.array(z.string()),
  target: z.string().nullable(),
  inactive: z.boolean(),
  reason: z.string().nullable(),
});

function toProxyView(i: InstanceRow, origin: string, proxyDomain: string | null, extra: { hostnames: string[]; mayManage: boolean }) {
  const scheme = new URL(origin).protocol;
  const rules = i.proxyAccess === "rules" ? readProxyAccessRules(i.proxyRules) : null;
  return {
    instance_id: i.id,
    instance_name: i.name,
    slug: i.proxySlug!,
    path_url: `${origin}/p/${i.proxySlug}/`,
    host_url: proxyDomain ? `${scheme}//${i.proxySlug}.${proxyDomain}/` : null,
    access: i.proxyAccess === "public" ? ("public" as const) : i.proxyAccess === "rules" ? ("rules" as const) : ("users" as const),
    access_rules: rules && (extra.mayManage ? rules : redactAccessRules(rules)) as { allow: Record<string, unknown>[] } | null,
    access_source: i.proxyAccessOverride ? ("owner" as const) : ("config" as const),
    hostnames: extra.hostnames,
    target: i.proxyTarget,
    inactive: i.proxyInactive,
    reason: i.proxyReason,
  };
}

proxyAdminRoutes.openapi(
  createRoute({ method: "get", path: "/proxies", tags, ...signedIn, summary: "Every proxy you may reach, with its URLs and state",
    responses: { 200: jsonResponse(z.object({ proxies: z.array(proxySchema) }), "Proxies"), ...errorResponses(401) } }),
  async (c) => {
    const config = c.get("config");
    const visible = await visibleInstances(c.get("db"), c.get("principal"));
    const shown = visible.filter((a) => a.instance.proxySlug && a.permissions.includes("proxy:cloud_instance"));
    const hostnames = await hostnamesByInstance(c.get("db"), shown.map((a) => a.instance.id));
    const proxies = shown.map((a) => toProxyView(a.instance, config.issuer, config.proxyDomain, { hostnames: hostnames.get(a.instance.id) ?? [], mayManage: a.permissions.includes("manage:cloud_instance") }));
    return c.json({ proxies }, 200);
  },
);

proxyAdminRoutes.openapi(
  createRoute({ method: "post", path: "/proxies/{instanceId}/toggle", tags, ...signedIn, summary: "Pause (with a reason) or resume an instance's proxy",
    request: { params: z.object({ instanceId: z.string().max(64) }), body: jsonBody(z.strictObject({ inactive: z.boolean(), reason: z.string().trim().max(200).optional() })) },
    responses: { 200: jsonResponse(proxySchema, "The proxy"), ...errorResponses(400, 401, 403, 404) } }),
  async (c) => {
    const p = c.get("principal");
    const db = c.get("db");
    const { instanceId } = c.req.valid("param");
    const body = c.req.valid("json");
    const { instance } = await requireInstance(db, p, instanceId, "manage:cloud_instance");
    const [row] = await db
      .update(instances)
      .set({ proxyInactive: body.inactive, proxyReason: body.inactive ? (body.reason ?? null) : null })
      .where(and(eq(instances.id, instance.id), isNotNull(instances.proxySlug)))
      .returning();
    if (!row) throw notFound("proxy on this instance");
    await proxyRouteChanged(c, instance.id, [row.proxySlug]);
    await recordAudit(db, { actorId: p.userId, action: body.inactive ? "cloud.proxy_paused" : "cloud.proxy_resumed", subjectId: instance.id, ip: clientIp(c.req.raw), detail: { reason: body.reason ?? null, ...actorDetail(p) } }, eventSink(c));
    const config = c.get("config");
    return c.json(toProxyView(row, config.issuer, config.proxyDomain, { hostnames: await hostnamesOf(db, row.id), mayManage: true }), 200);
  },
);


proxyAdminRoutes.openapi(
  createRoute({ method: "post", path: "/proxies/{instanceId}/slug", tags, ...signedIn,
    summary: "Rename an instance's proxy (its /p/<slug>/ and <slug>.<PROXY_DOMAIN> addresses); the owner's choice outlives the agent's config until set back to null",
    request: { params: z.object({ instanceId: z.string().max(64) }), body: jsonBody(z.strictObject({ slug: slugSchema.nullable().describe("null: back to the slug in the agent's config") })) },
    responses: { 200: jsonResponse(proxySchema, "The proxy under its new name"), ...errorResponses(400, 401, 403, 404, 409) } }),
  async (c) => {
    const p = c.get("principal");
    const db = c.get("db");
    const { instanceId } = c.req.valid("param");
    const { slug } = c.req.valid("json");
    const { instance } = await requireInstance(db, p, instanceId, "manage:cloud_instance");
    if (!instance.proxySlug) throw notFound("proxy on this instance (its agent's config names no app to publish)");
    let row: InstanceRow | undefined;
    try {
      // Back to the config's slug: the agent's next hello sets it; until then the current one stays.
      [row] = await db
        .update(instances)
        .set({ proxySlugOverride: slug, ...(slug ? { proxySlug: slug } : {}) })
        .where(and(eq(instances.id, instance.id), isNotNull(instances.proxySlug)))
        .returning();
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError("E-CONFLICT", `proxy slug "${slug}" is taken; choose another`, { fields: [{ path: "slug", message: "taken" }] });
      throw e;
    }
    if (!row) throw notFound("proxy on this instance");
    await proxyRouteChanged(c, instance.id, [instance.proxySlug, row.proxySlug]);
    await recordAudit(db, { actorId: p.userId, action: "cloud.proxy_renamed", subjectId: instance.id, ip: clientIp(c.req.raw), detail: { from: instance.proxySlug, to: row.proxySlug, override: slug, ...actorDetail(p) } }, eventSink(c));
    const config = c.get("config");
    return c.json(toProxyView(row, config.issuer, config.proxyDomain, { hostnames: await hostnamesOf(db, row.id), mayManage: true }), 200);
  },
);

proxyAdminRoutes.openapi(
  createRoute({ method: "put", path: "/proxies/{instanceId}/access", tags, ...signedIn,
    summary: "Set who may reach an instance's app: users, public, or rules ({allow:[…]}); the owner's choice outlives the agent's config until set back to null",
    request: { params: z.object({ instanceId: z.string().max(64) }), body: jsonBody(z.strictObject({ access: proxyAccessSchema.nullable().describe("null: back to the access in the agent's config") })) },
    responses: { 200: jsonResponse(proxySchema, "The proxy with its new access"), ...errorResponses(400, 401, 403, 404) } }),
  async (c) => {
    const p = c.get("principal");
    const db = c.get("db");
    const { instanceId } = c.req.valid("param");
    const { access } = c.req.valid("json");
    const { instance } = await requireInstance(db, p, instanceId, "manage:cloud_instance");
    if (!instance.proxySlug) throw notFound("proxy on this instance (its agent's config names no app to publish)");
    // Back to the config's: the access the agent's config stated at its last hello (or at anchoring).
    const columns = accessColumns(access ?? configAccessOf(instance));
    const [row] = await db
      .update(instances)
      .set({ ...columns, proxyAccessOverride: access ? JSON.stringify(access) : null })
      .where(and(eq(instances.id, instance.id), isNotNull(instances.proxySlug)))
      .returning();
    if (!row) throw notFound("proxy on this instance");
    await proxyRouteChanged(c, instance.id, [row.proxySlug]);
    await recordAudit(db, { actorId: p.userId, action: "cloud.proxy_access_set", subjectId: instance.id, ip: clientIp(c.req.raw), detail: { access: columns.proxyAccess, rules: access && typeof access === "object" ? access.allow.length : null, override: access !== null, ...actorDetail(p) } }, eventSink(c));
    const config = c.get("config");
    return c.json(toProxyView(row, config.issuer, config.proxyDomain, { hostnames: await hostnamesOf(db, row.id), mayManage: true }), 200);
  },
);

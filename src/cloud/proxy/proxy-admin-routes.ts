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
import { slugSchema } from "@anchorage/common";


export const proxyAdminRoutes = newRouter();
const tags = ["proxies"];

const proxySchema = z.object({
  instance_id: z.string(),
  instance_name: z.string(),
  slug: z.string(),
  path_url: z.string(),
  host_url: z.string().nullable(),
  access: z.enum(["users", "public"]),
  target: z.string().nullable(),
  inactive: z.boolean(),
  reason: z.string().nullable(),
});

function toProxyView(i: InstanceRow, origin: string, proxyDomain: string | null) {
  const scheme = new URL(origin).protocol;
  return {
    instance_id: i.id,
    instance_name: i.name,
    slug: i.proxySlug!,
    path_url: `${origin}/p/${i.proxySlug}/`,
    host_url: proxyDomain ? `${scheme}//${i.proxySlug}.${proxyDomain}/` : null,
    access: i.proxyAccess === "public" ? ("public" as const) : ("users" as const),
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
    const proxies = visible.filter((a) => a.instance.proxySlug && a.permissions.includes("proxy:cloud_instance")).map((a) => toProxyView(a.instance, config.issuer, config.proxyDomain));
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
    return c.json(toProxyView(row, config.issuer, config.proxyDomain), 200);
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
    return c.json(toProxyView(row, config.issuer, config.proxyDomain), 200);
  },
);

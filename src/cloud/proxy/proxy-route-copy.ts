import type { Context } from "hono";
import { eq } from "drizzle-orm";
import type { AppEnv } from "../../http/app-env.ts";
import type { Db } from "../../../core/db/client.ts";
import { instances, type InstanceRow } from "../../../core/db/schema.ts";
import { proxyRouteOf, type ProxyRoute } from "../../../core/instances/proxy-route.ts";
import { forgetKeys, proxySlugKey } from "../../auth/principal-cache/forget.ts";
import { dropCopy } from "../../auth/principal-cache/keep-copy.ts";
import { readThrough } from "../../auth/principal-cache/read-through.ts";

/** What the proxy needs of the instance a slug names: whose it is, its route, and its relays. */
export type ProxyTarget = Pick<InstanceRow, "id" | "ownerId" | "proxySlug" | "proxyAccess" | "proxyRules" | "proxyInactive" | "proxyReason" | "proxyRelays">;

/** The instance a slug names now, as D1 has it; null when none does. */
export async function loadProxyTarget(db: Db, slug: string): Promise<ProxyTarget | null> {
  const row = await db
    .select({ id: instances.id, ownerId: instances.ownerId, proxySlug: instances.proxySlug, proxyAccess: instances.proxyAccess, proxyRules: instances.proxyRules, proxyInactive: instances.proxyInactive, proxyReason: instances.proxyReason, proxyRelays: instances.proxyRelays })
    .from(instances)
    .where(eq(instances.proxySlug, slug))
    .get();
  return row ?? null;
}

/**
 * The instance a slug names, through the same two layers of copies as a session (this isolate's
 * for half a second, this location's for 30 s, refreshed in the background): a proxied request
 * reads no D1 in steady state. A copy can miss a change made elsewhere (another location, or the
 * InstanceDO on the agent's hello), so the request carries the route it was decided on and the
 * object that serves it refuses a stale one (durable-objects/instance/proxy-route-check.ts); the
 * caller then drops the copy and asks D1 (`freshProxyTarget`). A slug nobody holds is not copied.
 */
export function cachedProxyTarget(c: Context<AppEnv>, slug: string): Promise<ProxyTarget | null> {
  const db = c.get("db");
  return readThrough<ProxyTarget | null>(c, { key: proxySlugKey(slug), load: () => loadProxyTarget(db, slug), keep: (t) => t !== null });
}

/** The serving object said the copy is stale: it goes (here and in this location), and D1 answers. */
export async function freshProxyTarget(c: Context<AppEnv>, slug: string): Promise<ProxyTarget | null> {
  await dropCopy(proxySlugKey(slug));
  return loadProxyTarget(c.get("db"), slug);
}

export const routeOfTarget = (t: ProxyTarget): ProxyRoute => proxyRouteOf(t)!;

/** This location forgets the copies of these slugs, with the answer held like every forget (forget.ts). */
export async function forgetProxySlugs(c: Context<AppEnv>, slugs: (string | null)[]): Promise<void> {
  await forgetKeys(c.get("db"), [...new Set(slugs.filter((s): s is string => !!s))].map(proxySlugKey));
}

/**
 * After a change to a proxy's route through the API (a pause, a rename; its owner deleted): this
 * location forgets the slugs' copies, and the instance's object (and its relay objects) hold the
 * route as D1 has it now, so a copy elsewhere that missed the change is refused there.
 */
export async function proxyRouteChanged(c: Context<AppEnv>, instanceId: string, slugs: (string | null)[]): Promise<void> {
  await forgetProxySlugs(c, slugs);
  await c.env.INSTANCE.get(c.env.INSTANCE.idFromName(instanceId)).proxyRouteChanged(instanceId);
}

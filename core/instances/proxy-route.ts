import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { instances, type InstanceRow } from "../db/schema.ts";

/**
 * What decides whether a visitor's request may reach an instance's app: the address it is
 * published under, who may open it, and whether it is paused. The Worker decides on a copy of
 * these (src/cloud/proxy/proxy-route-copy.ts) and sends the copy with the request; the object that
 * serves the request (the InstanceDO, or a relay object) holds them as D1 last said and refuses a
 * request decided on anything else, so a copy that missed a change never serves (proxy-route-check.ts).
 */
export type ProxyRoute = { slug: string; access: "public" | "users" | "rules"; rules: string | null; inactive: boolean };

type RouteColumns = Pick<InstanceRow, "proxySlug" | "proxyAccess" | "proxyRules" | "proxyInactive">;

/** The stored access mode; anything unknown is the safe default, signed-in users. */
const accessMode = (a: string | null): ProxyRoute["access"] => (a === "public" || a === "rules" ? a : "users");

/** The route of a row; null when the instance publishes no app (or is gone). */
export function proxyRouteOf(row: RouteColumns | null | undefined): ProxyRoute | null {
  if (!row?.proxySlug) return null;
  const access = accessMode(row.proxyAccess);
  return { slug: row.proxySlug, access, rules: access === "rules" ? (row.proxyRules ?? null) : null, inactive: row.proxyInactive };
}

export const sameRoute = (a: ProxyRoute | null, b: ProxyRoute | null) =>
  a === b || (a !== null && b !== null && a.slug === b.slug && a.access === b.access && (a.rules ?? null) === (b.rules ?? null) && a.inactive === b.inactive);

/** D1's route for an instance now. */
export async function readProxyRoute(db: Db, instanceId: string): Promise<ProxyRoute | null> {
  const row = await db
    .select({ proxySlug: instances.proxySlug, proxyAccess: instances.proxyAccess, proxyRules: instances.proxyRules, proxyInactive: instances.proxyInactive })
    .from(instances)
    .where(eq(instances.id, instanceId))
    .get();
  return proxyRouteOf(row);
}

import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { instances, type InstanceRow } from "../db/schema.ts";
import { nowIso } from "../ids.ts";
import { isUniqueViolation } from "../users/users.ts";
import type { ProxyAccess } from "@anchorage/common";
import { accessColumns } from "./proxy-access-columns.ts";
import { claimProxyHostnames } from "./proxy-hostnames.ts";

export async function findInstance(db: Db, id: string): Promise<InstanceRow | undefined> {
  return db.select().from(instances).where(eq(instances.id, id)).get();
}

export async function markInstanceStatus(db: Db, id: string, status: "online" | "offline", seen = Date.now()) {
  await db.update(instances).set({ status, lastSeenAt: nowIso(seen) }).where(eq(instances.id, id));
}

/**
 * What the agent said about itself on connecting. Its config names the instance (what the
 * dashboard shows) and its proxy; a slug another instance holds is not taken (the old one
 * stays, and the agent's log says why), and a slug the owner set through the API stays.
 */
export async function recordAgentHello(
  db: Db,
  id: string,
  hello: { name: string; hostname: string; platform: string; arch: string; agentVersion: string; proxy?: { slug: string; target: string; access: ProxyAccess; relays?: number; hostnames?: string[] } | undefined },
): Promise<{ proxyConflict: boolean; hostnamesTaken: string[] }> {
  await db
    .update(instances)
    .set({
      name: hello.name,
      hostname: hello.hostname,
      platform: hello.platform,
      arch: hello.arch,
      agentVersion: hello.agentVersion,
      status: "online",
      lastSeenAt: nowIso(),
    })
    .where(eq(instances.id, id));
  try {
    // The owner's own choice of slug and of access (set through the API) outlive the config's.
    const access = hello.proxy ? accessColumns(hello.proxy.access) : { proxyAccess: null, proxyRules: null };
    await db
      .update(instances)
      .set({
        proxySlug: hello.proxy ? sql`coalesce(${instances.proxySlugOverride}, ${hello.proxy.slug})` : null,
        proxyTarget: hello.proxy?.target ?? null,
        proxyAccess: sql`CASE WHEN ${instances.proxyAccessOverride} IS NULL THEN ${access.proxyAccess} ELSE ${instances.proxyAccess} END`,
        proxyRules: sql`CASE WHEN ${instances.proxyAccessOverride} IS NULL THEN ${access.proxyRules} ELSE ${instances.proxyRules} END`,
        proxyAccessConfig: hello.proxy ? JSON.stringify(hello.proxy.access) : null,
        proxyRelays: hello.proxy?.relays ?? 1,
      })
      .where(eq(instances.id, id));
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    return { proxyConflict: true, hostnamesTaken: [] };
  }
  return { proxyConflict: false, hostnamesTaken: await claimProxyHostnames(db, id, hello.proxy?.hostnames ?? []) };
}

export async function instancesOwnedBy(db: Db, ownerId: string) {
  return db.select().from(instances).where(eq(instances.ownerId, ownerId)).all();
}

export async function instancesByIds(db: Db, ids: string[]) {
  if (ids.length === 0) return [];
  return db.select().from(instances).where(inArray(instances.id, ids)).all();
}

export async function deleteInstance(db: Db, id: string, ownerId: string) {
  await db.delete(instances).where(and(eq(instances.id, id), eq(instances.ownerId, ownerId)));
}

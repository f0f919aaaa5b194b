import { and, eq, inArray, notInArray, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { instances, proxyHostnames } from "../db/schema.ts";
import { nowIso } from "../ids.ts";

/**
 * The host names an instance's proxy answers on (`proxy.hostnames`), as its agent's hello states
 * them: the ones it no longer lists are let go, the new ones claimed. A name another owner holds is
 * not taken (returned, for the agent's log); one the same owner's other instance holds moves here
 * (a pool's members share their names). Returns the names that were taken by someone else.
 */
export async function claimProxyHostnames(db: Db, instanceId: string, hostnames: string[]): Promise<string[]> {
  await db
    .delete(proxyHostnames)
    .where(hostnames.length ? and(eq(proxyHostnames.instanceId, instanceId), notInArray(proxyHostnames.hostname, hostnames)) : eq(proxyHostnames.instanceId, instanceId));
  if (!hostnames.length) return [];
  const owner = await db.select({ ownerId: instances.ownerId }).from(instances).where(eq(instances.id, instanceId)).get();
  if (!owner) return [];
  const at = nowIso();
  const taken: string[] = [];
  for (const hostname of hostnames) {
    const claimed = await db
      .insert(proxyHostnames)
      .values({ hostname, instanceId, ownerId: owner.ownerId, createdAt: at })
      .onConflictDoUpdate({ target: proxyHostnames.hostname, set: { instanceId }, setWhere: sql`${proxyHostnames.ownerId} = ${owner.ownerId}` })
      .returning({ instanceId: proxyHostnames.instanceId })
      .get();
    if (claimed?.instanceId !== instanceId) taken.push(hostname);
  }
  return taken;
}

/** The proxy slug a host name reaches now, or null. */
export async function slugOfHostname(db: Db, hostname: string): Promise<string | null> {
  const row = await db
    .select({ slug: instances.proxySlug })
    .from(proxyHostnames)
    .innerJoin(instances, eq(instances.id, proxyHostnames.instanceId))
    .where(eq(proxyHostnames.hostname, hostname))
    .get();
  return row?.slug ?? null;
}

/** The host names an instance holds. */
export async function hostnamesOf(db: Db, instanceId: string): Promise<string[]> {
  const rows = await db.select({ hostname: proxyHostnames.hostname }).from(proxyHostnames).where(eq(proxyHostnames.instanceId, instanceId)).all();
  return rows.map((r) => r.hostname).sort();
}

/** The host names of several instances at once (a listing). */
export async function hostnamesByInstance(db: Db, instanceIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (!instanceIds.length) return out;
  const rows = await db.select().from(proxyHostnames).where(inArray(proxyHostnames.instanceId, instanceIds)).all();
  for (const r of rows) out.set(r.instanceId, [...(out.get(r.instanceId) ?? []), r.hostname].sort());
  return out;
}

import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { instanceTags } from "../db/schema.ts";

export type TagSource = "api" | "config";

/** Replaces one source's tags of an instance (the other source's stay). */
export async function setInstanceTags(db: Db, instanceId: string, source: TagSource, tags: string[]) {
  const clear = db.delete(instanceTags).where(and(eq(instanceTags.instanceId, instanceId), eq(instanceTags.source, source)));
  if (tags.length === 0) return void (await clear);
  await db.batch([clear, db.insert(instanceTags).values(tags.map((tag) => ({ instanceId, tag, source })))]);
}

/** An instance's tags: both sources merged (`all`), and those its agent's config declares (`config`), each sorted. */
export type InstanceTagSet = { all: string[]; config: string[] };

/** Each instance's tags; an instance without tags maps to empty lists. */
export async function tagsOf(db: Db, instanceIds: string[]): Promise<Map<string, InstanceTagSet>> {
  const out = new Map(instanceIds.map((id) => [id, { all: [], config: [] } as InstanceTagSet]));
  // D1 binds at most 100 parameters per statement.
  for (let i = 0; i < instanceIds.length; i += 90) {
    const rows = await db.select().from(instanceTags).where(inArray(instanceTags.instanceId, instanceIds.slice(i, i + 90))).all();
    for (const r of rows) {
      const set = out.get(r.instanceId)!;
      if (!set.all.includes(r.tag)) set.all.push(r.tag);
      if (r.source === "config") set.config.push(r.tag);
    }
  }
  for (const set of out.values()) set.all.sort(), set.config.sort();
  return out;
}

/** The instance ids carrying a tag (from either source); the caller scopes them to what the principal may see. */
export async function instanceIdsTagged(db: Db, tag: string): Promise<Set<string>> {
  const rows = await db.selectDistinct({ id: instanceTags.instanceId }).from(instanceTags).where(eq(instanceTags.tag, tag)).all();
  return new Set(rows.map((r) => r.id));
}

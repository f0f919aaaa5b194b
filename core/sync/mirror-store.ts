import { and, eq, inArray, or } from "drizzle-orm";
import type { MirrorDirection, MirrorSaveRequest, MirrorState } from "@anchorage/common";
import type { Db } from "../db/client.ts";
import { activeMirrors, type MirrorRow } from "../db/schema.ts";
import { nowIso, randomToken } from "../ids.ts";

/** The mirrors (issue #7) in D1's `active_mirrors`: rows in, rows out; who may touch them is decided by the caller. */

export const newMirrorId = () => `mir_${randomToken(12)}`;

export async function findMirror(db: Db, id: string): Promise<MirrorRow | undefined> {
  return db.select().from(activeMirrors).where(eq(activeMirrors.id, id)).get();
}

/** Mirrors whose source is this instance: the ones its InstanceDO checks, syncs and has its agent watch. */
export async function mirrorsFromSource(db: Db, instanceId: string): Promise<MirrorRow[]> {
  return db.select().from(activeMirrors).where(eq(activeMirrors.sourceInstanceId, instanceId)).all();
}

/** Mirrors whose destination is this instance (whatever their source). */
export async function mirrorsToDestination(db: Db, instanceId: string): Promise<MirrorRow[]> {
  return db.select().from(activeMirrors).where(eq(activeMirrors.destinationInstanceId, instanceId)).all();
}

/** Mirrors of one direction with a source or a destination among these instances. */
export async function mirrorsTouching(db: Db, direction: MirrorDirection, instanceIds: string[]): Promise<MirrorRow[]> {
  if (instanceIds.length === 0) return [];
  const rows: MirrorRow[] = [];
  // D1 binds at most 100 parameters a statement: two lists of ids per query.
  for (let i = 0; i < instanceIds.length; i += 45) {
    const ids = instanceIds.slice(i, i + 45);
    rows.push(
      ...(await db
        .select()
        .from(activeMirrors)
        .where(and(eq(activeMirrors.direction, direction), or(inArray(activeMirrors.sourceInstanceId, ids), inArray(activeMirrors.destinationInstanceId, ids))))
        .all()),
    );
  }
  return [...new Map(rows.map((r) => [r.id, r])).values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Another mirror with the same source and destination folders (the pair is unique). */
export async function findSamePair(db: Db, req: Pick<MirrorSaveRequest, "sourceInstanceId" | "sourcePath" | "destinationInstanceId" | "targetPath">): Promise<MirrorRow | undefined> {
  return db
    .select()
    .from(activeMirrors)
    .where(
      and(
        eq(activeMirrors.sourceInstanceId, req.sourceInstanceId),
        eq(activeMirrors.sourcePath, req.sourcePath),
        eq(activeMirrors.destinationInstanceId, req.destinationInstanceId),
        eq(activeMirrors.targetPath, req.targetPath),
      ),
    )
    .get();
}

/** What a check or sync found, as stored. */
export type MirrorStatePatch = Partial<Pick<MirrorRow, "lastCheckAt" | "lastSyncAt" | "lastSummary" | "lastError" | "lastErrorAt" | "lastOperationId">> & { state?: MirrorState };

/** Writes a new mirror, or replaces an existing one's settings and owner (whoever saves it last acts for it). */
export async function saveMirror(db: Db, m: { id: string; ownerId: string; direction: MirrorDirection; req: MirrorSaveRequest; existing?: MirrorRow }, patch: MirrorStatePatch, now = Date.now()): Promise<MirrorRow> {
  const { req } = m;
  const settings = {
    name: req.name ?? `${req.sourcePath} → ${req.targetPath}`,
    sourceInstanceId: req.sourceInstanceId,
    sourcePath: req.sourcePath,
    destinationInstanceId: req.destinationInstanceId,
    targetPath: req.targetPath,
    exclude: req.options.exclude,
    deleteFiles: req.options.delete,
    intervalSeconds: req.intervalSeconds,
    autoSync: req.autoSync,
    updatedAt: nowIso(now),
  };
  if (m.existing) {
    return (await db.update(activeMirrors).set({ ...settings, ownerId: m.ownerId, ...patch }).where(eq(activeMirrors.id, m.id)).returning().get())!;
  }
  return (await db
    .insert(activeMirrors)
    .values({ id: m.id, ownerId: m.ownerId, direction: m.direction, state: "stale", createdAt: nowIso(now), ...settings, ...patch })
    .returning()
    .get())!;
}

/** Records a check's or sync's outcome; undefined when the mirror was deleted meanwhile. */
export async function updateMirrorState(db: Db, id: string, patch: MirrorStatePatch): Promise<MirrorRow | undefined> {
  return db.update(activeMirrors).set(patch).where(eq(activeMirrors.id, id)).returning().get();
}

export async function deleteMirror(db: Db, id: string): Promise<void> {
  await db.delete(activeMirrors).where(eq(activeMirrors.id, id)).run();
}

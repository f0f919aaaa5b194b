import { and, asc, desc, eq, sql } from "drizzle-orm";
import { MAX_SCRIPT_VERSIONS, MAX_SCRIPTS_PER_USER, type ScriptInterpreter } from "@anchorage/common";
import type { Db } from "../db/client.ts";
import { scripts, scriptVersions, type ScriptRow, type ScriptVersionRow } from "../db/schema.ts";
import { AppError, notFound } from "../app-error.ts";
import { nowIso, randomToken } from "../ids.ts";

/**
 * The script library in D1. Every read and write names the owner: another user's script is not
 * found, whatever its id. A change never rewrites a version; it adds the next one.
 */

export type ScriptWithLatest = { script: ScriptRow; latest: ScriptVersionRow };
export type ScriptVersionInfo = Omit<ScriptVersionRow, "body">;

const bytesOf = (body: string) => new TextEncoder().encode(body).length;

/** D1 reports a broken UNIQUE or PRIMARY KEY constraint in the message (there is no error code). */
function conflictFrom(e: unknown, name: string): never {
  const message = String((e as Error)?.message ?? e);
  if (message.includes("scripts.owner_id, scripts.name")) throw new AppError("E-CONFLICT", `you already have a script named "${name}"`, { fields: [{ path: "name", message: "already used by another of your scripts" }] });
  if (message.includes("script_versions.script_id, script_versions.version")) throw new AppError("E-CONFLICT", "the script was changed at the same time; load it again and save once more");
  throw e;
}

export async function createScript(db: Db, ownerId: string, input: { name: string; body: string; interpreter: ScriptInterpreter }): Promise<ScriptWithLatest> {
  const count = await db.select({ n: sql<number>`count(*)` }).from(scripts).where(eq(scripts.ownerId, ownerId)).get();
  if ((count?.n ?? 0) >= MAX_SCRIPTS_PER_USER) throw new AppError("E-QUOTA", `you have ${MAX_SCRIPTS_PER_USER} scripts, the most one account keeps; delete one first`);
  const now = nowIso();
  const script: ScriptRow = { id: `scr_${randomToken(12)}`, ownerId, name: input.name, version: 1, createdAt: now, updatedAt: now };
  const latest: ScriptVersionRow = { scriptId: script.id, version: 1, interpreter: input.interpreter, body: input.body, bytes: bytesOf(input.body), createdAt: now, createdBy: ownerId };
  try {
    await db.batch([db.insert(scripts).values(script), db.insert(scriptVersions).values(latest)]);
  } catch (e) {
    conflictFrom(e, input.name);
  }
  return { script, latest };
}

/** The owner's scripts, by name, each with its newest version's interpreter. */
export async function scriptsOf(db: Db, ownerId: string): Promise<(ScriptRow & { interpreter: ScriptInterpreter })[]> {
  return db
    .select({ id: scripts.id, ownerId: scripts.ownerId, name: scripts.name, version: scripts.version, createdAt: scripts.createdAt, updatedAt: scripts.updatedAt, interpreter: scriptVersions.interpreter })
    .from(scripts)
    .innerJoin(scriptVersions, and(eq(scriptVersions.scriptId, scripts.id), eq(scriptVersions.version, scripts.version)))
    .where(eq(scripts.ownerId, ownerId))
    .orderBy(asc(scripts.name))
    .all();
}

/** One of the owner's scripts with a version of it (the newest unless one is named); null when either is not theirs or not there. */
export async function findScriptVersion(db: Db, ownerId: string, id: string, version?: number): Promise<ScriptWithLatest | null> {
  const script = await db.select().from(scripts).where(and(eq(scripts.id, id), eq(scripts.ownerId, ownerId))).get();
  if (!script) return null;
  const latest = await db.select().from(scriptVersions).where(and(eq(scriptVersions.scriptId, id), eq(scriptVersions.version, version ?? script.version))).get();
  return latest ? { script, latest } : null;
}

/** Like findScriptVersion, or a 404 naming what was missing. */
export async function requireScriptVersion(db: Db, ownerId: string, id: string, version?: number): Promise<ScriptWithLatest> {
  const found = await findScriptVersion(db, ownerId, id, version);
  if (found) return found;
  if (version !== undefined && (await findScriptVersion(db, ownerId, id))) throw new AppError("E-NOT-FOUND", `script ${id} has no version ${version}`);
  throw notFound("script");
}

/** Every version of a script (the caller has checked it is the owner's), newest first, without bodies. */
export const versionsOf = (db: Db, scriptId: string): Promise<ScriptVersionInfo[]> =>
  db
    .select({ scriptId: scriptVersions.scriptId, version: scriptVersions.version, interpreter: scriptVersions.interpreter, bytes: scriptVersions.bytes, createdAt: scriptVersions.createdAt, createdBy: scriptVersions.createdBy })
    .from(scriptVersions)
    .where(eq(scriptVersions.scriptId, scriptId))
    .orderBy(desc(scriptVersions.version))
    .all();

/** Saves a new version (the next number): the body always, the interpreter and the name when given, else kept. */
export async function updateScript(db: Db, ownerId: string, id: string, input: { body: string; interpreter?: ScriptInterpreter; name?: string }): Promise<ScriptWithLatest> {
  const current = await requireScriptVersion(db, ownerId, id);
  const next = current.script.version + 1;
  if (next > MAX_SCRIPT_VERSIONS) throw new AppError("E-QUOTA", `a script keeps at most ${MAX_SCRIPT_VERSIONS} versions; save this one as a new script`);
  const now = nowIso();
  const script: ScriptRow = { ...current.script, name: input.name ?? current.script.name, version: next, updatedAt: now };
  const latest: ScriptVersionRow = { scriptId: id, version: next, interpreter: input.interpreter ?? current.latest.interpreter, body: input.body, bytes: bytesOf(input.body), createdAt: now, createdBy: ownerId };
  try {
    // One transaction: a concurrent save took `next` first when the insert collides, and nothing is written.
    await db.batch([
      db.insert(scriptVersions).values(latest),
      db.update(scripts).set({ name: script.name, version: next, updatedAt: now }).where(and(eq(scripts.id, id), eq(scripts.ownerId, ownerId))),
    ]);
  } catch (e) {
    conflictFrom(e, script.name);
  }
  return { script, latest };
}

/** Deletes one of the owner's scripts and all its versions; false when there was none. */
export async function deleteScript(db: Db, ownerId: string, id: string): Promise<boolean> {
  const gone = await db.delete(scripts).where(and(eq(scripts.id, id), eq(scripts.ownerId, ownerId))).returning({ id: scripts.id }).get();
  if (!gone) return false;
  // The foreign key cascades where D1 enforces it; this makes sure either way.
  await db.delete(scriptVersions).where(eq(scriptVersions.scriptId, id));
  return true;
}

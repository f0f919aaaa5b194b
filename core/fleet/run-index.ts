import { and, desc, eq } from "drizzle-orm";
import type { RunSummary } from "@anchorage/common";
import type { Db } from "../db/client.ts";
import { fleetRuns, type FleetRunRow } from "../db/schema.ts";

/** How many runs the lists show (newest first). */
export const RUN_LIST_LIMIT = 100;

export const toRunSummary = (r: FleetRunRow): RunSummary => ({
  id: r.id, state: r.state as RunSummary["state"], target: r.target, command: r.command, script: r.script, startedBy: r.startedBy,
  scheduleId: r.scheduleId, total: r.total, succeeded: r.succeeded, failed: r.failed, reason: r.reason, created_at: r.createdAt, ended_at: r.endedAt,
});

export async function insertRunRow(db: Db, row: FleetRunRow): Promise<void> {
  await db.insert(fleetRuns).values(row);
}

/** The run ended: its counts and end time go to the index. */
export async function finishRunRow(db: Db, id: string, f: { total: number; succeeded: number; endedAt: string }): Promise<void> {
  await db.update(fleetRuns).set({ state: "done", total: f.total, succeeded: f.succeeded, failed: f.total - f.succeeded, endedAt: f.endedAt }).where(eq(fleetRuns.id, id));
}

/** A run of this owner, or undefined (another tenant's id is not found). */
export async function runRowOf(db: Db, ownerId: string, id: string): Promise<FleetRunRow | undefined> {
  return db.select().from(fleetRuns).where(and(eq(fleetRuns.id, id), eq(fleetRuns.ownerId, ownerId))).get();
}

export async function recentRuns(db: Db, ownerId: string, scheduleId?: string): Promise<FleetRunRow[]> {
  const where = scheduleId ? and(eq(fleetRuns.ownerId, ownerId), eq(fleetRuns.scheduleId, scheduleId)) : eq(fleetRuns.ownerId, ownerId);
  return db.select().from(fleetRuns).where(where).orderBy(desc(fleetRuns.createdAt)).limit(RUN_LIST_LIMIT).all();
}

import { and, eq } from "drizzle-orm";
import type { ScheduleView } from "@anchorage/common";
import type { Db } from "../db/client.ts";
import { fleetSchedules, type FleetScheduleRow } from "../db/schema.ts";
import type { MemberJob } from "./member-job.ts";

export const toScheduleView = (r: FleetScheduleRow): ScheduleView => ({
  id: r.id, name: r.name, target: r.target, command: r.command, script: r.script, version: r.version, cron: r.cron, intervalSeconds: r.intervalSeconds,
  enabled: r.enabled, timeoutSeconds: r.timeoutSeconds, concurrency: r.concurrency, created_at: r.createdAt, updated_at: r.updatedAt,
  last_run_at: r.lastRunAt, last_run_id: r.lastRunId, next_run_at: r.nextRunAt,
});

/** What each of the schedule's runs does on every member. */
export const scheduleJob = (r: FleetScheduleRow): MemberJob =>
  r.script !== null ? { kind: "script", scriptId: r.script, version: r.version, timeoutSeconds: r.timeoutSeconds } : { kind: "command", command: r.command!, timeoutSeconds: r.timeoutSeconds };

export async function scheduleById(db: Db, id: string): Promise<FleetScheduleRow | undefined> {
  return db.select().from(fleetSchedules).where(eq(fleetSchedules.id, id)).get();
}

/** A schedule of this owner, or undefined (another tenant's id is not found). */
export async function scheduleOf(db: Db, ownerId: string, id: string): Promise<FleetScheduleRow | undefined> {
  return db.select().from(fleetSchedules).where(and(eq(fleetSchedules.id, id), eq(fleetSchedules.ownerId, ownerId))).get();
}

export async function schedulesOf(db: Db, ownerId: string): Promise<FleetScheduleRow[]> {
  return db.select().from(fleetSchedules).where(eq(fleetSchedules.ownerId, ownerId)).orderBy(fleetSchedules.createdAt).all();
}

export async function updateSchedule(db: Db, id: string, set: Partial<Pick<FleetScheduleRow, "enabled" | "updatedAt" | "lastRunAt" | "lastRunId" | "nextRunAt">>): Promise<void> {
  await db.update(fleetSchedules).set(set).where(eq(fleetSchedules.id, id));
}

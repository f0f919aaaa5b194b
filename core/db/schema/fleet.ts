import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import type { FleetTarget } from "@anchorage/common";
import { users } from "./accounts.ts";

/** Fleet operations (issue 27): runs across many instances and the schedules that start them. */

/**
 * The index of a run, for listing (`GET /api/cloud/runs`, a schedule's runs): who it belongs to and
 * how it ended. The members' results live in the run's own object (FleetRunDO, name = id).
 */
export const fleetRuns = sqliteTable(
  "fleet_runs",
  {
    id: text("id").primaryKey(), // "run_…", also the FleetRunDO's name; "skip_…" for a schedule's skipped turn
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Who started it: the user's id, or `schedule:<id>` for a schedule's run (which acts as its owner). */
    startedBy: text("started_by").notNull(),
    scheduleId: text("schedule_id"),
    target: text("target", { mode: "json" }).$type<FleetTarget>().notNull(),
    command: text("command"),
    script: text("script"),
    state: text("state").notNull(), // "running" | "done" | "skipped"
    total: integer("total").notNull().default(0),
    succeeded: integer("succeeded").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    /** Why a schedule's turn was skipped. */
    reason: text("reason"),
    createdAt: text("created_at").notNull(),
    endedAt: text("ended_at"),
  },
  (t) => [index("fleet_runs_owner_idx").on(t.ownerId, t.createdAt), index("fleet_runs_schedule_idx").on(t.scheduleId, t.createdAt)],
);

/** A schedule: a run started by its object's alarm (ScheduleDO, name = id) at each due time, as its owner. */
export const fleetSchedules = sqliteTable(
  "fleet_schedules",
  {
    id: text("id").primaryKey(), // "sch_…"
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    target: text("target", { mode: "json" }).$type<FleetTarget>().notNull(),
    command: text("command"),
    script: text("script"),
    version: integer("version"),
    cron: text("cron"),
    intervalSeconds: integer("interval_seconds"),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    timeoutSeconds: integer("timeout_seconds").notNull(),
    concurrency: integer("concurrency").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    lastRunAt: text("last_run_at"),
    lastRunId: text("last_run_id"),
    nextRunAt: text("next_run_at"),
  },
  (t) => [index("fleet_schedules_owner_idx").on(t.ownerId)],
);

export type FleetRunRow = typeof fleetRuns.$inferSelect;
export type FleetScheduleRow = typeof fleetSchedules.$inferSelect;

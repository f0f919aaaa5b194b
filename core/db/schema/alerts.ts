import { sqliteTable, text, integer, index, primaryKey } from "drizzle-orm/sqlite-core";
import type { AlertCondition } from "@anchorage/common";
import { users } from "./accounts.ts";
import { instances } from "./cloud.ts";

/**
 * Alerts (issue 27): a condition watched on every instance of a target, messages to channels.
 * Their live state (which machine is pending or firing, grace timers, deliveries being retried)
 * is in each alert's AlertDO; D1 holds what the owner configured and the history.
 */

/** A channel as stored: a webhook's signing secret beside its URL (made at creation, shown once). */
export type StoredAlertChannel =
  | { type: "webhook"; url: string; secret: string }
  | { type: "slack" | "discord"; url: string }
  | { type: "email"; to: string };

export const alerts = sqliteTable(
  "alerts",
  {
    id: text("id").primaryKey(), // "alr_…", also its AlertDO's name
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** A tag target (followed as tags change), or null for a list (alert_instances). */
    targetTag: text("target_tag"),
    /** "offline" | "metric": which InstanceDO transitions concern it. */
    conditionKind: text("condition_kind").notNull(),
    condition: text("condition", { mode: "json" }).$type<AlertCondition>().notNull(),
    channels: text("channels", { mode: "json" }).$type<StoredAlertChannel[]>().notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("alerts_owner_idx").on(t.ownerId), index("alerts_target_tag_idx").on(t.targetTag)],
);
export type AlertRow = typeof alerts.$inferSelect;

/** The instances a list-target alert names, so an instance's transition finds its alerts by index. */
export const alertInstances = sqliteTable(
  "alert_instances",
  {
    alertId: text("alert_id")
      .notNull()
      .references(() => alerts.id, { onDelete: "cascade" }),
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.alertId, t.instanceId] }), index("alert_instances_instance_idx").on(t.instanceId)],
);

/** What an alert did: firing and resolved per machine, and each channel's delivery of them. */
export const alertHistory = sqliteTable(
  "alert_history",
  {
    id: text("id").primaryKey(), // "ahe_…"
    alertId: text("alert_id")
      .notNull()
      .references(() => alerts.id, { onDelete: "cascade" }),
    ownerId: text("owner_id").notNull(),
    at: text("at").notNull(),
    kind: text("kind").notNull(), // firing | resolved | delivered | failed | gave-up
    instanceId: text("instance_id"),
    instanceName: text("instance_name"),
    eventId: text("event_id"),
    channel: text("channel"),
    attempt: integer("attempt"),
    detail: text("detail"),
  },
  (t) => [index("alert_history_alert_idx").on(t.alertId, t.at)],
);
export type AlertHistoryRow = typeof alertHistory.$inferSelect;

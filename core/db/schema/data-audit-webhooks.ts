import { sqliteTable, text, integer, index, uniqueIndex, primaryKey } from "drizzle-orm/sqlite-core";
import { users } from "./accounts.ts";

/** The per-user data store, the audit log, and webhooks with their deliveries. */

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: text("at").notNull(),
    actorId: text("actor_id"), // null for anonymous attempts
    action: text("action").notNull(), // "auth.login", "auth.login_failed", "admin.user_disabled" …
    subjectId: text("subject_id"),
    ip: text("ip"),
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (t) => [index("audit_log_actor_idx").on(t.actorId), index("audit_log_subject_idx").on(t.subjectId)],
);

/** Per-user data (CloudM's User Data API): metadata here, the value in R2 under `blob_key`. */
export const userData = sqliteTable(
  "user_data",
  {
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    scope: text("scope").notNull(), // "public" | "private" | "mod/<name>"
    key: text("key").notNull(),
    blobKey: text("blob_key").notNull(),
    contentType: text("content_type").notNull(),
    size: integer("size").notNull(),
    etag: text("etag").notNull(), // strong ETag of this version; If-Match compares against it
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.scope, t.key] }), index("user_data_owner_idx").on(t.ownerId)],
);
export type UserDataRow = typeof userData.$inferSelect;

/** A user's webhook: events matching its patterns are POSTed to its URL, signed with HMAC-SHA256 of its secret. */
export const webhooks = sqliteTable(
  "webhooks",
  {
    id: text("id").primaryKey(), // "whk_…"
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    secret: text("secret").notNull(), // the signing key; shown once at creation, needed to sign every delivery
    events: text("events", { mode: "json" }).$type<string[]>().notNull(), // patterns: "cloud.*", "auth.session.*"
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("webhooks_owner_idx").on(t.ownerId)],
);
export type WebhookRow = typeof webhooks.$inferSelect;

/** One event to one webhook: its attempts, and whether it was delivered or given up on (dead-lettered). */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(), // "dlv_…"
    webhookId: text("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    state: text("state").notNull(), // pending | delivered | dead
    attempts: integer("attempts").notNull().default(0),
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("webhook_deliveries_event_unique").on(t.webhookId, t.eventId), index("webhook_deliveries_webhook_idx").on(t.webhookId, t.createdAt)],
);
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;

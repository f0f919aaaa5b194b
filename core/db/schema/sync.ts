import { sqliteTable, text, integer, index, uniqueIndex, primaryKey } from "drizzle-orm/sqlite-core";
import { users } from "./accounts.ts";
import { instances } from "./cloud.ts";

/** Sync between instances: the mirrors, and the chunks they share in R2. */

/**
 * Mirrors (issue #7): the Cloud Manager's active_mirrors, one table for push and pull. Both copy
 * source → destination; `direction` says whose side lists it (push: the source's, pull: the
 * destination's). The source's InstanceDO checks and syncs it, as the one that runs the sync.
 */
export const activeMirrors = sqliteTable(
  "active_mirrors",
  {
    id: text("id").primaryKey(), // "mir_…"
    /** Who saved it last: scheduled checks and syncs act with this user's `sync:` rights. */
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    direction: text("direction").notNull(), // push | pull
    name: text("name").notNull(),
    sourceInstanceId: text("source_instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    sourcePath: text("source_path").notNull(),
    destinationInstanceId: text("destination_instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    targetPath: text("target_path").notNull(),
    exclude: text("exclude", { mode: "json" }).$type<string[]>().notNull(),
    deleteFiles: integer("delete_files", { mode: "boolean" }).notNull().default(false),
    intervalSeconds: integer("interval_seconds").notNull(),
    autoSync: integer("auto_sync", { mode: "boolean" }).notNull().default(false),
    state: text("state").notNull(), // in_sync | needs_sync | stale | syncing | error
    lastCheckAt: text("last_check_at"),
    lastSyncAt: text("last_sync_at"),
    lastSummary: text("last_summary", { mode: "json" }).$type<Record<string, number>>(),
    lastError: text("last_error"),
    lastErrorAt: text("last_error_at"),
    lastOperationId: text("last_operation_id"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("active_mirrors_source_idx").on(t.sourceInstanceId),
    index("active_mirrors_destination_idx").on(t.destinationInstanceId),
    uniqueIndex("active_mirrors_pair_unique").on(t.sourceInstanceId, t.sourcePath, t.destinationInstanceId, t.targetPath),
  ],
);
export type MirrorRow = typeof activeMirrors.$inferSelect;

/**
 * Sync's chunks in R2 (`chunks/<owner_id>/<sha256>`, issue #7): when a transfer last uploaded or
 * reused each. The hourly collector deletes chunks unused for the retention period, and those of
 * deleted users (no foreign key: the rows outlive the user until their objects are gone).
 */
export const syncChunks = sqliteTable(
  "sync_chunks",
  {
    ownerId: text("owner_id").notNull(),
    sha256: text("sha256").notNull(),
    size: integer("size").notNull(),
    lastUsedAt: text("last_used_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.sha256] }), index("sync_chunks_last_used_idx").on(t.lastUsedAt)],
);

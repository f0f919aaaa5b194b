import { sqliteTable, text, integer, primaryKey, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./accounts.ts";

/**
 * The script library (issue 27): a user's scripts, and every version of each (a change is a new
 * version; the old ones are kept, so a run names exactly what it ran).
 */
export const scripts = sqliteTable(
  "scripts",
  {
    id: text("id").primaryKey(), // "scr_…"
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** The newest version's number (versions count from 1). */
    version: integer("version").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("scripts_owner_name_idx").on(t.ownerId, t.name)],
);

export const scriptVersions = sqliteTable(
  "script_versions",
  {
    scriptId: text("script_id")
      .notNull()
      .references(() => scripts.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    interpreter: text("interpreter").$type<"sh" | "bash" | "python3">().notNull(),
    body: text("body").notNull(),
    bytes: integer("bytes").notNull(),
    createdAt: text("created_at").notNull(),
    /** Who saved it (a user id; kept as text so a version outlives nothing it names). */
    createdBy: text("created_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scriptId, t.version] })],
);

export type ScriptRow = typeof scripts.$inferSelect;
export type ScriptVersionRow = typeof scriptVersions.$inferSelect;

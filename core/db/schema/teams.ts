import { sqliteTable, text, integer, index, primaryKey } from "drizzle-orm/sqlite-core";
import { users } from "./accounts.ts";
import { instances } from "./cloud.ts";

/**
 * Teams (issue 28): a group of accounts that a share can go to in one step. Whoever creates a
 * team is its first owner; owners and admins add and remove members, owners alone make owners.
 */
export const teams = sqliteTable("teams", {
  id: text("id").primaryKey(), // "tea_…"
  name: text("name").notNull(),
  createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: text("created_at").notNull(),
});

export const teamMembers = sqliteTable(
  "team_members",
  {
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role").$type<"owner" | "admin" | "member">().notNull(),
    addedAt: text("added_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index("team_members_user_idx").on(t.userId)],
);

/**
 * A share given to a team: the same terms as a share to one account (cloud_shares), held by every
 * member while they are one. permit() reads both through grantsFrom.
 */
export const teamShares = sqliteTable(
  "team_shares",
  {
    id: text("id").primaryKey(), // "shr_…"
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    instanceId: text("instance_id").references(() => instances.id, { onDelete: "cascade" }),
    permissions: text("permissions", { mode: "json" }).$type<string[]>().notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    expiresAt: text("expires_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("team_shares_team_idx").on(t.teamId), index("team_shares_owner_idx").on(t.ownerId)],
);

export type TeamRow = typeof teams.$inferSelect;
export type TeamMemberRow = typeof teamMembers.$inferSelect;
export type TeamShareRow = typeof teamShares.$inferSelect;

import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { ScopeGrant } from "@anchorage/common";
import { users } from "./accounts.ts";

/** API tokens and the service accounts that own some of them. */

/**
 * API tokens (`anc_…`): only the SHA-256 of the token is kept. A user's token carries its own
 * scopes; a service account's token has none and follows its account's scopes as they change.
 */
export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: text("id").primaryKey(), // "tok_…"
    tokenHash: text("token_hash").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }), // whose rights the token draws on (the creator, or the account's owner)
    serviceAccountId: text("service_account_id").references(() => serviceAccounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<ScopeGrant[]>(), // null for a service account's token
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at"), // null: until revoked
    lastUsedAt: text("last_used_at"),
    revokedAt: text("revoked_at"),
  },
  (t) => [uniqueIndex("api_tokens_hash_unique").on(t.tokenHash), index("api_tokens_user_idx").on(t.userId), index("api_tokens_sa_idx").on(t.serviceAccountId)],
);
export type ApiTokenRow = typeof apiTokens.$inferSelect;

/** A non-human identity owned by a user: its tokens act within its scopes, never beyond its owner's rights. */
export const serviceAccounts = sqliteTable(
  "service_accounts",
  {
    id: text("id").primaryKey(), // "sa_…"
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    scopes: text("scopes", { mode: "json" }).$type<ScopeGrant[]>().notNull(),
    version: integer("version").notNull().default(1), // bumped on every scope change
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("service_accounts_owner_idx").on(t.ownerId)],
);
export type ServiceAccountRow = typeof serviceAccounts.$inferSelect;

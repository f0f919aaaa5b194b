import { sqliteTable, text, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { Role } from "@anchorage/common";

/** Accounts: users, their sessions (one refresh-token family each) and invites. */

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(), // public id, "usr_…"
    email: text("email").notNull(), // as the user typed it
    emailNormalized: text("email_normalized").notNull(), // lower-cased: the unique key
    name: text("name").notNull(),
    roles: text("roles", { mode: "json" }).$type<Role[]>().notNull(),
    passwordHash: text("password_hash"), // PHC string; null for accounts without a password
    /**
     * When the person proved they receive mail at `email` (a sign-in link or a password reset
     * opened, a provider's verified email, or an admin's word when creating the account); null
     * until then. Proxy access rules by email trust only a verified address.
     */
    emailVerifiedAt: text("email_verified_at"),
    disabledAt: text("disabled_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("users_email_normalized_unique").on(t.emailNormalized)],
);

/** A session is one refresh-token family: every rotation stays in it; revoking it kills them all. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(), // "ses_…", the access token's `sid`
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider").notNull(), // how the user signed in: "password", later "passkey", "google" …
    userAgent: text("user_agent"),
    ip: text("ip"),
    createdAt: text("created_at").notNull(),
    lastUsedAt: text("last_used_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    revokedAt: text("revoked_at"),
    revokedReason: text("revoked_reason"),
    // The session's last proof of identity (its sign-in, or POST /auth/step-up): the step-up check
    // reads it straight from D1, never from a principal's copy, so a step-up counts at once.
    steppedUpAt: text("stepped_up_at"),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId)],
);

export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    tokenHash: text("token_hash").primaryKey(), // SHA-256 of the opaque token; the token itself is never stored
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    rotatedAt: text("rotated_at"), // set when used; a second use is reuse
    replacedBy: text("replaced_by"), // hash of its successor
  },
  (t) => [index("refresh_tokens_session_id_idx").on(t.sessionId)],
);

export const invites = sqliteTable("invites", {
  codeHash: text("code_hash").primaryKey(),
  email: text("email_normalized"), // when set, only this email can use it
  createdBy: text("created_by")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  createdAt: text("created_at").notNull(),
  expiresAt: text("expires_at").notNull(),
  usedAt: text("used_at"),
  usedBy: text("used_by"),
});

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;

import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { users } from "./accounts.ts";

/**
 * TOTP (RFC 6238) as a second factor: one authenticator per account. A row without `confirmedAt`
 * is a pending enrolment (the person has not yet shown a code from it) and protects nothing.
 * `lastUsedStep` is the 30 s time step of the last accepted code: a code of that step or an
 * earlier one is refused, so an observed code cannot be replayed within its window (§5.2).
 */
export const totpCredentials = sqliteTable("totp_credentials", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  secret: text("secret").notNull(), // base32; stored plainly (no authenticated-encryption helper for secrets at rest exists yet)
  createdAt: text("created_at").notNull(),
  confirmedAt: text("confirmed_at"),
  lastUsedStep: integer("last_used_step"),
});
export type TotpCredentialRow = typeof totpCredentials.$inferSelect;

/** Single-use recovery codes of an account with TOTP; only the SHA-256 of each (high-entropy) code is kept. */
export const totpRecoveryCodes = sqliteTable(
  "totp_recovery_codes",
  {
    codeHash: text("code_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: text("created_at").notNull(),
    usedAt: text("used_at"),
  },
  (t) => [index("totp_recovery_codes_user_idx").on(t.userId)],
);

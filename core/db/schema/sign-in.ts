import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./accounts.ts";

/** Ways to sign in beyond a password: outside identities, passkeys, one-time challenges, device codes, and the dev outbox's mail. */

/** RFC 8628 device authorization requests: the CLI polls, a signed-in user approves in the browser. */
export const deviceCodes = sqliteTable(
  "device_codes",
  {
    deviceCodeHash: text("device_code_hash").primaryKey(),
    userCode: text("user_code").notNull(),
    clientId: text("client_id").notNull(),
    scope: text("scope").notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    intervalSeconds: integer("interval_seconds").notNull(),
    lastPolledAt: text("last_polled_at"),
    approvedBy: text("approved_by").references(() => users.id, { onDelete: "cascade" }),
    decidedAt: text("decided_at"),
    denied: integer("denied", { mode: "boolean" }).notNull().default(false),
    consumedAt: text("consumed_at"),
  },
  (t) => [uniqueIndex("device_codes_user_code_unique").on(t.userCode)],
);
export type DeviceCodeRow = typeof deviceCodes.$inferSelect;

/** A user's link to an outside identity provider (Google, Discord, GitHub, the configured OIDC issuer). */
export const identities = sqliteTable(
  "identities",
  {
    id: text("id").primaryKey(), // "idn_…"
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider").notNull(), // google | discord | github | oidc
    providerUserId: text("provider_user_id").notNull(), // the provider's stable subject, never the email
    email: text("email"),
    emailVerified: integer("email_verified", { mode: "boolean" }).notNull().default(false),
    createdAt: text("created_at").notNull(),
    lastUsedAt: text("last_used_at"),
  },
  (t) => [uniqueIndex("identities_provider_subject_unique").on(t.provider, t.providerUserId), index("identities_user_idx").on(t.userId)],
);
export type IdentityRow = typeof identities.$inferSelect;

/** WebAuthn credentials (passkeys). The public key only; the counter is checked on every assertion. */
export const passkeys = sqliteTable(
  "passkeys",
  {
    id: text("id").primaryKey(), // the credential id, base64url
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    publicKey: text("public_key").notNull(), // COSE public key, base64url
    counter: integer("counter").notNull().default(0),
    transports: text("transports", { mode: "json" }).$type<string[]>(),
    deviceType: text("device_type"), // singleDevice | multiDevice
    backedUp: integer("backed_up", { mode: "boolean" }).notNull().default(false),
    name: text("name").notNull(),
    createdAt: text("created_at").notNull(),
    lastUsedAt: text("last_used_at"),
  },
  (t) => [index("passkeys_user_idx").on(t.userId)],
);
export type PasskeyRow = typeof passkeys.$inferSelect;

/**
 * Single-use, short-lived secrets of the sign-in flows (WebAuthn challenges, 2FA challenge tokens,
 * OAuth state and PKCE verifiers, magic links): consumed atomically here (UPDATE … WHERE
 * consumed_at IS NULL), so two requests can never both redeem one. Only a hash of the key is kept.
 */
export const authChallenges = sqliteTable(
  "auth_challenges",
  {
    keyHash: text("key_hash").primaryKey(),
    kind: text("kind").notNull(), // webauthn-register | webauthn-login | webauthn-step-up | login-2fa | oauth-state | magic-link | device-invite | password-reset
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    attempts: integer("attempts").notNull().default(0),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    consumedAt: text("consumed_at"),
  },
  (t) => [index("auth_challenges_expires_idx").on(t.expiresAt)],
);
export type AuthChallengeRow = typeof authChallenges.$inferSelect;

/** Mail that would have been sent, kept when no RESEND_API_KEY is set (local dev, tests): read at a dev-only route. */
export const devOutbox = sqliteTable("dev_outbox", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  to: text("to").notNull(),
  subject: text("subject").notNull(),
  text: text("text").notNull(),
  html: text("html"),
  createdAt: text("created_at").notNull(),
});

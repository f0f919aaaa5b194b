import { sqliteTable, text, integer, index, uniqueIndex, primaryKey } from "drizzle-orm/sqlite-core";
import type { Role, ScopeGrant } from "@anchorage/common";

// Times are ISO-8601 UTC strings: they sort, compare and read the same in SQL and in JSON.

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(), // public id, "usr_…"
    email: text("email").notNull(), // as the user typed it
    emailNormalized: text("email_normalized").notNull(), // lower-cased: the unique key
    name: text("name").notNull(),
    roles: text("roles", { mode: "json" }).$type<Role[]>().notNull(),
    passwordHash: text("password_hash"), // PHC string; null for accounts without a password
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

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;

/** An anchored machine. Its credential is its own key pair: we keep only the public half. */
export const instances = sqliteTable(
  "instances",
  {
    id: text("id").primaryKey(), // "ins_…", also the InstanceDO's name
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    publicKey: text("public_key", { mode: "json" }).$type<Record<string, string>>().notNull(), // ES256 public JWK
    fingerprint: text("fingerprint").notNull(), // RFC 7638 JWK thumbprint of the public key
    hostname: text("hostname"),
    platform: text("platform"),
    arch: text("arch"),
    agentVersion: text("agent_version"),
    proxySlug: text("proxy_slug"),
    /** A slug the owner chose through the API: it wins over the agent's config until cleared. */
    proxySlugOverride: text("proxy_slug_override"),
    proxyTarget: text("proxy_target"),
    proxyAccess: text("proxy_access"),
    /** Sockets (relay objects) the proxy's traffic spreads over, from the agent's config: 1 is the InstanceDO alone. */
    proxyRelays: integer("proxy_relays").notNull().default(1),
    proxyInactive: integer("proxy_inactive", { mode: "boolean" }).notNull().default(false),
    proxyReason: text("proxy_reason"),
    status: text("status").notNull(), // "online" | "offline"
    createdAt: text("created_at").notNull(),
    lastSeenAt: text("last_seen_at"),
  },
  (t) => [index("instances_owner_idx").on(t.ownerId), uniqueIndex("instances_proxy_slug_unique").on(t.proxySlug)],
);

/** The Cloud Manager's shares: one instance, or all of the owner's (instance_id null), present and future. */
export const cloudShares = sqliteTable(
  "cloud_shares",
  {
    id: text("id").primaryKey(), // "shr_…"
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    granteeId: text("grantee_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    instanceId: text("instance_id").references(() => instances.id, { onDelete: "cascade" }),
    permissions: text("permissions", { mode: "json" }).$type<string[]>().notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    expiresAt: text("expires_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("cloud_shares_grantee_idx").on(t.granteeId), index("cloud_shares_owner_idx").on(t.ownerId)],
);

/**
 * A share offered to an email that has no account yet. It grants nothing: permit() reads only
 * cloud_shares. When someone with that email starts a session it moves there, id and all; until
 * then its owner sees it exactly as a share to an existing account (no enumeration of accounts).
 */
export const pendingShares = sqliteTable(
  "pending_shares",
  {
    id: text("id").primaryKey(), // "shr_…", kept when it becomes a cloud_shares row
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    granteeEmail: text("grantee_email_normalized").notNull(),
    instanceId: text("instance_id").references(() => instances.id, { onDelete: "cascade" }),
    permissions: text("permissions", { mode: "json" }).$type<string[]>().notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    expiresAt: text("expires_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("pending_shares_email_idx").on(t.granteeEmail), index("pending_shares_owner_idx").on(t.ownerId)],
);

/** Short-lived, single-use tokens that let an agent register one instance for a user. */
export const anchorTokens = sqliteTable("anchor_tokens", {
  tokenHash: text("token_hash").primaryKey(),
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  createdBy: text("created_by").notNull(), // the user, or the admin acting for them
  createdAt: text("created_at").notNull(),
  expiresAt: text("expires_at").notNull(),
  usedAt: text("used_at"),
});

export type InstanceRow = typeof instances.$inferSelect;
export type ShareRow = typeof cloudShares.$inferSelect;
export type PendingShareRow = typeof pendingShares.$inferSelect;

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

/** Proxy handoff tokens already traded for a cookie: each works once (they travel in a URL). */
export const usedProxyHandoffs = sqliteTable("used_proxy_handoffs", {
  jti: text("jti").primaryKey(),
  expiresAt: text("expires_at").notNull(),
});

/** Terminal sessions: who opened a shell on which instance, when, how it ended, and its recording. */
export const terminalSessions = sqliteTable(
  "terminal_sessions",
  {
    id: text("id").primaryKey(), // "tty_…"
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    ownerId: text("owner_id").notNull(), // the instance's owner, so listings are scoped without a join
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    shell: text("shell").notNull(),
    cols: integer("cols").notNull(),
    rows: integer("rows").notNull(),
    startedAt: text("started_at").notNull(),
    endedAt: text("ended_at"),
    endReason: text("end_reason"), // exit | closed | idle | max-lifetime | detached | lost (the agent restarted)
    exitCode: integer("exit_code"),
    recorded: integer("recorded", { mode: "boolean" }).notNull(),
    recordingBytes: integer("recording_bytes").notNull().default(0),
  },
  (t) => [index("terminal_sessions_instance_idx").on(t.instanceId, t.startedAt), index("terminal_sessions_owner_idx").on(t.ownerId)],
);
export type TerminalSessionRow = typeof terminalSessions.$inferSelect;

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
    kind: text("kind").notNull(), // webauthn-register | webauthn-login | login-2fa | oauth-state | magic-link | device-invite
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

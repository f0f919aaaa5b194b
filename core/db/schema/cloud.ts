import { sqliteTable, text, integer, index, primaryKey, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./accounts.ts";

/** The Cloud Manager: anchored instances, their shares, anchor tokens, proxy handoffs, terminal sessions. */

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
    /** "users" | "public" | "rules": who may reach the app (common/src/proxy-access.ts). */
    proxyAccess: text("proxy_access"),
    /** With access "rules": the rules, as JSON (`{allow:[…]}`). */
    proxyRules: text("proxy_rules"),
    /** The owner's choice of access through the API (JSON of a ProxyAccess): it wins over the agent's config until cleared. */
    proxyAccessOverride: text("proxy_access_override"),
    /** The access the agent's config states (JSON of a ProxyAccess), kept for when the owner's choice is cleared. */
    proxyAccessConfig: text("proxy_access_config"),
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

/**
 * Host names a proxy answers on besides its slug's (`proxy.hostnames` in the agent's config). A name
 * belongs to one owner: another owner's instance cannot take it; the owner's instances (a pool's
 * members) hand it between them, the latest hello holding it.
 */
export const proxyHostnames = sqliteTable(
  "proxy_hostnames",
  {
    hostname: text("hostname").primaryKey(),
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    ownerId: text("owner_id").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("proxy_hostnames_instance_idx").on(t.instanceId)],
);

/**
 * An instance's tags, for targeting many at once (runs, schedules, alerts) and for filtering. Two
 * sources, kept apart so neither overwrites the other: `api` (the owner's, `PATCH /api/cloud/instances/:id`)
 * and `config` (the agent's config `tags:`, replaced at each hello). An instance's tags are their union.
 */
export const instanceTags = sqliteTable(
  "instance_tags",
  {
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    tag: text("tag").notNull(),
    source: text("source").notNull(), // "api" | "config"
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.tag, t.source] }), index("instance_tags_tag_idx").on(t.tag)],
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

/**
 * People a session's user invited into it (issue 28): `watch` sees the output, `drive` types too.
 * An invite alone opens nothing: joining needs `terminal:` on the instance as well.
 */
export const terminalParticipants = sqliteTable(
  "terminal_participants",
  {
    sessionId: text("session_id")
      .notNull()
      .references(() => terminalSessions.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    mode: text("mode").$type<"watch" | "drive">().notNull(),
    invitedBy: text("invited_by").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.userId] }), index("terminal_participants_user_idx").on(t.userId)],
);
export type TerminalSessionRow = typeof terminalSessions.$inferSelect;
export type TerminalParticipantRow = typeof terminalParticipants.$inferSelect;

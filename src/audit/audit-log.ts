import { and, desc, eq, gte, inArray, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../core/db/client.ts";
import { apiTokens, auditLog, cloudShares, instances, serviceAccounts, sessions, webhooks } from "../../core/db/schema.ts";
import { nowIso } from "../../core/ids.ts";
import type { AuditRow } from "../../core/audit/audit-event.ts";
import type { EventSink } from "./event-sink.ts";
import { publishAuditEvent } from "./publish-audit-event.ts";

export type AuditEntry = {
  actorId: string | null;
  action: string;
  subjectId?: string | null;
  ip?: string | null;
  /** Never a secret: no password, token or hash goes here. */
  detail?: Record<string, unknown>;
};

/**
 * Writes an audit entry and, given the request's event sink (`eventSink(c)`), publishes it as an
 * event on the queue after the response (see publish-audit-event.ts): publishing never fails the request.
 */
export async function recordAudit(db: Db, entry: AuditEntry, events?: EventSink): Promise<void> {
  const row = await db
    .insert(auditLog)
    .values({
      at: nowIso(),
      actorId: entry.actorId,
      action: entry.action,
      subjectId: entry.subjectId ?? null,
      ip: entry.ip ?? null,
      detail: entry.detail ?? null,
    })
    .returning()
    .get();
  if (events) events.waitUntil(publishAuditEvent(db, row, events.queue));
}

export type AuditFilter = {
  /** Entries where this user acted or is the subject. */
  userId?: string;
  actorId?: string;
  subjectId?: string;
  /** A prefix of the action: `auth.` or `auth.login` (which also finds `auth.login_failed`). */
  actionPrefix?: string;
  /** ISO-8601 UTC bounds on `at`, inclusive. */
  since?: string;
  until?: string;
  /** Entries older than this id (the previous page's `next_cursor`). */
  before?: number;
  limit: number;
};

/** One page of entries, newest first, and the cursor of the next page (null on the last). */
export type AuditPage = { entries: AuditRow[]; nextCursor: number | null };

const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

function filterConditions(f: AuditFilter): (SQL | undefined)[] {
  return [
    f.userId ? or(eq(auditLog.actorId, f.userId), eq(auditLog.subjectId, f.userId)) : undefined,
    f.actorId ? eq(auditLog.actorId, f.actorId) : undefined,
    f.subjectId ? eq(auditLog.subjectId, f.subjectId) : undefined,
    f.actionPrefix ? sql`${auditLog.action} LIKE ${likePrefix(f.actionPrefix)} ESCAPE '\\'` : undefined,
    f.since ? gte(auditLog.at, f.since) : undefined,
    f.until ? lte(auditLog.at, f.until) : undefined,
    f.before !== undefined ? lt(auditLog.id, f.before) : undefined,
  ];
}

async function page(db: Db, where: SQL | undefined, limit: number): Promise<AuditPage> {
  const rows = await db.select().from(auditLog).where(where).orderBy(desc(auditLog.id)).limit(limit + 1).all();
  const entries = rows.slice(0, limit);
  return { entries, nextCursor: rows.length > limit ? entries[entries.length - 1]!.id : null };
}

/** The whole audit log, filtered: for admins. */
export function listAudit(db: Db, filter: AuditFilter): Promise<AuditPage> {
  return page(db, and(...filterConditions(filter)), filter.limit);
}

/**
 * A user's own audit log: what they did, what was done to them, and what was done to their things
 * (instances, shares, sessions, API tokens, service accounts, webhooks). Never another tenant's
 * rows: every branch is scoped by the user. Things already deleted take their entries with them,
 * except those the user wrote themselves.
 */
export function listOwnAudit(db: Db, userId: string, filter: Omit<AuditFilter, "userId">): Promise<AuditPage> {
  const theirs = or(
    eq(auditLog.actorId, userId),
    eq(auditLog.subjectId, userId),
    inArray(auditLog.subjectId, db.select({ id: instances.id }).from(instances).where(eq(instances.ownerId, userId))),
    inArray(auditLog.subjectId, db.select({ id: cloudShares.id }).from(cloudShares).where(eq(cloudShares.ownerId, userId))),
    inArray(auditLog.subjectId, db.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, userId))),
    inArray(auditLog.subjectId, db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.userId, userId))),
    inArray(auditLog.subjectId, db.select({ id: serviceAccounts.id }).from(serviceAccounts).where(eq(serviceAccounts.ownerId, userId))),
    inArray(auditLog.subjectId, db.select({ id: webhooks.id }).from(webhooks).where(eq(webhooks.ownerId, userId))),
  );
  return page(db, and(theirs, ...filterConditions(filter)), filter.limit);
}

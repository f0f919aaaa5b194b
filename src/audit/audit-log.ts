import { desc, eq, or } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { auditLog } from "../db/schema.ts";
import { nowIso } from "../ids.ts";

export type AuditEntry = {
  actorId: string | null;
  action: string;
  subjectId?: string | null;
  ip?: string | null;
  /** Never a secret: no password, token or hash goes here. */
  detail?: Record<string, unknown>;
};

export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    at: nowIso(),
    actorId: entry.actorId,
    action: entry.action,
    subjectId: entry.subjectId ?? null,
    ip: entry.ip ?? null,
    detail: entry.detail ?? null,
  });
}

export async function listAudit(db: Db, filter: { userId?: string; limit: number }) {
  return db
    .select()
    .from(auditLog)
    .where(filter.userId ? or(eq(auditLog.actorId, filter.userId), eq(auditLog.subjectId, filter.userId)) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(filter.limit)
    .all();
}

import { z } from "zod";
import type { AuditRow } from "../../core/audit/audit-event.ts";
import type { AuditFilter } from "./audit-log.ts";

export const auditEntrySchema = z.object({
  id: z.number().int(),
  at: z.string(),
  actor_id: z.string().nullable(),
  action: z.string(),
  subject_id: z.string().nullable(),
  ip: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
});

export const auditPageSchema = z.object({
  entries: z.array(auditEntrySchema),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor: z.number().int().nullable(),
});

const instant = z.iso
  .datetime({ offset: true })
  .transform((v) => new Date(v).toISOString()) // stored `at` values are UTC with milliseconds: compare like with like
  .optional();

/** Filters and paging shared by `/api/audit` and `/admin/audit`. */
export const auditQuerySchema = z.strictObject({
  action: z.string().trim().min(1).max(100).regex(/^[a-z0-9._-]+$/, "an action or a prefix of one, e.g. auth. or cloud.command").optional(),
  actor_id: z.string().min(1).max(64).optional(),
  subject_id: z.string().min(1).max(64).optional(),
  since: instant,
  until: instant,
  cursor: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const toAuditFilter = (q: z.infer<typeof auditQuerySchema>): Omit<AuditFilter, "userId"> => ({
  actorId: q.actor_id,
  subjectId: q.subject_id,
  actionPrefix: q.action,
  since: q.since,
  until: q.until,
  before: q.cursor,
  limit: q.limit,
});

/**
 * An entry as the API shows it. For a user's own log (`viewerId` set) the address is shown only
 * where they acted themselves or nobody did (a failed sign-in on their account): the address of an
 * admin or a sharee who acted on their things is not theirs to see.
 */
export function toAuditEntryView(r: AuditRow, viewerId?: string): z.infer<typeof auditEntrySchema> {
  const ipShown = viewerId === undefined || r.actorId === null || r.actorId === viewerId;
  return { id: r.id, at: r.at, actor_id: r.actorId, action: r.action, subject_id: r.subjectId, ip: ipShown ? r.ip : null, detail: r.detail };
}

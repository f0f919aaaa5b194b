import { z } from "zod";
import { activityKinds, activityStatuses } from "./activity-order.ts";

export * from "./activity-order.ts";

/**
 * The Activity list (`GET /api/cloud/activity`): recent actions across every instance the caller
 * may see, newest first. Commands come from each instance's object (with their output), the rest
 * from the audit log.
 */

export const activityItemSchema = z.object({
  /** `act_…` for an instance's recorded action, `aud_<audit id>` for an audit entry. */
  id: z.string(),
  kind: z.enum(activityKinds),
  status: z.enum(activityStatuses),
  instance_id: z.string(),
  instance_name: z.string(),
  /** Who did it; null when nobody signed in did (none today, kept for entries without an actor). */
  actor_id: z.string().nullable(),
  /** Shown where the caller may know it: their own, the instance owner's, or anyone's to the owner and admins. */
  actor_email: z.string().optional(),
  /** When it started (an action) or was recorded (an audit entry), ISO-8601 UTC. */
  at: z.string(),
  summary: z.string(),
  /** The last part of a command's output, or a failure's message. */
  output: z.string().optional(),
});
export type ActivityItem = z.infer<typeof activityItemSchema>;

/** `<at>~<id>` of the last item of a page: the next page is what came before it. */
export const activityCursorSchema = z
  .string()
  .max(120)
  .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z~[A-Za-z0-9_-]{1,80}$/, "a next_before value from an earlier page");

export const activityQuerySchema = z.strictObject({
  instance: z.string().min(1).max(64).optional(),
  kind: z.enum(activityKinds).optional(),
  status: z.enum(activityStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  before: activityCursorSchema.optional(),
});
export type ActivityQuery = z.infer<typeof activityQuerySchema>;

export const activityPageSchema = z.object({
  items: z.array(activityItemSchema),
  /**
   * Pass as `before` for older items; null when there are none. A page can hold fewer than `limit`
   * items (a status filter is applied after the audit rows are read) and still have a next one.
   */
  next_before: z.string().nullable(),
});
export type ActivityPage = z.infer<typeof activityPageSchema>;

import { z } from "zod";
import { emailSchema } from "./auth.ts";
import { fleetTargetSchema } from "./fleet.ts";

/** A grace period: at least 0 s (fire at once), at most a week. */
const forSecondsSchema = z.number().int("a whole number of seconds").min(0).max(7 * 24 * 3600);

/** What an alert watches on each instance of its target. */
export const alertConditionSchema = z.union([
  z.strictObject({ offline: z.strictObject({ forSeconds: forSecondsSchema }) }),
  z.strictObject({
    metric: z.enum(["cpu", "memory", "disk"]),
    /** Percent: cpu as the agent reports it, memory and disk as used / total. */
    above: z.number().min(0).max(100),
    forSeconds: forSecondsSchema,
  }),
]);
export type AlertCondition = z.infer<typeof alertConditionSchema>;

const urlField = z.string().min(1).max(2048);

/** Where an alert's messages go. A webhook is signed like the account's webhooks; Slack and Discord take their incoming-webhook URLs. */
export const alertChannelSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("webhook"), url: urlField }),
  z.strictObject({ type: z.literal("slack"), url: urlField }),
  z.strictObject({ type: z.literal("discord"), url: urlField }),
  z.strictObject({ type: z.literal("email"), to: emailSchema }),
]);
export type AlertChannel = z.infer<typeof alertChannelSchema>;

export const MAX_ALERT_CHANNELS = 10;
export const MAX_ALERTS_PER_USER = 100;

/** `POST /api/alerts`. */
export const createAlertSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  target: fleetTargetSchema,
  condition: alertConditionSchema,
  channels: z.array(alertChannelSchema).min(1, "name at least one channel").max(MAX_ALERT_CHANNELS),
  enabled: z.boolean().default(true),
});
export type CreateAlert = z.infer<typeof createAlertSchema>;

/** `PATCH /api/alerts/:id`: enable or disable. */
export const patchAlertSchema = z.strictObject({ enabled: z.boolean() });

/** One machine under an alert: ok, pending (the condition holds, its grace is running) or firing. */
export const alertInstanceStateSchema = z.object({
  instanceId: z.string(),
  name: z.string().nullable(),
  state: z.enum(["ok", "pending", "firing"]),
  /** When the condition started to hold (pending, firing), ISO time. */
  since: z.string().nullable(),
});
export type AlertInstanceState = z.infer<typeof alertInstanceStateSchema>;

/** A channel as the API shows it: a webhook's secret only in the answer to its creation. */
export const alertChannelViewSchema = z.union([
  z.object({ type: z.enum(["webhook", "slack", "discord"]), url: z.string(), secret: z.string().optional() }),
  z.object({ type: z.literal("email"), to: z.string() }),
]);

export const alertViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  target: fleetTargetSchema,
  condition: alertConditionSchema,
  channels: z.array(alertChannelViewSchema),
  enabled: z.boolean(),
  /** firing when any machine is; each machine's state beside it. */
  state: z.enum(["ok", "pending", "firing", "disabled"]),
  instances: z.array(alertInstanceStateSchema),
  created_at: z.string(),
  updated_at: z.string(),
});
export type AlertView = z.infer<typeof alertViewSchema>;

/** An alert's history, newest first: what fired and resolved, and each channel's delivery. */
export const alertHistoryEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  kind: z.enum(["firing", "resolved", "delivered", "failed", "gave-up"]),
  instanceId: z.string().nullable(),
  instanceName: z.string().nullable(),
  /** The firing or resolved entry a delivery belongs to. */
  eventId: z.string().nullable(),
  /** `webhook:0`, `email:1`: the channel's type and place in the list. */
  channel: z.string().nullable(),
  attempt: z.number().int().nullable(),
  detail: z.string().nullable(),
});
export type AlertHistoryEntry = z.infer<typeof alertHistoryEntrySchema>;

/** What a `webhook` channel is sent (signed, `X-Anchorage-Event: alert.firing | alert.resolved`). */
export type AlertMessage = {
  id: string;
  type: "alert.firing" | "alert.resolved";
  at: string;
  alert: { id: string; name: string };
  instance: { id: string; name: string | null };
  condition: AlertCondition;
  /** When the condition started to hold. */
  since: string;
  text: string;
};

/** The condition in words: "offline for 5 s", "cpu above 90% for 60 s". */
export function describeCondition(c: AlertCondition): string {
  if ("offline" in c) return `offline for ${c.offline.forSeconds} s`;
  return `${c.metric} above ${c.above}% for ${c.forSeconds} s`;
}

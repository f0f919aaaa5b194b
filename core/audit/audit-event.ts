import { z } from "zod";
import type { auditLog } from "../db/schema.ts";

export type AuditRow = typeof auditLog.$inferSelect;

/**
 * An audit entry as an event on the `anchorage-events` queue, for webhooks and any other consumer.
 * Its fields never hold a secret: they come from the audit entry, whose detail is secret-free.
 */
export const anchorageEventSchema = z.object({
  /** `evt_<audit id>`: one audit entry always makes the same event, so a republished one is not delivered twice. */
  id: z.string().min(1).max(64),
  /** `<service>.<resource>.<id>.<verb>`, e.g. `auth.session.ses_….created`; see EVENT_TYPES. */
  type: z.string().min(1).max(300),
  at: z.string(),
  actor_id: z.string().nullable(),
  subject_id: z.string().nullable(),
  /** The users whose webhooks may receive it: the actor and whoever owns what it is about. */
  owner_ids: z.array(z.string()),
  /** The audit action and its detail; `ip` only where every recipient is the one who acted. */
  data: z.record(z.string(), z.unknown()),
});
export type AnchorageEvent = z.infer<typeof anchorageEventSchema>;

/** An id as one segment of an event type: ids are base64url already; anything else cannot add a dot. */
const seg = (v: unknown): string => (typeof v === "string" && v.length > 0 ? v.replace(/[^A-Za-z0-9_-]/g, "_") : "_");

type TypeOf = (e: AuditRow) => string;
const subject = (resource: string, verb: string): TypeOf => (e) => `${resource}.${seg(e.subjectId)}.${verb}`;
const actor = (resource: string, verb: string): TypeOf => (e) => `${resource}.${seg(e.actorId)}.${verb}`;

/**
 * Audit action → event type, named as the auth service names its events (`auth.user.{id}.created`,
 * `auth.session.{id}.created`, `auth.identity.{sa_id}.updated`) and, for instances, `cloud.*`.
 * An action missing here still makes an event (see eventTypeOf), so a new audit call is never silent.
 */
export const EVENT_TYPES: Readonly<Record<string, TypeOf>> = {
  // people
  "auth.register": subject("auth.user", "created"),
  "admin.user_created": subject("auth.user", "created"),
  "admin.user_updated": subject("auth.user", "updated"),
  "admin.user_deleted": subject("auth.user", "deleted"),
  "settings.profile_updated": subject("auth.user", "updated"),
  "settings.password_changed": subject("auth.user", "password_changed"),
  "auth.password_reset": subject("auth.user", "password_changed"),
  "auth.login_failed": subject("auth.user", "login_failed"),
  "auth.device_approved": actor("auth.user", "device_approved"),
  "auth.device_denied": actor("auth.user", "device_denied"),
  // sessions (a login's audit subject is the user; its session id is in the detail)
  "auth.login": (e) => `auth.session.${seg(e.detail?.session_id)}.created`,
  "auth.device_login": subject("auth.session", "created"),
  "auth.magic_link_login": subject("auth.session", "created"),
  "auth.device_invite_login": subject("auth.session", "created"),
  "auth.logout": subject("auth.session", "revoked"),
  "settings.session_revoked": subject("auth.session", "revoked"),
  "admin.session_revoked": subject("auth.session", "revoked"),
  "auth.refresh_reuse": subject("auth.session", "reuse_detected"),
  // API tokens and service accounts (the auth service's "identities")
  "auth.token_created": subject("auth.token", "created"),
  "auth.token_revoked": subject("auth.token", "revoked"),
  "auth.service_account_created": subject("auth.identity", "created"),
  "auth.service_account_updated": subject("auth.identity", "updated"),
  "auth.service_account_deleted": subject("auth.identity", "deleted"),
  "admin.invite_created": actor("auth.invite", "created"),
  "settings.webhook_created": subject("auth.webhook", "created"),
  "settings.webhook_deleted": subject("auth.webhook", "deleted"),
  // instances
  "cloud.anchor_token_issued": subject("cloud.user", "anchor_token_issued"),
  "cloud.instance_registered": subject("cloud.instance", "created"),
  "cloud.instance_deleted": subject("cloud.instance", "deleted"),
  "cloud.instance_disconnected": subject("cloud.instance", "disconnected"),
  "cloud.instance_tagged": subject("cloud.instance", "tagged"),
  "cloud.command": subject("cloud.instance", "command"),
  "cloud.terminal_opened": subject("cloud.instance", "terminal_opened"),
  "cloud.forward_opened": subject("cloud.instance", "forward_opened"),
  "cloud.proxy_paused": subject("cloud.proxy", "paused"),
  "cloud.proxy_resumed": subject("cloud.proxy", "resumed"),
  "cloud.share_saved": subject("cloud.share", "saved"),
  "cloud.share_revoked": subject("cloud.share", "revoked"),
};

/** The event type of an audit entry: from EVENT_TYPES, `cloud.git_<op>` by rule, anything else by its action's words. */
export function eventTypeOf(e: AuditRow): string {
  const mapped = EVENT_TYPES[e.action];
  if (mapped) return mapped(e);
  const git = /^cloud\.git_([a-z_]+)$/.exec(e.action);
  if (git) return `cloud.instance.${seg(e.subjectId)}.git_${git[1]}`;
  // Unmapped: "<service>.<verb>" becomes "<service>.<resource>.<id>.<verb>" when the subject's id says what it is.
  const [service = "anchorage", ...rest] = e.action.split(".");
  const verb = rest.join("_") || "happened";
  const resource = e.subjectId ? resourceOfId(e.subjectId) : null;
  return resource ? `${seg(service)}.${resource}.${seg(e.subjectId)}.${seg(verb)}` : `${seg(service)}.${seg(verb)}`;
}

/** What kind of thing an id names, from its prefix (`usr_`, `ins_` …); null when it does not say. */
export function resourceOfId(id: string): string | null {
  const prefix = id.slice(0, id.indexOf("_"));
  return ({ usr: "user", ses: "session", tok: "token", sa: "identity", ins: "instance", shr: "share", whk: "webhook" } as Record<string, string>)[prefix] ?? null;
}

/**
 * The event for an audit entry, once its owners are known. The address it came from is kept only
 * when nobody but the actor receives it (or nobody acted, as in a failed sign-in): an owner is not
 * told the address of an admin or a sharee who acted on their things.
 */
export function toAnchorageEvent(e: AuditRow, ownerIds: string[]): AnchorageEvent {
  const ipShown = e.ip !== null && (e.actorId === null || ownerIds.every((o) => o === e.actorId));
  return {
    id: `evt_${e.id}`,
    type: eventTypeOf(e),
    at: e.at,
    actor_id: e.actorId,
    subject_id: e.subjectId,
    owner_ids: ownerIds,
    data: { ...(e.detail ?? {}), action: e.action, ...(ipShown ? { ip: e.ip } : {}) },
  };
}

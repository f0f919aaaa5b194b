/**
 * Audit entries in words. An entry (src/audit/audit-view.ts `auditEntrySchema`) names its actor and
 * subject by id and keeps a free-form detail; this says what happened, who did it, to what, and
 * lists the detail, so "cloud.proxy_paused by usr_… on ins_…" reads "You paused a proxy · instance
 * “build-box” · reason: maintenance".
 */

export interface AuditEntry {
  id: number;
  at: string;
  actor_id: string | null;
  action: string;
  subject_id: string | null;
  ip: string | null;
  detail: Record<string, unknown> | null;
}

export interface AuditPage {
  entries: AuditEntry[];
  next_cursor: number | null;
}

/** What each action did, as a verb phrase after its actor ("You" + "paused a proxy"). */
const ACTIONS: Record<string, string> = {
  "auth.register": "registered",
  "auth.login": "signed in",
  "auth.login_failed": "failed to sign in",
  "auth.logout": "signed out",
  "auth.refresh_reuse": "reused an old refresh token (the session was ended)",
  "auth.device_login": "signed in a command-line tool",
  "auth.device_approved": "approved a command-line sign-in",
  "auth.device_denied": "denied a command-line sign-in",
  "auth.device_invite_created": "created a device invite",
  "auth.device_invite_login": "signed in with a device invite",
  "auth.magic_link_requested": "asked for a sign-in link",
  "auth.magic_link_approved": "approved a sign-in link",
  "auth.magic_link_login": "signed in with a link",
  "auth.password_reset_requested": "asked for a password reset link",
  "auth.password_reset": "reset the password with a link",
  "auth.identity_linked": "linked a sign-in provider",
  "auth.identity_unlinked": "unlinked a sign-in provider",
  "auth.access_token_issued": "was issued an access token",
  "auth.token_created": "created an API token",
  "auth.token_revoked": "revoked an API token",
  "auth.service_account_created": "created a service account",
  "auth.service_account_updated": "changed a service account's scopes",
  "auth.service_account_deleted": "deleted a service account",
  "settings.profile_updated": "updated the profile",
  "settings.password_changed": "changed the password",
  "settings.session_revoked": "revoked a session",
  "settings.passkey_added": "added a passkey",
  "settings.passkey_renamed": "renamed a passkey",
  "settings.passkey_deleted": "deleted a passkey",
  "settings.totp_started": "started setting up an authenticator app",
  "settings.totp_confirmed": "turned on two-factor sign-in with an authenticator app",
  "auth.step_up": "confirmed it was them (step-up)",
  "auth.step_up_failed": "failed to confirm it was them (step-up)",
  "settings.totp_deleted": "turned off two-factor sign-in with an authenticator app",
  "auth.recovery_code_used": "signed in with a recovery code",
  "settings.webhook_created": "created a webhook",
  "settings.webhook_deleted": "deleted a webhook",
  "admin.user_created": "created a user",
  "admin.user_updated": "changed a user",
  "admin.user_deleted": "deleted a user",
  "admin.session_revoked": "revoked someone's session",
  "admin.invite_created": "created an invite",
  "cloud.anchor_token_issued": "got a token to anchor a machine",
  "cloud.instance_registered": "anchored an instance",
  "cloud.instance_deleted": "deleted an instance",
  "cloud.instance_disconnected": "disconnected an instance",
  "cloud.instance_tagged": "tagged an instance",
  "cloud.forward_opened": "opened a TCP forward",
  "cloud.command": "ran a command",
  "cloud.terminal_opened": "opened a terminal",
  "cloud.file_write": "wrote a file",
  "cloud.file_mkdir": "made a folder",
  "cloud.file_rename": "renamed or moved a file or folder",
  "cloud.file_delete": "deleted a file or folder (into the backup folder)",
  "cloud.proxy_paused": "paused a proxy",
  "cloud.proxy_resumed": "resumed a proxy",
  "cloud.proxy_renamed": "renamed a proxy",
  "cloud.share_saved": "shared an instance (or changed a share)",
  "cloud.share_revoked": "revoked a share",
  "team.created": "created a team",
  "team.member_added": "added a member to a team",
  "team.member_role_changed": "changed a team member's role",
  "team.member_removed": "removed a member from a team",
};

/** The verb phrase of an action; `cloud.git_<op>` by rule; an action this does not know, as it is written. */
export function actionWords(action: string): string {
  const known = ACTIONS[action];
  if (known) return known;
  const git = /^cloud\.git_([a-z_]+)$/.exec(action);
  if (git) return `ran git ${git[1]!.replace(/_/g, " ")}`;
  return action;
}

/** Known actions for the filter's suggestions, each prefix first ("auth.", then its actions). */
export function actionSuggestions(): string[] {
  const prefixes = [...new Set(Object.keys(ACTIONS).map((a) => a.slice(0, a.indexOf(".") + 1)))];
  return prefixes.flatMap((p) => [p, ...Object.keys(ACTIONS).filter((a) => a.startsWith(p))]);
}

/** Ids the page knows a name for (instances, people), and whose log this is. */
export interface AuditContext {
  /** The signed-in person: "You". */
  me: string;
  names: ReadonlyMap<string, string>;
}

const KINDS: Record<string, string> = {
  usr: "user",
  ins: "instance",
  shr: "share",
  tok: "API token",
  ses: "session",
  sa: "service account",
  whk: "webhook",
  tty: "terminal session",
};

/** Who acted: "You", a known name, the id, or nobody (a failed sign-in before anyone was known). */
export function actorWords(actorId: string | null, ctx: AuditContext): string {
  if (actorId === null) return "Someone not signed in";
  if (actorId === ctx.me) return "You";
  return ctx.names.get(actorId) ?? actorId;
}

/** What it was done to: "your account", "instance “build-box”", "share shr_…"; null when nothing is named. */
export function subjectWords(subjectId: string | null, ctx: AuditContext): string | null {
  if (subjectId === null) return null;
  if (subjectId === ctx.me) return "your account";
  const kind = KINDS[subjectId.slice(0, subjectId.indexOf("_"))];
  const name = ctx.names.get(subjectId);
  if (kind && name) return `${kind} “${name}”`;
  return kind ? `${kind} ${subjectId}` : subjectId;
}

const DETAIL_LABELS: Record<string, string> = {
  via_token: "with API token",
  service_account: "service account",
  session_id: "session",
  exit_code: "exit code",
  sessions_ended: "sessions ended",
  expires_at: "expires",
  client_id: "client",
  passkey_id: "passkey",
  owner_id: "owner",
};

function valueWords(v: unknown, ctx: AuditContext): string {
  if (typeof v === "string") return ctx.names.get(v) ?? v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.map((x) => (isGrant(x) ? `${x.scope}: ${x.actions.join(", ")}` : valueWords(x, ctx))).join("; ");
  return JSON.stringify(v);
}

const isGrant = (x: unknown): x is { scope: string; actions: string[] } =>
  typeof x === "object" && x !== null && typeof (x as { scope?: unknown }).scope === "string" && Array.isArray((x as { actions?: unknown }).actions);

/** The entry's detail as label and value pairs, empty values left out, ids named where known. */
export function detailWords(detail: Record<string, unknown> | null, ctx: AuditContext): { label: string; value: string }[] {
  if (!detail) return [];
  return Object.entries(detail)
    .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => ({ label: DETAIL_LABELS[k] ?? k.replace(/_/g, " "), value: valueWords(v, ctx) }));
}

export interface EntryWords {
  /** "You paused a proxy" */
  sentence: string;
  subject: string | null;
  details: { label: string; value: string }[];
}

export function describeEntry(e: AuditEntry, ctx: AuditContext): EntryWords {
  const details = detailWords(e.detail, ctx);
  if (e.ip) details.push({ label: "from address", value: e.ip });
  return { sentence: `${actorWords(e.actor_id, ctx)} ${actionWords(e.action)}`, subject: subjectWords(e.subject_id, ctx), details };
}

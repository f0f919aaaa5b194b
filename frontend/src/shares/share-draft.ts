import type { shareSchema } from "@anchorage/common";
import { shareableActions, type ShareableAction } from "@anchorage/common/shareable-actions";
import type { Tone } from "../tone.ts";

/**
 * A share being made or edited, and what the form decides without the server: which permissions
 * go together, the expiry as the browser's local date and time, and the body `/api/cloud/shares/save`
 * takes (src/cloud/shares/share-routes.ts, common/src/cloud.ts `shareSaveRequestSchema`).
 */

export type Share = ReturnType<(typeof shareSchema)["parse"]>;

/** Who a share is with, in words: a team by its name, a person by email. */
export const granteeWords = (s: Pick<Share, "team_name" | "grantee_email" | "grantee_id">) => (s.team_name !== undefined ? `the team “${s.team_name}”` : (s.grantee_email ?? s.grantee_id ?? ""));
export type { ShareableAction };
export { shareableActions };

/** Each permission in words, with what it lets the other person do. */
export const PERMISSION_WORDS: Record<ShareableAction, { label: string; hint: string }> = {
  "read:cloud_instance": { label: "See it", hint: "status, system info, logs and recent actions" },
  "command:cloud_instance": { label: "Run commands", hint: "the commands its agent allows" },
  "terminal:cloud_instance": { label: "Terminal", hint: "open shells on it" },
  "git:cloud_instance": { label: "Git", hint: "status, commits, branches, pull and push" },
  "sync:cloud_instance": { label: "Sync", hint: "copy files to and from it" },
  "proxy:cloud_instance": { label: "Proxy", hint: "reach the app it publishes" },
};

const READ: ShareableAction = "read:cloud_instance";
const isShareable = (a: string): a is ShareableAction => (shareableActions as readonly string[]).includes(a);

/**
 * Ticks or unticks one permission. Every other permission needs "See it" (an instance its holder
 * cannot see is not in their list at all), so ticking one ticks it too and unticking it clears the
 * rest. The result is in the catalog's order, without repeats or names the server would refuse.
 */
export function setPermission(current: readonly string[], action: ShareableAction, on: boolean): ShareableAction[] {
  const next = new Set(current.filter(isShareable));
  if (on) {
    next.add(action);
    next.add(READ);
  } else if (action === READ) next.clear();
  else next.delete(action);
  return shareableActions.filter((a) => next.has(a));
}

/** "See it, Terminal", or "Everything" when a share holds every permission there is. */
export function describePermissions(permissions: readonly string[]): string {
  const known = shareableActions.filter((a) => permissions.includes(a));
  const unknown = permissions.filter((p) => !isShareable(p));
  if (known.length === shareableActions.length && unknown.length === 0) return "Everything (see, commands, terminal, git, sync, proxy)";
  const words = [...known.map((a) => PERMISSION_WORDS[a].label), ...unknown];
  return words.length ? words.join(", ") : "Nothing";
}

/** Active, disabled or expired: the words the list shows beside a share. */
export function shareState(s: Pick<Share, "enabled" | "expires_at" | "active">, now = Date.now()): { label: string; tone: Tone } {
  if (!s.enabled) return { label: "Disabled", tone: "neutral" };
  if (s.expires_at && Date.parse(s.expires_at) <= now) return { label: "Expired", tone: "bad" };
  return s.active ? { label: "Active", tone: "ok" } : { label: "Inactive", tone: "neutral" };
}

const pad = (n: number) => String(n).padStart(2, "0");

/** An ISO instant as the value of an `<input type="datetime-local">`, in the browser's time zone; "" for none. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` value (read as the browser's local time) as an ISO instant; null for blank or unreadable. */
export function fromLocalInput(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(y, mo - 1, d, h, mi, Number.isNaN(s) ? 0 : s);
  // 2025-02-31 rolls over to March: refuse rather than guess.
  if (date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  return date.toISOString();
}

export interface ShareDraft {
  email: string;
  /** A team the person is in, to share with all its members; "" to share with one person by email. */
  teamId: string;
  /** "" for all of the owner's instances, present and future. */
  instanceId: string;
  permissions: ShareableAction[];
  /** `datetime-local` value; "" for no expiry. */
  expires: string;
  enabled: boolean;
}

/** A new share starts with the least it can grant: seeing the instance. */
export const newShareDraft = (instanceId = ""): ShareDraft => ({ email: "", teamId: "", instanceId, permissions: [READ], expires: "", enabled: true });

export const draftFromShare = (s: Share): ShareDraft => ({
  email: s.grantee_email ?? "",
  teamId: s.team_id ?? "",
  instanceId: s.instance_id ?? "",
  permissions: shareableActions.filter((a) => s.permissions.includes(a)),
  expires: toLocalInput(s.expires_at),
  enabled: s.enabled,
});

export type DraftField = "grantee_email" | "permissions" | "expires_at";

/**
 * What the form refuses before sending, by the server's field names. Editing a share (`original`
 * given), an expiry left as it was is not checked again: a share that has run out can still be
 * disabled or have its permissions changed.
 */
export function draftProblems(d: ShareDraft, original?: Share, now = Date.now()): Partial<Record<DraftField, string>> {
  const problems: Partial<Record<DraftField, string>> = {};
  if (!original && !d.teamId && !d.email.trim()) problems.grantee_email = "Enter the email address of the person to share with.";
  if (d.permissions.length === 0) problems.permissions = "Tick at least one permission.";
  const unchanged = original !== undefined && d.expires === toLocalInput(original.expires_at);
  if (d.expires.trim() && !unchanged) {
    const at = fromLocalInput(d.expires);
    if (!at) problems.expires_at = "Enter a date and time, or leave it blank for no expiry.";
    else if (Date.parse(at) <= now) problems.expires_at = "Pick a time in the future, or leave it blank for no expiry.";
  }
  return problems;
}

export interface CreateShareBody {
  grantee_email?: string;
  team_id?: string;
  instance_id: string | null;
  permissions: ShareableAction[];
  expires_at: string | null;
  enabled: boolean;
}

export const createBody = (d: ShareDraft): CreateShareBody => ({
  ...(d.teamId ? { team_id: d.teamId } : { grantee_email: d.email.trim() }),
  instance_id: d.instanceId || null,
  permissions: d.permissions,
  expires_at: fromLocalInput(d.expires),
  enabled: true,
});

export interface UpdateShareBody {
  id: string;
  permissions: ShareableAction[];
  expires_at: string | null;
  /** Always sent: the server takes a missing `enabled` as true, which would re-enable a disabled share. */
  enabled: boolean;
}

/**
 * An edit changes only what the form shows; who and which instance stay as they are. An expiry
 * left as it was is sent exactly as stored (the form shows it to the minute).
 */
export const updateBody = (original: Share, d: ShareDraft): UpdateShareBody => ({
  id: original.id,
  permissions: d.permissions,
  expires_at: d.expires === toLocalInput(original.expires_at) ? original.expires_at : fromLocalInput(d.expires),
  enabled: d.enabled,
});

import type { ActivityKind, ActivityStatus } from "@anchorage/common";

/**
 * The audit actions about an instance that the Activity list shows, by kind. Git writes are
 * `cloud.git_<op>` (every op), matched by prefix. Sharing, deletion and anchor tokens are not
 * actions on a running instance: they stay in the audit log only.
 */
export const AUDIT_KINDS: Readonly<Record<string, Exclude<ActivityKind, "git">>> = {
  "cloud.command": "command",
  "cloud.sync_start": "sync",
  "cloud.mirror_sync": "sync",
  "cloud.mirror_saved": "sync",
  "cloud.mirror_deleted": "sync",
  "cloud.proxy_paused": "proxy",
  "cloud.proxy_resumed": "proxy",
  "cloud.proxy_renamed": "proxy",
  "cloud.file_write": "file",
  "cloud.file_mkdir": "file",
  "cloud.file_rename": "file",
  "cloud.file_delete": "file",
  "cloud.terminal_opened": "terminal",
  "cloud.forward_opened": "proxy",
  "cloud.instance_registered": "instance",
  "cloud.instance_disconnected": "instance",
  "cloud.instance_tagged": "instance",
};

export const GIT_ACTION_PREFIX = "cloud.git_";
/** Starts of a sync: their outcome is the operation's state, read from the source's object. */
export const SYNC_STARTS: ReadonlySet<string> = new Set(["cloud.sync_start", "cloud.mirror_sync"]);
/** Remote git calls run as actions in the instance's object, like commands. */
export const REMOTE_GIT_ACTIONS: ReadonlySet<string> = new Set(["cloud.git_fetch", "cloud.git_pull", "cloud.git_push"]);

export function auditKind(action: string): ActivityKind | null {
  return AUDIT_KINDS[action] ?? (action.startsWith(GIT_ACTION_PREFIX) ? "git" : null);
}

/**
 * The audit actions that can end up with this status, so the query reads no row the filter
 * would drop for certain: only a sync start can be pending; an error is a sync's or a command's
 * (one older than the object's record, whose entry says how it ended); anything can be a success.
 */
export function auditActionsFor(kind: ActivityKind | undefined, status: ActivityStatus | undefined): { exact: string[]; git: boolean } {
  const possible = (action: string) => status === undefined || status === "success" || SYNC_STARTS.has(action) || (status === "error" && action === "cloud.command");
  const exact = Object.entries(AUDIT_KINDS)
    .filter(([action, k]) => (kind === undefined || k === kind) && possible(action))
    .map(([action]) => action);
  return { exact, git: (kind === undefined || kind === "git") && (status === undefined || status === "success") };
}

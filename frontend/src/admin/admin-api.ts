import type { SessionInfo, User } from "@anchorage/common";
import { authed, request } from "../api.ts";

/** `/admin/users`, `/admin/sessions` and `/admin/invites` (src/admin/admin-routes.ts): an admin's session only. */

export type AdminSession = SessionInfo & { user_id: string; user_email: string };

export interface Invite {
  id: string;
  email: string | null;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** A new invite: its code is in this answer only. */
export interface CreatedInvite {
  code: string;
  email: string | null;
  expires_at: string;
}

export const listAllSessions = () => authed(() => request<{ sessions: AdminSession[] }>("GET", "/admin/sessions")).then((r) => r.sessions);

export const endSession = (id: string) => authed(() => request<{ success: true }>("DELETE", `/admin/sessions/${encodeURIComponent(id)}`));

export const listInvites = () => authed(() => request<{ invites: Invite[] }>("GET", "/admin/invites")).then((r) => r.invites);

export const createInvite = (input: { email?: string; expires_in_hours: number }) => authed(() => request<CreatedInvite>("POST", "/admin/invites", input));

export interface NewUser {
  email: string;
  password: string;
  name?: string;
  roles: ("user" | "admin")[];
}

export const createUser = (input: NewUser) => authed(() => request<User>("POST", "/admin/users", input));

/** The user and everything of theirs; the last active admin cannot be deleted (409). */
export const deleteUser = (id: string) => authed(() => request<{ success: true }>("DELETE", `/admin/users/${encodeURIComponent(id)}`));

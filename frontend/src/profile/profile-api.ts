import type { User } from "@anchorage/common";
import { authed, request } from "../api.ts";

/** `/api/settings`: the signed-in person's own profile and password (a session only). */

export const updateProfile = (name: string) => authed(() => request<User>("PUT", "/api/settings/profile", { name }));

/** Every other session ends; this one stays. */
export const changePassword = (currentPassword: string, newPassword: string) =>
  authed(() => request<{ success: true; sessions_ended: number }>("PUT", "/api/settings/password", { current_password: currentPassword, new_password: newPassword }));

import type { AlertHistoryEntry, AlertView, CreateAlert } from "@anchorage/common";
import { authed, request } from "../api.ts";

/** `/api/alerts` (src/alerts/alert-routes.ts): a signed-in session's own alerts and their history. */

export type { AlertHistoryEntry, AlertView };
export type NewAlert = Omit<CreateAlert, "enabled"> & { enabled?: boolean };

const path = (id: string, rest = "") => `/api/alerts/${encodeURIComponent(id)}${rest}`;

export const listAlerts = () => authed(() => request<{ alerts: AlertView[] }>("GET", "/api/alerts")).then((r) => r.alerts);
export const getAlert = (id: string) => authed(() => request<AlertView>("GET", path(id)));
/** The answer carries each webhook channel's signing secret, this once. */
export const createAlert = (a: NewAlert) => authed(() => request<AlertView>("POST", "/api/alerts", a));
export const setAlertEnabled = (id: string, enabled: boolean) => authed(() => request<AlertView>("PATCH", path(id), { enabled }));
export const deleteAlert = (id: string) => authed(() => request<{ success: true }>("DELETE", path(id)));
export const alertHistory = (id: string, cursor: string | null, limit = 30) =>
  authed(() => request<{ history: AlertHistoryEntry[]; next_cursor: string | null }>("GET", path(id, `/history?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)));

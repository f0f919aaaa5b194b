/**
 * The dashboard's map: every page's address, its name (the navigation's link, the page's <h1>
 * and the browser tab's title) and who may see it. The navigation, the command palette, the
 * router's scope and the collision check against the Worker's own paths all read this table.
 */

export interface NavPage {
  /** The page's address (and the first segment of the addresses below it). */
  path: string;
  label: string;
  /** Shown to admins only. */
  admin?: boolean;
  /** A page that acts on one instance at a time: `<path>/<instance id>`. */
  perInstance?: boolean;
  /** Words the command palette also matches. */
  keywords?: string;
}

export const NAV_PAGES: readonly NavPage[] = [
  { path: "/instances", label: "Instances", keywords: "machines servers agents home" },
  { path: "/proxies", label: "Proxies", keywords: "apps publish tunnel" },
  { path: "/sync", label: "File sync", keywords: "mirror copy rsync folders" },
  { path: "/git", label: "Git", perInstance: true, keywords: "repository commit branch" },
  { path: "/terminal", label: "Terminal", perInstance: true, keywords: "shell console ssh" },
  { path: "/logs", label: "Logs", perInstance: true, keywords: "tail output" },
  { path: "/shares", label: "Shares", keywords: "share people access" },
  { path: "/pods", label: "Pods", perInstance: true, keywords: "processes running sessions commands" },
  { path: "/scripts", label: "Scripts", keywords: "script library run code versions" },
  { path: "/activity", label: "Activity", keywords: "recent actions audit history runs schedules fleet" },
  { path: "/alerts", label: "Alerts", keywords: "offline notify slack discord webhook email metrics cpu memory disk" },
  { path: "/settings", label: "Settings", keywords: "account profile preferences" },
  // `/admin` is the Worker's (the admin API), so the admin pages live at /manage.
  { path: "/manage", label: "Admin", admin: true, keywords: "users invites administration" },
];

export interface SubPage {
  /** The last segment of its address. */
  id: string;
  label: string;
  keywords?: string;
}

/** An instance's tabs: `/instances/<id>/<tab>` (Overview is `/instances/<id>`). */
export const INSTANCE_TABS = [
  { id: "overview", label: "Overview" },
  { id: "terminal", label: "Terminal" },
  { id: "files", label: "Files" },
  { id: "git", label: "Git" },
  { id: "logs", label: "Logs" },
  { id: "metrics", label: "Metrics" },
  { id: "proxy", label: "Proxy" },
  { id: "sync", label: "Sync" },
  { id: "config", label: "Config" },
] as const satisfies readonly SubPage[];
export type InstanceTab = (typeof INSTANCE_TABS)[number]["id"];

export const SETTINGS_PAGES = [
  { id: "profile", label: "Profile and password", keywords: "name password" },
  { id: "passkeys", label: "Passkeys", keywords: "webauthn security key two-factor" },
  { id: "two-factor", label: "Two-factor", keywords: "totp authenticator app 2fa recovery codes" },
  { id: "accounts", label: "Connected accounts", keywords: "google github discord oidc providers" },
  { id: "sessions", label: "Sessions", keywords: "sign out everywhere devices terminal code" },
  { id: "tokens", label: "API tokens", keywords: "anc_ scripts keys" },
  { id: "service-accounts", label: "Service accounts", keywords: "robots ci keys" },
  { id: "webhooks", label: "Webhooks", keywords: "events deliveries" },
  { id: "teams", label: "Teams", keywords: "groups members organization share" },
] as const satisfies readonly SubPage[];
export type SettingsPage = (typeof SETTINGS_PAGES)[number]["id"];

export const ADMIN_PAGES = [
  { id: "users", label: "Users" },
  { id: "sessions", label: "Sessions" },
  { id: "invites", label: "Invites" },
  { id: "everything", label: "Everything", keywords: "all instances proxies" },
  { id: "audit", label: "Audit", keywords: "log" },
] as const satisfies readonly SubPage[];
export type AdminPage = (typeof ADMIN_PAGES)[number]["id"];

const seg = encodeURIComponent;

export const paths = {
  home: "/instances",
  instances: "/instances",
  instance: (id: string, tab: InstanceTab = "overview") => (tab === "overview" ? `/instances/${seg(id)}` : `/instances/${seg(id)}/${tab}`),
  /** A per-instance page (Git, Terminal, Logs, Pods) on one instance, or its picker. */
  perInstance: (page: string, id?: string | null) => (id ? `${page}/${seg(id)}` : page),
  settings: (page: SettingsPage = "profile") => `/settings/${page}`,
  admin: (page: AdminPage = "users") => `/manage/${page}`,
  alerts: "/alerts",
  alert: (id: string) => `/alerts/${seg(id)}`,
  /** Runs across many instances (under Activity), or one run. */
  runs: () => "/activity/runs",
  run: (id: string) => `/activity/runs/${seg(id)}`,
  schedules: "/activity/schedules",
};

/** The first segment of every dashboard address: the router handles links to these itself, others load a page. */
export const DASHBOARD_ROOTS: readonly string[] = NAV_PAGES.map((p) => p.path);

/** Links the router handles in the page (the rest are full loads: /docs, /p/<slug>/, downloads). */
export const ROUTER_SCOPE = new RegExp(`^(${DASHBOARD_ROOTS.map((r) => r.replace(/[/.]/g, "\\$&")).join("|")})(/|\\?|#|$)`);

/** The navigation entry an address belongs to (its first segment), if any. */
export function navPageOf(path: string): NavPage | undefined {
  return NAV_PAGES.find((p) => path === p.path || path.startsWith(`${p.path}/`));
}

/** The browser tab's title for a page: "<page> · Anchorage". */
export const pageTitle = (...parts: string[]) => [...parts, "Anchorage"].join(" · ");

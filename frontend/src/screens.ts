/**
 * The chunk behind lazy-screens.tsx: screens below the first view, loaded once someone is
 * signed in (xterm for the recording player comes later still, when one is played).
 */
export { AdminInvites } from "./admin/admin-invites.tsx";
export { AdminSessions } from "./admin/admin-sessions.tsx";
export { AdminUsers } from "./admin-users.tsx";
export { AuditScreens } from "./audit/audit-screens.tsx";
export { HealthPanel } from "./health/health-panel.tsx";
export { ProfileSettings } from "./profile/profile-settings.tsx";
export { ProxiesSection } from "./proxies/proxies-section.tsx";
export { SharesSection } from "./shares/shares-section.tsx";
export { SyncScreen } from "./sync/sync-screen.tsx";
export { TerminalSessions } from "./terminal/terminal-sessions.tsx";
export { WebhooksSection } from "./webhooks/webhooks-section.tsx";

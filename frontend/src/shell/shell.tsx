import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { lazy, Route, Router, useLocation } from "preact-iso";
import type { User } from "@anchorage/common";
import type { AuthConfig } from "../api.ts";
import { Alert } from "../alert.tsx";
import { useHub } from "../instances/use-events.ts";
import { useInstanceList } from "../instances/use-instance-list.ts";
import { LiveIndicator } from "../instances/live-indicator.tsx";
import { InstancesPage } from "../pages/instances-page.tsx";
import { NotFoundPage } from "../pages/not-found-page.tsx";
import { Redirect } from "./redirect.tsx";
import { AppDataContext, type AppData } from "./app-data.tsx";
import { CommandPalette } from "./command-palette.tsx";
import { MainNav } from "./main-nav.tsx";
import { UserMenu } from "./user-menu.tsx";
import { NAV_PAGES, paths } from "./routes.ts";

// Every page but the first one a person sees (Instances) is its own chunk, fetched when opened.
const InstancePage = lazy(() => import("../pages/instance-page.tsx").then((m) => m.InstancePage));
const ProxiesPage = lazy(() => import("../pages/proxies-page.tsx").then((m) => m.ProxiesPage));
const SyncPage = lazy(() => import("../pages/sync-page.tsx").then((m) => m.SyncPage));
const SharesPage = lazy(() => import("../pages/shares-page.tsx").then((m) => m.SharesPage));
const PerInstancePage = lazy(() => import("../pages/per-instance-page.tsx").then((m) => m.PerInstancePage));
const ScriptsPage = lazy(() => import("../pages/scripts-page.tsx").then((m) => m.ScriptsPage));
const ActivityPage = lazy(() => import("../pages/activity-page.tsx").then((m) => m.ActivityPage));
const RunsPage = lazy(() => import("../pages/runs-page.tsx").then((m) => m.RunsPage));
const SchedulesPage = lazy(() => import("../pages/schedules-page.tsx").then((m) => m.SchedulesPage));
const SettingsPage = lazy(() => import("../pages/settings-page.tsx").then((m) => m.SettingsPage));
const AdminPage = lazy(() => import("../pages/admin-page.tsx").then((m) => m.AdminPage));
const AlertsPage = lazy(() => import("../pages/alerts-page.tsx").then((m) => m.AlertsPage));

interface ShellProps {
  user: User;
  config: AuthConfig | null;
  onUserChange: (user: User) => void;
  onExpired: () => void;
  onSignOut: () => void;
  signingOut: boolean;
  /** A problem the shell's owner reports (signing out failed). */
  error: string | null;
}

const LAST_INSTANCE_KEY = "anchorage.last-instance";
const INSTANCE_IN_PATH = new RegExp(`^/(?:instances|${NAV_PAGES.filter((p) => p.perInstance).map((p) => p.path.slice(1)).join("|")})/([^/]+)`);

/**
 * The signed-in dashboard: a header (the name, the command palette, the account menu), the
 * navigation, and the page the address names. One event socket and one instance list serve
 * every page; a page you leave unmounts, and with it its terminals and streams.
 */
export function Shell({ user, config, onUserChange, onExpired, onSignOut, signingOut, error }: ShellProps) {
  const hub = useHub(onExpired);
  const list = useInstanceList(hub, onExpired);
  const { url, path } = useLocation();
  const firstUrl = useRef(url);
  // Set for good at the first move away from the address the dashboard was opened at.
  const moved = useRef(false);
  if (url !== firstUrl.current) moved.current = true;
  const navigated = moved.current;
  const [navOpen, setNavOpen] = useState(false);
  const [paletteOpen, setPaletteOpen] = useState(false);
  const [lastInstance, setLastInstance] = useState<string | null>(() => sessionStorage.getItem(LAST_INSTANCE_KEY));

  // The instance last opened: the per-instance links (Git, Terminal, Logs, Pods) keep it.
  useEffect(() => {
    const m = INSTANCE_IN_PATH.exec(path);
    if (!m) return;
    const id = decodeURIComponent(m[1]!);
    setLastInstance(id);
    sessionStorage.setItem(LAST_INSTANCE_KEY, id);
  }, [path]);
  // A page chosen in the drawer closes it.
  useEffect(() => setNavOpen(false), [path]);

  // A layout effect: the shortcut listens from the moment the shell is on screen. A plain effect
  // runs a frame later, and a Ctrl+K pressed as soon as the page shows (a fast user, or a loaded
  // machine) was lost.
  useLayoutEffect(() => {
    const keys = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setPaletteOpen(true);
      } else if (e.key === "Escape" && navOpen) setNavOpen(false);
    };
    addEventListener("keydown", keys);
    return () => removeEventListener("keydown", keys);
  }, [navOpen]);

  const data: AppData = useMemo(
    () => ({ user, onUserChange, config, hub, list, onExpired, navigated }),
    [user, config, hub.state, hub.connection, list.instances, list.error, navigated],
  );
  const isMac = /Mac|iPhone|iPad/.test(navigator.platform);

  return (
    <AppDataContext.Provider value={data}>
      <a class="skip-link" href="#content">
        Skip to the page
      </a>
      <header class="app-header">
        <button type="button" class="nav-toggle" aria-expanded={navOpen} aria-controls="main-nav" onClick={() => setNavOpen(!navOpen)}>
          Menu
        </button>
        <a class="brand" href={paths.home}>
          Anchorage
        </a>
        <span class="header-live">
          <LiveIndicator state={hub.state} />
        </span>
        <span class="header-space" />
        <button type="button" class="palette-button" onClick={() => setPaletteOpen(true)} aria-keyshortcuts={isMac ? "Meta+K" : "Control+K"}>
          <span class="palette-label">Search and go</span>
          <span class="palette-label-short" aria-hidden="true">
            Search
          </span>
          <kbd>{isMac ? "⌘K" : "Ctrl+K"}</kbd>
        </button>
        <UserMenu onSignOut={onSignOut} signingOut={signingOut} />
      </header>
      <div class="app-body">
        <MainNav id="main-nav" open={navOpen} lastInstance={lastInstance} />
        <main id="content" class="app-main">
          {error && <Alert>{error}</Alert>}
          <Router>
            <Route path="/" component={() => <Redirect to={paths.home} />} />
            <Route path="/instances" component={InstancesPage} />
            <Route path="/instances/:id/:tab?" component={InstancePage} />
            <Route path="/proxies" component={ProxiesPage} />
            <Route path="/sync" component={SyncPage} />
            <Route path="/shares" component={SharesPage} />
            <Route path="/git/:id?" component={PerInstancePage} page="git" />
            <Route path="/terminal/:id?" component={PerInstancePage} page="terminal" />
            <Route path="/logs/:id?" component={PerInstancePage} page="logs" />
            <Route path="/pods/:id?" component={PerInstancePage} page="pods" />
            <Route path="/scripts/:id?" component={ScriptsPage} />
            <Route path="/activity" component={ActivityPage} />
            <Route path="/alerts/:id?" component={AlertsPage} />
            <Route path="/activity/runs/:id?" component={RunsPage} />
            <Route path="/activity/schedules" component={SchedulesPage} />
            <Route path="/settings/:section?" component={SettingsPage} />
            <Route path="/manage/:section?" component={AdminPage} />
            <Route default component={NotFoundPage} />
          </Router>
        </main>
      </div>
      {paletteOpen && <CommandPalette onClose={() => setPaletteOpen(false)} onSignOut={onSignOut} />}
    </AppDataContext.Provider>
  );
}

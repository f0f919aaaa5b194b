import type { Instance } from "@anchorage/common";
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import type { TerminalState } from "./terminal-socket.ts";
import { keepTabs, keptTabs } from "./kept-tabs.ts";
import { listTerminalSessions } from "./recordings-api.ts";
import { useHubListener } from "../instances/use-events.ts";
import { useAppData } from "../shell/app-data.tsx";

/**
 * Shells on the instance, one tab each. xterm.js is large, so the view that uses it is
 * imported only when the first terminal opens. Leaving the page detaches the shells (the server
 * keeps them for a grace period) and remembers the tabs (kept-tabs.ts): coming back, or a reload,
 * attaches them again with what the server still holds of their output. Closing a tab ends one.
 */

type ViewModule = typeof import("./terminal-view.tsx");

let viewModule: Promise<ViewModule> | null = null;
/** The view's chunk, fetched once (again after a failure). */
function loadView(): Promise<ViewModule> {
  viewModule ??= import("./terminal-view.tsx").catch((e: unknown) => {
    viewModule = null;
    throw e;
  });
  return viewModule;
}

interface Tab {
  key: number;
  label: string;
  state: TerminalState;
  /** The running session to attach when the view mounts (a restored tab). */
  attach?: string;
  /** The session's id, once the server named it. */
  session?: string;
}

function tabSuffix(s: TerminalState): string {
  if (s.kind === "reconnecting") return "reconnecting";
  if (s.kind === "exited") return "exited";
  if (s.kind === "ended") return "closed";
  return "";
}

interface TerminalPanelProps {
  instance: Instance;
  onExpired: () => void;
  /** Open a first terminal as soon as the instance is online (the Terminal tab and page). */
  autoOpen?: boolean;
}

export function TerminalPanel({ instance, onExpired, autoOpen = false }: TerminalPanelProps) {
  const [view, setView] = useState<ViewModule | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tabs, setTabs] = useState<Tab[]>([]);
  const [active, setActive] = useState<number | null>(null);
  const [screenReader, setScreenReader] = useState(false);
  const counter = useRef(0);
  /** Tabs the user closed: their view ends the shell on unmount instead of detaching. */
  const closed = useRef(new Set<number>());
  const tabButtons = useRef(new Map<number, HTMLButtonElement>());
  const newButton = useRef<HTMLButtonElement>(null);
  const online = instance.status === "online";
  const id = `terminals-${instance.id}`;
  const box = useRef<HTMLDivElement>(null);
  const [fullscreen, setFullscreen] = useState(false);
  /** Invitations into other people's sessions on this instance, heard live (issue 28). */
  const [invites, setInvites] = useState<{ sessionId: string; mode: "watch" | "drive"; from: string }[]>([]);
  const { hub } = useAppData();
  useHubListener(hub, (e) => {
    if (e.type !== "cloud:tty-invite" || e.instanceId !== instance.id) return;
    setInvites((all) => [...all.filter((i) => i.sessionId !== e.sessionId), { sessionId: e.sessionId, mode: e.mode, from: e.from }]);
  });

  async function join(sessionId: string, from: string) {
    setInvites((all) => all.filter((i) => i.sessionId !== sessionId));
    if (!(await ensureView())) return;
    const key = ++counter.current;
    setTabs((ts) => [...ts, { key, label: `${from}'s terminal`, state: { kind: "connecting" }, attach: sessionId, session: sessionId }]);
    setActive(key);
  }

  // Coming back: the tabs left open here are attached again, those whose shell still runs. Else the
  // tab exists to use a terminal: the first one opens by itself (once; closing it is respected).
  const started = useRef(false);
  useEffect(() => {
    if (started.current || !online) return;
    started.current = true;
    void (async () => {
      if (await restoreTabs()) return;
      if (autoOpen) await openTerminal();
    })();
  }, [autoOpen, online]);

  // What is open is remembered for the next visit: running shells only, in their order.
  useEffect(() => {
    if (!started.current) return;
    const running = tabs.filter((t) => t.session && (t.state.kind === "open" || t.state.kind === "connecting" || t.state.kind === "reconnecting"));
    keepTabs(instance.id, running.map((t) => ({ key: t.key, label: t.label, session: t.session! })));
  }, [tabs]);

  async function restoreTabs(): Promise<boolean> {
    const kept = keptTabs(instance.id);
    if (!kept.length) return false;
    let live: Set<string>;
    try {
      live = new Set((await listTerminalSessions(instance.id)).filter((s) => !s.ended_at).map((s) => s.id));
    } catch {
      return false; // the list failed: start afresh rather than attach blind
    }
    const back = kept.filter((k) => live.has(k.session));
    if (!back.length || !(await ensureView())) return false;
    counter.current = Math.max(counter.current, ...back.map((k) => k.key));
    setTabs(back.map((k) => ({ key: k.key, label: k.label, state: { kind: "connecting" }, attach: k.session, session: k.session })));
    setActive(back[back.length - 1]!.key);
    return true;
  }

  // Full screen: the browser's own where it allows it (Esc leaves), else the whole window.
  useEffect(() => {
    const left = () => !document.fullscreenElement && setFullscreen(false);
    document.addEventListener("fullscreenchange", left);
    return () => document.removeEventListener("fullscreenchange", left);
  }, []);
  async function toggleFullscreen() {
    if (fullscreen) {
      if (document.fullscreenElement) await document.exitFullscreen().catch(() => {});
      setFullscreen(false);
      return;
    }
    setFullscreen(true);
    await box.current?.requestFullscreen?.().catch(() => {});
  }

  /** The view's chunk is loaded (or the error says why not). */
  async function ensureView(): Promise<boolean> {
    if (view) return true;
    setLoading(true);
    try {
      setView(await loadView());
      return true;
    } catch {
      setError("Could not load the terminal. Check your connection and try again.");
      return false;
    } finally {
      setLoading(false);
    }
  }

  async function openTerminal() {
    setError(null);
    if (!(await ensureView())) return;
    const key = ++counter.current;
    setTabs((ts) => [...ts, { key, label: `Terminal ${key}`, state: { kind: "connecting" } }]);
    setActive(key);
  }

  function setState(key: number, state: TerminalState) {
    setTabs((ts) => ts.map((t) => (t.key === key ? { ...t, state } : t)));
  }

  function close(key: number) {
    closed.current.add(key);
    const i = tabs.findIndex((t) => t.key === key);
    const rest = tabs.filter((t) => t.key !== key);
    setTabs(rest);
    const next = active === key ? (rest[Math.min(i, rest.length - 1)]?.key ?? null) : active;
    setActive(next);
    // Focus goes where the closed tab was, not to the top of the page.
    requestAnimationFrame(() => (next !== null ? tabButtons.current.get(next) : newButton.current)?.focus());
  }

  /** Arrow keys, Home and End move between tabs (WAI-ARIA tabs pattern); Delete closes one. */
  function onTabKey(e: JSX.TargetedKeyboardEvent<HTMLButtonElement>, key: number) {
    const i = tabs.findIndex((t) => t.key === key);
    const to =
      e.key === "ArrowRight" ? (i + 1) % tabs.length
      : e.key === "ArrowLeft" ? (i - 1 + tabs.length) % tabs.length
      : e.key === "Home" ? 0
      : e.key === "End" ? tabs.length - 1
      : null;
    if (e.key === "Delete") {
      e.preventDefault();
      return close(key);
    }
    if (to === null) return;
    e.preventDefault();
    const target = tabs[to]!.key;
    setActive(target);
    tabButtons.current.get(target)?.focus();
  }

  return (
    <section class="stack" aria-labelledby={`${id}-title`}>
      <div class="section-head">
        <h2 id={`${id}-title`}>Terminal</h2>
        <button
          type="button"
          ref={newButton}
          onClick={openTerminal}
          onPointerEnter={() => void loadView().catch(() => {})}
          disabled={loading || !online}
          aria-describedby={online ? undefined : `${id}-offline`}
        >
          {loading ? "Loading…" : "New terminal"}
        </button>
      </div>
      {invites.map((i) => (
        <div key={i.sessionId} class="notice" role="status">
          {i.from} invited you to {i.mode === "watch" ? "watch" : "drive"} their terminal.{" "}
          <button type="button" onClick={() => void join(i.sessionId, i.from)}>
            Join {i.from}'s terminal
          </button>
        </div>
      ))}
      {!online && (
        <p id={`${id}-offline`} class="muted">
          The instance is offline: a new terminal can open once it is back.
        </p>
      )}
      {error && (
        <Alert>
          <p>{error}</p>
        </Alert>
      )}
      {tabs.length === 0 ? (
        online && <p class="muted">No terminal open. A new one starts a shell on the instance.</p>
      ) : (
        <div class={fullscreen ? "terminals fullscreen" : "terminals"} ref={box}>
          <div class="terminal-tabs-row">
          <div class="terminal-tabs" role="tablist" aria-label="Open terminals">
            {tabs.map((t) => {
              const suffix = tabSuffix(t.state);
              return (
                <button
                  key={t.key}
                  type="button"
                  role="tab"
                  id={`${id}-tab-${t.key}`}
                  aria-controls={`${id}-panel-${t.key}`}
                  aria-selected={t.key === active}
                  tabIndex={t.key === active ? 0 : -1}
                  ref={(el) => void (el ? tabButtons.current.set(t.key, el) : tabButtons.current.delete(t.key))}
                  onClick={() => setActive(t.key)}
                  onKeyDown={(e) => onTabKey(e, t.key)}
                >
                  {t.label}
                  {suffix && <span class="tab-suffix"> ({suffix})</span>}
                </button>
              );
            })}
          </div>
            <button type="button" class="fullscreen-toggle" aria-pressed={fullscreen} onClick={() => void toggleFullscreen()}>
              {fullscreen ? "Exit full screen" : "Full screen"}
            </button>
            {fullscreen && (
              <button type="button" onClick={openTerminal} disabled={loading || !online}>
                New terminal
              </button>
            )}
          </div>
          {view &&
            tabs.map((t) => (
              <div
                key={t.key}
                role="tabpanel"
                id={`${id}-panel-${t.key}`}
                aria-labelledby={`${id}-tab-${t.key}`}
                class="terminal-panel"
                hidden={t.key !== active}
              >
                <view.TerminalView
                  instanceId={instance.id}
                  label={t.label}
                  screenReader={screenReader}
                  online={online}
                  state={t.state}
                  onState={(s) => setState(t.key, s)}
                  onClose={() => close(t.key)}
                  shouldEnd={() => closed.current.has(t.key)}
                  onExpired={onExpired}
                  attach={t.attach}
                  onSession={(sid) => setTabs((ts) => ts.map((x) => (x.key === t.key ? { ...x, session: sid } : x)))}
                />
              </div>
            ))}
          <label class="check">
            <input type="checkbox" checked={screenReader} onChange={(e) => setScreenReader(e.currentTarget.checked)} />
            Screen reader mode (reads the terminal's output aloud as it comes)
          </label>
        </div>
      )}
    </section>
  );
}

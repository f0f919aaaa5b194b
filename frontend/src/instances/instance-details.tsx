import type { Instance } from "@anchorage/common";
import { useState } from "preact/hooks";
import { useFocusOnMount } from "../focus.ts";
import { GitPanel } from "../git/git-panel.tsx";
import { TerminalPanel } from "../terminal/terminal-panel.tsx";
import { formatDate, formatUptime, formatUsage } from "../format.ts";
import { LazyScreen } from "../lazy-screens.tsx";
import { CommandRunner, type CommandRequest } from "./command-runner.tsx";
import { ConfigPanel } from "./config-panel.tsx";
import { InstanceToolbar } from "./instance-toolbar.tsx";
import { instanceStatus, relationLabel, StateBadge } from "./labels.tsx";
import { LogsPanel } from "./logs-panel.tsx";
import { RecentActions } from "./recent-actions.tsx";
import type { Hub } from "./use-events.ts";

/** One instance opened: its quick actions (kept in view), its facts, its health charts, a command form, a terminal, its past sessions and git (each with permission), what was run, its logs and its config. */
export function InstanceDetails({ instance: i, hub, focus, onExpired }: { instance: Instance; hub: Hub; focus: boolean; onExpired: () => void }) {
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focus);
  // Bumped when a command finishes, so the recent actions are fetched again.
  const [runs, setRuns] = useState(0);
  const [request, setRequest] = useState<CommandRequest | null>(null);
  const [running, setRunning] = useState(false);
  const canRun = i.permissions.includes("command:cloud_instance");
  const canTerminal = i.permissions.includes("terminal:cloud_instance");
  const canGit = i.permissions.includes("git:cloud_instance");
  const canManage = i.permissions.includes("manage:cloud_instance");

  function otherCommand() {
    const input = document.getElementById("run-command");
    input?.scrollIntoView({ block: "center" });
    input?.focus();
  }

  return (
    <section class="card stack" aria-labelledby="instance-title">
      <div class="section-head">
        <h2 id="instance-title" ref={headingRef} tabIndex={-1}>
          {i.name}
        </h2>
        <StateBadge {...instanceStatus(i.status)} />
      </div>
      {canRun && (
        <InstanceToolbar instance={i} busy={running} onRun={(command) => setRequest((r) => ({ command, n: (r?.n ?? 0) + 1 }))} onOtherCommand={otherCommand} />
      )}
      <dl class="facts">
        <dt>Access</dt>
        <dd>{relationLabel[i.relation]}</dd>
        <dt>Host</dt>
        <dd>{i.hostname ?? "—"}</dd>
        <dt>Platform</dt>
        <dd>{[i.platform, i.arch].filter(Boolean).join(" / ") || "—"}</dd>
        <dt>Agent</dt>
        <dd>{i.agent_version ?? "—"}</dd>
        <dt>Last seen</dt>
        <dd>{i.last_seen_at ? <time dateTime={i.last_seen_at}>{formatDate(i.last_seen_at)}</time> : "Never"}</dd>
        {i.stats && (
          <>
            <dt>CPU</dt>
            <dd>
              {Math.round(i.stats.cpu)}% · load {i.stats.load.map((n) => n.toFixed(2)).join(", ")}
            </dd>
            <dt>Memory</dt>
            <dd>{formatUsage(i.stats.memory)}</dd>
            <dt>Disk</dt>
            <dd>{formatUsage(i.stats.disk)}</dd>
            <dt>Uptime</dt>
            <dd>{formatUptime(i.stats.uptime)}</dd>
          </>
        )}
      </dl>
      {canRun ? (
        <CommandRunner
          instance={i}
          hub={hub}
          request={request}
          onBusyChange={setRunning}
          onFinished={() => setRuns((n) => n + 1)}
          onExpired={onExpired}
        />
      ) : (
        <p class="muted">You can watch this instance but not run commands on it.</p>
      )}
      <LazyScreen title="Health" level={3} render={(s) => <s.HealthPanel instance={i} hub={hub} onExpired={onExpired} />} />
      {canTerminal && <TerminalPanel instance={i} onExpired={onExpired} />}
      {(canTerminal || canManage) && (
        <LazyScreen title="Terminal sessions" level={3} render={(s) => <s.TerminalSessions instance={i} hub={hub} onExpired={onExpired} />} />
      )}
      {canGit && <GitPanel instance={i} hub={hub} onExpired={onExpired} />}
      <RecentActions instanceId={i.id} hub={hub} refreshKey={runs} onExpired={onExpired} />
      <LogsPanel instanceId={i.id} hub={hub} onExpired={onExpired} />
      <ConfigPanel instance={i} onExpired={onExpired} />
    </section>
  );
}

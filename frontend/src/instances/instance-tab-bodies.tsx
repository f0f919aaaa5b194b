import type { Instance } from "@anchorage/common";
import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { lazy } from "preact-iso";
import { GitPanel } from "../git/git-panel.tsx";
import { HealthPanel } from "../health/health-panel.tsx";
import { ProxiesSection } from "../proxies/proxies-section.tsx";
import { useAppData } from "../shell/app-data.tsx";
import { paths, type InstanceTab } from "../shell/routes.ts";
import { SyncScreen } from "../sync/sync-screen.tsx";
import { TerminalPanel } from "../terminal/terminal-panel.tsx";
import { TerminalSessions } from "../terminal/terminal-sessions.tsx";
import { CommandRunner, type CommandRequest } from "./command-runner.tsx";
import { handOffCommand, takeHandedOffCommand } from "./command-handoff.ts";
import { ConfigPanel } from "./config-panel.tsx";
import { Gate } from "./instance-gates.tsx";
import { InstanceFacts } from "./instance-facts.tsx";
import { TagsEditor } from "./tags-editor.tsx";
import { ForwardsSection } from "./forwards-section.tsx";
import { LogsPanel } from "./logs-panel.tsx";
import { RecentActions } from "./recent-actions.tsx";

// The file manager (and the editor it loads) is its own chunk.
const FilesTab = lazy(() => import("../files/files-tab.tsx").then((m) => m.FilesTab));
// So are the metric charts (uPlot loads only on the Metrics tab).
const MetricsTab = lazy(() => import("../metrics/metrics-tab.tsx").then((m) => m.MetricsTab));

export interface ToolbarRuns {
  busy: boolean;
  setBusy: (busy: boolean) => void;
  request: CommandRequest | null;
  run: (command: string) => void;
  other: () => void;
  /** Bumped when a command finishes, so the recent actions are fetched again. */
  finished: number;
  onFinished: () => void;
}

/**
 * The toolbar's commands: where the command form is on the page (the Overview) they run there;
 * elsewhere they are handed to the Overview, which runs them on arrival.
 */
export function useToolbarRuns(instance: Instance, formHere: boolean): ToolbarRuns {
  const { route } = useLocation();
  const [busy, setBusy] = useState(false);
  const [request, setRequest] = useState<CommandRequest | null>(null);
  const [finished, setFinished] = useState(0);
  const ask = (command: string) => setRequest((r) => ({ command, n: (r?.n ?? 0) + 1 }));

  useEffect(() => {
    if (!formHere) return;
    const handed = takeHandedOffCommand(instance.id);
    if (handed) ask(handed);
  }, [formHere]);

  return {
    busy,
    setBusy,
    request,
    finished,
    onFinished: () => setFinished((n) => n + 1),
    run(command) {
      if (formHere) return ask(command);
      handOffCommand(instance.id, command);
      route(paths.instance(instance.id));
    },
    other() {
      if (!formHere) return route(`${paths.instance(instance.id)}#run-command`);
      const input = document.getElementById("run-command");
      input?.scrollIntoView({ block: "center" });
      input?.focus();
    },
  };
}

/** One tab's content on an instance's page (and on the per-instance pages, which show one of them). */
export function InstanceTabBody({ instance: i, tab, runs }: { instance: Instance; tab: InstanceTab | "pods"; runs: ToolbarRuns }) {
  const { hub, list, onExpired } = useAppData();
  switch (tab) {
    case "overview":
      return (
        <>
          <InstanceFacts instance={i} />
          <TagsEditor instance={i} />
          <Gate instance={i} action="command:cloud_instance" what="run commands on it">
            <CommandRunner instance={i} hub={hub} request={runs.request} onBusyChange={runs.setBusy} onFinished={runs.onFinished} onExpired={onExpired} />
          </Gate>
          <HealthPanel instance={i} hub={hub} onExpired={onExpired} />
          <RecentActions instanceId={i.id} hub={hub} refreshKey={runs.finished} onExpired={onExpired} />
        </>
      );
    case "terminal":
      return (
        <>
          {i.permissions.includes("terminal:cloud_instance") && <TerminalPanel instance={i} onExpired={onExpired} autoOpen />}
          <TerminalSessions instance={i} hub={hub} onExpired={onExpired} />
        </>
      );
    case "files":
      return (
        <Gate instance={i} action="read:cloud_instance" needsAgent what="browse its files">
          <FilesTab instance={i} />
        </Gate>
      );
    case "git":
      return (
        <Gate instance={i} action="git:cloud_instance" needsAgent what="use git on it">
          <GitPanel instance={i} hub={hub} onExpired={onExpired} />
        </Gate>
      );
    case "logs":
      return <LogsPanel instanceId={i.id} hub={hub} onExpired={onExpired} />;
    case "metrics":
      return <MetricsTab instance={i} />;
    case "proxy":
      return (
        <>
          <ProxiesSection hub={hub} instances={list.instances} instanceId={i.id} onExpired={onExpired} />
          <ForwardsSection instance={i} onExpired={onExpired} />
        </>
      );
    case "sync":
      return (
        <Gate instance={i} action="sync:cloud_instance" what="sync its folders">
          <SyncScreen hub={hub} instances={list.instances} initialSource={i.id} onExpired={onExpired} />
        </Gate>
      );
    case "config":
      return (
<ConfigPanel instance={i} onExpired={onExpired} />
      );
    case "pods":
      // What runs on the machine through Anchorage: its shells (live, detached, recorded) and its commands.
      return (
        <>
          <TerminalSessions instance={i} hub={hub} onExpired={onExpired} />
          <RecentActions instanceId={i.id} hub={hub} refreshKey={runs.finished} onExpired={onExpired} />
        </>
      );
  }
}

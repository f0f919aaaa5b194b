import type { Instance } from "@anchorage/common";
import { ConfirmAction } from "../confirm-action.tsx";
import { paths } from "../shell/routes.ts";
import { instanceStatus, StateBadge } from "./labels.tsx";

interface InstanceToolbarProps {
  instance: Instance;
  /** A command is running on it from this page: the quick actions wait. */
  busy: boolean;
  onRun: (command: string) => void;
  /** Takes the person to the command form, to run any allowed command. */
  onOtherCommand: () => void;
}

/**
 * The selected instance's common actions, floating above every instance-scoped page: restart the
 * agent (after a confirmation: its shells end), update it, open a terminal, or run another
 * allowed command. Command output shows in the Overview's Run command section.
 */
export function InstanceToolbar({ instance: i, busy, onRun, onOtherCommand }: InstanceToolbarProps) {
  const offline = i.status !== "online";
  const canRun = i.permissions.includes("command:cloud_instance");
  const canTerminal = i.permissions.includes("terminal:cloud_instance");
  return (
    <div class="instance-toolbar" role="toolbar" aria-label={`Quick actions for ${i.name}`}>
      <span class="toolbar-name">
        <a href={paths.instance(i.id)}>{i.name}</a> <StateBadge {...instanceStatus(i.status)} />
      </span>
      <span class="button-row">
        {offline ? (
          <span class="muted">Offline: actions wait for the agent.</span>
        ) : (
          canRun && (
            <>
              <ConfirmAction
                label="Restart"
                subject={`agent on ${i.name}`}
                busyLabel="Restart"
                question={`Restart the agent on ${i.name}? It reconnects in a few seconds; its open terminals end.`}
                confirmLabel="Restart"
                busy={busy}
                onConfirm={() => onRun("restart")}
              />
              <button type="button" onClick={() => onRun("update")} disabled={busy}>
                Update<span class="visually-hidden"> agent on {i.name}</span>
              </button>
            </>
          )
        )}
        {canTerminal && !offline && (
          <a class="button" href={paths.instance(i.id, "terminal")}>
            Open terminal<span class="visually-hidden"> on {i.name}</span>
          </a>
        )}
        {canRun && (
          <button type="button" onClick={onOtherCommand} disabled={offline}>
            Run a command…
          </button>
        )}
      </span>
    </div>
  );
}

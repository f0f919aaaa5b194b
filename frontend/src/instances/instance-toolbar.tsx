import type { Instance } from "@anchorage/common";
import { ConfirmAction } from "../confirm-action.tsx";
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
 * The opened instance's quick actions, kept in view (sticky) while its details scroll by:
 * restart the agent (after a confirmation: its shells end), update it, or run another allowed
 * command. Their output shows in the Run command section below, as if typed there.
 */
export function InstanceToolbar({ instance: i, busy, onRun, onOtherCommand }: InstanceToolbarProps) {
  const offline = i.status !== "online";
  return (
    <div class="instance-toolbar" role="toolbar" aria-label={`Quick actions for ${i.name}`}>
      <span class="toolbar-name">
        {i.name} <StateBadge {...instanceStatus(i.status)} />
      </span>
      <span class="button-row">
        {offline ? (
          <span class="muted">Offline: actions wait for the agent.</span>
        ) : (
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
        )}
        <button type="button" onClick={onOtherCommand} disabled={offline}>
          Run a command…
        </button>
      </span>
    </div>
  );
}

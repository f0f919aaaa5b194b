import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { REASON_MAX, reasonProblem } from "./proxy-view.ts";
import { FormActions } from "../form-actions.tsx";

interface PauseProxyFormProps {
  id: string;
  name: string;
  busy: boolean;
  /** The server's refusal of the reason, shown beside it. */
  reasonError?: string;
  /** A refusal about nothing in this form. */
  error?: string;
  onPause: (reason: string) => void;
  onCancel: () => void;
}

/** Asks why before pausing: visitors are told the reason with the 503 they get. */
export function PauseProxyForm({ id, name, busy, reasonError, error, onPause, onCancel }: PauseProxyFormProps) {
  const [reason, setReason] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  useEffect(() => document.getElementById(`${id}-reason`)?.focus(), []);

  function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const problem = reasonProblem(reason);
    setLocalError(problem);
    if (!problem) onPause(reason);
  }

  const shown = localError ?? reasonError;
  return (
    <form class="stack pause-form" onSubmit={submit} aria-labelledby={`${id}-title`} onKeyDown={(e) => e.key === "Escape" && onCancel()}>
      <h4 id={`${id}-title`}>Pause “{name}”</h4>
      {error && <Alert>{error}</Alert>}
      <div class="field">
        <label for={`${id}-reason`}>
          Reason<span class="optional"> (optional)</span>
        </label>
        <p id={`${id}-reason-hint`} class="hint">
          Visitors see it with the 503 they get while it is paused.
        </p>
        <input
          id={`${id}-reason`}
          name="reason"
          value={reason}
          onInput={(e) => setReason(e.currentTarget.value)}
          maxLength={REASON_MAX + 50}
          autocomplete="off"
          aria-invalid={shown ? "true" : undefined}
          aria-describedby={shown ? `${id}-reason-hint ${id}-reason-error` : `${id}-reason-hint`}
        />
        {shown && (
          <p id={`${id}-reason-error`} class="field-error">
            {shown}
          </p>
        )}
      </div>
      <FormActions submit="Pause proxy" busyLabel="Pausing…" tone="danger" busy={busy} onCancel={onCancel} />
    </form>
  );
}

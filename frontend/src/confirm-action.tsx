import { useId, useLayoutEffect, useRef, useState } from "preact/hooks";

interface ConfirmActionProps {
  /** The button's words ("Revoke"), and what they act on for a screen reader ("token CI deploys"). */
  label: string;
  subject: string;
  busyLabel: string;
  /** Asked in place of the button: what will happen. */
  question: string;
  confirmLabel: string;
  busy: boolean;
  onConfirm: () => void;
}

/**
 * A destructive button that asks first, in place: the question takes focus, Escape or Cancel
 * puts the button back (and focus on it), confirming runs the action.
 */
export function ConfirmAction({ label, subject, busyLabel, question, confirmLabel, busy, onConfirm }: ConfirmActionProps) {
  const [asking, setAsking] = useState(false);
  const questionRef = useRef<HTMLParagraphElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const backToButton = useRef(false);
  const questionId = useId();

  // Focus moves as soon as the question is in place, before another key can land elsewhere.
  useLayoutEffect(() => {
    if (asking) questionRef.current?.focus();
    else if (backToButton.current) buttonRef.current?.focus();
    backToButton.current = false;
  }, [asking]);

  function cancel() {
    backToButton.current = true;
    setAsking(false);
  }

  if (!asking) {
    return (
      <button type="button" class="danger" ref={buttonRef} onClick={() => setAsking(true)} disabled={busy}>
        {busy ? busyLabel : label}
        <span class="visually-hidden"> {subject}</span>
      </button>
    );
  }
  return (
    <div class="confirm" role="group" aria-labelledby={questionId} onKeyDown={(e) => e.key === "Escape" && cancel()}>
      <p id={questionId} ref={questionRef} tabIndex={-1}>
        {question}
      </p>
      <div class="button-row">
        <button
          type="button"
          class="danger"
          onClick={() => {
            setAsking(false);
            onConfirm();
          }}
        >
          {confirmLabel}
          <span class="visually-hidden"> {subject}</span>
        </button>
        <button type="button" onClick={cancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

import type { ComponentChildren } from "preact";

/**
 * A form's footer: the submit button, which says what it is doing while busy, then `children`
 * (other actions), then Cancel; all of them held while the form is busy.
 */
export function FormActions({ submit, busyLabel, busy, tone = "primary", onCancel, children }: {
  submit: string;
  busyLabel: string;
  busy: boolean;
  tone?: "primary" | "danger";
  onCancel: () => void;
  children?: ComponentChildren;
}) {
  return (
    <div class="button-row">
      <button type="submit" class={tone} disabled={busy}>
        {busy ? busyLabel : submit}
      </button>
      {children}
      <button type="button" onClick={onCancel} disabled={busy}>
        Cancel
      </button>
    </div>
  );
}

import { useId, useLayoutEffect, useRef, useState } from "preact/hooks";
import { nameProblem } from "./file-paths.ts";

interface EntryNameFormProps {
  /** The input's label ("Name of the new folder", "New name for app.ts"). */
  label: string;
  initial?: string;
  submitLabel: string;
  /** In a table row the label is for screen readers only (the row says what is renamed). */
  hideLabel?: boolean;
  busy: boolean;
  /** A refusal from the machine, shown under the input. */
  error: string | null;
  onSubmit: (name: string) => void;
  onCancel: () => void;
}

/**
 * A name typed for a new folder or a rename: the input takes focus (a rename's name selected up to
 * its extension), Escape or Cancel closes it, and a name the agent would refuse is said so at once.
 */
export function EntryNameForm({ label, initial = "", submitLabel, hideLabel, busy, error, onSubmit, onCancel }: EntryNameFormProps) {
  const [name, setName] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  const shown = problem ?? error;

  useLayoutEffect(() => {
    const el = input.current;
    if (!el) return;
    el.focus();
    const dot = initial.lastIndexOf(".");
    el.setSelectionRange(0, dot > 0 ? dot : initial.length);
  }, []);

  return (
    <form
      class="files-name-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const p = nameProblem(name);
        setProblem(p);
        if (p) return input.current?.focus();
        onSubmit(name);
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          onCancel();
        }
      }}
    >
      <label for={id} class={hideLabel ? "visually-hidden" : undefined}>
        {label}
      </label>
      <input
        id={id}
        ref={input}
        type="text"
        value={name}
        autocomplete="off"
        spellcheck={false}
        aria-invalid={shown ? "true" : undefined}
        aria-describedby={shown ? `${id}-error` : undefined}
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <button type="submit" disabled={busy}>
        {submitLabel}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      {shown && (
        <p id={`${id}-error`} class="field-error">
          {shown}
        </p>
      )}
    </form>
  );
}

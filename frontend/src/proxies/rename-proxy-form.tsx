import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";

interface RenameProxyFormProps {
  id: string;
  slug: string;
  busy: boolean;
  /** The server's refusal of the name (taken, or not a name it takes), shown beside it. */
  slugError?: string;
  /** A refusal about nothing in this form. */
  error?: string;
  /** A new name, or null: back to the name in the agent's config. */
  onRename: (slug: string | null) => void;
  onCancel: () => void;
}

/** A new name for a proxy: its path and host addresses change with it. */
export function RenameProxyForm({ id, slug, busy, slugError, error, onRename, onCancel }: RenameProxyFormProps) {
  const [value, setValue] = useState(slug);
  useEffect(() => {
    const input = document.getElementById(`${id}-slug`) as HTMLInputElement | null;
    input?.focus();
    input?.select();
  }, []);

  function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    onRename(value.trim());
  }

  return (
    <form class="stack pause-form" onSubmit={submit} aria-labelledby={`${id}-title`} onKeyDown={(e) => e.key === "Escape" && onCancel()}>
      <h4 id={`${id}-title`}>Rename “{slug}”</h4>
      {error && <Alert>{error}</Alert>}
      <div class="field">
        <label for={`${id}-slug`}>New name</label>
        <p id={`${id}-slug-hint`} class="hint">
          Lowercase letters, digits and inner hyphens, 2 to 63. Its addresses change with it; the old ones stop working.
        </p>
        <input
          id={`${id}-slug`}
          name="slug"
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
          required
          maxLength={63}
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
          aria-invalid={slugError ? "true" : undefined}
          aria-describedby={slugError ? `${id}-slug-hint ${id}-slug-error` : `${id}-slug-hint`}
        />
        {slugError && (
          <p id={`${id}-slug-error`} class="field-error">
            {slugError}
          </p>
        )}
      </div>
      <div class="button-row">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Renaming…" : "Rename proxy"}
        </button>
        <button type="button" onClick={() => onRename(null)} disabled={busy}>
          Use the config's name
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

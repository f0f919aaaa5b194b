import type { JSX } from "preact";
import { useEffect } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { Field } from "../field.tsx";
import { FormActions } from "../form-actions.tsx";

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
  useEffect(() => {
    const input = document.getElementById(`${id}-slug`) as HTMLInputElement | null;
    input?.focus();
    input?.select();
  }, []);

  function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    onRename(String(new FormData(e.currentTarget).get("slug") ?? "").trim());
  }

  return (
    <form class="stack pause-form" onSubmit={submit} aria-labelledby={`${id}-title`} onKeyDown={(e) => e.key === "Escape" && onCancel()}>
      <h4 id={`${id}-title`}>Rename “{slug}”</h4>
      {error && <Alert>{error}</Alert>}
      <Field
        id={`${id}-slug`}
        name="slug"
        label="New name"
        autocomplete="off"
        required
        maxLength={63}
        defaultValue={slug}
        hint="Lowercase letters, digits and inner hyphens, 2 to 63. Its addresses change with it; the old ones stop working."
        error={slugError}
      />
      <FormActions submit="Rename proxy" busyLabel="Renaming…" busy={busy} onCancel={onCancel}>
        <button type="button" onClick={() => onRename(null)} disabled={busy}>
          Use the config's name
        </button>
      </FormActions>
    </form>
  );
}

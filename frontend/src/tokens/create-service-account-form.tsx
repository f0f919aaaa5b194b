import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api.ts";
import { Field } from "../field.tsx";
import { FailureAlert } from "./failure-alert.tsx";
import { localFailure, SCOPES_NEED_ATTENTION, toFormFailure, type FormFailure } from "./form-failure.ts";
import { ScopeBuilder, useScopeRows } from "./scope-builder.tsx";
import { newDraft, type ScopeContext } from "./scope-drafts.ts";
import { createServiceAccount, type ServiceAccount } from "./tokens-api.ts";
import { FormActions } from "../form-actions.tsx";

const FIELDS = ["name", "description", "scopes"] as const;

interface Props {
  ctx: ScopeContext;
  instancesNote?: string;
  onCreated: (a: ServiceAccount) => void;
  onCancel: () => void;
  onExpired: () => void;
}

/** A name, what the account is for, and its scopes (which every token of it will follow). */
export function CreateServiceAccountForm({ ctx, instancesNote, onCreated, onCancel, onExpired }: Props) {
  const scopes = useScopeRows(() => [newDraft()]);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  useEffect(() => document.getElementById("new-account-name")?.focus(), []);

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const grants = scopes.check(ctx);
    if (!grants) return setFailure(localFailure(SCOPES_NEED_ATTENTION, failure));
    setBusy(true);
    setFailure(null);
    try {
      onCreated(await createServiceAccount({ name: String(form.get("name") ?? "").trim(), description: String(form.get("description") ?? "").trim(), scopes: grants }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return onExpired();
      const f = toFormFailure(err, FIELDS, (failure?.attempt ?? 0) + 1);
      scopes.refused(f.scopes);
      setFailure(f);
      setBusy(false);
    }
  }

  const descriptionError = failure?.fields.description;
  return (
    <form class="stack token-form" onSubmit={submit} aria-labelledby="new-account-title">
      <h3 id="new-account-title">New service account</h3>
      {failure && <FailureAlert key={failure.attempt} failure={failure} />}
      <Field id="new-account-name" name="name" label="Name" required maxLength={100} autocomplete="off" hint="The service or job it stands for, e.g. “deploy bot”." error={failure?.fields.name} />
      <div class="field">
        <label for="new-account-description">
          Description<span class="optional"> (optional)</span>
        </label>
        <textarea
          id="new-account-description"
          name="description"
          rows={2}
          maxLength={500}
          aria-invalid={descriptionError ? "true" : undefined}
          aria-describedby={descriptionError ? "new-account-description-error" : undefined}
        />
        {descriptionError && (
          <p id="new-account-description-error" class="field-error">
            {descriptionError}
          </p>
        )}
      </div>
      <ScopeBuilder id="new-account-scopes" scopes={scopes} ctx={ctx} listError={failure?.fields.scopes} instancesNote={instancesNote} />
      <FormActions submit="Create service account" busyLabel="Creating service account…" busy={busy} onCancel={onCancel} />
    </form>
  );
}

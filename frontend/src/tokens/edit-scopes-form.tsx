import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { ApiError } from "../api.ts";
import { FailureAlert } from "./failure-alert.tsx";
import { localFailure, SCOPES_NEED_ATTENTION, toFormFailure, type FormFailure } from "./form-failure.ts";
import { ScopeBuilder, useScopeRows } from "./scope-builder.tsx";
import { grantDraft, type ScopeContext } from "./scope-drafts.ts";
import { setServiceAccountScopes, type ServiceAccount } from "./tokens-api.ts";
import { FormActions } from "../form-actions.tsx";

interface Props {
  account: ServiceAccount;
  ctx: ScopeContext;
  instancesNote?: string;
  onSaved: (a: ServiceAccount) => void;
  onCancel: () => void;
  onExpired: () => void;
}

/** A service account's scopes, each in the picker that fits it (or typed in full), to change and save. */
export function EditScopesForm({ account, ctx, instancesNote, onSaved, onCancel, onExpired }: Props) {
  const scopes = useScopeRows(() => account.scopes.map((g) => grantDraft(g, ctx)), { focusFirst: true });
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<FormFailure | null>(null);

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const grants = scopes.check(ctx);
    if (!grants) return setFailure(localFailure(SCOPES_NEED_ATTENTION, failure));
    setBusy(true);
    setFailure(null);
    try {
      onSaved(await setServiceAccountScopes(account.id, grants));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return onExpired();
      const f = toFormFailure(err, ["scopes"], (failure?.attempt ?? 0) + 1);
      scopes.refused(f.scopes);
      setFailure(f);
      setBusy(false);
    }
  }

  return (
    <form class="stack" onSubmit={submit} aria-label={`Edit the scopes of ${account.name}`}>
      {failure && <FailureAlert key={failure.attempt} failure={failure} />}
      <ScopeBuilder id={`edit-scopes-${account.id}`} scopes={scopes} ctx={ctx} listError={failure?.fields.scopes} instancesNote={instancesNote} legend="Change the scopes" />
      <p class="hint">Saving raises the account's version; every token of it follows the new scopes from its next request.</p>
      <FormActions submit="Save scopes" busyLabel="Saving scopes…" busy={busy} onCancel={onCancel} />
    </form>
  );
}

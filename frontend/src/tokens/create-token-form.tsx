import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api.ts";
import { Field } from "../field.tsx";
import { FailureAlert } from "./failure-alert.tsx";
import { localFailure, SCOPES_NEED_ATTENTION, toFormFailure, type FormFailure } from "./form-failure.ts";
import { ScopeBuilder, useScopeRows } from "./scope-builder.tsx";
import { newDraft, type ScopeContext } from "./scope-drafts.ts";
import type { CreatedToken, ExpiryDays, ScopeGrant } from "./tokens-api.ts";
import { FormActions } from "../form-actions.tsx";

/** The lifetimes offered; 90 days is picked first (the server's own default). */
const EXPIRY_CHOICES: readonly { value: string; days: ExpiryDays; label: string }[] = [
  { value: "30", days: 30, label: "30 days" },
  { value: "90", days: 90, label: "90 days" },
  { value: "365", days: 365, label: "365 days" },
  { value: "never", days: null, label: "Never (until revoked)" },
];

const FIELDS = ["name", "expires_in_days", "scopes"] as const;

export interface NewTokenInput {
  name: string;
  expires_in_days: ExpiryDays;
  scopes?: ScopeGrant[];
}

interface CreateTokenFormProps {
  id: string;
  /** With a context, the form has a scope builder; without, the token takes its service account's scopes. */
  ctx?: ScopeContext;
  instancesNote?: string;
  create: (input: NewTokenInput) => Promise<CreatedToken>;
  onCreated: (t: CreatedToken) => void;
  onCancel: () => void;
  onExpired: () => void;
}

/** A name, a lifetime and (for a personal token) its scopes; the server's refusals land beside their field. */
export function CreateTokenForm({ id, ctx, instancesNote, create, onCreated, onCancel, onExpired }: CreateTokenFormProps) {
  const scopes = useScopeRows(() => [newDraft()]);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [expiry, setExpiry] = useState("90");
  useEffect(() => document.getElementById(`${id}-name`)?.focus(), []);

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const name = String(new FormData(form).get("name") ?? "").trim();
    const input: NewTokenInput = { name, expires_in_days: EXPIRY_CHOICES.find((c) => c.value === expiry)!.days };
    if (ctx) {
      const grants = scopes.check(ctx);
      if (!grants) {
        setFailure(localFailure(SCOPES_NEED_ATTENTION, failure));
        return;
      }
      input.scopes = grants;
    }
    setBusy(true);
    setFailure(null);
    try {
      onCreated(await create(input));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return onExpired();
      const f = toFormFailure(err, FIELDS, (failure?.attempt ?? 0) + 1);
      scopes.refused(f.scopes);
      setFailure(f);
      setBusy(false);
    }
  }

  const expiryError = failure?.fields.expires_in_days;
  return (
    <form class="stack token-form" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>New token</h3>
      {failure && <FailureAlert key={failure.attempt} failure={failure} />}
      <Field id={`${id}-name`} name="name" label="Name" required maxLength={100} autocomplete="off" hint="What it is for, e.g. “CI deploys” or “laptop CLI”." error={failure?.fields.name} />
      <div class="field">
        <label for={`${id}-expiry`}>Expires after</label>
        <select
          id={`${id}-expiry`}
          value={expiry}
          onChange={(e) => setExpiry(e.currentTarget.value)}
          aria-invalid={expiryError ? "true" : undefined}
          aria-describedby={expiryError ? `${id}-expiry-error` : undefined}
        >
          {EXPIRY_CHOICES.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
        {expiryError && (
          <p id={`${id}-expiry-error`} class="field-error">
            {expiryError}
          </p>
        )}
      </div>
      {ctx ? (
        <ScopeBuilder id={`${id}-scopes`} scopes={scopes} ctx={ctx} listError={failure?.fields.scopes} instancesNote={instancesNote} />
      ) : (
        <p class="hint">It can do what the service account's scopes allow, and follows them when they change.</p>
      )}
      <FormActions submit="Create token" busyLabel="Creating token…" busy={busy} onCancel={onCancel} />
    </form>
  );
}

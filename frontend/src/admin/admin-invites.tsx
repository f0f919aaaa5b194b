import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { Field } from "../field.tsx";
import { formatDate } from "../format.ts";
import { StateBadge } from "../instances/labels.tsx";
import { OneTimeSecret } from "../one-time-secret.tsx";
import { FailureAlert } from "../tokens/failure-alert.tsx";
import { toFormFailure, type FormFailure } from "../tokens/form-failure.ts";
import { useListActions } from "../use-list-actions.ts";
import { createInvite, listInvites, type CreatedInvite } from "./admin-api.ts";
import { DEFAULT_INVITE_HOURS, INVITE_LIFETIMES, inviteState } from "./invite-state.ts";

/**
 * Admins only: single-use invite codes (registration by invitation), optionally for one email.
 * A new code is shown once; the list has each invite's state, never its code.
 */
export function AdminInvites({ onExpired }: { onExpired: () => void }) {
  const { items: shown, setItems, error } = useListActions(listInvites, onExpired);
  const [created, setCreated] = useState<CreatedInvite | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<FormFailure | null>(null);

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const email = String(data.get("email") ?? "").trim();
    const hours = Number(data.get("expires_in_hours"));
    setBusy(true);
    try {
      const invite = await createInvite({ ...(email ? { email } : {}), expires_in_hours: hours });
      setFailure(null);
      form.reset();
      setCreated(invite);
      setItems(await listInvites());
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return onExpired();
      setFailure((last) => toFormFailure(err, ["email", "expires_in_hours"], (last?.attempt ?? 0) + 1));
    } finally {
      setBusy(false);
    }
  }

  const now = Date.now();
  return (
    <section class="card stack" aria-labelledby="invites-title">
      <h2 id="invites-title">Invites</h2>
      <p class="muted section-intro">Single-use codes that let someone register while registration is by invitation.</p>
      {created ? (
        <OneTimeSecret id="invite-secret" title="Invite created" label="Invite code" value={created.code} onDone={() => setCreated(null)}>
          <p>
            <strong>Copy it now: you will not see this code again.</strong> {created.email ? `Only ${created.email} can use it` : "Anyone with it can register"},
            once, until {formatDate(created.expires_at)}.
          </p>
        </OneTimeSecret>
      ) : (
        <form class="stack" onSubmit={submit} aria-labelledby="invite-form-title">
          <h3 id="invite-form-title">New invite</h3>
          {failure && <FailureAlert key={failure.attempt} failure={failure} />}
          <div class="inline-form">
            <Field id="invite-email" name="email" label="For email" type="email" maxLength={254} hint="Leave empty for anyone with the code." error={failure?.fields.email} />
            <div class="field">
              <label for="invite-lifetime">Valid for</label>
              <select id="invite-lifetime" name="expires_in_hours">
                {INVITE_LIFETIMES.map((l) => (
                  // `selected` (not the select's value) so that a form reset goes back to it.
                  <option key={l.hours} value={String(l.hours)} selected={l.hours === DEFAULT_INVITE_HOURS}>
                    {l.label}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" class="primary" disabled={busy}>
              {busy ? "Creating…" : "Create invite"}
            </button>
          </div>
        </form>
      )}
      {error && <Alert>{error}</Alert>}
      {shown === null ? (
        !error && <p class="muted">Loading invites…</p>
      ) : shown.length === 0 ? (
        <p class="muted">No invites yet.</p>
      ) : (
        <div class="table-scroll" role="region" aria-label="Invites made" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">For</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((i) => (
                <tr key={i.id}>
                  <th scope="row">{i.email ?? "Anyone with the code"}</th>
                  <td>
                    <StateBadge {...inviteState(i, now)} />
                    {i.used_at && (
                      <span class="sub">
                        <time dateTime={i.used_at}>{formatDate(i.used_at)}</time>
                      </span>
                    )}
                  </td>
                  <td>
                    <time dateTime={i.created_at}>{formatDate(i.created_at)}</time>
                  </td>
                  <td>
                    <time dateTime={i.expires_at}>{formatDate(i.expires_at)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

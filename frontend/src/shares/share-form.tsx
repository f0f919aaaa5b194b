import type { Instance, Team } from "@anchorage/common";
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api.ts";
import { FailureAlert } from "../tokens/failure-alert.tsx";
import { localFailure, toFormFailure, type FormFailure } from "../tokens/form-failure.ts";
import { createBody, draftFromShare, draftProblems, newShareDraft, PERMISSION_WORDS, setPermission, shareableActions, updateBody, type Share, type ShareDraft } from "./share-draft.ts";
import { saveShare } from "./shares-api.ts";
import { listTeams } from "../teams/teams-api.ts";
import { FormActions } from "../form-actions.tsx";

const FIELDS = ["grantee_email", "instance_id", "permissions", "expires_at", "enabled"] as const;
const CHECK_BEFORE_SENDING = "Some fields need attention: see the messages beside them.";

interface ShareFormProps {
  id: string;
  /** The person's own instances: one of them, or all, can be shared. */
  owned: readonly Instance[];
  /** Editing this share; absent: a new one. */
  original?: Share;
  /** Describes the share being edited ("ada@example.com, all your instances"). */
  subject?: string;
  onSaved: (s: Share) => void;
  onCancel: () => void;
  onExpired: () => void;
}

/** Create a share (who, which instance, what, until when) or edit one (what, until when, enabled); refusals beside their field. */
export function ShareForm({ id, owned, original, subject, onSaved, onCancel, onExpired }: ShareFormProps) {
  const [draft, setDraft] = useState<ShareDraft>(() => (original ? draftFromShare(original) : newShareDraft(owned.length === 1 ? owned[0]!.id : "")));
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const [teams, setTeams] = useState<Team[]>([]);
  const creating = !original;
  useEffect(() => {
    if (creating) listTeams().then((r) => setTeams(r.teams), () => setTeams([])); // without its teams, the form offers people only
  }, []);
  useEffect(() => document.getElementById(creating ? `${id}-email` : `${id}-perm-0`)?.focus(), []);

  const set = (patch: Partial<ShareDraft>) => setDraft((d) => ({ ...d, ...patch }));

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const problems = draftProblems(draft, original);
    if (Object.keys(problems).length) {
      setFailure({ ...localFailure(CHECK_BEFORE_SENDING, failure), fields: problems });
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      const saved = await saveShare(original ? updateBody(original, draft) : createBody(draft));
      // The answer names the grantee by email (never by id: it does not say whether the address has an account).
      onSaved(saved.team_id ? saved : { ...saved, grantee_email: saved.grantee_email ?? original?.grantee_email ?? draft.email.trim() });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return onExpired();
      const f = toFormFailure(err, FIELDS, (failure?.attempt ?? 0) + 1);
      setFailure(f);
      setBusy(false);
    }
  }

  const fieldError = (name: (typeof FIELDS)[number]) => failure?.fields[name];
  const errorProps = (name: (typeof FIELDS)[number], hintId?: string) => {
    const err = fieldError(name);
    const describedBy = [hintId, err ? `${id}-${name}-error` : undefined].filter(Boolean).join(" ");
    return { "aria-invalid": err ? ("true" as const) : undefined, "aria-describedby": describedBy || undefined };
  };
  const errorText = (name: (typeof FIELDS)[number]) =>
    fieldError(name) && (
      <p id={`${id}-${name}-error`} class="field-error">
        {fieldError(name)}
      </p>
    );

  const title = creating ? "Share an instance" : `Edit share${subject ? ` with ${subject}` : ""}`;
  return (
    <form class="stack token-form" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h3 id={`${id}-title`}>{title}</h3>
      {failure && <FailureAlert key={failure.attempt} failure={failure} />}
      {creating && (
        <>
          {teams.length > 0 && (
            <div class="field">
              <label for={`${id}-with`}>Share with</label>
              <select id={`${id}-with`} value={draft.teamId} onChange={(e) => set({ teamId: e.currentTarget.value })}>
                <option value="">A person, by email</option>
                {teams.map((t) => (
                  <option key={t.id} value={t.id}>
                    The team “{t.name}” ({t.members.length} {t.members.length === 1 ? "member" : "members"})
                  </option>
                ))}
              </select>
            </div>
          )}
          {!draft.teamId && <div class="field">
            <label for={`${id}-email`}>Their email</label>
            <p id={`${id}-email-hint`} class="hint">
              They need an account here already.
            </p>
            <input
              id={`${id}-email`}
              name="grantee_email"
              type="email"
              autocomplete="off"
              required
              maxLength={254}
              value={draft.email}
              onInput={(e) => set({ email: e.currentTarget.value })}
              {...errorProps("grantee_email", `${id}-email-hint`)}
            />
            {errorText("grantee_email")}
          </div>}
          <div class="field">
            <label for={`${id}-instance`}>Instance</label>
            <select id={`${id}-instance`} value={draft.instanceId} onChange={(e) => set({ instanceId: e.currentTarget.value })} {...errorProps("instance_id")}>
              <option value="">All your instances, now and future</option>
              {owned.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name}
                </option>
              ))}
            </select>
            {errorText("instance_id")}
          </div>
        </>
      )}
      <fieldset aria-describedby={errorProps("permissions", `${id}-perm-hint`)["aria-describedby"]}>
        <legend>What they may do</legend>
        <p id={`${id}-perm-hint`} class="hint">
          Everything else needs “See it”: ticking one ticks it too. Managing the instance (rename, delete, share) stays yours.
        </p>
        <div class="check-grid">
          {shareableActions.map((a, n) => (
            <label key={a} class="check">
              <input
                id={`${id}-perm-${n}`}
                type="checkbox"
                checked={draft.permissions.includes(a)}
                onChange={(e) => set({ permissions: setPermission(draft.permissions, a, e.currentTarget.checked) })}
              />
              <span>
                {PERMISSION_WORDS[a].label} <span class="hint">({PERMISSION_WORDS[a].hint})</span>
              </span>
            </label>
          ))}
        </div>
        {errorText("permissions")}
      </fieldset>
      <div class="field">
        <label for={`${id}-expires`}>
          Expires<span class="optional"> (optional)</span>
        </label>
        <p id={`${id}-expires-hint`} class="hint">
          Your local time. Blank: until you revoke it.
        </p>
        <input
          id={`${id}-expires`}
          type="datetime-local"
          class="short-input"
          value={draft.expires}
          onInput={(e) => set({ expires: e.currentTarget.value })}
          {...errorProps("expires_at", `${id}-expires-hint`)}
        />
        {errorText("expires_at")}
      </div>
      {!creating && (
        <div class="field">
          <label class="check">
            <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.currentTarget.checked })} aria-describedby={`${id}-enabled-hint`} />
            Enabled
          </label>
          <p id={`${id}-enabled-hint`} class="hint">
            Untick to suspend the share without deleting it; their access ends at once.
          </p>
          {errorText("enabled")}
        </div>
      )}
      <FormActions submit={creating ? "Share" : "Save changes"} busyLabel="Saving…" busy={busy} onCancel={onCancel} />
    </form>
  );
}

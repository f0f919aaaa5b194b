import type { User } from "@anchorage/common";
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { Notice } from "../alert.tsx";
import { ApiError, type AuthConfig } from "../api.ts";
import { Field } from "../field.tsx";
import { FailureAlert } from "../tokens/failure-alert.tsx";
import { localFailure, toFormFailure, type FormFailure } from "../tokens/form-failure.ts";
import { changePassword, updateProfile } from "./profile-api.ts";

interface ProfileSettingsProps {
  user: User;
  /** From `/auth/config`; absent while it loads. */
  passwordPolicy?: AuthConfig["password_policy"];
  onUserChange: (user: User) => void;
  onExpired: () => void;
}

/** Your display name, and your password (with the current one; every other session ends). */
export function ProfileSettings({ user, passwordPolicy, onUserChange, onExpired }: ProfileSettingsProps) {
  return (
    <section class="card stack" aria-labelledby="profile-title">
      <h2 id="profile-title">Profile and password</h2>
      <NameForm user={user} onUserChange={onUserChange} onExpired={onExpired} />
      <PasswordForm policy={passwordPolicy} onExpired={onExpired} />
    </section>
  );
}

function useFormState(onExpired: () => void) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function run(known: readonly string[], action: () => Promise<string>) {
    setBusy(true);
    setNotice(null);
    try {
      setNotice(await action());
      setFailure(null);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return onExpired();
      setFailure((last) => toFormFailure(e, known, (last?.attempt ?? 0) + 1));
    } finally {
      setBusy(false);
    }
  }
  return { busy, failure, setFailure, notice, run };
}

function NameForm({ user, onUserChange, onExpired }: { user: User; onUserChange: (u: User) => void; onExpired: () => void }) {
  const { busy, failure, notice, run } = useFormState(onExpired);

  function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget).get("name") ?? "").trim();
    void run(["name"], async () => {
      const updated = await updateProfile(name);
      onUserChange(updated);
      return `Your name is now “${updated.name}”.`;
    });
  }

  return (
    <form class="stack" onSubmit={submit} aria-labelledby="profile-name-title">
      <h3 id="profile-name-title">Display name</h3>
      {failure && <FailureAlert key={failure.attempt} failure={failure} />}
      <div class="inline-form">
        <Field id="profile-name" name="name" label="Name" autocomplete="name" required maxLength={100} defaultValue={user.name ?? ""} error={failure?.fields.name} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Saving…" : "Save name"}
        </button>
      </div>
      {notice && <Notice text={notice} />}
    </form>
  );
}

function PasswordForm({ policy, onExpired }: { policy?: AuthConfig["password_policy"]; onExpired: () => void }) {
  const { busy, failure, setFailure, notice, run } = useFormState(onExpired);
  const min = policy?.min_length ?? 12;
  const max = policy?.max_length ?? 128;

  function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    // Passwords are sent exactly as typed.
    const current = String(data.get("current_password") ?? "");
    const next = String(data.get("new_password") ?? "");
    if (next !== String(data.get("confirm_password") ?? "")) {
      setFailure((last) => ({ ...localFailure("The new passwords do not match.", last), fields: { confirm_password: "Type the same new password twice." } }));
      return;
    }
    void run(["current_password", "new_password"], async () => {
      const { sessions_ended } = await changePassword(current, next);
      form.reset();
      return `Password changed. ${sessions_ended === 1 ? "1 other session was" : `${sessions_ended} other sessions were`} signed out.`;
    });
  }

  // A wrong current password is a 403 naming that field: it shows beside it.
  const currentError = failure?.fields.current_password;

  return (
    <form class="stack" onSubmit={submit} aria-labelledby="password-title">
      <h3 id="password-title">Password</h3>
      <p class="muted">Changing it signs you out everywhere else; this browser stays signed in.</p>
      {failure && <FailureAlert key={failure.attempt} failure={failure} />}
      <Field id="password-current" name="current_password" label="Current password" type="password" autocomplete="current-password" required maxLength={128} error={currentError} />
      <Field
        id="password-new"
        name="new_password"
        label="New password"
        type="password"
        autocomplete="new-password"
        required
        minLength={min}
        maxLength={max}
        hint={`${min} to ${max} characters.`}
        error={failure?.fields.new_password}
      />
      <Field id="password-confirm" name="confirm_password" label="New password again" type="password" autocomplete="new-password" required maxLength={max} error={failure?.fields.confirm_password} />
      <button type="submit" class="primary align-start" disabled={busy}>
        {busy ? "Changing…" : "Change password"}
      </button>
      {notice && <Notice text={notice} />}
    </form>
  );
}

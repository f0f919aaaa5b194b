import type { User } from "@anchorage/common";
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { ApiError, type AuthConfig } from "../api.ts";
import { Field } from "../field.tsx";
import { FailureAlert } from "../tokens/failure-alert.tsx";
import { toFormFailure, type FormFailure } from "../tokens/form-failure.ts";
import { createUser } from "./admin-api.ts";
import { FormActions } from "../form-actions.tsx";

interface CreateUserFormProps {
  passwordPolicy?: AuthConfig["password_policy"];
  onCreated: (user: User) => void;
  onCancel: () => void;
  onExpired: () => void;
}

/** An admin makes an account: email, an optional name, a first password, and whether it is an admin too. */
export function CreateUserForm({ passwordPolicy, onCreated, onCancel, onExpired }: CreateUserFormProps) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const min = passwordPolicy?.min_length ?? 12;
  const max = passwordPolicy?.max_length ?? 128;

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const name = String(data.get("name") ?? "").trim();
    setBusy(true);
    try {
      const user = await createUser({
        email: String(data.get("email") ?? "").trim(),
        // Sent exactly as typed.
        password: String(data.get("password") ?? ""),
        ...(name ? { name } : {}),
        roles: data.get("admin") ? ["user", "admin"] : ["user"],
      });
      onCreated(user);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return onExpired();
      setFailure((last) => toFormFailure(err, ["email", "password", "name"], (last?.attempt ?? 0) + 1));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="stack subsection" onSubmit={submit} aria-labelledby="create-user-title" onKeyDown={(e) => e.key === "Escape" && onCancel()}>
      <h3 id="create-user-title">New user</h3>
      {failure && <FailureAlert key={failure.attempt} failure={failure} />}
      <Field id="new-user-email" name="email" label="Email" type="email" autocomplete="off" required maxLength={254} error={failure?.fields.email} />
      <Field id="new-user-name" name="name" label="Name" autocomplete="off" maxLength={100} error={failure?.fields.name} />
      <Field
        id="new-user-password"
        name="password"
        label="First password"
        type="password"
        autocomplete="new-password"
        required
        minLength={min}
        maxLength={max}
        hint={`${min} to ${max} characters. Give it to them safely; they can change it under Profile and password.`}
        error={failure?.fields.password}
      />
      <label class="check">
        <input type="checkbox" name="admin" value="1" /> Admin too (sees and manages everything)
      </label>
      <FormActions submit="Create user" busyLabel="Creating…" busy={busy} onCancel={onCancel} />
    </form>
  );
}

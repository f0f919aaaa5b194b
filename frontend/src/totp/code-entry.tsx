import type { User } from "@anchorage/common";
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { Field } from "../field.tsx";
import { finishWithCode } from "./totp-api.ts";

/**
 * The code half of a sign-in's second step: a code from the authenticator app, or (switched to)
 * a recovery code. A wrong code leaves the step open (the server allows a few per step); the
 * server's message says when the step is used up and the password is needed again.
 */
export function CodeEntry({ challengeToken, onSignedIn, disabled }: { challengeToken: string; onSignedIn: (user: User) => void; disabled: boolean }) {
  const [method, setMethod] = useState<"totp" | "recovery">("totp");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{ text: string; attempt: number } | null>(null);

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const code = String(new FormData(form).get("code") ?? "").trim();
    setBusy(true);
    setProblem(null);
    try {
      onSignedIn((await finishWithCode(challengeToken, method, code)).user);
    } catch (err) {
      setBusy(false);
      form.reset();
      setProblem({ text: err instanceof Error ? err.message : "The code was not accepted.", attempt: (problem?.attempt ?? 0) + 1 });
    }
  }

  const recovery = method === "recovery";
  return (
    <form class="stack" onSubmit={submit} aria-label={recovery ? "Sign in with a recovery code" : "Sign in with a code from your authenticator app"}>
      {problem && (
        <Alert key={problem.attempt}>
          <p>{problem.text}</p>
        </Alert>
      )}
      {recovery ? (
        <Field key="recovery" id="second-factor-recovery" name="code" label="Recovery code" autocomplete="off" required maxLength={64} hint="One of the codes you saved when you set up two-factor sign-in; each works once." />
      ) : (
        <Field key="totp" id="second-factor-code" name="code" label="Code from your authenticator app" autocomplete="one-time-code" required maxLength={7} hint="6 digits." />
      )}
      <div class="button-row">
        <button type="submit" class="primary" disabled={busy || disabled}>
          {busy ? "Checking…" : "Verify"}
        </button>
        <button type="button" class="link" onClick={() => (setMethod(recovery ? "totp" : "recovery"), setProblem(null))} disabled={busy || disabled}>
          {recovery ? "Use a code from the app instead" : "Use a recovery code instead"}
        </button>
      </div>
    </form>
  );
}

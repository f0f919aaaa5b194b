import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { Field } from "../field.tsx";
import { useFocusOnMount } from "../focus.ts";
import { askPasswordReset } from "./password-reset-api.ts";

/** /password/forgot: asks for a reset link by mail; the server answers the same for every email, and so does this page. */
export function ForgotPasswordPage() {
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<string | null>(null);
  const [failure, setFailure] = useState<{ message: string; field?: string; attempt: number } | null>(null);
  const headingRef = useFocusOnMount<HTMLHeadingElement>(true);

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const email = String(new FormData(e.currentTarget).get("email") ?? "").trim();
    setBusy(true);
    setFailure(null);
    try {
      setSent((await askPasswordReset(email)).message);
    } catch (err) {
      const api = err instanceof ApiError ? err : null;
      setFailure({ message: api?.message ?? "Something went wrong. Please try again.", field: api?.fields.find((f) => f.path === "email")?.message, attempt: (failure?.attempt ?? 0) + 1 });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card stack" aria-labelledby="forgot-title">
      <h2 id="forgot-title" ref={headingRef} tabIndex={-1}>
        Forgot your password?
      </h2>
      {failure && (
        <Alert key={failure.attempt}>
          <p>{failure.message}</p>
        </Alert>
      )}
      {sent ? (
        <p role="status" class="ok">
          {sent} Open the link from your mail to choose a new password.
        </p>
      ) : (
        <form onSubmit={submit} class="stack">
          <Field id="forgot-email" name="email" label="Email" type="email" autocomplete="username" required maxLength={254} hint="We mail a link to choose a new password. It works once, within 30 minutes." error={failure?.field} />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Sending…" : "Email me a reset link"}
          </button>
        </form>
      )}
      <p class="switch">
        <a href="/">Back to sign in</a>
      </p>
    </section>
  );
}

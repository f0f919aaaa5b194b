import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { Field } from "../field.tsx";
import { useFocusOnMount } from "../focus.ts";
import { requestMagicLink } from "./magic-link-api.ts";

/** "Email me a sign-in link": asks for a link, then says it is on its way (the server says the same for every email). */
export function MagicLinkForm({ onCancel }: { onCancel: () => void }) {
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
      setSent((await requestMagicLink(email)).message);
    } catch (err) {
      const api = err instanceof ApiError ? err : null;
      setFailure({ message: api?.message ?? "Something went wrong. Please try again.", field: api?.fields.find((f) => f.path === "email")?.message, attempt: (failure?.attempt ?? 0) + 1 });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="magic-title">
      <h2 id="magic-title" ref={headingRef} tabIndex={-1}>
        Sign in with a link
      </h2>
      {failure && (
        <Alert key={failure.attempt}>
          <p>{failure.message}</p>
        </Alert>
      )}
      {sent ? (
        <p role="status" class="ok">
          {sent} You can close this page and open the link from your mail.
        </p>
      ) : (
        <form onSubmit={submit} class="stack">
          <Field id="magic-email" name="email" label="Email" type="email" autocomplete="username" required maxLength={254} hint="We send a link that signs you in once, within 10 minutes." error={failure?.field} />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Sending…" : "Email me a link"}
          </button>
        </form>
      )}
      <p class="switch">
        <button type="button" class="link" onClick={onCancel}>
          Use a password instead
        </button>
      </p>
    </section>
  );
}

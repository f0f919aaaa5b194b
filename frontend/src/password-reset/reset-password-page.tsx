import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError, type AuthConfig } from "../api.ts";
import { Field } from "../field.tsx";
import { useFocusOnMount } from "../focus.ts";
import { resetPassword } from "./password-reset-api.ts";

/**
 * The token from the mail's link, read once. It travels in the fragment (`#token=…`), which no
 * request carries, so no server or proxy log ever holds it; it leaves the address bar at once.
 */
const tokenFromUrl = () => new URLSearchParams(location.hash.slice(1)).get("token");

type State = { kind: "ready" } | { kind: "busy" } | { kind: "done"; message: string } | { kind: "broken"; message: string };
type Failure = { message: string; fields: Record<string, string>; attempt: number };

/**
 * /password/reset: sets a new password with the link from the mail, then sends the person to sign
 * in (the reset itself signs nobody in, and a second factor is still asked for there).
 */
export function ResetPasswordPage({ config }: { config: AuthConfig | null }) {
  const [token] = useState(tokenFromUrl);
  const [state, setState] = useState<State>(token ? { kind: "ready" } : { kind: "broken", message: "This page needs the link from your password reset mail." });
  const [failure, setFailure] = useState<Failure | null>(null);
  const headingRef = useFocusOnMount<HTMLHeadingElement>(true);
  const policy = config?.password_policy;

  useEffect(() => {
    history.replaceState(null, "", location.pathname);
  }, []);

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    // Passwords are sent exactly as typed.
    const password = String(form.get("password") ?? "");
    const attempt = (failure?.attempt ?? 0) + 1;
    if (password !== String(form.get("repeat") ?? "")) {
      setFailure({ message: "The two passwords differ.", fields: { repeat: "does not match the new password" }, attempt });
      return;
    }
    setState({ kind: "busy" });
    setFailure(null);
    try {
      setState({ kind: "done", message: (await resetPassword(token!, password)).message });
    } catch (err) {
      const api = err instanceof ApiError ? err : null;
      // A spent or expired link cannot be retried; a refused password can.
      if (api?.status === 401) return setState({ kind: "broken", message: `${api.message[0]!.toUpperCase()}${api.message.slice(1)}.` });
      const fields: Record<string, string> = {};
      for (const f of api?.fields ?? []) if (f.path === "password") fields.password ??= f.message;
      setFailure({ message: api?.message ?? "Something went wrong. Please try again.", fields, attempt });
      setState({ kind: "ready" });
    }
  }

  return (
    <section class="card stack" aria-labelledby="reset-title">
      <h2 id="reset-title" ref={headingRef} tabIndex={-1}>
        Choose a new password
      </h2>
      {state.kind === "broken" ? (
        <>
          <Alert>
            <p>{state.message}</p>
          </Alert>
          <p>
            <a href="/password/forgot">Ask for a new link</a> or <a href="/">go to the sign-in page</a>.
          </p>
        </>
      ) : state.kind === "done" ? (
        <>
          <p role="status" class="ok">
            {state.message}
          </p>
          <p>
            <a class="button primary" href="/">
              Sign in with your new password
            </a>
          </p>
        </>
      ) : (
        <>
          {failure && (
            <Alert key={failure.attempt}>
              <p>{failure.message}</p>
            </Alert>
          )}
          <form onSubmit={submit} class="stack">
            <Field
              id="reset-password"
              name="password"
              label="New password"
              type="password"
              autocomplete="new-password"
              required
              minLength={policy?.min_length}
              maxLength={policy?.max_length ?? 128}
              hint={policy ? `${policy.min_length} to ${policy.max_length} characters; any characters are allowed. Every session is signed out.` : "Every session is signed out."}
              error={failure?.fields.password}
            />
            <Field id="reset-repeat" name="repeat" label="Repeat the new password" type="password" autocomplete="new-password" required maxLength={policy?.max_length ?? 128} error={failure?.fields.repeat} />
            <button type="submit" class="primary" disabled={state.kind === "busy"}>
              {state.kind === "busy" ? "Setting…" : "Set the new password"}
            </button>
          </form>
        </>
      )}
    </section>
  );
}

import type { SecondFactorRequired, User } from "@anchorage/common";
import { useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { useFocusOnMount } from "../focus.ts";
import { CodeEntry } from "../totp/code-entry.tsx";
import { finishWithPasskey } from "./passkey-api.ts";
import { PasskeyPromptError } from "./webauthn.ts";

/**
 * The password was right and the account has a second factor: the methods the server offered
 * finish the sign-in with the one challenge token (a code from the authenticator app or a
 * recovery code, a passkey). A passkey prompt the person closed can be tried again; a passkey
 * refused by the server used up the step (its token is single use), so it goes back to the password.
 */
export function SecondFactorStep({
  step,
  onSignedIn,
  onStartOver,
}: {
  step: SecondFactorRequired;
  onSignedIn: (user: User) => void;
  onStartOver: (message: string | null) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{ text: string; attempt: number } | null>(null);
  const headingRef = useFocusOnMount<HTMLHeadingElement>(true);
  const codes = step.methods.includes("totp");
  const passkey = step.methods.includes("passkey") && step.passkey_options !== undefined;

  async function confirm() {
    setBusy(true);
    setProblem(null);
    try {
      onSignedIn((await finishWithPasskey(step)).user);
    } catch (e) {
      setBusy(false);
      if (e instanceof PasskeyPromptError) setProblem({ text: e.message, attempt: (problem?.attempt ?? 0) + 1 });
      else onStartOver(`${e instanceof Error ? e.message : "The passkey was not accepted."} Sign in again.`);
    }
  }

  return (
    <section class="card" aria-labelledby="second-factor-title">
      <h2 id="second-factor-title" ref={headingRef} tabIndex={-1}>
        {codes ? "Two-factor sign-in" : "Confirm with your passkey"}
      </h2>
      {problem && (
        <Alert key={problem.attempt}>
          <p>{problem.text}</p>
        </Alert>
      )}
      <p>
        {codes
          ? passkey
            ? "Your password was right. Finish signing in with a code from your authenticator app, a recovery code, or your passkey."
            : "Your password was right. Finish signing in with a code from your authenticator app, or a recovery code."
          : "Your password was right. This account also has a passkey: use it to finish signing in."}
      </p>
      {codes && <CodeEntry challengeToken={step.challenge_token} onSignedIn={onSignedIn} disabled={busy} />}
      <div class="button-row">
        {passkey && (
          <button type="button" class={codes ? undefined : "primary"} onClick={confirm} disabled={busy}>
            {busy ? "Waiting for your passkey…" : "Use your passkey"}
          </button>
        )}
        <button type="button" onClick={() => onStartOver(null)} disabled={busy}>
          Cancel
        </button>
      </div>
    </section>
  );
}

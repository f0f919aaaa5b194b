import type { SecondFactorRequired, User } from "@anchorage/common";
import { useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { useFocusOnMount } from "../focus.ts";
import { finishWithPasskey } from "./passkey-api.ts";
import { PasskeyPromptError } from "./webauthn.ts";

/**
 * The password was right and the account has a passkey: only the passkey finishes the sign-in.
 * A prompt the person closed can be tried again; a refusal from the server used up the step
 * (its token is single use), so it goes back to the password.
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
        Confirm with your passkey
      </h2>
      {problem && (
        <Alert key={problem.attempt}>
          <p>{problem.text}</p>
        </Alert>
      )}
      <p>Your password was right. This account also has a passkey: use it to finish signing in.</p>
      <div class="button-row">
        <button type="button" class="primary" onClick={confirm} disabled={busy}>
          {busy ? "Waiting for your passkey…" : "Use your passkey"}
        </button>
        <button type="button" onClick={() => onStartOver(null)} disabled={busy}>
          Cancel
        </button>
      </div>
    </section>
  );
}

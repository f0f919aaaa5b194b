import { useEffect, useRef, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { Field } from "../field.tsx";
import { setStepUpAsker } from "./ask-step-up.ts";
import { stepUpWithCode, stepUpWithPasskey, stepUpWithPassword } from "./step-up-api.ts";

type Asking = { methods: string[]; resolve: (ok: boolean) => void };

const messageOf = (e: unknown) => (e instanceof Error ? e.message : "Something went wrong.");

/**
 * "Confirm it is you": when an action answers E-AUTH-STEP-UP, this modal dialog asks for the
 * password, a code from the authenticator app, or a passkey (whichever the account has), proves
 * it at POST /auth/step-up, and lets the action run once more. Cancel (or Escape) gives up, and
 * the action shows its refusal as any other error.
 */
export function StepUpDialog() {
  const dialog = useRef<HTMLDialogElement>(null);
  const [asking, setAsking] = useState<Asking | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => setStepUpAsker((methods) => new Promise<boolean>((resolve) => setAsking({ methods, resolve }))), []);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (asking && !d.open) d.showModal();
    if (!asking && d.open) d.close();
  }, [asking]);

  function finish(ok: boolean) {
    asking?.resolve(ok);
    setAsking(null);
    setError(null);
    setBusy(false);
  }

  async function prove(attempt: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await attempt();
      finish(true);
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  }

  const submit = (field: string, send: (value: string) => Promise<unknown>) => (e: Event) => {
    e.preventDefault();
    const value = String(new FormData(e.currentTarget as HTMLFormElement).get(field) ?? "");
    void prove(() => send(value));
  };

  const methods = asking?.methods ?? [];
  return (
    <dialog ref={dialog} class="step-up" aria-labelledby="step-up-title" onCancel={(e) => (e.preventDefault(), finish(false))}>
      {asking && (
        <div class="stack">
          <h2 id="step-up-title">Confirm it is you</h2>
          <p>This action can change who controls your account or your machines, so it needs a fresh proof that it is you.</p>
          {error && (
            <Alert>
              <p>{error}</p>
            </Alert>
          )}
          {methods.length === 0 && <p>Your account has no password, authenticator app or passkey to confirm with: sign out and sign in again, then retry.</p>}
          {methods.includes("password") && (
            <form class="stack" onSubmit={submit("password", stepUpWithPassword)}>
              <Field id="step-up-password" name="password" label="Password" type="password" autocomplete="current-password" required />
              <button type="submit" disabled={busy}>{busy ? "Checking…" : "Confirm with password"}</button>
            </form>
          )}
          {methods.includes("totp") && (
            <form class="stack" onSubmit={submit("code", stepUpWithCode)}>
              <Field id="step-up-code" name="code" label="Code from your authenticator app" autocomplete="one-time-code" required maxLength={8} />
              <button type="submit" disabled={busy}>{busy ? "Checking…" : "Confirm with code"}</button>
            </form>
          )}
          {methods.includes("passkey") && (
            <button type="button" disabled={busy} onClick={() => void prove(stepUpWithPasskey)}>
              Use a passkey
            </button>
          )}
          <button type="button" class="link" onClick={() => finish(false)}>
            Cancel
          </button>
        </div>
      )}
    </dialog>
  );
}

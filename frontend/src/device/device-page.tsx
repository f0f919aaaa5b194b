import type { User } from "@anchorage/common";
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError, decideDevice, verifyDeviceCode, type DeviceRequest } from "../api.ts";
import { formatDate } from "../format.ts";
import { formatUserCode, isUserCode, userCodeFromUrl } from "./user-code.ts";

type Step = { kind: "enter" } | { kind: "confirm"; request: DeviceRequest } | { kind: "done"; approved: boolean };

/** The /device page's header: what this page is for, and the way back to the dashboard. */
export function DeviceHeader() {
  useEffect(() => {
    document.title = "Approve a device sign-in · Anchorage";
  }, []);
  return (
    <header class="status">
      <h1>Approve a device sign-in</h1>
      <p class="status-line muted">A command-line tool asked to sign in to Anchorage as you. Sign in here, check its code, then approve or deny it.</p>
      <nav aria-label="Anchorage">
        <a href="/">Dashboard</a>
      </nav>
    </header>
  );
}

interface Props {
  user: User;
  /** Move focus to the heading on arrival (after signing in). */
  focus: boolean;
  onExpired: () => void;
  onSignOut: () => void;
  signingOut: boolean;
}

/** RFC 8628 approval: enter (or confirm the prefilled) code, see who is asking, approve or deny. */
export function DevicePage({ user, focus, onExpired, onSignOut, signingOut }: Props) {
  const [code, setCode] = useState(userCodeFromUrl);
  const [step, setStep] = useState<Step>({ kind: "enter" });
  const [busy, setBusy] = useState<"verify" | "approve" | "deny" | null>(null);
  const [error, setError] = useState<{ message: string; attempt: number } | null>(null);
  const [codeError, setCodeError] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const arrived = useRef(false);

  // Each new step takes focus, so keyboard and screen reader users land on it; on arrival only after a sign-in.
  useEffect(() => {
    if (arrived.current || focus) headingRef.current?.focus();
    arrived.current = true;
  }, [step.kind]);

  function fail(e: unknown) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    setError({ message: e instanceof Error ? e.message : "Something went wrong.", attempt: (error?.attempt ?? 0) + 1 });
  }

  async function verify(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    if (!isUserCode(code)) {
      setCodeError("Enter the 8-letter code your terminal shows, like BCDF-GHJK.");
      return;
    }
    setCodeError(null);
    setBusy("verify");
    try {
      setStep({ kind: "confirm", request: await verifyDeviceCode(code) });
    } catch (err) {
      fail(err);
    } finally {
      setBusy(null);
    }
  }

  async function decide(request: DeviceRequest, approve: boolean) {
    setError(null);
    setBusy(approve ? "approve" : "deny");
    try {
      const { status } = await decideDevice(request.user_code, approve);
      // The code is spent: a reload should not offer it again.
      history.replaceState(null, "", location.pathname);
      setStep({ kind: "done", approved: status === "approved" });
    } catch (err) {
      fail(err);
    } finally {
      setBusy(null);
    }
  }

  function startOver() {
    setError(null);
    setStep({ kind: "enter" });
  }

  const alert = error && (
    <Alert key={error.attempt}>
      <p>{error.message}</p>
    </Alert>
  );

  return (
    <>
      <p class="signed-in-as">
        Signed in as <strong>{user.email}</strong>.{" "}
        <button type="button" class="link" onClick={onSignOut} disabled={signingOut}>
          {signingOut ? "Signing out…" : "Not you? Sign out"}
        </button>
      </p>

      {step.kind === "enter" && (
        <section class="card" aria-labelledby="device-title">
          <h2 id="device-title" ref={headingRef} tabIndex={-1}>
            Enter the code
          </h2>
          {alert}
          <form class="stack" onSubmit={verify} noValidate>
            <div class="field">
              <label for="device-code">Code</label>
              <p id="device-code-hint" class="hint">
                The code your terminal shows, like BCDF-GHJK. If it is already filled in, check that it matches.
              </p>
              <input
                id="device-code"
                name="user_code"
                class="code-input"
                value={code}
                onInput={(e) => {
                  setCode(formatUserCode(e.currentTarget.value));
                  setCodeError(null);
                }}
                required
                autocomplete="off"
                autocapitalize="characters"
                spellcheck={false}
                inputMode="text"
                aria-invalid={codeError ? "true" : undefined}
                aria-describedby={codeError ? "device-code-hint device-code-error" : "device-code-hint"}
              />
              {codeError && (
                <p id="device-code-error" class="field-error">
                  {codeError}
                </p>
              )}
            </div>
            <button type="submit" class="primary" disabled={busy !== null}>
              {busy === "verify" ? "Checking…" : "Continue"}
            </button>
          </form>
        </section>
      )}

      {step.kind === "confirm" && (
        <section class="card stack" aria-labelledby="device-title">
          <h2 id="device-title" ref={headingRef} tabIndex={-1}>
            Approve this sign-in?
          </h2>
          {alert}
          <p class="device-ask">
            <strong>{step.request.client_id}</strong> wants to sign in as you ({step.request.scope}).
          </p>
          <dl class="facts">
            <dt>Account</dt>
            <dd>{user.email}</dd>
            <dt>Code</dt>
            <dd>
              <code>{step.request.user_code}</code>
            </dd>
            <dt>Asked</dt>
            <dd>
              <time dateTime={step.request.created_at}>{formatDate(step.request.created_at)}</time>
            </dd>
            <dt>Expires</dt>
            <dd>
              <time dateTime={step.request.expires_at}>{formatDate(step.request.expires_at)}</time>
            </dd>
          </dl>
          <p class="hint">Approve only if you started this sign-in yourself and the code matches the one in your terminal.</p>
          <div class="button-row">
            <button type="button" class="primary" onClick={() => decide(step.request, true)} disabled={busy !== null}>
              {busy === "approve" ? "Approving…" : "Approve"}
            </button>
            <button type="button" class="danger" onClick={() => decide(step.request, false)} disabled={busy !== null}>
              {busy === "deny" ? "Denying…" : "Deny"}
            </button>
            <button type="button" class="link" onClick={startOver} disabled={busy !== null}>
              Enter a different code
            </button>
          </div>
        </section>
      )}

      {step.kind === "done" && (
        <section class="card stack" aria-labelledby="device-title">
          <h2 id="device-title" ref={headingRef} tabIndex={-1}>
            {step.approved ? "Approved" : "Denied"}
          </h2>
          <p role="status" class={step.approved ? "ok" : undefined}>
            {step.approved ? "Done — you can return to your terminal." : "Denied. The terminal will be told that access was refused."}
          </p>
          <p>
            <a href="/">Go to the dashboard</a>
          </p>
        </section>
      )}
    </>
  );
}

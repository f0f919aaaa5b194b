import type { TotpStartResponse, TotpStatus } from "@anchorage/common";
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Alert, Notice } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { Field } from "../field.tsx";
import { formatDate } from "../format.ts";
import { useFocusOnMount } from "../focus.ts";
import { confirmTotp, getTotpStatus, removeTotp, startTotp } from "./totp-api.ts";

const text = (form: HTMLFormElement, name: string) => String(new FormData(form).get(name) ?? "").trim();

/**
 * Two-factor sign-in with an authenticator app (TOTP): set it up (the secret and its otpauth://
 * URL as text, then a code from the app to confirm), see the 10 recovery codes once, remove it
 * (after a step-up, which the API client asks for when needed).
 */
export function TotpPanel({ onExpired }: { onExpired: () => void }) {
  const [status, setStatus] = useState<TotpStatus | null>(null);
  const [pending, setPending] = useState<TotpStartResponse | null>(null);
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [error, setError] = useState<{ text: string; attempt: number } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const reload = () => getTotpStatus().then(setStatus, fail);
  useEffect(() => {
    reload();
  }, []);

  function fail(e: unknown) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    setError({ text: e instanceof Error ? e.message : "Something went wrong.", attempt: (error?.attempt ?? 0) + 1 });
  }

  async function run(what: string, action: () => Promise<string | null>) {
    setBusy(what);
    setError(null);
    setNotice(null);
    try {
      setNotice(await action());
      await reload();
    } catch (e) {
      fail(e);
    } finally {
      setBusy(null);
    }
  }

  const begin = () => run("start", async () => (setPending(await startTotp()), null));

  function confirm(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const code = text(e.currentTarget, "code");
    void run("confirm", async () => {
      const { recovery_codes } = await confirmTotp(code);
      setPending(null);
      setRecovery(recovery_codes);
      return "Two-factor sign-in is on.";
    });
  }

  function remove() {
    // Removing it needs a fresh proof of identity: the API client asks for one (the step-up dialog) when the session's is too old.
    void run("remove", async () => {
      await removeTotp();
      setRecovery(null);
      return "Two-factor sign-in is off. Your recovery codes no longer work.";
    });
  }

  const enabled = status?.state === "enabled";
  return (
    <section class="card" aria-labelledby="totp-title">
      <h2 id="totp-title">Two-factor sign-in</h2>
      <p class="muted">
        With an authenticator app (TOTP), signing in with your password also asks for the 6-digit code the app shows. Recovery codes stand in for the
        app if you lose it.
      </p>
      {error && <Alert key={error.attempt}>{error.text}</Alert>}
      {notice && <Notice text={notice} />}
      {recovery && <RecoveryCodes codes={recovery} onDone={() => setRecovery(null)} />}
      {status === null ? (
        !error && <p class="muted">Loading…</p>
      ) : enabled ? (
        <>
          <dl class="facts">
            <dt>Authenticator app</dt>
            <dd>On since {status.confirmed_at ? <time dateTime={status.confirmed_at}>{formatDate(status.confirmed_at)}</time> : "—"}</dd>
            <dt>Recovery codes left</dt>
            <dd>{status.recovery_codes_left}</dd>
          </dl>
          <button type="button" onClick={remove} disabled={busy === "remove"}>
            {busy === "remove" ? "Removing…" : "Remove two-factor sign-in"}
          </button>
        </>
      ) : pending ? (
        <PendingSetup pending={pending} busy={busy} onConfirm={confirm} onRestart={begin} />
      ) : (
        <button type="button" class="primary" onClick={begin} disabled={busy === "start"}>
          {busy === "start" ? "Starting…" : "Set up an authenticator app"}
        </button>
      )}
    </section>
  );
}

function PendingSetup({
  pending,
  busy,
  onConfirm,
  onRestart,
}: {
  pending: TotpStartResponse;
  busy: string | null;
  onConfirm: (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => void;
  onRestart: () => void;
}) {
  const headingRef = useFocusOnMount<HTMLHeadingElement>(true);
  return (
    <div class="stack" role="group" aria-labelledby="totp-setup-title">
      <h3 id="totp-setup-title" ref={headingRef} tabIndex={-1}>
        Add this account to your authenticator app
      </h3>
      <p>In the app, add an account by key (or open the link on a phone that has the app), then type the code it shows.</p>
      <dl class="facts">
        <dt>Key</dt>
        <dd>
          <code data-testid="totp-secret">{pending.secret}</code>
        </dd>
        <dt>Link</dt>
        <dd>
          <a href={pending.otpauth_url} data-testid="totp-url">
            {pending.otpauth_url}
          </a>
        </dd>
      </dl>
      <form class="inline-form" onSubmit={onConfirm}>
        <Field id="totp-confirm-code" name="code" label="Code from the app" autocomplete="one-time-code" required maxLength={7} hint="6 digits." />
        <button type="submit" class="primary" disabled={busy === "confirm"}>
          {busy === "confirm" ? "Checking…" : "Turn on"}
        </button>
        <button type="button" onClick={onRestart} disabled={busy !== null}>
          New key
        </button>
      </form>
    </div>
  );
}

/** The recovery codes, shown this once: only their hashes are kept. */
function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const headingRef = useFocusOnMount<HTMLHeadingElement>(true);
  return (
    <div class="stack token-secret" role="group" aria-labelledby="totp-recovery-title">
      <h3 id="totp-recovery-title" ref={headingRef} tabIndex={-1}>
        Your recovery codes
      </h3>
      <div class="warning">
        Save these somewhere safe now: they are shown only this once. Each one signs you in once in place of a code from the app.
      </div>
      <ol class="recovery-codes" aria-label="Recovery codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ol>
      <button type="button" onClick={onDone}>
        I have saved them
      </button>
    </div>
  );
}

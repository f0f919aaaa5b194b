import type { User } from "@anchorage/common";
import { useEffect, useState } from "preact/hooks";
import { Alert } from "./alert.tsx";
import { ApiError, getAuthConfig, getCurrentUser, getHealth, logout, type AuthConfig, type Health } from "./api.ts";
import { DeviceHeader, DevicePage } from "./device/device-page.tsx";
import { MagicPage } from "./magic-link/magic-page.tsx";
import { ForgotPasswordPage } from "./password-reset/forgot-password-page.tsx";
import { ResetPasswordPage } from "./password-reset/reset-password-page.tsx";
import { SignIn } from "./sign-in.tsx";
import { Status } from "./status.tsx";
import { Shell } from "./shell/shell.tsx";
import { StepUpDialog } from "./step-up/step-up-dialog.tsx";
import { safeNext } from "@anchorage/common/safe-next";

const messageOf = (e: unknown) => (e instanceof Error ? e.message : "Something went wrong.");

/** The server answers every non-API path with this page; the path picks the view. */
const onDevicePage = /^\/device\/?$/.test(location.pathname);
/** Where a sign-in link from a mail lands: it works whoever is signed in here, so it comes first. */
const onMagicPage = /^\/magic\/?$/.test(location.pathname);
/** The forgotten-password pages: asking for a link, and where its mail's link lands (whoever is signed in here). */
const passwordPage = /^\/password\/(forgot|reset)\/?$/.exec(location.pathname)?.[1] as "forgot" | "reset" | undefined;

/**
 * Where to go once signed in, when a proxied app sent the visitor here to sign in first
 * (`/?next=/p/app/…`). Only a path on this origin: never an open redirect.
 */
const nextPath = safeNext(new URLSearchParams(location.search).get("next"), location.origin);

/**
 * The page: what is running and the sign-in form, or once signed in the dashboard's shell (its
 * navigation and the page the address names). At /device (RFC 8628), signing in leads to
 * approving a command-line sign-in instead; /magic finishes a sign-in link from a mail;
 * /password/forgot and /password/reset are the forgotten-password flow.
 */
export function App() {
  const [health, setHealth] = useState<Health | null>(null);
  const [healthError, setHealthError] = useState<string | null>(null);
  const [config, setConfig] = useState<AuthConfig | null>(null);
  // undefined while we find out; null when signed out.
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [signingOut, setSigningOut] = useState(false);
  // Move focus to the new view only after a sign-in or sign-out, not on first load.
  const [moveFocus, setMoveFocus] = useState(false);

  function checkSession() {
    setError(null);
    getCurrentUser().then(
      (u) => (u && nextPath ? location.replace(nextPath) : setUser(u)),
      (e: unknown) => setError(`Could not check whether you are signed in: ${messageOf(e)}`),
    );
  }

  useEffect(() => {
    if (!onDevicePage) getHealth().then(setHealth, (e: unknown) => setHealthError(`GET /healthz failed: ${messageOf(e)}`));
    getAuthConfig().then(setConfig, (e: unknown) => setError(`Could not load sign-in options: ${messageOf(e)}`));
    checkSession();
  }, []);

  function signedIn(u: User) {
    if (nextPath) return location.replace(nextPath);
    setError(null);
    setMoveFocus(true);
    setUser(u);
  }

  function signedOut() {
    setMoveFocus(true);
    setUser(null);
  }

  async function signOut() {
    setSigningOut(true);
    setError(null);
    try {
      await logout();
      signedOut();
    } catch (e) {
      // 401: the session had already ended; the cookies are cleared either way.
      if (e instanceof ApiError && e.status === 401) signedOut();
      else setError(`Could not sign out: ${messageOf(e)}`);
    } finally {
      setSigningOut(false);
    }
  }

  if (user && !onDevicePage && !onMagicPage && !passwordPage)
    return (
      <>
        <Shell user={user} config={config} onUserChange={setUser} onExpired={signedOut} onSignOut={signOut} signingOut={signingOut} error={error} />
        <StepUpDialog />
      </>
    );

  return (
    <div class="standalone">
      {onDevicePage ? <DeviceHeader /> : <Status health={health} error={healthError} />}
      <main class="stack">
        {error && (
          <Alert>
            <p>{error}</p>
            {user === undefined && (
              <button type="button" onClick={checkSession}>
                Try again
              </button>
            )}
          </Alert>
        )}
        {onMagicPage ? (
          <MagicPage />
        ) : passwordPage === "forgot" ? (
          <ForgotPasswordPage />
        ) : passwordPage === "reset" ? (
          <ResetPasswordPage config={config} />
        ) : user === undefined ? (
          !error && <p class="muted">Checking your session…</p>
        ) : user === null ? (
          <SignIn config={config} onSignedIn={signedIn} focus={moveFocus} />
        ) : (
          <DevicePage user={user} focus={moveFocus} onExpired={signedOut} onSignOut={signOut} signingOut={signingOut} />
        )}
      </main>
    </div>
  );
}

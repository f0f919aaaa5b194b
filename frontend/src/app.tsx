import type { User } from "@anchorage/common";
import { useEffect, useState } from "preact/hooks";
import { Account } from "./account.tsx";
import { Alert } from "./alert.tsx";
import { ApiError, getAuthConfig, getCurrentUser, getHealth, logout, type AuthConfig, type Health } from "./api.ts";
import { DeviceHeader, DevicePage } from "./device/device-page.tsx";
import { DeviceInviteCard } from "./device-invite/device-invite-card.tsx";
import { MagicPage } from "./magic-link/magic-page.tsx";
import { InstancesSection } from "./instances/instances-section.tsx";
import { LazyScreen } from "./lazy-screens.tsx";
import { LinkedProviders } from "./oauth/linked-providers.tsx";
import { SignIn } from "./sign-in.tsx";
import { Sessions } from "./sessions.tsx";
import { Status } from "./status.tsx";
import { TokensArea } from "./tokens/tokens-area.tsx";
import { safeNext } from "@anchorage/common/safe-next";

const messageOf = (e: unknown) => (e instanceof Error ? e.message : "Something went wrong.");

/** The server answers every non-API path with this page; the path picks the view. */
const onDevicePage = /^\/device\/?$/.test(location.pathname);
/** Where a sign-in link from a mail lands: it works whoever is signed in here, so it comes first. */
const onMagicPage = /^\/magic\/?$/.test(location.pathname);

/**
 * Where to go once signed in, when a proxied app sent the visitor here to sign in first
 * (`/?next=/p/app/…`). Only a path on this origin: never an open redirect.
 */
const nextPath = safeNext(new URLSearchParams(location.search).get("next"), location.origin);

/**
 * The page: what is running, then either the sign-in form or the signed-in dashboard.
 * At /device (RFC 8628), signing in leads to approving a command-line sign-in instead.
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

  return (
    <>
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
        ) : user === undefined ? (
          !error && <p class="muted">Checking your session…</p>
        ) : user === null ? (
          <SignIn config={config} onSignedIn={signedIn} focus={moveFocus} />
        ) : onDevicePage ? (
          <DevicePage user={user} focus={moveFocus} onExpired={signedOut} onSignOut={signOut} signingOut={signingOut} />
        ) : (
          <>
            <Account
              user={user}
              onSignOut={signOut}
              signingOut={signingOut}
              focus={moveFocus}
              onExpired={signedOut}
              onUserChange={setUser}
              passwordPolicy={config?.password_policy}
            />
            <DeviceInviteCard onExpired={signedOut} />
            <LinkedProviders onExpired={signedOut} />
            <InstancesSection onExpired={signedOut} />
            <Sessions onExpired={signedOut} />
            <TokensArea user={user} onExpired={signedOut} />
            <LazyScreen title="Webhooks" render={(s) => <s.WebhooksSection onExpired={signedOut} />} />
            {user.roles.includes("admin") && (
              <>
                <LazyScreen title="Users" render={(s) => <s.AdminUsers me={user} passwordPolicy={config?.password_policy} onExpired={signedOut} />} />
                <LazyScreen title="Everyone's sessions" render={(s) => <s.AdminSessions onExpired={signedOut} />} />
                <LazyScreen title="Invites" render={(s) => <s.AdminInvites onExpired={signedOut} />} />
              </>
            )}
            <LazyScreen title="Your activity" render={(s) => <s.AuditScreens user={user} onExpired={signedOut} />} />
          </>
        )}
      </main>
    </>
  );
}

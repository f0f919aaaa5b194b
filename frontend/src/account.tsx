import type { User } from "@anchorage/common";
import type { AuthConfig } from "./api.ts";
import { roleList } from "./format.ts";
import { LazyScreen } from "./lazy-screens.tsx";
import { useFocusOnMount } from "./focus.ts";
import { PasskeysPanel } from "./passkeys/passkeys-panel.tsx";

interface AccountProps {
  user: User;
  onSignOut: () => void;
  signingOut: boolean;
  focus: boolean;
  onExpired: () => void;
  onUserChange: (user: User) => void;
  passwordPolicy?: AuthConfig["password_policy"];
}

/** Who is signed in, the way out, their name and password, and their passkeys. */
export function Account({ user, onSignOut, signingOut, focus, onExpired, onUserChange, passwordPolicy }: AccountProps) {
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focus);
  return (
    <>
      <section class="card" aria-labelledby="account-title">
        <h2 id="account-title" ref={headingRef} tabIndex={-1}>
          Signed in
        </h2>
        <dl class="facts">
          <dt>Name</dt>
          <dd>{user.name || "—"}</dd>
          <dt>Email</dt>
          <dd>{user.email}</dd>
          <dt>Roles</dt>
          <dd>{roleList(user.roles)}</dd>
        </dl>
        <button type="button" onClick={onSignOut} disabled={signingOut}>
          {signingOut ? "Signing out…" : "Sign out"}
        </button>
      </section>
      <LazyScreen
        title="Profile and password"
        render={(s) => <s.ProfileSettings user={user} passwordPolicy={passwordPolicy} onUserChange={onUserChange} onExpired={onExpired} />}
      />
      <PasskeysPanel onExpired={onExpired} />
    </>
  );
}

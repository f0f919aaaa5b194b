import type { User } from "@anchorage/common";
import { useEffect, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";

/**
 * The API token and service account screens, fetched as their own chunk once someone is signed
 * in: the sign-in page and the first paint do not carry them.
 */
type ScreensModule = typeof import("./tokens-screens.tsx");

export function TokensArea({ user, onExpired }: { user: User; onExpired: () => void }) {
  const [screens, setScreens] = useState<ScreensModule | null>(null);
  const [failed, setFailed] = useState(false);

  function load() {
    setFailed(false);
    import("./tokens-screens.tsx").then(setScreens, () => setFailed(true));
  }
  useEffect(load, []);

  if (screens) return <screens.TokensScreens user={user} onExpired={onExpired} />;
  return (
    <section class="card" aria-labelledby="api-tokens-title">
      <h2 id="api-tokens-title">API tokens</h2>
      {failed ? (
        <Alert>
          <p>Could not load the API token screens. Check your connection and try again.</p>
          <button type="button" onClick={load}>
            Try again
          </button>
        </Alert>
      ) : (
        <p class="muted">Loading…</p>
      )}
    </section>
  );
}

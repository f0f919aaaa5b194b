import { useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import type { AuthConfig } from "../api.ts";
import { providerName, returnPath, takeOAuthError } from "./oauth-api.ts";

/**
 * One button per configured provider. Each is a GET form, so the browser itself goes to
 * `/auth/<provider>?next=…` and on to the provider (no script holds any of the flow's secrets).
 * A failed round trip comes back with `?oauth_error=` and is shown here.
 */
export function ProviderButtons({ config }: { config: AuthConfig | null }) {
  const [error] = useState(takeOAuthError);
  const providers = config?.providers ?? [];
  return (
    <>
      {error && <Alert>{error}</Alert>}
      {providers.length > 0 && (
        <div class="button-row switch">
          {providers.map((id) => (
            <form key={id} method="get" action={`/auth/${encodeURIComponent(id)}`}>
              <input type="hidden" name="next" value={returnPath()} />
              <button type="submit">Sign in with {providerName(config, id)}</button>
            </form>
          ))}
        </div>
      )}
    </>
  );
}

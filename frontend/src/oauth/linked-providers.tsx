import type { Identity } from "@anchorage/common/oauth";
import { useEffect, useState } from "preact/hooks";
import { Alert, Notice } from "../alert.tsx";
import { ApiError, getAuthConfig, type AuthConfig } from "../api.ts";
import { listIdentities, providerName, takeOAuthError, unlinkIdentity } from "./oauth-api.ts";

/**
 * The account's linked sign-in providers: link one (the browser goes through the provider and
 * comes back here), or unlink it. The server refuses to unlink the last way to sign in.
 */
export function LinkedProviders({ onExpired }: { onExpired: () => void }) {
  const [config, setConfig] = useState<AuthConfig | null>(null);
  const [linked, setLinked] = useState<Identity[] | null>(null);
  const [error, setError] = useState<string | null>(takeOAuthError);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  function fail(e: unknown) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    setError(e instanceof Error ? e.message : "Something went wrong.");
  }

  useEffect(() => {
    getAuthConfig().then(setConfig, fail);
    listIdentities().then((r) => setLinked(r.identities), fail);
  }, []);

  async function unlink(provider: string) {
    setBusy(provider);
    setError(null);
    setNotice(null);
    try {
      await unlinkIdentity(provider);
      setLinked((list) => list?.filter((i) => i.provider !== provider) ?? null);
      setNotice(`${providerName(config, provider)} unlinked.`);
    } catch (e) {
      fail(e);
    } finally {
      setBusy(null);
    }
  }

  // Providers no longer configured still show while linked, so they can be unlinked.
  const ids = [...new Set([...(config?.providers ?? []), ...(linked ?? []).map((i) => i.provider)])];

  return (
    <section class="card" aria-labelledby="providers-title">
      <h2 id="providers-title">Linked sign-in providers</h2>
      {error && <Alert>{error}</Alert>}
      {notice && <Notice text={notice} />}
      {linked === null || config === null ? (
        !error && <p class="muted">Loading…</p>
      ) : ids.length === 0 ? (
        // This is a page of its own (Settings › Connected accounts): say why it is empty.
        <p class="muted">No other way to sign in (Google, GitHub, Discord or single sign-on) is set up on this server, so there is nothing to link.</p>
      ) : (
        <ul class="sessions">
          {ids.map((id) => {
            const identity = linked.find((i) => i.provider === id);
            const name = providerName(config, id);
            return (
              <li key={id}>
                <div class="session-main">
                  <p class="device">{name}</p>
                  <p class="muted">{identity ? `Linked${identity.email ? ` as ${identity.email}` : ""}` : "Not linked"}</p>
                </div>
                {identity ? (
                  <button type="button" class="danger" onClick={() => unlink(id)} disabled={busy === id}>
                    {busy === id ? "Unlinking…" : `Unlink ${name}`}
                  </button>
                ) : (
                  config.providers.includes(id) && (
                    <form method="get" action={`/auth/${encodeURIComponent(id)}`}>
                      <input type="hidden" name="link" value="1" />
                      <input type="hidden" name="next" value={location.pathname} />
                      <button type="submit">Link {name}</button>
                    </form>
                  )
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

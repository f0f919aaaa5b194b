import { useEffect, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError, authed, request } from "../api.ts";
import { formatTime } from "../format.ts";

type Invite = { code: string; expires_at: string; expires_in: number };

const createInvite = () => authed(() => request<Invite>("POST", "/auth/device-invite/create"));

/** "Create a device code": six digits that sign a terminal in as you, once, within 5 minutes. */
export function DeviceInviteCard({ onExpired }: { onExpired: () => void }) {
  const [invite, setInvite] = useState<Invite | null>(null);
  const [expired, setExpired] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!invite) return;
    setExpired(false);
    const t = setTimeout(() => setExpired(true), Math.max(0, Date.parse(invite.expires_at) - Date.now()));
    return () => clearTimeout(t);
  }, [invite]);

  async function create() {
    setBusy(true);
    setError(null);
    try {
      setInvite(await createInvite());
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return onExpired();
      setError(e instanceof Error ? e.message : "Something went wrong.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card stack" aria-labelledby="device-invite-title">
      <h2 id="device-invite-title">Sign in a terminal</h2>
      <p class="hint">A code signs one terminal in as you, once, within 5 minutes. Making a new one cancels the last.</p>
      {error && (
        <Alert>
          <p>{error}</p>
        </Alert>
      )}
      {invite && !expired && (
        <div role="status" class="stack">
          <p>
            Device code: <strong class="invite-code">{invite.code}</strong> (valid until{" "}
            <time dateTime={invite.expires_at}>{formatTime(invite.expires_at)}</time>)
          </p>
          <p class="hint">
            In the terminal: <code>anchorage anchor {location.origin} --invite {invite.code}</code>
          </p>
        </div>
      )}
      {invite && expired && <p class="muted">The code {invite.code} has expired.</p>}
      <div>
        <button type="button" onClick={create} disabled={busy}>
          {busy ? "Creating…" : invite ? "Create a new device code" : "Create a device code"}
        </button>
      </div>
    </section>
  );
}

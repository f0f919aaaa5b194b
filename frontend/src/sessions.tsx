import type { SessionInfo } from "@anchorage/common";
import { Alert, Notice } from "./alert.tsx";
import { listSessions, revokeSession } from "./api.ts";
import { useListActions } from "./use-list-actions.ts";
import { formatDate } from "./format.ts";

const device = (s: SessionInfo) => s.user_agent || "Unknown device";

/** The signed-in user's live sessions; any but this one can be revoked. */
export function Sessions({ onExpired }: { onExpired: () => void }) {
  const { items: sessions, setItems: setSessions, error, notice, busyId, act } = useListActions(listSessions, onExpired);

  const revoke = (s: SessionInfo) =>
    act(s.id, async () => {
      await revokeSession(s.id);
      setSessions((list) => list?.filter((x) => x.id !== s.id) ?? null);
      return `Session on ${device(s)} revoked.`;
    });

  return (
    <section class="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Your sessions</h2>
      {error && <Alert>{error}</Alert>}
      {notice && <Notice text={notice} />}
      {sessions === null ? (
        !error && <p class="muted">Loading sessions…</p>
      ) : sessions.length === 0 ? (
        <p class="muted">No live sessions.</p>
      ) : (
        <ul class="sessions">
          {sessions.map((s) => (
            <li key={s.id}>
              <div class="session-main">
                <p class="device">
                  {device(s)}
                  {s.current && <span class="badge">This session</span>}
                </p>
                <p class="muted">
                  Signed in <time dateTime={s.created_at}>{formatDate(s.created_at)}</time> via {s.provider} · Last used{" "}
                  <time dateTime={s.last_used_at}>{formatDate(s.last_used_at)}</time>
                  {s.ip && <> · IP {s.ip}</>}
                </p>
              </div>
              {!s.current && (
                <button type="button" class="danger" onClick={() => revoke(s)} disabled={busyId === s.id}>
                  {busyId === s.id ? "Revoking…" : "Revoke"}
                  <span class="visually-hidden"> session on {device(s)}, last used {formatDate(s.last_used_at)}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

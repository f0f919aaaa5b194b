import { useState } from "preact/hooks";
import { Alert, Notice } from "../alert.tsx";
import { ConfirmAction } from "../confirm-action.tsx";
import { formatDate } from "../format.ts";
import { useListActions } from "../use-list-actions.ts";
import { endSession, listAllSessions, type AdminSession } from "./admin-api.ts";

const device = (s: AdminSession) => s.user_agent || "Unknown device";

/** Admins only: every live session of every person, newest first, each one ended after a confirmation. */
export function AdminSessions({ onExpired }: { onExpired: () => void }) {
  const { items: sessions, setItems: setSessions, error, notice, busyId, act } = useListActions(listAllSessions, onExpired);
  const [filter, setFilter] = useState("");

  const end = (s: AdminSession) =>
    act(s.id, async () => {
      await endSession(s.id);
      setSessions((list) => list?.filter((x) => x.id !== s.id) ?? null);
      return `Session of ${s.user_email} on ${device(s)} ended.`;
    });

  const needle = filter.trim().toLowerCase();
  const shown = sessions?.filter((s) => !needle || s.user_email.toLowerCase().includes(needle)) ?? null;

  return (
    <section class="card stack" aria-labelledby="admin-sessions-title">
      <h2 id="admin-sessions-title">Everyone's sessions</h2>
      {error && <Alert>{error}</Alert>}
      {notice && <Notice text={notice} />}
      {sessions && sessions.length > 0 && (
        <div class="field">
          <label for="admin-sessions-filter">Filter by email</label>
          <input id="admin-sessions-filter" type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} autocomplete="off" />
        </div>
      )}
      {shown === null ? (
        !error && <p class="muted">Loading sessions…</p>
      ) : shown.length === 0 ? (
        <p class="muted">{needle ? "No session matches." : "No live sessions."}</p>
      ) : (
        <ul class="sessions" aria-label="Live sessions">
          {shown.map((s) => (
            <li key={s.id}>
              <div class="session-main">
                <p class="device">
                  {s.user_email}
                  {s.current && <span class="badge">This session</span>}
                </p>
                <p class="muted">
                  {device(s)} · signed in <time dateTime={s.created_at}>{formatDate(s.created_at)}</time> via {s.provider} · last used{" "}
                  <time dateTime={s.last_used_at}>{formatDate(s.last_used_at)}</time>
                  {s.ip && <> · IP {s.ip}</>}
                </p>
              </div>
              {!s.current && (
                <ConfirmAction
                  label="End"
                  subject={`session of ${s.user_email} on ${device(s)}`}
                  busyLabel="Ending…"
                  question={`End this session of ${s.user_email}? They are signed out on that device at once.`}
                  confirmLabel="End session"
                  busy={busyId === s.id}
                  onConfirm={() => void end(s)}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

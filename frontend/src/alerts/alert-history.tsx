import { useEffect, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { formatDate } from "../format.ts";
import { StateBadge } from "../instances/labels.tsx";
import { historyKind } from "./alert-words.ts";
import { alertHistory, type AlertHistoryEntry, type AlertView } from "./alerts-api.ts";

/** An alert's history, newest first, a page at a time: what fired and resolved, and each channel's delivery. */
export function AlertHistory({ alert, onExpired }: { alert: AlertView; onExpired: () => void }) {
  const [items, setItems] = useState<AlertHistoryEntry[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function load(cursor: string | null) {
    setBusy(true);
    setError(null);
    try {
      const page = await alertHistory(alert.id, cursor);
      setItems((list) => (cursor && list ? [...list, ...page.history] : page.history));
      setNext(page.next_cursor);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return onExpired();
      setError(`Could not read the history: ${e instanceof Error ? e.message : "something went wrong."}`);
    } finally {
      setBusy(false);
    }
  }
  useEffect(() => void load(null), [alert.id, alert.updated_at]);

  return (
    <section class="card stack" aria-labelledby="alert-history-title">
      <div class="list-head">
        <h2 id="alert-history-title">History</h2>
        <button type="button" onClick={() => void load(null)} disabled={busy}>Refresh<span class="visually-hidden"> history</span></button>
      </div>
      {error && <Alert>{error}</Alert>}
      {items === null ? (
        !error && <p class="muted">Loading the history…</p>
      ) : items.length === 0 ? (
        <p class="muted">Nothing has fired yet.</p>
      ) : (
        <ul class="audit-list alert-history">
          {items.map((h) => (
            <li key={h.id}>
              <p class="action-line">
                <StateBadge {...historyKind(h.kind)} /> {h.instanceName ?? h.instanceId}
                {h.channel && <> · <code>{h.channel}</code>{h.attempt && h.attempt > 1 ? ` (try ${h.attempt})` : ""}</>}
              </p>
              <p class="muted">
                <time dateTime={h.at}>{formatDate(h.at)}</time>
                {h.detail && <> · {h.detail}</>}
              </p>
            </li>
          ))}
        </ul>
      )}
      {next && <button type="button" class="align-start" onClick={() => void load(next)} disabled={busy}>Show older</button>}
    </section>
  );
}

import { useEffect, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { formatDate } from "../format.ts";
import { StateBadge } from "../instances/labels.tsx";
import { deliveryState, lastAttempt } from "./webhook-words.ts";
import { listDeliveries, type Delivery, type Webhook } from "./webhooks-api.ts";

/** A webhook's deliveries, newest first, a page at a time; read again on request (no polling). */
export function WebhookDeliveries({ webhook, onExpired }: { webhook: Webhook; onExpired: () => void }) {
  const [items, setItems] = useState<Delivery[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const titleId = `${webhook.id}-deliveries-title`;

  async function load(cursor: string | null) {
    setBusy(true);
    setError(null);
    try {
      const page = await listDeliveries(webhook.id, cursor);
      setItems((list) => (cursor && list ? [...list, ...page.deliveries] : page.deliveries));
      setNext(page.next_cursor);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return onExpired();
      setError(`Could not read the deliveries: ${e instanceof Error ? e.message : "something went wrong."}`);
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => void load(null), [webhook.id]);

  return (
    <div class="stack-tight subsection" role="region" aria-labelledby={titleId}>
      <div class="list-head">
        <h4 id={titleId}>Recent deliveries</h4>
        <button type="button" onClick={() => void load(null)} disabled={busy}>
          Refresh<span class="visually-hidden"> deliveries to {webhook.url}</span>
        </button>
      </div>
      {error && <Alert>{error}</Alert>}
      {items === null ? (
        !error && <p class="muted">Loading deliveries…</p>
      ) : items.length === 0 ? (
        <p class="muted">Nothing sent yet: an event matching its patterns makes a delivery.</p>
      ) : (
        <ul class="audit-list delivery-list">
          {items.map((d) => (
            <li key={d.id}>
              <p class="action-line">
                <StateBadge {...deliveryState(d)} />
                <code>{d.event_type}</code>
              </p>
              <p class="muted">
                <time dateTime={d.created_at}>{formatDate(d.created_at)}</time> · {lastAttempt(d)}
              </p>
            </li>
          ))}
        </ul>
      )}
      {next && (
        <button type="button" class="align-start" onClick={() => void load(next)} disabled={busy}>
          {busy ? "Loading…" : "Show older deliveries"}
        </button>
      )}
    </div>
  );
}

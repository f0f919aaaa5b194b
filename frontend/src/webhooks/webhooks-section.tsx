import { Fragment, type JSX } from "preact";
import { useState } from "preact/hooks";
import { Alert, Notice } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { ConfirmAction } from "../confirm-action.tsx";
import { Field } from "../field.tsx";
import { formatDate } from "../format.ts";
import { OneTimeSecret } from "../one-time-secret.tsx";
import { FailureAlert } from "../tokens/failure-alert.tsx";
import { localFailure, toFormFailure, type FormFailure } from "../tokens/form-failure.ts";
import { useListActions } from "../use-list-actions.ts";
import { WebhookDeliveries } from "./webhook-deliveries.tsx";
import { MAX_PATTERNS, parsePatterns } from "./webhook-words.ts";
import { createWebhook, deleteWebhook, listWebhooks, type CreatedWebhook } from "./webhooks-api.ts";

/**
 * Your webhooks: each with its address, its event patterns and its recent deliveries; a new one
 * (its signing secret shown once), and deletion after a confirmation.
 */
export function WebhooksSection({ onExpired }: { onExpired: () => void }) {
  const { items: hooks, setItems, error, notice, busyId, act } = useListActions(listWebhooks, onExpired);
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState<string | null>(null);

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const url = String(data.get("url") ?? "").trim();
    const events = parsePatterns(String(data.get("events") ?? ""));
    if (events.length > MAX_PATTERNS) {
      setFailure((last) => ({ ...localFailure(`At most ${MAX_PATTERNS} patterns.`, last), fields: { events: `You typed ${events.length}.` } }));
      return;
    }
    setBusy(true);
    try {
      const hook = await createWebhook(url, events);
      setFailure(null);
      form.reset();
      setCreated(hook);
      setItems((list) => [...(list ?? []), hook]);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return onExpired();
      setFailure((last) => toFormFailure(err, ["url", "events"], (last?.attempt ?? 0) + 1));
    } finally {
      setBusy(false);
    }
  }

  const remove = (id: string, url: string) =>
    act(id, async () => {
      await deleteWebhook(id);
      setItems((list) => list?.filter((w) => w.id !== id) ?? null);
      if (open === id) setOpen(null);
      return `Webhook to ${url} deleted.`;
    });

  return (
    <section class="card stack" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <p class="muted section-intro">
        Events about you and your things, sent as signed <code>POST</code>s to your address (<code>X-Anchorage-Signature</code>, HMAC-SHA256
        with the webhook's secret).
      </p>
      {error && <Alert>{error}</Alert>}
      {notice && <Notice text={notice} />}
      {hooks === null ? (
        !error && <p class="muted">Loading webhooks…</p>
      ) : hooks.length === 0 ? (
        <p class="muted">No webhooks yet.</p>
      ) : (
        <ul class="token-list webhook-list">
          {hooks.map((w) => (
            <li key={w.id}>
              <div class="session-main stack-tight">
                <p class="device hook-address">{w.url}</p>
                <p class="muted">
                  Events: {w.events.map((p, n) => (
                    <Fragment key={p}>
                      {n > 0 && ", "}
                      <code>{p}</code>
                    </Fragment>
                  ))}{" "}
                  · created <time dateTime={w.created_at}>{formatDate(w.created_at)}</time>
                </p>
                <button type="button" class="link align-start" aria-expanded={open === w.id} onClick={() => setOpen(open === w.id ? null : w.id)}>
                  {open === w.id ? "Hide deliveries" : "Show deliveries"}
                  <span class="visually-hidden"> to {w.url}</span>
                </button>
                {open === w.id && <WebhookDeliveries webhook={w} onExpired={onExpired} />}
              </div>
              <ConfirmAction
                label="Delete"
                subject={`webhook to ${w.url}`}
                busyLabel="Deleting…"
                question="Delete this webhook and its delivery history? Nothing more is sent to it."
                confirmLabel="Delete"
                busy={busyId === w.id}
                onConfirm={() => void remove(w.id, w.url)}
              />
            </li>
          ))}
        </ul>
      )}
      {created ? (
        <OneTimeSecret id="webhook-secret" title="Webhook created" label="Signing secret" value={created.secret} onDone={() => setCreated(null)}>
          <p>
            <strong>Copy it now: you will not see this secret again.</strong> Check every delivery's <code>X-Anchorage-Signature</code> with
            it; if you lose it, delete the webhook and make another.
          </p>
        </OneTimeSecret>
      ) : (
        <form class="stack" onSubmit={submit} aria-labelledby="webhook-form-title">
          <h3 id="webhook-form-title">New webhook</h3>
          {failure && <FailureAlert key={failure.attempt} failure={failure} />}
          <Field id="webhook-url" name="url" label="Address" type="text" autocomplete="url" required maxLength={2048} hint="An https:// address that answers 2xx within 10 s." error={failure?.fields.url} />
          <Field
            id="webhook-events"
            name="events"
            label="Events"
            required
            maxLength={4200}
            hint="Patterns separated by commas or spaces: cloud.* (every cloud event), auth.session.*.created, or * for everything."
            error={failure?.fields.events}
          />
          <button type="submit" class="primary align-start" disabled={busy}>
            {busy ? "Creating…" : "Create webhook"}
          </button>
        </form>
      )}
    </section>
  );
}

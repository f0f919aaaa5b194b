import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { Alert, Notice } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { ConfirmAction } from "../confirm-action.tsx";
import { formatDate } from "../format.ts";
import { StateBadge } from "../instances/labels.tsx";
import { AlertForm } from "../alerts/alert-form.tsx";
import { AlertHistory } from "../alerts/alert-history.tsx";
import { alertState, channelWords, conditionWords, firingWords, targetWords } from "../alerts/alert-words.ts";
import { deleteAlert, getAlert, listAlerts, setAlertEnabled, type AlertView } from "../alerts/alerts-api.ts";
import { useAppData } from "../shell/app-data.tsx";
import { Page } from "../shell/page.tsx";
import { paths } from "../shell/routes.ts";
import { useListActions } from "../use-list-actions.ts";

/** `/alerts` (the list and a new alert) and `/alerts/<id>` (one alert: its machines and history). */
export function AlertsPage({ id }: { id?: string }) {
  return id ? <OneAlert id={decodeURIComponent(id)} /> : <AllAlerts />;
}

function AllAlerts() {
  const { onExpired } = useAppData();
  const { items, setItems, error, notice, reload } = useListActions(listAlerts, onExpired);
  return (
    <Page title="Alerts">
      <p class="muted section-intro">
        An alert watches each machine of its target on its own: on a tag of ten machines it fires, and resolves, per machine. A condition
        must hold for its whole grace period before anything is sent.
      </p>
      {error && <Alert>{error}</Alert>}
      {notice && <Notice text={notice} />}
      <section class="card stack" aria-labelledby="alerts-list-title">
        <div class="list-head">
          <h2 id="alerts-list-title">Your alerts</h2>
          <button type="button" onClick={reload}>Refresh<span class="visually-hidden"> alerts</span></button>
        </div>
        {items === null ? (
          !error && <p class="muted">Loading alerts…</p>
        ) : items.length === 0 ? (
          <p class="muted">No alerts yet.</p>
        ) : (
          <ul class="token-list alert-list">
            {items.map((a) => (
              <li key={a.id}>
                <div class="session-main stack-tight">
                  <p class="action-line">
                    <a href={paths.alert(a.id)}>{a.name}</a> <StateBadge {...alertState(a.state)} />
                  </p>
                  <p class="muted">
                    {conditionWords(a)} · {targetWords(a)} · {a.enabled ? firingWords(a) : "disabled"}
                  </p>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
      <AlertForm onCreated={(a) => setItems((list) => [...(list ?? []), a])} />
    </Page>
  );
}

function OneAlert({ id }: { id: string }) {
  const { onExpired } = useAppData();
  const { route } = useLocation();
  const [alert, setAlert] = useState<AlertView | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const fail = (e: unknown) => {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    if (e instanceof ApiError && e.status === 404) return setAlert(null);
    setError(e instanceof Error ? e.message : "Something went wrong.");
  };
  const load = () => getAlert(id).then((a) => (setAlert(a), setError(null)), fail);
  useEffect(() => void load(), [id]);

  async function toggle(a: AlertView) {
    setBusy(true);
    setNotice(null);
    try {
      const next = await setAlertEnabled(a.id, !a.enabled);
      setAlert(next);
      setNotice(next.enabled ? "Alert enabled: it starts from the machines' state now." : "Alert disabled: nothing is watched or sent.");
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  }

  async function remove(a: AlertView) {
    setBusy(true);
    try {
      await deleteAlert(a.id);
      route(paths.alerts);
    } catch (e) {
      fail(e);
      setBusy(false);
    }
  }

  if (alert === null) {
    return (
      <Page title="Alert not found">
        <section class="card stack">
          <p>No alert <code>{id}</code> of yours: it may have been deleted.</p>
          <p><a href={paths.alerts}>Back to your alerts</a></p>
        </section>
      </Page>
    );
  }
  if (alert === undefined) {
    return (
      <Page title="Alert" tabTitle={["Alert"]}>
        {error ? <Alert>{error}</Alert> : <p class="muted">Loading the alert…</p>}
      </Page>
    );
  }
  const a = alert;
  return (
    <Page title={a.name} tabTitle={[a.name, "Alerts"]} aside={<StateBadge {...alertState(a.state)} />}>
      <p><a href={paths.alerts}>All alerts</a></p>
      {error && <Alert>{error}</Alert>}
      {notice && <Notice text={notice} />}
      <section class="card stack" aria-labelledby="alert-about-title">
        <h2 id="alert-about-title">What it watches</h2>
        <dl class="facts">
          <dt>Condition</dt><dd>{conditionWords(a)}</dd>
          <dt>Machines</dt><dd>{targetWords(a)}</dd>
          <dt>Sends to</dt><dd>{channelWords(a)}</dd>
          <dt>Created</dt><dd><time dateTime={a.created_at}>{formatDate(a.created_at)}</time></dd>
        </dl>
        <div class="button-row">
          <button type="button" onClick={() => void toggle(a)} disabled={busy}>
            {a.enabled ? "Disable" : "Enable"}<span class="visually-hidden"> alert {a.name}</span>
          </button>
          <button type="button" onClick={() => void load()} disabled={busy}>Refresh<span class="visually-hidden"> alert {a.name}</span></button>
          <ConfirmAction label="Delete" subject={`alert ${a.name}`} busyLabel="Deleting…" question="Delete this alert and its history? Nothing more is sent."
            confirmLabel="Delete" busy={busy} onConfirm={() => void remove(a)} />
        </div>
      </section>
      <section class="card stack" aria-labelledby="alert-machines-title">
        <h2 id="alert-machines-title">Machines</h2>
        {!a.enabled ? (
          <p class="muted">Disabled: no machine is watched.</p>
        ) : a.instances.length === 0 ? (
          <p class="muted">The target matches no machine you may see now.</p>
        ) : (
          <div class="table-scroll">
            <table>
              <caption class="visually-hidden">Each machine's state under {a.name}</caption>
              <thead><tr><th scope="col">Machine</th><th scope="col">State</th><th scope="col">Since</th></tr></thead>
              <tbody>
                {a.instances.map((i) => (
                  <tr key={i.instanceId}>
                    <th scope="row"><a href={paths.instance(i.instanceId)}>{i.name ?? i.instanceId}</a></th>
                    <td><StateBadge {...alertState(i.state)} /></td>
                    <td>{i.since ? <time dateTime={i.since}>{formatDate(i.since)}</time> : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <AlertHistory alert={a} onExpired={onExpired} />
    </Page>
  );
}

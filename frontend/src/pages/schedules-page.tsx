import type { RunSummary, ScheduleView } from "@anchorage/common";
import { builtinCommands } from "@anchorage/common/agent-config";
import { useEffect, useState } from "preact/hooks";
import { Alert, Notice } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { formatDate } from "../format.ts";
import { StateBadge } from "../instances/labels.tsx";
import { createSchedule, deleteSchedule, listSchedules, scheduleRuns, setScheduleEnabled, targetWords } from "../fleet/fleet-api.ts";
import { memberState } from "../fleet/member-state.ts";
import { TargetPicker, targetOf, type TargetChoice } from "../fleet/target-picker.tsx";
import { useAppData } from "../shell/app-data.tsx";
import { Page } from "../shell/page.tsx";
import { paths } from "../shell/routes.ts";

const when = (s: ScheduleView) => (s.cron ? `cron ${s.cron} (UTC)` : `every ${s.intervalSeconds} s`);

/** Schedules (under Activity): a run started by the schedule's own alarm at each due time, as you. */
export function SchedulesPage() {
  const { onExpired } = useAppData();
  const [schedules, setSchedules] = useState<ScheduleView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const fail = (what: string) => (e: unknown) => {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    setError(`${what}: ${e instanceof Error ? e.message : "something went wrong."}`);
  };
  const load = () => listSchedules().then((s) => (setSchedules(s), setError(null)), fail("Could not load your schedules"));
  useEffect(() => void load(), []);
  const toggle = (s: ScheduleView) =>
    setScheduleEnabled(s.id, !s.enabled).then(() => (setNotice(`${s.name} ${s.enabled ? "disabled" : "enabled"}.`), load()), fail("Could not change the schedule"));
  const remove = (s: ScheduleView) => {
    if (!confirm(`Delete the schedule “${s.name}”? Its past runs stay in your runs.`)) return;
    deleteSchedule(s.id).then(() => (setNotice(`${s.name} deleted.`), load()), fail("Could not delete the schedule"));
  };
  return (
    <Page title="Schedules">
      <p>
        <a href="/activity">Activity</a> · <a href={paths.runs()}>Runs</a>
      </p>
      <CreateSchedule onCreated={(s) => (setNotice(`${s.name} created.`), load())} />
      <section class="card" aria-labelledby="schedules-title">
        <h2 id="schedules-title">Your schedules</h2>
        {notice && <Notice text={notice} />}
        {error && <Alert>{error}</Alert>}
        {schedules === null ? (
          !error && <p class="muted">Loading…</p>
        ) : schedules.length === 0 ? (
          <p class="muted">No schedules yet.</p>
        ) : (
          <ul class="stack" aria-label="Schedules">
            {schedules.map((s) => (
              <li key={s.id} class="stack-tight" aria-label={s.name}>
                <strong>{s.name}</strong>{" "}
                <StateBadge label={s.enabled ? "Enabled" : "Disabled"} tone={s.enabled ? "ok" : "neutral"} />
                <span class="muted">
                  {s.command ?? s.script} on {targetWords(s.target)}, {when(s)}
                  {s.next_run_at ? ` · next ${formatDate(s.next_run_at)}` : ""}
                </span>
                <div class="button-row">
                  <button type="button" onClick={() => toggle(s)}>
                    {s.enabled ? "Disable" : "Enable"} {s.name}
                  </button>
                  <button type="button" class="danger" onClick={() => remove(s)}>
                    Delete {s.name}
                  </button>
                </div>
                <ScheduleRuns id={s.id} name={s.name} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </Page>
  );
}

function ScheduleRuns({ id, name }: { id: string; name: string }) {
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => scheduleRuns(id).then(setRuns, (e: unknown) => setError(e instanceof Error ? e.message : "could not load"));
  return (
    <details onToggle={(e) => (e.currentTarget as HTMLDetailsElement).open && void load()}>
      <summary>Runs of {name}</summary>
      {error && <Alert>{error}</Alert>}
      {runs === null ? (
        <p class="muted">Loading…</p>
      ) : runs.length === 0 ? (
        <p class="muted">No runs yet.</p>
      ) : (
        <ol class="actions-list" aria-label={`Runs of ${name}`}>
          {runs.map((r) => (
            <li key={r.id}>
              {r.state === "skipped" ? <span>Skipped: {r.reason}</span> : <a href={paths.run(r.id)}>{formatDate(r.created_at)}</a>} <StateBadge {...memberState(r.state)} />
              {r.state === "done" && <span class="muted"> {r.succeeded}/{r.total} succeeded</span>}
            </li>
          ))}
        </ol>
      )}
      <button type="button" onClick={load}>
        Refresh runs of {name}
      </button>
    </details>
  );
}

function CreateSchedule({ onCreated }: { onCreated: (s: ScheduleView) => void }) {
  const { list, onExpired } = useAppData();
  const [target, setTarget] = useState<TargetChoice>({ kind: "tag", tag: "" });
  const [mode, setMode] = useState<"interval" | "cron">("interval");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const t = targetOf(target);
    if (!t) return setError(target.kind === "tag" ? "Name a tag." : "Choose at least one instance.");
    try {
      const s = await createSchedule({
        name: String(data.get("name")),
        target: t,
        command: String(data.get("command")).trim(),
        ...(mode === "cron" ? { cron: String(data.get("cron")) } : { intervalSeconds: Number(data.get("interval")) }),
        enabled: data.get("enabled") === "on",
      });
      setError(null);
      form.reset();
      onCreated(s);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return onExpired();
      setError(`Could not create the schedule: ${err instanceof Error ? err.message : "something went wrong."}`);
    }
  };
  return (
    <section class="card" aria-labelledby="new-schedule-title">
      <h2 id="new-schedule-title">New schedule</h2>
      <form class="stack" onSubmit={submit} aria-label="New schedule">
        <div class="field">
          <label for="schedule-name">Name</label>
          <input id="schedule-name" name="name" required maxLength={100} />
        </div>
        <TargetPicker idPrefix="schedule" instances={list.instances ?? []} value={target} onChange={setTarget} />
        <div class="field">
          <label for="schedule-command">Command</label>
          <input id="schedule-command" name="command" list="schedule-commands" required pattern="[a-z0-9][a-z0-9_-]{0,39}" />
          <datalist id="schedule-commands">
            {builtinCommands.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </div>
        <fieldset class="stack-tight">
          <legend>When</legend>
          <label>
            <input type="radio" name="mode" checked={mode === "interval"} onChange={() => setMode("interval")} /> Every so many seconds
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === "cron"} onChange={() => setMode("cron")} /> A cron expression (UTC)
          </label>
          {mode === "interval" ? (
            <div class="field">
              <label for="schedule-interval">Interval in seconds (at least 10)</label>
              <input id="schedule-interval" name="interval" type="number" min={10} required defaultValue="3600" />
            </div>
          ) : (
            <div class="field">
              <label for="schedule-cron">Cron expression</label>
              <input id="schedule-cron" name="cron" required placeholder="*/5 * * * *" />
            </div>
          )}
        </fieldset>
        <label>
          <input type="checkbox" name="enabled" defaultChecked /> Enabled
        </label>
        {error && <Alert>{error}</Alert>}
        <div class="button-row">
          <button type="submit" class="primary">
            Create schedule
          </button>
        </div>
      </form>
    </section>
  );
}

import type { RunSummary, RunView } from "@anchorage/common";
import { builtinCommands } from "@anchorage/common/agent-config";
import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { formatDate } from "../format.ts";
import { StateBadge } from "../instances/labels.tsx";
import { useHubListener } from "../instances/use-events.ts";
import { cancelRun, getRun, listRuns, startRun, targetWords, withResult } from "../fleet/fleet-api.ts";
import { memberState } from "../fleet/member-state.ts";
import { TargetPicker, targetOf, type TargetChoice } from "../fleet/target-picker.tsx";
import { useAppData } from "../shell/app-data.tsx";
import { Page } from "../shell/page.tsx";
import { paths } from "../shell/routes.ts";

/**
 * Runs (under Activity): start a command on a tag or on chosen instances, watch each machine's
 * result arrive live (cloud:run-progress), cancel. `/activity/runs/<id>` opens one run.
 */
export function RunsPage() {
  const { params } = useRoute();
  const runId = params.id;
  return (
    <Page title="Runs" tabTitle={runId ? [`Run ${runId}`, "Runs"] : ["Runs"]}>
      <p>
        <a href="/activity">Activity</a> · <a href={paths.schedules}>Schedules</a>
      </p>
      <StartRunForm />
      {runId && <RunSection key={runId} id={runId} />}
      <RecentRuns current={runId} />
    </Page>
  );
}

function useFail() {
  const { onExpired } = useAppData();
  return (set: (s: string) => void, what: string) => (e: unknown) => {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    set(`${what}: ${e instanceof Error ? e.message : "something went wrong."}`);
  };
}

function StartRunForm() {
  const { list } = useAppData();
  const { route } = useLocation();
  const fail = useFail();
  const [target, setTarget] = useState<TargetChoice>({ kind: "tag", tag: "" });
  const [command, setCommand] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const t = targetOf(target);
    if (!t) return setError(target.kind === "tag" ? "Name a tag." : "Choose at least one instance.");
    setBusy(true);
    setError(null);
    try {
      const { runId } = await startRun({ target: t, command });
      route(paths.run(runId));
    } catch (err) {
      fail(setError, "Could not start the run")(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="start-run-title">
      <h2 id="start-run-title">Start a run</h2>
      <p class="muted section-intro">Runs an allowed command (a builtin or one from each agent's config) on every instance of the target. Instances you may not command are listed as refused, never run.</p>
      <form class="stack" onSubmit={submit} aria-label="Start a run">
        <TargetPicker idPrefix="run" instances={list.instances ?? []} value={target} onChange={setTarget} />
        <div class="field">
          <label for="run-command">Command</label>
          <input id="run-command" list="run-commands" required pattern="[a-z0-9][a-z0-9_-]{0,39}" value={command} onInput={(e) => setCommand(e.currentTarget.value.trim())} />
          <datalist id="run-commands">
            {builtinCommands.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </div>
        {error && <Alert>{error}</Alert>}
        <div class="button-row">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Starting…" : "Start run"}
          </button>
        </div>
      </form>
    </section>
  );
}

function RunSection({ id }: { id: string }) {
  const { hub } = useAppData();
  const fail = useFail();
  const [run, setRun] = useState<RunView | null>(null);
  const [error, setError] = useState<string | null>(null);
  // An event that comes while a read is on its way may be older or newer than that read's answer:
  // it is applied to what is shown, and if nothing is shown yet the run is read once more after.
  const pending = useRef({ reading: false, missed: false });
  const load = (): Promise<void> => {
    pending.current = { reading: true, missed: false };
    return getRun(id).then(
      (r) => {
        setRun(r);
        setError(null);
        const missed = pending.current.missed;
        pending.current = { reading: false, missed: false };
        if (missed) return load();
      },
      (e: unknown) => {
        pending.current = { reading: false, missed: false };
        return fail(setError, "Could not load the run")(e);
      },
    );
  };
  useEffect(() => void load(), [id]);
  // After a reconnect events may have been missed: load it again.
  useEffect(() => {
    if (hub.connection > 1) void load();
  }, [hub.connection]);
  useHubListener(hub, (e) => {
    if (e.type !== "cloud:run-progress" || e.runId !== id) return;
    if (pending.current.reading) pending.current.missed = true;
    setRun((old) => (old ? withResult(old, e.result, e.state) : old));
  });
  const cancel = () => cancelRun(id).then(setRun, fail(setError, "Could not cancel the run"));
  if (!run) return <section class="card">{error ? <Alert>{error}</Alert> : <p class="muted">Loading the run…</p>}</section>;
  const c = run.counts;
  return (
    <section class="card" aria-labelledby="run-title">
      <h2 id="run-title">
        Run of {run.command ?? run.script} on {targetWords(run.target)}
      </h2>
      <p role="status" aria-live="polite">
        <StateBadge {...(run.state === "done" ? { label: "Done", tone: "neutral" } : { label: "Running", tone: "neutral" })} /> {c.success ?? 0} succeeded, {(c.error ?? 0) + (c.offline ?? 0) + (c.timeout ?? 0)} failed,{" "}
        {(c.running ?? 0) + (c.queued ?? 0)} to go{run.cancelled ? " (cancelled)" : ""}
      </p>
      {error && <Alert>{error}</Alert>}
      {run.state === "running" && !run.cancelled && (
        <div class="button-row">
          <button type="button" onClick={cancel}>
            Cancel run
          </button>
        </div>
      )}
      <div class="table-scroll">
        <table aria-label="Results">
          <thead>
            <tr>
              <th scope="col">Instance</th>
              <th scope="col">State</th>
              <th scope="col">Exit code</th>
              <th scope="col">Output</th>
              <th scope="col">Ended</th>
            </tr>
          </thead>
          <tbody>
            {run.results.map((r) => (
              <tr key={r.instanceId} data-instance={r.instanceId}>
                <th scope="row">{r.name ?? r.instanceId}</th>
                <td>
                  <StateBadge {...memberState(r.state)} />
                  {r.error && <div class="muted">{r.error}</div>}
                </td>
                <td>{r.exitCode ?? "—"}</td>
                <td>
                  {r.output ? (
                    <details>
                      <summary>Output of {r.name ?? r.instanceId}</summary>
                      <pre class="output">{r.output}</pre>
                    </details>
                  ) : (
                    "—"
                  )}
                </td>
                <td>{r.ended_at ? formatDate(r.ended_at) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function RecentRuns({ current }: { current?: string }) {
  const { hub } = useAppData();
  const fail = useFail();
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => listRuns().then(setRuns, fail(setError, "Could not load your runs"));
  useEffect(() => void load(), [current]);
  useHubListener(hub, (e) => {
    if (e.type === "cloud:run-progress" && e.state === "done") void load();
  });
  return (
    <section class="card" aria-labelledby="recent-runs-title">
      <h2 id="recent-runs-title">Your recent runs</h2>
      {error && <Alert>{error}</Alert>}
      {runs === null ? (
        !error && <p class="muted">Loading…</p>
      ) : runs.length === 0 ? (
        <p class="muted">No runs yet.</p>
      ) : (
        <ol class="actions-list" aria-label="Recent runs">
          {runs.map((r) => (
            <li key={r.id}>
              <a href={paths.run(r.id)} aria-current={r.id === current ? "page" : undefined}>
                {r.command ?? r.script} on {targetWords(r.target)}
              </a>{" "}
              <StateBadge {...memberState(r.state)} /> <span class="muted">{formatDate(r.created_at)}{r.state === "done" ? ` · ${r.succeeded}/${r.total} succeeded` : ""}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

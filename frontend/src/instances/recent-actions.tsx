import { useEffect, useRef, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError, listActions, type ActionRecord } from "../api.ts";
import { formatDate, formatDuration } from "../format.ts";
import { actionStatus, StateBadge } from "./labels.tsx";
import { useHubListener, type Hub } from "./use-events.ts";

const SHOWN = 10;

function details(a: ActionRecord): string {
  const parts: string[] = [];
  if (a.exit_code !== null) parts.push(`exit code ${a.exit_code}`);
  if (a.duration_ms !== null) parts.push(formatDuration(a.duration_ms));
  return parts.join(" · ");
}

/** The instance's recent commands, newest first: fetched again after each run and when anyone's run starts or ends. */
export function RecentActions({ instanceId, hub, refreshKey, onExpired }: { instanceId: string; hub: Hub; refreshKey: number; onExpired: () => void }) {
  const [actions, setActions] = useState<ActionRecord[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [showAll, setShowAll] = useState(false);
  const loadSeq = useRef(0);

  function load() {
    const n = ++loadSeq.current;
    listActions(instanceId).then(
      (list) => {
        if (n !== loadSeq.current) return;
        setActions(list);
        setError(null);
      },
      (e: unknown) => {
        if (n !== loadSeq.current) return;
        if (e instanceof ApiError && e.status === 401) return onExpired();
        setError(`Could not load recent actions: ${e instanceof Error ? e.message : "something went wrong."}`);
      },
    );
  }

  useEffect(load, [refreshKey]);
  useEffect(() => {
    if (hub.connection > 1) load();
  }, [hub.connection]);
  // A run starting (status "running") or finishing changes the list; output chunks do not.
  useHubListener(hub, (e) => {
    if (e.type === "cloud:command-progress" && e.instanceId === instanceId && e.status) load();
  });

  const list = actions && (showAll ? actions : actions.slice(0, SHOWN));

  return (
    <section aria-labelledby="actions-title">
      <h2 id="actions-title">Recent actions</h2>
      {error && <Alert>{error}</Alert>}
      {list === null ? (
        !error && <p class="muted">Loading recent actions…</p>
      ) : list.length === 0 ? (
        <p class="muted">No commands have been run here yet.</p>
      ) : (
        <>
          <ul class="actions-list">
            {list.map((a) => (
              <li key={a.id}>
                <p class="action-line">
                  <code>{a.command}</code>
                  <StateBadge {...actionStatus(a.status)} />
                  {details(a) && <span class="muted">{details(a)}</span>}
                </p>
                <p class="muted">
                  {a.finished_at ? (
                    <>
                      Finished <time dateTime={a.finished_at}>{formatDate(a.finished_at)}</time>
                    </>
                  ) : (
                    <>
                      Started <time dateTime={a.started_at}>{formatDate(a.started_at)}</time>
                    </>
                  )}
                </p>
                {a.error && <p class="bad">{a.error}</p>}
                {a.output_tail && (
                  <details>
                    <summary>
                      Output<span class="visually-hidden"> of {a.command}, {formatDate(a.started_at)}</span>
                    </summary>
                    <pre class="output" tabIndex={0}>
                      {a.output_tail}
                    </pre>
                  </details>
                )}
              </li>
            ))}
          </ul>
          {actions!.length > SHOWN && (
            <button type="button" class="link" onClick={() => setShowAll(!showAll)}>
              {showAll ? `Show the latest ${SHOWN}` : `Show all ${actions!.length}`}
            </button>
          )}
        </>
      )}
    </section>
  );
}

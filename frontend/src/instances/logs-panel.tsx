import { useEffect, useRef, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError, getLogs, type LogEntry } from "../api.ts";
import { formatTime } from "../format.ts";
import { useStickToBottom } from "./stick-to-bottom.ts";
import { useHubListener, type Hub } from "./use-events.ts";

/** Lines shown at first; lines kept as more stream in. */
const INITIAL = 200;
const KEEP = 1000;
/** The most the API returns in one call (it keeps the last 2000 lines). */
const API_MAX = 2000;

const lastSeq = (lines: LogEntry[]) => lines[lines.length - 1]?.seq ?? 0;

/** Lines in sequence order without repeats, the newest KEEP of them. */
function merge(a: LogEntry[], b: LogEntry[]): LogEntry[] {
  if (b.length === 0) return a;
  let out: LogEntry[];
  if (b[0]!.seq > lastSeq(a)) out = a.concat(b);
  else out = [...new Map([...a, ...b].map((l) => [l.seq, l])).values()].sort((x, y) => x.seq - y.seq);
  return out.length > KEEP ? out.slice(-KEEP) : out;
}

/** The newest lines (the API answers the tail when no `since` is given). */
const fetchTail = (instanceId: string): Promise<LogEntry[]> => getLogs(instanceId, null, INITIAL);

/** The instance's log: recent lines, then new ones as they arrive; pause to read, filter to find. */
export function LogsPanel({ instanceId, hub, onExpired }: { instanceId: string; hub: Hub; onExpired: () => void }) {
  const [lines, setLines] = useState<LogEntry[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // While paused: the last line shown. Lines keep arriving behind it.
  const [pausedAt, setPausedAt] = useState<number | null>(null);
  const [filter, setFilter] = useState("");
  const latest = useRef(0);
  latest.current = lastSeq(lines);

  function fail(e: unknown) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    setError(`Could not load logs: ${e instanceof Error ? e.message : "something went wrong."}`);
  }

  function loadInitial() {
    setError(null);
    fetchTail(instanceId).then((tail) => {
      setLines((ls) => merge(tail, ls));
      setLoaded(true);
    }, fail);
  }

  useEffect(loadInitial, []);
  // Back after a reconnect: fetch what was logged while the socket was down.
  useEffect(() => {
    if (hub.connection > 1 && loaded) getLogs(instanceId, latest.current, API_MAX).then((more) => setLines((ls) => merge(ls, more)), fail);
  }, [hub.connection]);

  useHubListener(hub, (e) => {
    if (e.type === "cloud:log-lines" && e.instanceId === instanceId) setLines((ls) => merge(ls, e.lines));
  });

  const paused = pausedAt !== null;
  const shown = paused ? lines.filter((l) => l.seq <= pausedAt) : lines;
  const waiting = lines.length - shown.length;
  const needle = filter.trim().toLowerCase();
  const visible = needle ? shown.filter((l) => l.line.toLowerCase().includes(needle) || l.source.toLowerCase().includes(needle)) : shown;
  const view = useStickToBottom<HTMLDivElement>(visible);

  return (
    <section class="stack" aria-labelledby="logs-title">
      <h2 id="logs-title">Logs</h2>
      {error && (
        <Alert>
          <p>{error}</p>
          {!loaded && (
            <button type="button" onClick={loadInitial}>
              Try again
            </button>
          )}
        </Alert>
      )}
      <div class="toolbar">
        <div class="field">
          <label for="logs-filter">Filter</label>
          <input id="logs-filter" type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} autocomplete="off" spellcheck={false} />
        </div>
        <button type="button" onClick={() => setPausedAt(paused ? null : lastSeq(lines))}>
          {paused ? `Resume${waiting ? ` (${waiting} new)` : ""}` : "Pause"}
        </button>
      </div>
      <div class="log-view" ref={view.ref} onScroll={view.onScroll} role="region" aria-labelledby="logs-title" tabIndex={0}>
        {visible.length === 0 ? (
          <p class="muted">{!loaded && !error ? "Loading logs…" : needle ? "No lines match the filter." : "No log lines yet."}</p>
        ) : (
          <ol class="log-lines">
            {visible.map((l) => (
              <li key={l.seq}>
                <time dateTime={l.at}>{formatTime(l.at)}</time> <span class="log-source">{l.source}</span> <span class="log-text">{l.line}</span>
              </li>
            ))}
          </ol>
        )}
      </div>
      <p class="muted">
        {needle ? `${visible.length} of ${shown.length} lines match.` : `${shown.length} lines.`}
        {paused && " Paused: new lines wait until you resume."}
      </p>
    </section>
  );
}

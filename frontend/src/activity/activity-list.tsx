import type { ActivityItem } from "@anchorage/common";
import { activityKinds, activityStatuses } from "@anchorage/common/activity-order";
import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { formatDate } from "../format.ts";
import { actionStatus, StateBadge } from "../instances/labels.tsx";
import { useHubListener } from "../instances/use-events.ts";
import { useAppData } from "../shell/app-data.tsx";
import { paths } from "../shell/routes.ts";
import { getActivity } from "./activity-api.ts";
import { activityQuery, actorWords, changesActivity, filtersFrom, KIND_LABELS, withFreshFirstPage, withOlderPage, withProgress, type ActivityFilters, type ActivityList } from "./activity-view.ts";

/** Events often come in bursts (a sync's files, a command's start and end): one fetch after they settle. */
const REFETCH_DEBOUNCE_MS = 300;
const ADDRESS = "/activity";

/**
 * Recent actions across every instance, newest first, kept current by the event socket: fetched
 * again shortly after a command or sync starts or ends, and after a reconnect (events may have
 * been missed). The filters live in the address, so a filtered view can be reloaded and shared.
 */
export function ActivityListSection() {
  const { user, hub, list: instances, onExpired } = useAppData();
  const { query, route } = useLocation();
  const filters = filtersFrom(query);
  const key = activityQuery(filters);
  const [list, setList] = useState<ActivityList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The first page and older pages load independently; new filters void both.
  const firstSeq = useRef(0);
  const moreSeq = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  const listRef = useRef<HTMLOListElement>(null);

  function fail(e: unknown) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    setError(`Could not load recent actions: ${e instanceof Error ? e.message : "something went wrong."}`);
  }

  /** The first page again (`reset`: for new filters, dropping what was shown). */
  function refresh(reset = false) {
    const n = ++firstSeq.current;
    if (reset) {
      moreSeq.current++;
      setBusy(false);
      setList(null);
    }
    getActivity(key).then(
      (page) => {
        if (n !== firstSeq.current) return;
        setList((old) => withFreshFirstPage(reset ? null : old, page));
        setError(null);
      },
      (e: unknown) => n === firstSeq.current && fail(e),
    );
  }

  async function loadMore() {
    if (!list?.nextBefore) return;
    const n = ++moreSeq.current;
    const shown = list.items.length;
    setBusy(true);
    try {
      const page = await getActivity(activityQuery(filters, list.nextBefore));
      if (n !== moreSeq.current) return;
      setList((old) => (old ? withOlderPage(old, page) : old));
      setError(null);
      // Keyboard users land on the first new item rather than back at the top.
      requestAnimationFrame(() => (listRef.current?.children[shown] as HTMLElement | undefined)?.focus());
    } catch (e) {
      if (n === moreSeq.current) fail(e);
    } finally {
      if (n === moreSeq.current) setBusy(false);
    }
  }

  useEffect(() => refresh(true), [key]);
  useEffect(() => {
    if (hub.connection > 1) refresh();
  }, [hub.connection]);
  useEffect(() => () => clearTimeout(timer.current), []);
  useHubListener(hub, (e) => {
    setList((old) => (old ? withProgress(old, e) : old));
    if (!changesActivity(e, filters)) return;
    clearTimeout(timer.current);
    timer.current = setTimeout(() => refresh(), REFETCH_DEBOUNCE_MS);
  });

  const setFilter = (field: keyof ActivityFilters, value: string) => route(`${ADDRESS}${activityQuery({ ...filters, [field]: value })}`, true);
  const filtered = Boolean(filters.instance || filters.kind || filters.status);
  const select = (field: keyof ActivityFilters, label: string, options: { value: string; label: string }[]) => (
    <div class="field">
      <label for={`activity-${field}`}>{label}</label>
      <select id={`activity-${field}`} value={filters[field]} onChange={(e) => setFilter(field, e.currentTarget.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
  const known = instances.instances ?? [];
  // An instance named in the address but not (yet) in the list still shows as chosen.
  const instanceOptions = [
    { value: "", label: "All instances" },
    ...known.map((i) => ({ value: i.id, label: i.name })),
    ...(filters.instance && !known.some((i) => i.id === filters.instance) ? [{ value: filters.instance, label: filters.instance }] : []),
  ];

  return (
    <section class="card" aria-labelledby="recent-actions-title">
      <h2 id="recent-actions-title">Recent actions</h2>
      <p class="muted section-intro">
        Commands, syncs, git, proxy pauses, file changes and terminals on every instance you can see, newest first. On an instance shared with you: its
        commands, and your own of the rest.
      </p>
      <form class="audit-filters" aria-label="Filter recent actions" onSubmit={(e) => e.preventDefault()}>
        {select("instance", "Instance", instanceOptions)}
        {select("kind", "Kind", [{ value: "", label: "All kinds" }, ...activityKinds.map((k) => ({ value: k, label: KIND_LABELS[k] }))])}
        {select("status", "Status", [{ value: "", label: "Any status" }, ...activityStatuses.map((s) => ({ value: s, label: actionStatus(s).label }))])}
        <div class="button-row audit-buttons">
          <button type="button" onClick={() => refresh()}>
            Refresh
          </button>
          {filtered && (
            <button type="button" onClick={() => route(ADDRESS, true)}>
              Clear filters
            </button>
          )}
        </div>
      </form>
      {error && <Alert>{error}</Alert>}
      {list === null ? (
        !error && <p class="muted">Loading recent actions…</p>
      ) : list.items.length === 0 ? (
        <p class="muted" role="status">
          {filtered ? "No recent actions match these filters." : "No recent actions yet."}
        </p>
      ) : (
        <>
          <ol class="actions-list" ref={listRef} aria-label="Recent actions">
            {list.items.map((item) => (
              <ActivityRow key={item.id} item={item} me={user.id} />
            ))}
          </ol>
          {list.nextBefore && (
            <button type="button" onClick={loadMore} disabled={busy}>
              {busy ? "Loading…" : "Load more"}
            </button>
          )}
        </>
      )}
    </section>
  );
}

function ActivityRow({ item, me }: { item: ActivityItem; me: string }) {
  return (
    <li tabIndex={-1}>
      <p class="action-line">
        <strong>{item.summary}</strong>
        <StateBadge {...actionStatus(item.status)} />
      </p>
      <p class="muted">
        {KIND_LABELS[item.kind]} on <a href={paths.instance(item.instance_id)}>{item.instance_name}</a> · by {actorWords(item, me)} ·{" "}
        <time dateTime={item.at}>{formatDate(item.at)}</time>
      </p>
      {item.output && (
        <details>
          <summary>
            Output<span class="visually-hidden"> of {item.summary} on {item.instance_name}</span>
          </summary>
          <pre class="output" tabIndex={0}>
            {item.output}
          </pre>
        </details>
      )}
    </li>
  );
}

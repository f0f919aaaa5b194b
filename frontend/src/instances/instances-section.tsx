import type { Instance, InstanceUpdateEvent } from "@anchorage/common";
import { useEffect, useRef, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { AnchorCommand } from "./anchor-command.tsx";
import { ApiError, listInstances } from "../api.ts";
import { formatBytes, formatDate } from "../format.ts";
import { LazyScreen } from "../lazy-screens.tsx";
import { InstanceSparkline } from "../health/instance-sparkline.tsx";
import { InstanceDetails } from "./instance-details.tsx";
import { instanceStatus, relationLabel, StateBadge } from "./labels.tsx";
import { LiveIndicator } from "./live-indicator.tsx";
import { useHub, useHubListener } from "./use-events.ts";

/** A heartbeat (online, with stats) or a lost connection (offline) applied to one row. */
function applyUpdate(i: Instance, e: InstanceUpdateEvent): Instance {
  if (e.status === "offline") return { ...i, status: "offline", stats: null };
  return { ...i, status: "online", last_seen_at: e.at, stats: e.stats ?? i.stats };
}

/** Rows that get a CPU sparkline (each reads its last hour once): a long list keeps to the numbers below. */
const SPARKLINE_ROWS = 30;

const hostOf = (i: Instance) => i.hostname ?? "—";
const platformOf = (i: Instance) => [i.platform, i.arch].filter(Boolean).join(" / ") || "—";

/**
 * The instances the user can see, kept current by the live event socket; one can be opened for
 * commands and logs. The proxies and shares screens follow, on the same list and socket.
 */
export function InstancesSection({ onExpired }: { onExpired: () => void }) {
  const hub = useHub(onExpired);
  const [instances, setInstances] = useState<Instance[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  // Move focus to the details only when the user asked for them, not when we open the only instance.
  const [focusDetails, setFocusDetails] = useState(false);
  const known = useRef(new Set<string>());
  const refetchedFor = useRef(new Set<string>());
  const loadSeq = useRef(0);

  function load() {
    const n = ++loadSeq.current;
    listInstances().then(
      (list) => {
        if (n !== loadSeq.current) return;
        known.current = new Set(list.map((i) => i.id));
        setInstances(list);
        setError(null);
      },
      (e: unknown) => {
        if (n !== loadSeq.current) return;
        if (e instanceof ApiError && e.status === 401) return onExpired();
        setError(`Could not load instances: ${e instanceof Error ? e.message : "something went wrong."}`);
      },
    );
  }

  useEffect(load, []);
  // After a reconnect, events may have been missed while the socket was down.
  useEffect(() => {
    if (hub.connection > 1) load();
  }, [hub.connection]);

  useHubListener(hub, (e) => {
    if (e.type !== "cloud:instance-update") return;
    if (!known.current.has(e.instanceId)) {
      // New to us (just anchored or shared): fetch the list, once per instance.
      if (instances !== null && !refetchedFor.current.has(e.instanceId)) {
        refetchedFor.current.add(e.instanceId);
        load();
      }
      return;
    }
    setInstances((list) => list?.map((i) => (i.id === e.instanceId ? applyUpdate(i, e) : i)) ?? null);
  });

  // One instance: open it. The open one gone from the list: close it.
  useEffect(() => {
    if (!instances) return;
    if (selectedId && !instances.some((i) => i.id === selectedId)) setSelectedId(null);
    else if (!selectedId && instances.length === 1) setSelectedId(instances[0]!.id);
  }, [instances]);

  function open(id: string) {
    setFocusDetails(true);
    setSelectedId(id);
  }

  const selected = instances?.find((i) => i.id === selectedId) ?? null;

  return (
    <>
      <section class="card" aria-labelledby="instances-title">
        <div class="section-head">
          <h2 id="instances-title">Instances</h2>
          <LiveIndicator state={hub.state} />
        </div>
        {error && (
          <Alert>
            <p>{error}</p>
            <button type="button" onClick={load}>
              Try again
            </button>
          </Alert>
        )}
        {instances === null ? (
          !error && <p class="muted">Loading instances…</p>
        ) : instances.length === 0 ? (
          <p class="muted">No instances yet. Run the anchor command below on a machine to add one here.</p>
        ) : (
          <div class="table-scroll" role="region" aria-labelledby="instances-title" tabIndex={0}>
            <table class="instances">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col" class="wide-only">Status</th>
                  <th scope="col" class="wide-only">Host</th>
                  <th scope="col">CPU</th>
                  <th scope="col" class="wide-only">Memory</th>
                  <th scope="col" class="wide-only">Last seen</th>
                  <th scope="col">
                    <span class="visually-hidden">Details</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {instances.map((i, row) => (
                  <tr key={i.id} class={i.id === selectedId ? "selected" : undefined}>
                    <th scope="row">
                      {i.name}
                      {i.relation !== "owner" && <span class="relation">{relationLabel[i.relation]}</span>}
                      <span class="narrow-only">
                        <StateBadge {...instanceStatus(i.status)} />
                      </span>
                    </th>
                    <td class="wide-only">
                      <StateBadge {...instanceStatus(i.status)} />
                    </td>
                    <td class="wide-only">
                      {hostOf(i)}
                      <span class="sub">{platformOf(i)}</span>
                    </td>
                    <td>
                      <span class="cpu-cell">
                        {i.stats ? `${Math.round(i.stats.cpu)}%` : "—"}
                        {row < SPARKLINE_ROWS && <InstanceSparkline instanceId={i.id} name={i.name} hub={hub} onExpired={onExpired} />}
                      </span>
                    </td>
                    <td class="wide-only">{i.stats ? `${formatBytes(i.stats.memory.used)} / ${formatBytes(i.stats.memory.total)}` : "—"}</td>
                    <td class="wide-only">{i.last_seen_at ? <time dateTime={i.last_seen_at}>{formatDate(i.last_seen_at)}</time> : "Never"}</td>
                    <td>
                      <button type="button" onClick={() => open(i.id)} aria-current={i.id === selectedId ? "true" : undefined}>
                        Details<span class="visually-hidden"> of {i.name}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {instances && instances.length > 1 && !selected && <p class="muted hint-below">Open an instance's details to run commands and read its logs.</p>}
        {instances !== null && <AnchorCommand open={instances.length === 0} />}
      </section>
      {selected && <InstanceDetails key={selected.id} instance={selected} hub={hub} focus={focusDetails} onExpired={onExpired} />}
      <LazyScreen title="Proxies" render={(s) => <s.ProxiesSection hub={hub} instances={instances} onExpired={onExpired} />} />
      <LazyScreen title="Shares" render={(s) => <s.SharesSection instances={instances} onExpired={onExpired} />} />
      <LazyScreen title="File sync" render={(s) => <s.SyncScreen hub={hub} instances={instances} onExpired={onExpired} />} />
    </>
  );
}

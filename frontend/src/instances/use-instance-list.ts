import type { Instance, InstanceUpdateEvent } from "@anchorage/common";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, listInstances } from "../api.ts";
import { useHubListener, type Hub } from "./use-events.ts";

/** A heartbeat (online, with stats) or a lost connection (offline) applied to one row. */
function applyUpdate(i: Instance, e: InstanceUpdateEvent): Instance {
  if (e.status === "offline") return { ...i, status: "offline", stats: null };
  return { ...i, status: "online", last_seen_at: e.at, stats: e.stats ?? i.stats };
}

export interface InstanceList {
  /** null while the first answer is on its way. */
  instances: Instance[] | null;
  error: string | null;
  reload: () => void;
}

/**
 * The instances the person can see, fetched once and kept current by the live event socket:
 * every page reads this one list. A reconnect fetches it again (events may have been missed),
 * and an instance the list does not know yet (just anchored or shared) fetches it once.
 */
export function useInstanceList(hub: Hub, onExpired: () => void): InstanceList {
  const [instances, setInstances] = useState<Instance[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const known = useRef(new Set<string>());
  const refetchedFor = useRef(new Set<string>());
  const loadSeq = useRef(0);

  function reload() {
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

  useEffect(reload, []);
  useEffect(() => {
    if (hub.connection > 1) reload();
  }, [hub.connection]);

  useHubListener(hub, (e) => {
    if (e.type !== "cloud:instance-update") return;
    if (!known.current.has(e.instanceId)) {
      if (instances !== null && !refetchedFor.current.has(e.instanceId)) {
        refetchedFor.current.add(e.instanceId);
        reload();
      }
      return;
    }
    setInstances((list) => list?.map((i) => (i.id === e.instanceId ? applyUpdate(i, e) : i)) ?? null);
  });

  return { instances, error, reload };
}

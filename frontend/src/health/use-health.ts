import type { HealthPoint, SystemStats } from "@anchorage/common";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api.ts";
import { useHubListener, type Hub } from "../instances/use-events.ts";
import { getHealthHistory } from "./health-api.ts";
import { foldStats } from "./health-series.ts";

export interface HealthHistory {
  /** null until the history is in (or when it could not be read: see `error`). */
  points: HealthPoint[] | null;
  error: string | null;
  reload: () => void;
}

/**
 * An instance's health over the last `hours`: read once, then kept current by the heartbeats the
 * event socket already brings (every 5 s, with stats), folded into their minute as the server
 * folds them. Read again only after the socket reconnects, when heartbeats may have been missed.
 */
export function useHealthHistory(instanceId: string, hours: number, hub: Hub, onExpired: () => void): HealthHistory {
  const [points, setPoints] = useState<HealthPoint[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);
  // Heartbeats that arrive while the history is being read are folded in once it is.
  const early = useRef<{ stats: SystemStats; at: number }[]>([]);

  function load() {
    const n = ++seq.current;
    early.current = [];
    getHealthHistory(instanceId, hours).then(
      (list) => {
        if (n !== seq.current) return;
        let folded = list;
        for (const b of early.current) folded = foldStats(folded, b.stats, b.at, hours * 60);
        early.current = [];
        setPoints(folded);
        setError(null);
      },
      (e: unknown) => {
        if (n !== seq.current) return;
        if (e instanceof ApiError && e.status === 401) return onExpired();
        setError(`Could not read the health history: ${e instanceof Error ? e.message : "something went wrong."}`);
      },
    );
  }

  useEffect(load, [instanceId, hours]);
  useEffect(() => {
    if (hub.connection > 1) load();
  }, [hub.connection]);

  useHubListener(hub, (e) => {
    if (e.type !== "cloud:instance-update" || e.instanceId !== instanceId || !e.stats) return;
    const at = Date.parse(e.at);
    const beat = { stats: e.stats, at: Number.isNaN(at) ? Date.now() : at };
    if (points === null) {
      if (!error) early.current.push(beat);
    }
    else setPoints((list) => (list ? foldStats(list, beat.stats, beat.at, hours * 60) : list));
  });

  return { points, error, reload: load };
}

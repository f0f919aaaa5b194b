import type { SyncActivityEvent } from "@anchorage/common";
import type { SyncPlan } from "@anchorage/common/sync/plan-sync";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api.ts";
import { useHubListener, type Hub } from "../instances/use-events.ts";
import type { SyncRequest } from "./compare-view.ts";
import { cancelOperation, getOperation, syncChosenFiles } from "./sync-api.ts";
import { applyOperation, applySyncEvent, startProgress, type SyncProgress } from "./sync-progress.ts";

/** How many events to hold while the start request is still out (a small sync can finish before it answers). */
const EARLY_EVENTS_MAX = 2_000;

/**
 * One sync at a time from the screen: starts it, then follows it on the event socket. The
 * operation is read once after the start (events sent before the page knew its id are held and
 * replayed too) and once after each reconnect of the socket, never on a timer.
 */
export function useSyncRun(hub: Hub, onExpired: () => void, onEnded: (p: SyncProgress) => void) {
  const [progress, setProgress] = useState<SyncProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const early = useRef<SyncActivityEvent[] | null>(null);
  /** The operation whose end is still to be reported. */
  const endedFor = useRef<string | null>(null);
  const ended = useRef(onEnded);
  ended.current = onEnded;

  function fail(e: unknown, prefix: string) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    setError(`${prefix}: ${e instanceof Error ? e.message : "something went wrong."}`);
  }

  useHubListener(hub, (e) => {
    if (e.type !== "cloud:sync-activity") return;
    if (early.current) {
      early.current.push(e);
      if (early.current.length > EARLY_EVENTS_MAX) early.current.shift();
      return;
    }
    setProgress((p) => p && applySyncEvent(p, e));
  });

  function read(operationId: string) {
    getOperation(operationId).then(
      (op) => setProgress((p) => p && applyOperation(p, op)),
      (e: unknown) => fail(e, "Could not read the sync's state"),
    );
  }

  async function start(body: SyncRequest, plan: SyncPlan): Promise<boolean> {
    setError(null);
    setStarting(true);
    early.current = [];
    try {
      const { operationId } = await syncChosenFiles(body, [...plan.transfer, ...plan.remove].map((e) => e.path));
      // Synchronously from here: no event can slip between the replay and the live listener.
      let p = startProgress(operationId, plan);
      for (const e of early.current) p = applySyncEvent(p, e);
      early.current = null;
      endedFor.current = operationId;
      setProgress(p);
      read(operationId);
      return true;
    } catch (e) {
      fail(e, "Could not start the sync");
      return false;
    } finally {
      early.current = null;
      setStarting(false);
    }
  }

  async function cancel() {
    if (!progress) return;
    try {
      const op = await cancelOperation(progress.operationId);
      setProgress((p) => p && applyOperation(p, op));
    } catch (e) {
      fail(e, "Could not cancel the sync");
    }
  }

  // Events may have been missed while the socket was down.
  useEffect(() => {
    if (hub.connection > 1 && progress?.state === "running") read(progress.operationId);
  }, [hub.connection]);

  useEffect(() => {
    if (!progress || progress.state === "running" || endedFor.current !== progress.operationId) return;
    endedFor.current = null;
    ended.current(progress);
  }, [progress?.state, progress?.operationId]);

  return { progress, error, starting, start, cancel, dismiss: () => (setProgress(null), setError(null)) };
}

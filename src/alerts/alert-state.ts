import { HEARTBEAT_INTERVAL_MS, type AlertCondition } from "@anchorage/common";
import type { InstanceLive } from "../../core/rpc/instance-rpc.ts";

/** One machine under an alert. `since`: when the condition began to hold (ms); `seenAt`: the last observation. */
export type Watch = { state: "ok" | "pending" | "firing"; since: number | null; seenAt: number };

export type Step = { next: Watch; event: "firing" | "resolved" | null };

/**
 * One observation of the condition on one machine, the whole state machine: holding for
 * `forMs` fires once; ending after a firing resolves once; ending before (a flap shorter than
 * the grace) sends nothing. `null` is "unknown" (a metric of a machine that is not reporting):
 * a grace in progress is dropped, a firing stays firing until a real observation ends it.
 */
export function observe(w: Watch | undefined, holds: boolean | null, now: number, forMs: number): Step {
  const current: Watch = w ?? { state: "ok", since: null, seenAt: now };
  const seenAt = Math.max(current.seenAt, now);
  if (holds === true) {
    if (current.state === "firing") return { next: { ...current, seenAt }, event: null };
    const since = current.state === "pending" ? current.since! : now;
    if (now - since >= forMs) return { next: { state: "firing", since, seenAt }, event: "firing" };
    return { next: { state: "pending", since, seenAt }, event: null };
  }
  if (holds === false) {
    return { next: { state: "ok", since: null, seenAt }, event: current.state === "firing" ? "resolved" : null };
  }
  if (current.state === "pending") return { next: { state: "ok", since: null, seenAt }, event: null };
  return { next: { ...current, seenAt }, event: null };
}

/** When a pending grace ends (ms), if one is running. */
export const graceEndsAt = (w: Watch, forMs: number): number | undefined => (w.state === "pending" && w.since !== null ? w.since + forMs : undefined);

export const forMsOf = (c: AlertCondition) => ("offline" in c ? c.offline.forSeconds : c.forSeconds) * 1000;

/** Stats older than three heartbeats are not the machine's state now. */
const STALE_STATS_MS = 3 * HEARTBEAT_INTERVAL_MS;

/** The metric in percent from the latest stats; null when the machine is not reporting. */
export function metricPercent(live: InstanceLive, metric: "cpu" | "memory" | "disk", now: number): number | null {
  const s = live.stats;
  if (!live.online || !s || !live.last_heartbeat || now - Date.parse(live.last_heartbeat) > STALE_STATS_MS) return null;
  if (metric === "cpu") return s.cpu;
  const { used, total } = s[metric];
  return total > 0 ? (used / total) * 100 : null;
}

/** Whether the condition holds on a machine as its InstanceDO sees it now (null: cannot tell). */
export function conditionHolds(c: AlertCondition, live: InstanceLive, now: number): boolean | null {
  // The InstanceDO's status keeps "online" through its own short grace after a drop.
  if ("offline" in c) return live.status === "offline";
  const p = metricPercent(live, c.metric, now);
  return p === null ? null : p > c.above;
}

import { describeCondition, type AlertCondition, type AlertMessage } from "@anchorage/common";

/** A firing or a resolved, for one machine of one alert. */
export type AlertEvent = {
  event: "firing" | "resolved";
  instanceId: string;
  instanceName: string | null;
  /** When the condition began to hold (ms). */
  since: number;
  at: number;
  /** The metric's value when it was observed, percent. */
  value?: number;
};

const iso = (ms: number) => new Date(ms).toISOString();
const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;

/** The words every channel carries: which alert, which machine, what condition, since when. */
export function alertText(alert: { name: string; condition: AlertCondition }, e: AlertEvent): string {
  const machine = `"${e.instanceName ?? e.instanceId}"`;
  const what = "offline" in alert.condition ? "offline" : `${alert.condition.metric}${e.value !== undefined ? ` at ${e.value.toFixed(1)}%` : " high"}`;
  if (e.event === "firing") {
    return `[FIRING] ${alert.name}: machine ${machine} is ${what} since ${iso(e.since)} (condition: ${describeCondition(alert.condition)})`;
  }
  return `[RESOLVED] ${alert.name}: machine ${machine} is no longer ${"offline" in alert.condition ? "offline" : `${alert.condition.metric} high`} (since ${iso(e.since)}, for ${seconds(e.at - e.since)}; condition: ${describeCondition(alert.condition)})`;
}

export function alertMessage(alert: { id: string; name: string; condition: AlertCondition }, e: AlertEvent, eventId: string): AlertMessage {
  return {
    id: eventId,
    type: e.event === "firing" ? "alert.firing" : "alert.resolved",
    at: iso(e.at),
    alert: { id: alert.id, name: alert.name },
    instance: { id: e.instanceId, name: e.instanceName },
    condition: alert.condition,
    since: iso(e.since),
    text: alertText(alert, e),
  };
}

import { offlineAlertsWatching } from "../../core/alerts/alerts-watching.ts";
import type { InstanceContext } from "./instance-context.ts";

/**
 * The instance went offline or came back (its own grace already over): the alerts that may watch
 * it are found in D1 and each one's object is told. Transitions are rare, so this query runs
 * seldom; it never runs per heartbeat. In the background: an alert's trouble never delays the agent.
 */
export function notifyAlertWatchers(c: InstanceContext, instanceId: string, status: "online" | "offline", at: number): void {
  c.background("alert notification", (async () => {
    const ids = await offlineAlertsWatching(c.db(), instanceId);
    await Promise.all(ids.map((id) =>
      c.env.ALERT.get(c.env.ALERT.idFromName(id)).instanceChanged(instanceId, status, at)
        .catch((e: unknown) => console.error(`alert ${id}: ${(e as Error).message}`))));
  })());
}

import type { Hub } from "../instances/use-events.ts";
import { Sparkline } from "./sparkline.tsx";
import { useHealthHistory } from "./use-health.ts";

/** The instances table's CPU line for one row: its last hour, then its heartbeats. */
export function InstanceSparkline({ instanceId, name, hub, onExpired }: { instanceId: string; name: string; hub: Hub; onExpired: () => void }) {
  const { points, error } = useHealthHistory(instanceId, 1, hub, onExpired);
  if (error) return <span class="visually-hidden">(CPU history unavailable: {error})</span>;
  return points ? <Sparkline points={points} now={Date.now()} label={`CPU of ${name}`} /> : null;
}

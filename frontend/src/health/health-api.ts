import type { HealthPoint } from "@anchorage/common";
import { authed, instancePath, request } from "../api.ts";

/** `GET /api/cloud/instance/:id/health?hours=`: the minute points of the last `hours` (at most 24), oldest first. */
export const getHealthHistory = (instanceId: string, hours: number) =>
  authed(() => request<{ points: HealthPoint[] }>("GET", instancePath(instanceId, `health?hours=${hours}`))).then((r) => r.points);

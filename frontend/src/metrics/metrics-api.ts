import type { MetricsResponse } from "@anchorage/common";
import { authed, instancePath, request } from "../api.ts";

/** `GET /api/cloud/instance/:id/metrics?from=&to=&step=` (epoch ms, seconds). */
export const getMetrics = (instanceId: string, from: number, to: number, step: number) =>
  authed(() => request<MetricsResponse>("GET", instancePath(instanceId, `metrics?from=${Math.floor(from)}&to=${Math.ceil(to)}&step=${step}`)));

import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { metricsQuerySchema, metricsResponseSchema, planMetrics, type MetricSeries } from "@anchorage/common";
import { AppError } from "../../../core/app-error.ts";
import { requireInstance } from "../../../core/instances/instance-access.ts";
import { errorResponses, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import { newRouter } from "../../http/router.ts";

export const metricRoutes = newRouter();
const idParam = z.object({ id: z.string().min(1).max(64) });

metricRoutes.openapi(
  createRoute({
    method: "get", path: "/instance/{id}/metrics", tags: ["instances"], ...signedIn,
    summary: "Metric history: cpu, memory and disk in percent, network in bytes/s. `from`/`to` are epoch ms or ISO 8601 (default the last hour), `step` seconds (default about 500 points). Raw heartbeats (24 h) when the range starts within them and the step is under 300 s, five-minute buckets (30 days) otherwise; at most 2,000 points",
    request: { params: idParam, query: metricsQuerySchema },
    responses: { 200: jsonResponse(metricsResponseSchema, "Series"), ...errorResponses(400, 401, 404) },
  }),
  async (c) => {
    const { instance } = await requireInstance(c.get("db"), c.get("principal"), c.req.valid("param").id, "read:cloud_instance");
    const planned = planMetrics(c.req.valid("query"), Date.now());
    if (!planned.ok) throw new AppError("E-VALIDATION", `invalid query: ${planned.field}: ${planned.message}`, { fields: [{ path: planned.field, message: planned.message }] });
    const { plan } = planned;
    // The RPC stub's type widens the [t, v] tuples to number[]; the object returns MetricSeries.
    const series = (await c.env.INSTANCE.get(c.env.INSTANCE.idFromName(instance.id)).metrics(plan)) as MetricSeries;
    return c.json({ from: plan.from, to: plan.to, step: plan.step, resolution: plan.resolution, series }, 200);
  },
);

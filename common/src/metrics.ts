import { z } from "zod";
import { BUCKET_RETENTION_MS, BUCKET_SECONDS, MAX_METRIC_POINTS, MAX_STEP_SECONDS, METRIC_SERIES, MIN_STEP_SECONDS, RAW_RETENTION_MS, type MetricSeriesName } from "./metric-names.ts";

/**
 * Metric history (`GET /api/cloud/instance/:id/metrics`, docs/fleet.md "Metrics"): every
 * heartbeat's sample is kept 24 h, five-minute buckets 30 days, both in the InstanceDO's storage.
 */

export * from "./metric-names.ts";

/** A query without `step` gets the finest step in this list that gives at most this many points. */
const DEFAULT_POINTS = 500;
const NICE_STEPS = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400];

/** An instant as epoch milliseconds (digits) or an ISO 8601 date-time with an offset. */
const instant = z.string().transform((v, ctx) => {
  const ms = /^\d{1,15}$/.test(v) ? Number(v) : z.iso.datetime({ offset: true }).safeParse(v).success ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: "custom", message: "expected epoch milliseconds or an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z" });
    return z.NEVER;
  }
  return ms;
});

/** The query: `from` (default `to` − 1 h) and `to` (default now), `step` in seconds (default: about 500 points). */
export const metricsQuerySchema = z.strictObject({
  from: instant.optional(),
  to: instant.optional(),
  step: z.coerce.number().int("whole seconds").min(MIN_STEP_SECONDS).max(MAX_STEP_SECONDS).optional(),
});
export type MetricsQuery = z.infer<typeof metricsQuerySchema>;

/** One point: [start of its step in epoch ms, value]. A step without samples has no point. */
export const metricPointSchema = z.tuple([z.number(), z.number()]);

export const metricsResponseSchema = z.object({
  from: z.number().describe("Epoch ms"),
  to: z.number().describe("Epoch ms"),
  step: z.number().int().describe("Seconds each point covers (a bucketed answer's step is a multiple of 300)"),
  resolution: z.enum(["raw", "5m"]).describe("raw: every heartbeat (kept 24 h); 5m: five-minute buckets (kept 30 days)"),
  series: z.object(Object.fromEntries(METRIC_SERIES.map((n) => [n, z.array(metricPointSchema)])) as Record<MetricSeriesName, z.ZodArray<typeof metricPointSchema>>),
});
export type MetricsResponse = z.infer<typeof metricsResponseSchema>;
export type MetricSeries = MetricsResponse["series"];

/** What the storage is asked for: a checked range, the step it answers in, and which table. */
export interface MetricsPlan {
  from: number;
  to: number;
  step: number;
  resolution: "raw" | "5m";
}

export type MetricsPlanResult = { ok: true; plan: MetricsPlan } | { ok: false; field: "from" | "to" | "step"; message: string };

/**
 * Checks a query against the range rules and picks its source: the raw samples when the range
 * starts within their 24 h and the step is under five minutes, the buckets otherwise (the step
 * then rounded up to a multiple of five minutes). At most MAX_METRIC_POINTS points.
 */
export function planMetrics(q: MetricsQuery, now: number): MetricsPlanResult {
  const to = q.to ?? now;
  const from = q.from ?? to - 60 * 60 * 1000;
  if (from >= to) return { ok: false, field: q.from === undefined ? "to" : "from", message: "from must be before to" };
  const span = to - from;
  if (span > BUCKET_RETENTION_MS) return { ok: false, field: "from", message: "the range is at most 30 days (the buckets' retention)" };
  let step = q.step ?? NICE_STEPS.find((s) => span / (s * 1000) <= DEFAULT_POINTS) ?? MAX_STEP_SECONDS;
  const resolution = from >= now - RAW_RETENTION_MS && step < BUCKET_SECONDS ? "raw" : "5m";
  if (resolution === "5m") step = Math.ceil(step / BUCKET_SECONDS) * BUCKET_SECONDS;
  const points = Math.ceil(span / (step * 1000));
  if (points > MAX_METRIC_POINTS) {
    const least = Math.ceil(span / 1000 / MAX_METRIC_POINTS);
    return { ok: false, field: "step", message: `at most ${MAX_METRIC_POINTS} points: for this range the step must be at least ${least} s` };
  }
  return { ok: true, plan: { from, to, step, resolution } };
}

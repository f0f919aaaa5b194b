/** The metric history's names and limits, without zod (the dashboard imports values from here). */

export const RAW_RETENTION_MS = 24 * 60 * 60 * 1000;
export const BUCKET_SECONDS = 300;
export const BUCKET_MS = BUCKET_SECONDS * 1000;
export const BUCKET_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
/** The finest step: one heartbeat. */
export const MIN_STEP_SECONDS = 5; // HEARTBEAT_INTERVAL_MS (protocol/messages.ts), in seconds
export const MAX_STEP_SECONDS = 24 * 60 * 60;
/** Points per series at most; a finer step for the range is refused (400 naming `step`). */
export const MAX_METRIC_POINTS = 2000;

/** cpu, memory and disk in percent (cpu_max: the highest cpu sample in the step); net_rx/net_tx in bytes per second. */
export const METRIC_SERIES = ["cpu", "cpu_max", "memory", "disk", "net_rx", "net_tx"] as const;
export type MetricSeriesName = (typeof METRIC_SERIES)[number];

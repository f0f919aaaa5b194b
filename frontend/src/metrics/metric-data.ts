import type { MetricSeriesName, MetricsResponse, SystemStats } from "@anchorage/common";
import { METRIC_SERIES } from "@anchorage/common/metric-names";

/**
 * The pure side of the Metrics tab: the ranges, an API answer as aligned columns (what uPlot
 * draws), heartbeats appended live, gaps where the agent was away, and the numbers in words. No
 * DOM here, so it is tested in Node.
 */

export interface MetricRange {
  id: "1h" | "24h" | "7d" | "30d";
  label: string;
  /** Spoken by screen readers and shown in the captions. */
  words: string;
  ms: number;
  /** The step asked of the API, in seconds (1 h from the raw samples, the rest from the 5-minute buckets). */
  step: number;
}

const HOUR = 60 * 60 * 1000;
export const RANGES: readonly MetricRange[] = [
  { id: "1h", label: "1 h", words: "last hour", ms: HOUR, step: 10 },
  { id: "24h", label: "24 h", words: "last 24 hours", ms: 24 * HOUR, step: 300 },
  { id: "7d", label: "7 d", words: "last 7 days", ms: 7 * 24 * HOUR, step: 1800 },
  { id: "30d", label: "30 d", words: "last 30 days", ms: 30 * 24 * HOUR, step: 7200 },
];

/** Aligned columns: `t` in epoch ms, each series a value or null (no sample, or a gap) per `t`. */
export type Columns = { t: number[] } & Record<MetricSeriesName, (number | null)[]>;

export const emptyColumns = (): Columns => ({ t: [], ...(Object.fromEntries(METRIC_SERIES.map((n) => [n, []])) as unknown as Record<MetricSeriesName, (number | null)[]>) });

/** An API answer as columns over the union of its points' times. */
export function columnsOf(res: Pick<MetricsResponse, "series">): Columns {
  const times = new Set<number>();
  for (const n of METRIC_SERIES) for (const [t] of res.series[n]) times.add(t);
  const t = [...times].sort((a, b) => a - b);
  const index = new Map(t.map((x, i) => [x, i]));
  const out = emptyColumns();
  out.t = t;
  for (const n of METRIC_SERIES) {
    const col: (number | null)[] = new Array(t.length).fill(null);
    for (const [x, v] of res.series[n]) col[index.get(x)!] = v;
    out[n] = col;
  }
  return out;
}

/** A heartbeat's stats as one point of every series (percentages from used/total). */
export function pointOf(stats: SystemStats): Record<MetricSeriesName, number | null> {
  const pct = (used: number, total: number) => (total > 0 ? Math.min(100, (100 * used) / total) : null);
  return {
    cpu: stats.cpu,
    cpu_max: stats.cpu,
    memory: pct(stats.memory.used, stats.memory.total),
    disk: pct(stats.disk.used, stats.disk.total),
    net_rx: stats.net?.rx ?? null,
    net_tx: stats.net?.tx ?? null,
  };
}

/**
 * A live heartbeat appended at `at` (ms), and points older than `windowMs` before it dropped. A
 * heartbeat older than the newest point (out of order, or already in the answer) is left out.
 * The input is not changed.
 */
export function appendPoint(cols: Columns, stats: SystemStats, at: number, windowMs: number): Columns {
  const last = cols.t[cols.t.length - 1];
  if (last !== undefined && at <= last) return cols;
  const first = cols.t.findIndex((x) => x > at - windowMs);
  const keep = first < 0 ? cols.t.length : first;
  const p = pointOf(stats);
  const out = { t: [...cols.t.slice(keep), at] } as Columns;
  for (const n of METRIC_SERIES) out[n] = [...cols[n].slice(keep), p[n]];
  return out;
}

/**
 * Columns with a null point inserted wherever two points are more than `gapMs` apart, so the
 * line breaks there: the agent was away, and a line would claim it was not.
 */
export function withGaps(cols: Columns, gapMs: number): Columns {
  const out = emptyColumns();
  for (let i = 0; i < cols.t.length; i++) {
    const t = cols.t[i]!;
    const prev = cols.t[i - 1];
    if (prev !== undefined && t - prev > gapMs) {
      out.t.push(prev + 1);
      for (const n of METRIC_SERIES) out[n].push(null);
    }
    out.t.push(t);
    for (const n of METRIC_SERIES) out[n].push(cols[n][i]!);
  }
  return out;
}

/** Lines break after three steps without a point (and never under 20 s: heartbeats come every 5 s). */
export const gapFor = (stepSeconds: number) => Math.max(3 * stepSeconds * 1000, 20_000);

/** The newest and the highest value of a column (nulls skipped); null when it has none. */
export function latestAndMax(values: readonly (number | null)[]): { latest: number; max: number } | null {
  let latest: number | null = null;
  let max = -Infinity;
  for (const v of values) {
    if (v === null) continue;
    latest = v;
    if (v > max) max = v;
  }
  return latest === null ? null : { latest, max };
}

/** "12%" from 10 up, "3.4%" below. */
export const formatPercent = (v: number) => `${v >= 10 || v === 0 ? Math.round(v) : v.toFixed(1)}%`;

/** Bytes per second in decimal units: "0 B/s", "950 B/s", "1.2 kB/s", "34 MB/s". */
export function formatRate(v: number): string {
  const units = ["B/s", "kB/s", "MB/s", "GB/s", "TB/s"];
  let n = Math.max(0, v);
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u++;
  }
  return `${u === 0 || n >= 10 ? Math.round(n) : n.toFixed(1)} ${units[u]}`;
}

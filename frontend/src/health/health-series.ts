import type { HealthPoint, SystemStats } from "@anchorage/common";

/**
 * The pure side of the health charts: live heartbeats folded into the minute points the server
 * keeps, the points thinned to what a chart can show, a series' min/average/max, and the SVG
 * path of a series. No DOM here, so it is tested in Node.
 */

/** The server keeps 24 h at 1-minute resolution (durable-objects/instance/instance-state.ts). */
export const DAY_MINUTES = 24 * 60;

/**
 * A heartbeat's stats folded into the minute it arrived in, the way the server folds it
 * (a running mean of the minute's samples; totals are the latest), and minutes older than
 * `keepMinutes` before it dropped. Points stay sorted by minute; the input is not changed.
 */
export function foldStats(points: readonly HealthPoint[], stats: SystemStats, atMs: number, keepMinutes = DAY_MINUTES): HealthPoint[] {
  const minute = Math.floor(atMs / 60_000);
  const kept = points.filter((p) => p.minute > minute - keepMinutes);
  const i = kept.findIndex((p) => p.minute === minute);
  const old = i >= 0 ? kept[i] : undefined;
  const n = (old?.samples ?? 0) + 1;
  const mean = (prev: number | undefined, v: number) => (prev === undefined ? v : prev + (v - prev) / n);
  const point: HealthPoint = {
    minute,
    cpu: mean(old?.cpu, stats.cpu),
    mem_used: mean(old?.mem_used, stats.memory.used),
    mem_total: stats.memory.total,
    disk_used: mean(old?.disk_used, stats.disk.used),
    disk_total: stats.disk.total,
    load1: mean(old?.load1, stats.load[0] ?? 0),
    samples: n,
  };
  if (old) {
    kept[i] = point;
    return kept;
  }
  // A heartbeat older than the newest point (out of order) goes in its place.
  const at = kept.findIndex((p) => p.minute > minute);
  if (at < 0) kept.push(point);
  else kept.splice(at, 0, point);
  return kept;
}

/** One value of a series at a minute. */
export interface Sample {
  minute: number;
  value: number;
}

export type Metric = "cpu" | "memory";

/** CPU busy and memory used, both in percent (0–100); a point with no memory total has no memory value. */
export function seriesOf(points: readonly HealthPoint[], metric: Metric): Sample[] {
  const out: Sample[] = [];
  for (const p of points) {
    if (metric === "cpu") out.push({ minute: p.minute, value: clampPercent(p.cpu) });
    else if (p.mem_total > 0) out.push({ minute: p.minute, value: clampPercent((p.mem_used / p.mem_total) * 100) });
  }
  return out;
}

const clampPercent = (v: number) => (Number.isFinite(v) ? Math.min(100, Math.max(0, v)) : 0);

/**
 * At most `max` samples: consecutive minutes averaged in equal time buckets over [from, to),
 * so 1,440 minutes become e.g. 288 five-minute means. A bucket with no sample stays a gap.
 * Samples outside the window are left out.
 */
export function downsample(samples: readonly Sample[], from: number, to: number, max: number): Sample[] {
  const span = to - from;
  if (span <= 0 || max < 1) return [];
  const inside = samples.filter((s) => s.minute >= from && s.minute < to);
  if (inside.length <= max) return inside;
  const width = Math.ceil(span / max);
  const out: Sample[] = [];
  let bucket = -1;
  let sum = 0;
  let count = 0;
  let minuteSum = 0;
  const flush = () => {
    if (count) out.push({ minute: minuteSum / count, value: sum / count });
  };
  for (const s of inside) {
    const b = Math.floor((s.minute - from) / width);
    if (b !== bucket) {
      flush();
      bucket = b;
      sum = count = minuteSum = 0;
    }
    sum += s.value;
    minuteSum += s.minute;
    count++;
  }
  flush();
  return out;
}

export interface Summary {
  min: number;
  avg: number;
  max: number;
  latest: number;
}

/** The lowest, mean, highest and newest value; null for an empty series. */
export function summarize(samples: readonly Sample[]): Summary | null {
  if (!samples.length) return null;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const s of samples) {
    min = Math.min(min, s.value);
    max = Math.max(max, s.value);
    sum += s.value;
  }
  return { min, avg: sum / samples.length, max, latest: samples[samples.length - 1]!.value };
}

export interface Frame {
  width: number;
  height: number;
  /** The time window on the x axis, in minutes since the epoch: [from, to]. */
  from: number;
  to: number;
  /** The value at the top edge (the bottom is 0). */
  top: number;
}

/**
 * The SVG path of a series in a frame (y grows downwards, so 0 is at the bottom). Samples more
 * than `gapMinutes` apart are not joined: the agent was away, and a line would claim it was not.
 */
export function linePath(samples: readonly Sample[], f: Frame, gapMinutes: number): string {
  const span = f.to - f.from || 1;
  const x = (m: number) => round(((m - f.from) / span) * f.width);
  const y = (v: number) => round(f.height - (Math.min(v, f.top) / (f.top || 1)) * f.height);
  const parts: string[] = [];
  let run = 0; // points in the current piece of line
  let prev: number | null = null;
  for (const s of samples) {
    const here = `${x(s.minute)} ${y(s.value)}`;
    if (prev === null || s.minute - prev > gapMinutes) {
      if (run === 1) parts.push(`L${parts[parts.length - 1]!.slice(1)}`);
      parts.push(`M${here}`);
      run = 1;
    } else {
      parts.push(`L${here}`);
      run++;
    }
    prev = s.minute;
  }
  // A point on its own (the agent's first minute, or one between gaps) is drawn as a dot: a
  // zero-length line, which round caps make visible.
  if (run === 1) parts.push(`L${parts[parts.length - 1]!.slice(1)}`);
  return parts.join(" ");
}

const round = (n: number) => Math.round(n * 10) / 10;

/** "12%" for whole numbers from 10 up, "3.4%" below. */
export const formatPercent = (v: number) => `${v >= 10 || v === 0 ? Math.round(v) : v.toFixed(1)}%`;

/** A summary in words, the charts' text alternative: "min 2%, average 10%, max 80%, now 12%". */
export const describeSummary = (s: Summary) =>
  `lowest ${formatPercent(s.min)}, average ${formatPercent(s.avg)}, highest ${formatPercent(s.max)}, latest ${formatPercent(s.latest)}`;

import { describe, expect, it } from "vitest";
import { HEARTBEAT_INTERVAL_MS, MAX_METRIC_POINTS, MIN_STEP_SECONDS, planMetrics, type SystemStats } from "@anchorage/common";
import { appendPoint, columnsOf, formatRate, gapFor, latestAndMax, RANGES, withGaps } from "../../../frontend/src/metrics/metric-data.ts";

const series = (over: Partial<Record<string, [number, number][]>> = {}) =>
  ({ cpu: [], cpu_max: [], memory: [], disk: [], net_rx: [], net_tx: [], ...over }) as never;
const stats = (cpu: number, net?: { rx: number; tx: number }): SystemStats => ({ cpu, memory: { used: 1, total: 4 }, disk: { used: 0, total: 0 }, load: [0, 0, 0], uptime: 1, ...(net ? { net } : {}) });

describe("metric columns", () => {
  it("aligns the series on the union of their times, null where one has no point", () => {
    const c = columnsOf({ series: series({ cpu: [[0, 1], [10, 2]], net_rx: [[10, 500]] }) });
    expect(c.t).toEqual([0, 10]);
    expect(c.cpu).toEqual([1, 2]);
    expect(c.net_rx).toEqual([null, 500]);
    expect(c.memory).toEqual([null, null]);
  });

  it("appends a live heartbeat, drops what left the window, ignores one not newer than the last point", () => {
    const c = columnsOf({ series: series({ cpu: [[0, 1], [5000, 2]] }) });
    const next = appendPoint(c, stats(7, { rx: 9, tx: 3 }), 12_000, 10_000);
    expect(next.t).toEqual([5000, 12_000]);
    expect(next.cpu).toEqual([2, 7]);
    expect(next.memory).toEqual([null, 25]);
    expect(next.disk).toEqual([null, null]); // no total: no percentage
    expect(next.net_tx).toEqual([null, 3]);
    expect(appendPoint(next, stats(8), 12_000, 10_000)).toBe(next);
    expect(c.t).toEqual([0, 5000]); // the input is not changed
  });

  it("breaks the line where points are further apart than the gap", () => {
    const c = withGaps(columnsOf({ series: series({ cpu: [[0, 1], [10_000, 2], [100_000, 3]] }) }), gapFor(10));
    expect(c.t).toEqual([0, 10_000, 10_001, 100_000]);
    expect(c.cpu).toEqual([1, 2, null, 3]);
  });

  it("says the latest and the highest value", () => {
    expect(latestAndMax([null, 3, 9, 4, null])).toEqual({ latest: 4, max: 9 });
    expect(latestAndMax([null])).toBeNull();
  });

  it("writes rates in decimal units", () => {
    expect([0, 950, 1234, 34_000_000, 2.5e9].map(formatRate)).toEqual(["0 B/s", "950 B/s", "1.2 kB/s", "34 MB/s", "2.5 GB/s"]);
  });
});

describe("the tab's ranges", () => {
  it("are each a query the API accepts, the hour from raw samples and the rest from buckets", () => {
    const now = Date.now();
    const plans = RANGES.map((r) => planMetrics({ from: now - r.ms, to: now, step: r.step }, now));
    expect(plans.map((p) => (p.ok ? [p.plan.resolution, p.plan.step] : p))).toEqual([["raw", 10], ["5m", 300], ["5m", 1800], ["5m", 7200]]);
    for (const p of plans) if (p.ok) expect((p.plan.to - p.plan.from) / (p.plan.step * 1000)).toBeLessThanOrEqual(MAX_METRIC_POINTS);
  });

  it("the finest step is one heartbeat", () => {
    expect(MIN_STEP_SECONDS * 1000).toBe(HEARTBEAT_INTERVAL_MS);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HealthPoint, SystemStats } from "@anchorage/common";
import { describeSummary, downsample, foldStats, linePath, seriesOf, summarize, type Sample } from "../../../frontend/src/health/health-series.ts";

const stats = (cpu: number, used = 4, total = 16): SystemStats => ({ cpu, memory: { used, total }, disk: { used: 1, total: 2 }, load: [cpu / 100, 0, 0], uptime: 60 });
const at = (minute: number, second = 0) => minute * 60_000 + second * 1000;

describe("live heartbeats folded into minute points", () => {
  it("averages the heartbeats of one minute, as the server does, and keeps the newest totals", () => {
    let points: HealthPoint[] = [];
    points = foldStats(points, stats(10, 2, 16), at(1000, 5));
    points = foldStats(points, stats(20, 4, 16), at(1000, 10));
    points = foldStats(points, stats(60, 6, 32), at(1000, 15));
    expect(points).toHaveLength(1);
    expect(points[0]).toMatchObject({ minute: 1000, cpu: 30, mem_used: 4, mem_total: 32, samples: 3 });
  });

  it("starts a new point each minute, in order, and drops minutes older than the window", () => {
    let points: HealthPoint[] = [];
    for (const m of [1000, 1001, 1003]) points = foldStats(points, stats(m - 1000), at(m), 3);
    expect(points.map((p) => p.minute)).toEqual([1001, 1003]);
    // A late heartbeat for a minute in between goes in its place.
    points = foldStats(points, stats(50), at(1002), 3);
    expect(points.map((p) => p.minute)).toEqual([1001, 1002, 1003]);
  });

  it("never changes the list it was given", () => {
    const before: HealthPoint[] = foldStats([], stats(10), at(5));
    const copy = structuredClone(before);
    foldStats(before, stats(90), at(5, 30));
    expect(before).toEqual(copy);
  });

  it("keeps a minute's mean equal to the mean of its heartbeats, whatever they are", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 12 }), (cpus) => {
        let points: HealthPoint[] = [];
        cpus.forEach((c, n) => (points = foldStats(points, stats(c), at(7, n * 5))));
        const mean = cpus.reduce((a, b) => a + b, 0) / cpus.length;
        expect(points[0]!.cpu).toBeCloseTo(mean, 6);
        expect(points[0]!.samples).toBe(cpus.length);
      }),
    );
  });
});

describe("series", () => {
  it("gives CPU and memory in percent, clamped to 0–100, skipping points without a memory total", () => {
    const points = [foldStats([], stats(150, 8, 16), at(1))[0]!, foldStats([], stats(5, 1, 0), at(2))[0]!];
    expect(seriesOf(points, "cpu")).toEqual([
      { minute: 1, value: 100 },
      { minute: 2, value: 5 },
    ]);
    expect(seriesOf(points, "memory")).toEqual([{ minute: 1, value: 50 }]);
  });
});

describe("downsampling for the 24-h chart", () => {
  const day = (value: (m: number) => number) => Array.from({ length: 1440 }, (_, m) => ({ minute: m, value: value(m) }));

  it("leaves a short series as it is and drops what is outside the window", () => {
    const s = [{ minute: 5, value: 1 }, { minute: 6, value: 2 }, { minute: 20, value: 3 }];
    expect(downsample(s, 0, 10, 100)).toEqual(s.slice(0, 2));
  });

  it("makes 1,440 minutes into at most 288 five-minute means", () => {
    const out = downsample(day((m) => m % 5), 0, 1440, 288);
    expect(out).toHaveLength(288);
    // Each bucket holds minutes 5k … 5k+4, whose values are 0 … 4: mean 2, at minute 5k + 2.
    expect(out[10]).toEqual({ minute: 52, value: 2 });
  });

  it("keeps a gap where the agent was away", () => {
    const s = day(() => 50).filter((x) => x.minute < 600 || x.minute >= 900);
    const out = downsample(s, 0, 1440, 288);
    expect(out.some((x) => x.minute >= 605 && x.minute < 895)).toBe(false);
  });

  it("never returns more than asked, and keeps every value within the series' range", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 1439 }), { minLength: 1, maxLength: 1440 }),
        fc.integer({ min: 1, max: 400 }),
        (minutes, max) => {
          const s: Sample[] = minutes.sort((a, b) => a - b).map((m) => ({ minute: m, value: (m * 37) % 101 }));
          const out = downsample(s, 0, 1440, max);
          expect(out.length).toBeLessThanOrEqual(max);
          const lo = Math.min(...s.map((x) => x.value));
          const hi = Math.max(...s.map((x) => x.value));
          for (const x of out) {
            expect(x.value).toBeGreaterThanOrEqual(lo);
            expect(x.value).toBeLessThanOrEqual(hi);
          }
          for (let i = 1; i < out.length; i++) expect(out[i]!.minute).toBeGreaterThan(out[i - 1]!.minute);
        },
      ),
    );
  });
});

describe("summary and path", () => {
  it("gives the lowest, average, highest and latest value, in words too", () => {
    const s = summarize([{ minute: 1, value: 2 }, { minute: 2, value: 80 }, { minute: 3, value: 8 }])!;
    expect(s).toEqual({ min: 2, avg: 30, max: 80, latest: 8 });
    expect(describeSummary(s)).toBe("lowest 2.0%, average 30%, highest 80%, latest 8.0%");
    expect(summarize([])).toBeNull();
  });

  it("draws 0 at the bottom and the top value at the top, and breaks the line over a gap", () => {
    const f = { width: 100, height: 50, from: 0, to: 10, top: 100 };
    const d = linePath([{ minute: 0, value: 0 }, { minute: 1, value: 100 }, { minute: 5, value: 50 }, { minute: 6, value: 150 }], f, 2);
    expect(d).toBe("M0 50 L10 0 M50 25 L60 0");
  });

  it("draws a point on its own as a dot (a zero-length line), first, between gaps and last", () => {
    const f = { width: 100, height: 100, from: 0, to: 100, top: 100 };
    expect(linePath([{ minute: 10, value: 50 }], f, 2)).toBe("M10 50 L10 50");
    expect(linePath([{ minute: 10, value: 50 }, { minute: 20, value: 10 }, { minute: 21, value: 20 }, { minute: 40, value: 0 }], f, 2)).toBe(
      "M10 50 L10 50 M20 90 L21 80 M40 100 L40 100",
    );
    expect(linePath([], f, 2)).toBe("");
  });
});

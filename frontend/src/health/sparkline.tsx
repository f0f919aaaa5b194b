import type { HealthPoint } from "@anchorage/common";
import { describeSummary, linePath, seriesOf, summarize } from "./health-series.ts";

const WIDTH = 64;
const HEIGHT = 22;

/**
 * A row-sized CPU line over the last hour (one point a minute, no thinning needed), on the same
 * 0–100% scale as the charts. Its label says the same in words.
 */
export function Sparkline({ points, now, label }: { points: readonly HealthPoint[]; now: number; label: string }) {
  const to = Math.floor(now / 60_000) + 1;
  const from = to - 60;
  const series = seriesOf(points, "cpu").filter((s) => s.minute >= from);
  const summary = summarize(series);
  if (!summary) return null;
  const d = linePath(series, { width: WIDTH, height: HEIGHT, from, to, top: 100 }, 2);
  return (
    <svg class="sparkline" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT} role="img" aria-label={`${label}, last hour: ${describeSummary(summary)}`}>
      <line class="chart-grid" x1="0" x2={WIDTH} y1={HEIGHT - 0.5} y2={HEIGHT - 0.5} />
      <path class="chart-line chart-cpu" d={d} />
    </svg>
  );
}

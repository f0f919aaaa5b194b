import type { HealthPoint } from "@anchorage/common";
import { useId } from "preact/hooks";
import { describeSummary, downsample, linePath, seriesOf, summarize, type Metric } from "./health-series.ts";

/** The drawing's own units; the SVG stretches to the card's width (the line keeps its thickness). */
const WIDTH = 600;
const HEIGHT = 120;
/** Points drawn at most: 1,440 minutes become five-minute means, about one per 2 px on a laptop. */
const MAX_POINTS = 288;

export const metricLabel: Record<Metric, string> = { cpu: "CPU busy", memory: "Memory used" };

interface HealthChartProps {
  points: readonly HealthPoint[];
  metric: Metric;
  hours: number;
  /** Now, in ms: the right edge of the chart. */
  now: number;
}

/**
 * One metric over the last `hours` as a line on a 0–100% scale, with its lowest, average,
 * highest and latest values written out beside it (the chart's text alternative too).
 */
export function HealthChart({ points, metric, hours, now }: HealthChartProps) {
  const id = useId();
  const to = Math.floor(now / 60_000) + 1;
  const from = to - hours * 60;
  const all = seriesOf(points, metric).filter((s) => s.minute >= from);
  const drawn = downsample(all, from, to, MAX_POINTS);
  const bucket = Math.max(1, Math.ceil((to - from) / MAX_POINTS));
  const summary = summarize(all);
  const frame = { width: WIDTH, height: HEIGHT, from, to, top: 100 };
  const line = linePath(drawn, frame, 2 * bucket + 1);
  const span = hours >= 1 ? `${hours} h` : `${Math.round(hours * 60)} min`;
  const title = `${metricLabel[metric]}, last ${span}`;
  const words = summary ? `${describeSummary(summary)}.` : "No data yet.";

  return (
    <figure class="health-chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>
        <span class="chart-title">{title}</span>
        <span class="muted chart-summary">{words}</span>
      </figcaption>
      <div class="chart-plot">
        <span class="chart-axis chart-axis-top" aria-hidden="true">
          100%
        </span>
        <span class="chart-axis chart-axis-bottom" aria-hidden="true">
          0%
        </span>
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-labelledby={`${id}-title ${id}-desc`}>
          <title id={`${id}-title`}>{title}</title>
          <desc id={`${id}-desc`}>{words}</desc>
          {[0, 0.5, 1].map((f) => (
            <line key={f} class="chart-grid" x1="0" x2={WIDTH} y1={HEIGHT * f} y2={HEIGHT * f} vector-effect="non-scaling-stroke" />
          ))}
          {line && <path class={`chart-line chart-${metric}`} d={line} vector-effect="non-scaling-stroke" />}
        </svg>
      </div>
      <div class="chart-times" aria-hidden="true">
        <span>{span} ago</span>
        <span>now</span>
      </div>
    </figure>
  );
}

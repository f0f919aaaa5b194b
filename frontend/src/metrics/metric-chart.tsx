import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { useEffect, useId, useRef } from "preact/hooks";
import { latestAndMax } from "./metric-data.ts";

export interface ChartLine {
  label: string;
  values: readonly (number | null)[];
  /** A CSS custom property of the theme (canvas needs the colour itself). */
  color: string;
  dash?: number[];
}

interface MetricChartProps {
  title: string;
  /** "percent": a fixed 0–100% scale; "rate": from 0 to the highest value. */
  kind: "percent" | "rate";
  format: (v: number) => string;
  /** Times in epoch ms, aligned with every line's values. */
  t: readonly number[];
  lines: ChartLine[];
  from: number;
  to: number;
  rangeWords: string;
}

const HEIGHT = 170;
const themeColor = (name: string, fallback: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

/**
 * One chart drawn by uPlot (canvas): time on the x axis, the value with its unit on the y axis,
 * the values under the pointer in the legend. The canvas is hidden from screen readers; the
 * caption says the latest and the highest value of each line in words (the tab's table has
 * every point). It follows its container's width, so it fits a phone.
 */
export function MetricChart({ title, kind, format, t, lines, from, to, rangeWords }: MetricChartProps) {
  const id = useId();
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  // The x range is read through a ref: uPlot calls it again on every setData.
  const span = useRef({ from, to });
  span.current = { from, to };
  const data = (): uPlot.AlignedData => [t.map((x) => x / 1000), ...lines.map((l) => l.values as (number | null)[])];

  useEffect(() => {
    const el = box.current!;
    const muted = themeColor("--muted", "#545c69");
    const grid = themeColor("--border", "#cfd4dc");
    // Keys left out rather than undefined: uPlot's defaults (the time labels among them) would be overwritten.
    const axis = (extra: Partial<uPlot.Axis> = {}): uPlot.Axis => ({ stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, ...extra });
    const u = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: HEIGHT,
        scales: {
          x: { time: true, range: () => [span.current.from / 1000, span.current.to / 1000] },
          y: kind === "percent" ? { range: [0, 100] } : { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
        },
        axes: [axis(), axis({ values: (_u, ticks) => ticks.map((v) => format(v)), size: kind === "rate" ? 70 : 50 })],
        series: [
          { value: (_u, v) => (v === null ? "–" : new Date(v * 1000).toLocaleString()) },
          ...lines.map((l): uPlot.Series => ({
            label: l.label,
            stroke: themeColor(l.color, "#0b5cad"),
            width: 1.5,
            ...(l.dash ? { dash: l.dash } : {}),
            // uPlot's default shows the points only where they are sparse: a lone bucket is a dot.
            value: (_u, v) => (v === null ? "–" : format(v)),
          })),
        ],
        cursor: { y: false },
      },
      data(),
      el,
    );
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [kind, lines.length]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData(data());
  }, [t, from, to, ...lines.map((l) => l.values)]);

  const words = lines
    .map((l) => {
      const s = latestAndMax(l.values);
      return s ? `${l.label}: latest ${format(s.latest)}, highest ${format(s.max)}` : `${l.label}: no data`;
    })
    .join("; ");
  const points = t.length ? lines[0]!.values.filter((v) => v !== null).length : 0;

  return (
    <figure class="metric-chart" aria-labelledby={`${id}-caption`} data-points={points}>
      <figcaption id={`${id}-caption`}>
        <span class="chart-title">
          {title}, {rangeWords}
        </span>
        <span class="muted chart-summary">{points ? `${words}.` : "No data in this range."}</span>
      </figcaption>
      <div ref={box} class="metric-plot" aria-hidden="true" />
    </figure>
  );
}

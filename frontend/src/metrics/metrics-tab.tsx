import type { Instance } from "@anchorage/common";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { useHubListener } from "../instances/use-events.ts";
import { useAppData } from "../shell/app-data.tsx";
import { MetricChart } from "./metric-chart.tsx";
import { appendPoint, columnsOf, formatPercent, formatRate, gapFor, RANGES, withGaps, type Columns, type MetricRange } from "./metric-data.ts";
import { getMetrics } from "./metrics-api.ts";
import { MetricTable } from "./metric-table.tsx";

/**
 * An instance's metric history (its own chunk, with uPlot): cpu, memory, disk and network over
 * the last hour, day, week or month. The hour moves with the heartbeats the event socket already
 * brings; the longer ranges are read when chosen (their points are five-minute buckets or wider).
 */
export function MetricsTab({ instance }: { instance: Instance }) {
  const { hub, onExpired } = useAppData();
  const [range, setRange] = useState<MetricRange>(RANGES[0]!);
  const [cols, setCols] = useState<Columns | null>(null);
  const [frame, setFrame] = useState({ from: 0, to: 0 });
  const [error, setError] = useState<string | null>(null);
  const [table, setTable] = useState(false);
  const seq = useRef(0);

  function load() {
    const n = ++seq.current;
    const to = Date.now();
    const from = to - range.ms;
    setError(null);
    getMetrics(instance.id, from, to, range.step).then(
      (res) => {
        if (n !== seq.current) return;
        setFrame({ from, to });
        setCols(columnsOf(res));
      },
      (e: unknown) => {
        if (n !== seq.current) return;
        if (e instanceof ApiError && e.status === 401) return onExpired();
        setError(`Could not read the metrics: ${e instanceof Error ? e.message : "something went wrong."}`);
      },
    );
  }

  useEffect(load, [instance.id, range.id]);
  useEffect(() => {
    if (hub.connection > 1) load(); // heartbeats may have been missed while the socket was away
  }, [hub.connection]);

  useHubListener(hub, (e) => {
    if (range.id !== "1h" || e.type !== "cloud:instance-update" || e.instanceId !== instance.id || !e.stats) return;
    const at = Date.parse(e.at);
    const when = Number.isNaN(at) ? Date.now() : at;
    setCols((c) => (c ? appendPoint(c, e.stats!, when, range.ms) : c));
    setFrame({ from: when - range.ms, to: when });
  });

  const drawn = useMemo(() => (cols ? withGaps(cols, gapFor(range.step)) : null), [cols, range.step]);
  const hasNet = !!cols?.net_rx.some((v) => v !== null);

  return (
    <section class="stack" aria-labelledby="metrics-title">
      <div class="metrics-head">
        <h2 id="metrics-title">Metrics</h2>
        <div class="segmented" role="group" aria-label="Range">
          {RANGES.map((r) => (
            <button key={r.id} type="button" aria-pressed={r.id === range.id} onClick={() => setRange(r)}>
              {r.label}
            </button>
          ))}
        </div>
      </div>
      {error && (
        <Alert>
          <p>{error}</p>
          <button type="button" onClick={load}>
            Try again
          </button>
        </Alert>
      )}
      {drawn === null ? (
        !error && <p class="muted">Loading the {range.words}…</p>
      ) : (
        <>
          <div class="metric-charts" data-range={range.id}>
            <MetricChart title="CPU" kind="percent" format={formatPercent} t={drawn.t} from={frame.from} to={frame.to} rangeWords={range.words}
              lines={[{ label: "CPU busy", values: drawn.cpu, color: "--accent" }, ...(range.id === "1h" ? [] : [{ label: "CPU highest", values: drawn.cpu_max, color: "--warn", dash: [4, 3] }])]} />
            <MetricChart title="Memory" kind="percent" format={formatPercent} t={drawn.t} from={frame.from} to={frame.to} rangeWords={range.words}
              lines={[{ label: "Memory used", values: drawn.memory, color: "--ok" }]} />
            <MetricChart title="Disk" kind="percent" format={formatPercent} t={drawn.t} from={frame.from} to={frame.to} rangeWords={range.words}
              lines={[{ label: "Disk used (/)", values: drawn.disk, color: "--cm-property" }]} />
            <MetricChart title="Network" kind="rate" format={formatRate} t={drawn.t} from={frame.from} to={frame.to} rangeWords={range.words}
              lines={[{ label: "Received", values: drawn.net_rx, color: "--accent" }, { label: "Sent", values: drawn.net_tx, color: "--danger", dash: [4, 3] }]} />
          </div>
          {!hasNet && <p class="muted">No network figures: the agent reports them on Linux, from its version with metric history on.</p>}
          <div>
            <button type="button" aria-expanded={table} aria-controls="metrics-table" onClick={() => setTable(!table)}>
              {table ? "Hide the table" : "Show as a table"}
            </button>
          </div>
          {table && cols && <MetricTable id="metrics-table" cols={cols} rangeWords={range.words} />}
        </>
      )}
    </section>
  );
}
